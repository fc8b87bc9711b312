"""Plans for the report / format / browser tests: a deterministic synthetic fleet of any size
(built directly as a schema-valid plan dict, so the 10k case costs no pipeline time), and
helpers to read what the HTML report carries."""
from __future__ import annotations

import json
import re
from decimal import Decimal

REASONS_KEEP = [
    ("TCP_ONLY", "port 5432/TCP (postgres) is not HTTP(S)/gRPC; raw TCP stays on a passthrough load balancer"),
    ("UDP", "UDP (7777/UDP) cannot go behind an HTTP(S) load balancer"),
    ("OPT_OUT", "annotated planner.io/keep: \"true\" by its owners"),
]
RATES = [
    {"key": "gcp/global/forwarding_rule_first5", "usd": 0.025, "unit": "hour", "source": "https://cloud.google.com/load-balancing/pricing",
     "effective": "2026-10-01", "unsure": False},
    {"key": "gcp/us-central1/forwarding_rule_additional", "usd": 0.01, "unit": "hour", "source": "https://cloud.google.com/load-balancing/pricing",
     "effective": "2026-10-01", "unsure": False},
    {"key": "gcp/europe-west3/forwarding_rule_additional", "usd": 0.012, "unit": "hour", "source": "derived from EUR catalog prices",
     "effective": "2026-10-01", "unsure": True},
    {"key": "gcp/asia-south1/data_processing_inbound", "usd": 0.01, "unit": "GiB", "source": "catalog E505-1604-58F8",
     "effective": "2025-06-30", "unsure": False},
]


def _usd(d: Decimal) -> float:
    return float(d.quantize(Decimal("0.01")))


def synthetic_plan(n: int, clusters: int = 5, namespaces: int = 200) -> dict:
    """A plan with ``n`` LoadBalancer services over several clusters: every third service is
    kept (TCP/UDP/opt-out), the rest consolidate behind one Gateway per cluster. Costs vary
    with the index so that sorting by cost has a single right answer."""
    services, notes, dns = [], [], []
    routes: dict[str, list] = {}
    cur_total = prop_total = Decimal(0)
    for i in range(n):
        cluster = f"c{i % clusters}"
        ns = f"ns{(i // clusters) % namespaces:03d}"
        name = f"svc-{i:05d}"
        keep = i % 3 == 0
        current = Decimal(600 + (i * 7919) % 1000) / 100  # $6.00 .. $15.99, distinct pattern
        proposed = current if keep else (current / 10).quantize(Decimal("0.01"))
        cur_total += current
        prop_total += proposed
        ep = None if keep else f"planner-{cluster}-external"
        host = f"{name}.{ns}.example.com"
        code, message = REASONS_KEEP[(i // 3) % len(REASONS_KEEP)] if keep else ("HTTP_CONSOLIDATE", f"HTTP(S)/gRPC on port(s) 80: routed by host through {ep}")
        services.append({
            "cluster": cluster, "namespace": ns, "name": name, "internal": False,
            "ports": [{"name": "http" if not keep else "db", "port": 80 if not keep else 5432, "protocol": "TCP", "app_protocol": None}],
            "decision": "keep" if keep else "consolidate",
            "reasons": [{"code": code, "message": message}],
            "current_monthly_usd": _usd(current), "proposed_monthly_usd": _usd(proposed),
            "entrypoint": ep, "hosts": [] if keep else [host], "forwarding_rules": 1,
            "addresses": [f"34.{i // 65536 % 256}.{i // 256 % 256}.{i % 256}"], "load_balancer_ip": None,
            "source": "synthetic.json",
            "policies": {"source_ranges": [], "session_affinity": None, "timeout_sec": None, "app_protocol": None if keep else "HTTP", "tls": False},
        })
        if keep:
            notes.append({"level": "info", "object": f"Service {cluster}/{ns}/{name}", "code": code, "message": "kept: " + message})
        else:
            routes.setdefault(ep, []).append({"host": host, "path": "/", "namespace": ns, "service": name, "port": 80, "name": name})
            dns.append({"host": host, "entrypoint": ep, "old_addresses": services[-1]["addresses"]})
        if i % 97 == 5:
            notes.append({"level": "warn", "object": f"Service {cluster}/{ns}/{name}", "code": "PORT_CHANGES",
                          "message": "clients use port(s) 8080; behind the new entrypoint they use 80/443"})
    notes.append({"level": "block", "object": "Service c0/ns000/svc-00000", "code": "ROUTE_COLLISION",
                  "message": "host svc-00000.ns000.example.com is claimed twice"})
    entrypoints = [{
        "name": ep, "kind": "Gateway", "namespace": "planner-gateway", "cluster": ep.split("-")[1], "internal": False,
        "class": "gke-l7-global-external-managed", "monthly_usd": 9.13, "forwarding_rules": 2,
        "address": {"name": f"{ep}-ip", "global": True, "region": None},
        "listeners": [{"name": "http", "protocol": "HTTP", "port": 80}, {"name": "https", "protocol": "HTTPS", "port": 443}],
        "routes": sorted(r, key=lambda x: (x["namespace"], x["host"])), "tls_hosts": [],
    } for ep, r in sorted(routes.items())]
    kept = sum(1 for s in services if s["decision"] == "keep")
    notes.sort(key=lambda x: ({"block": 0, "warn": 1, "info": 2}[x["level"]], x["object"], x["code"]))
    return {
        "schema_version": "1.0",
        "generator": {"name": "planner", "version": "0.1.0"},
        "inputs": {"files": ["synthetic.json"], "strategy": "gateway", "domain": "example.com", "cloud": "gcp"},
        "summary": {
            "current_monthly_usd": _usd(cur_total), "proposed_monthly_usd": _usd(prop_total),
            "savings_monthly_usd": _usd(cur_total - prop_total),
            "load_balancers_before": n, "load_balancers_after": kept + len(entrypoints),
            "forwarding_rules_before": n, "forwarding_rules_after": kept + 2 * len(entrypoints),
            "services_total": n, "services_consolidated": n - kept, "services_kept": kept,
            "data_processing": {"priced": False, "message": "plus data processing at $0.008/GiB inbound"},
            "objects_read": {"Service": n},
        },
        "clusters": [{"name": f"c{c}", "cloud": "gcp", "project": "p", "region": "us-central1"} for c in range(min(clusters, n) or 1)],
        "services": services,
        "existing_entrypoints": [],
        "entrypoints": entrypoints,
        "costs": {"current": [], "proposed": []},
        "rates": RATES,
        "dns_changes": sorted(dns, key=lambda d: d["host"]),
        "runbook": [
            {"phase": "build", "title": "Build the new entrypoints", "changes": ["create the Gateways"],
             "commands": ["pulumi config set planner:phase build", "pulumi preview", "pulumi up"]},
            {"phase": "cutover", "title": "Point DNS at the new entrypoints", "changes": ["DNS records move"],
             "commands": ["pulumi config set planner:phase cutover", "pulumi up"]},
            {"phase": "retire", "title": "Retire the old load balancers", "changes": ["Services patched to ClusterIP"],
             "commands": ["pulumi config set planner:phase retire", "pulumi up"]},
        ],
        "notes": notes,
    }


_DATA = re.compile(r'<script type="application/json" id="planner-data">(.*?)</script>', re.S)


def report_data(html: str) -> dict:
    """The JSON block the report's script reads (exactly one)."""
    blocks = _DATA.findall(html)
    assert len(blocks) == 1
    return json.loads(blocks[0])


def table_rows(html: str) -> list[dict]:
    """The load-balancer table's rows, with the string-table indices resolved as app.js does."""
    data = report_data(html)
    strings = data["strings"]
    rows = []
    for raw in data["rows"]:
        row = dict(zip(data["columns"], raw))
        for col in data["interned"]:
            row[col] = strings[row[col]]
        row["reasons"] = [[strings[c], strings[m]] for c, m in row["reasons"]]
        rows.append(row)
    return rows
