"""Inventory → Plan: decide what moves, price before and after, and write it all down.

``build_plan(inventory, options)`` returns the plan as a JSON-ready dict (schema
``schema/plan.schema.json``). It is the one contract renderers read.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from planner import __version__
from planner.consolidate.rules import evaluate, is_internal, primary_port, valid_hostname
from planner.consolidate.strategies import STRATEGIES, Slot
from planner.model import BLOCK, INFO, WARN, Footprint, Inventory, Note, PlannerError, Service, Usage, cents
from planner.pricers import get_pricer
from planner.pricers.base import Pricing, allocate

SCHEMA_VERSION = "1.0"
EXTERNAL_DNS = "external-dns.alpha.kubernetes.io/hostname"


@dataclass
class Options:
    strategy: str = "gateway"
    domain: str = "example.com"
    cloud: str = "gcp"
    cloud_reason: str = "default (GCP first)"
    files: list[str] = field(default_factory=list)


def _usd(value: Decimal) -> float:
    return float(cents(value))


def _hosts(svc: Service, domain: str, notes: list[Note]) -> list[str]:
    raw = svc.annotations.get(EXTERNAL_DNS, "")
    hosts: list[str] = []
    for h in (x.strip().lower().rstrip(".") for x in raw.split(",")):
        if not h:
            continue
        if valid_hostname(h):
            hosts.append(h)
        else:
            notes.append(Note(WARN, svc.ref, "INVALID_HOSTNAME", f"annotation {EXTERNAL_DNS} holds {h[:80]!r}, not a valid DNS name; not used"))
    if not hosts:
        generated = f"{svc.name}.{svc.namespace}.{domain}".lower()
        if valid_hostname(generated):
            hosts.append(generated)
        else:
            notes.append(Note(BLOCK, svc.ref, "NO_VALID_HOST", f"no valid hostname for this service (generated {generated[:80]!r} is not a DNS name)"))
    return sorted(set(hosts))


def _sum_usage(usages: list[Usage | None]) -> Usage | None:
    if not usages or any(u is None for u in usages):
        return None
    return Usage(sum((u.gib_in for u in usages), Decimal(0)), sum((u.gib_out for u in usages), Decimal(0)))


def build_plan(inv: Inventory, opts: Options) -> dict:
    if opts.strategy not in STRATEGIES:
        raise PlannerError(f"unknown strategy {opts.strategy!r} (choose from {', '.join(sorted(STRATEGIES))})")
    pricer = get_pricer(opts.cloud)
    notes: list[Note] = list(inv.notes)
    lbs = inv.load_balancers
    multi = len(inv.clusters) > 1
    slot_of = STRATEGIES[opts.strategy]

    # 1. decide, service by service
    decided: list[dict] = []
    slots: dict[str, Slot] = {}
    members: dict[str, list[dict]] = defaultdict(list)
    claims: dict[tuple[str, str], str] = {}  # (entrypoint, host) -> service ref routed there
    for svc in lbs:
        internal = is_internal(svc)
        verdict = evaluate(svc)
        entry = {
            "svc": svc,
            "internal": internal,
            "decision": "keep" if verdict.keep else "consolidate",
            "reasons": [],
            "hosts": [],
            "policies": verdict.policies,
            "slot": None,
        }
        if verdict.keep:
            code, msg = verdict.keep
            entry["reasons"].append({"code": code, "message": msg})
        else:
            hosts = _hosts(svc, opts.domain, notes)
            if not hosts:
                entry["decision"] = "keep"
                entry["reasons"].append({"code": "NO_VALID_HOST", "message": "no valid DNS name to route to it"})
            else:
                slot = slot_of(svc, internal, multi)
                free = [h for h in hosts if (slot.name, h) not in claims]
                for h in hosts:
                    if (slot.name, h) in claims:
                        winner = claims[(slot.name, h)]
                        notes.append(Note(WARN, winner, "ROUTE_COLLISION", f"host {h} is also claimed by {svc.ref}; it stays routed here (first by cluster/namespace/name)"))
                        notes.append(Note(WARN, svc.ref, "ROUTE_COLLISION", f"host {h} is already routed to {winner} on {slot.name}; not routed here"))
                if not free:
                    entry["decision"] = "keep"
                    entry["reasons"].append({"code": "ROUTE_COLLISION", "message": f"every host of this service ({', '.join(hosts)}) is already routed to another service on {slot.name}; kept until the hostnames are made unique"})
                    decided.append(entry)
                    continue
                hosts = free
                for h in hosts:
                    claims[(slot.name, h)] = svc.ref
                slots[slot.name] = slot
                members[slot.name].append(entry)
                entry["slot"] = slot.name
                entry["hosts"] = hosts
                vis = "internal" if internal else "external"
                entry["reasons"].append({"code": "HTTP_CONSOLIDATE", "message": f"HTTP(S)/gRPC on port(s) {', '.join(str(p.port) for p in svc.ports)}: routed by host through the {vis} {slot.kind} {slot.name}"})
                for level, code, message in verdict.notes:
                    notes.append(Note(level, svc.ref, code, message))
                    entry["reasons"].append({"code": code, "message": message})
        decided.append(entry)

    # 2. build the entrypoints (routes, listeners) from their members
    entrypoints: list[dict] = []
    for name in sorted(slots):
        slot = slots[name]
        routes = []
        tls_hosts: set[str] = set()
        for e in sorted(members[name], key=lambda e: e["svc"].key):
            svc: Service = e["svc"]
            port = primary_port(svc).port
            for host in e["hosts"]:
                routes.append({"host": host, "path": "/", "namespace": svc.namespace, "service": svc.name, "port": port, "name": svc.name})
                if e["policies"].get("tls"):
                    tls_hosts.add(host)
        listeners = [{"name": "http", "protocol": "HTTP", "port": 80}]
        if tls_hosts:
            listeners.append({"name": "https", "protocol": "HTTPS", "port": 443})
        cl = inv.clusters[slot.cluster]
        entrypoints.append({
            "name": slot.name,
            "kind": slot.kind,
            "namespace": slot.namespace,
            "cluster": slot.cluster,
            "internal": slot.internal,
            "class": slot.cls,
            "monthly_usd": 0.0,
            "forwarding_rules": len(listeners),
            "address": {"name": f"{slot.name}-ip", "global": not slot.internal, "region": cl.region if slot.internal else None},
            "listeners": listeners,
            "routes": routes,
            "tls_hosts": sorted(tls_hosts),
        })
        if slot.internal:
            notes.append(Note(INFO, f"{slot.kind} {slot.name}", "INTERNAL_PREREQUISITES", f"an internal Application LB needs a proxy-only subnet in {cl.region} (purpose REGIONAL_MANAGED_PROXY) before the build phase"))

    # 3. price before and after
    current_fps: list[Footprint] = [pricer.service_footprint(s, inv.clusters[s.cluster], inv.usage.get(s.key)) for s in lbs]
    current_fps.extend(inv.extra_footprints)
    existing: list[dict] = []
    for ing in inv.ingresses:
        fp = pricer.ingress_footprint(ing, inv.clusters[ing.cluster], inv.usage.get(ing.key))
        if fp is not None:
            current_fps.append(fp)
        else:
            notes.append(Note(INFO, ing.ref, "INGRESS_NOT_PRICED", f"ingress class {ing.ingress_class!r} is served by an in-cluster controller behind its own LoadBalancer Service; not priced as a load balancer"))
        existing.append({"ing": ing, "fp": fp})
    for gw in inv.gateways:  # existing Gateway API Gateways (issue 3)
        fp = pricer.gateway_footprint(gw, inv.clusters[gw.cluster], inv.usage.get(gw.key))
        if fp is not None:
            current_fps.append(fp)
        else:
            notes.append(Note(INFO, gw.ref, "GATEWAY_NOT_PRICED", f"gateway class {gw.gateway_class!r} is not a GKE-managed load balancer class; not priced as a load balancer"))
        existing.append({"gw": gw, "fp": fp})
    moved_refs = {e["svc"].ref for e in decided if e["decision"] == "consolidate"}
    proposed_fps = [fp for fp in current_fps if fp.owner not in moved_refs]
    for ep in entrypoints:
        cl = inv.clusters[ep["cluster"]]
        ep_usage = _sum_usage([inv.usage.get(e["svc"].key) for e in members[ep["name"]]])
        proposed_fps.append(pricer.entrypoint_footprint(ep, cl, ep_usage))
    before: Pricing = pricer.price(current_fps)
    after: Pricing = pricer.price(proposed_fps)

    for ep in entrypoints:
        cost = after.by_owner.get(f"{ep['kind']} {ep['name']}", Decimal(0))
        ep["monthly_usd"] = _usd(cost)
        shares = allocate(cost, {e["svc"].ref: 1 for e in members[ep["name"]]})
        for e in members[ep["name"]]:
            e["proposed"] = shares[e["svc"].ref]

    services = []
    for e in decided:
        svc: Service = e["svc"]
        proposed = after.by_owner.get(svc.ref, Decimal(0)) if e["decision"] == "keep" else e.get("proposed", Decimal(0))
        services.append({
            "cluster": svc.cluster,
            "namespace": svc.namespace,
            "name": svc.name,
            "internal": e["internal"],
            "ports": [{"name": p.name, "port": p.port, "protocol": p.protocol, "app_protocol": p.app_protocol} for p in svc.ports],
            "decision": e["decision"],
            "reasons": e["reasons"],
            "current_monthly_usd": _usd(before.by_owner.get(svc.ref, Decimal(0))),
            "proposed_monthly_usd": _usd(proposed),
            "entrypoint": e["slot"],
            "hosts": e["hosts"],
            "forwarding_rules": pricer.service_footprint(svc, inv.clusters[svc.cluster], None).forwarding_rules,
            "addresses": list(svc.status_addresses),
            "load_balancer_ip": svc.load_balancer_ip,
            "source": str(svc.source),
            "policies": e["policies"] if e["decision"] == "consolidate" else {"source_ranges": [], "session_affinity": None, "timeout_sec": None, "app_protocol": None, "tls": False},
        })
        if e["decision"] == "keep":
            notes.append(Note(INFO, svc.ref, e["reasons"][0]["code"], "kept: " + e["reasons"][0]["message"]))

    existing_out = []
    for x in existing:
        if "gw" in x:
            existing_out.append(_existing_gateway(x["gw"], x["fp"], inv, before.by_owner.get(x["gw"].ref, Decimal(0))))
            continue
        ing, fp = x["ing"], x["fp"]
        existing_out.append({
            "cluster": ing.cluster,
            "namespace": ing.namespace,
            "name": ing.name,
            "kind": "Ingress",
            "class": ing.ingress_class,
            "internal": ing.ingress_class == "gce-internal",
            "tls": ing.has_tls,
            "forwarding_rules": fp.forwarding_rules if fp else 0,
            "monthly_usd": _usd(before.by_owner.get(ing.ref, Decimal(0))),
            "priced": fp is not None,
            "routes": [{"host": p.host, "path": p.path, "namespace": ing.namespace, "service": p.service, "port": p.port} for p in ing.paths],
        })

    # 4. summary, DNS, runbook
    current_total = before.total
    proposed_total = after.total
    n_cons = sum(1 for s in services if s["decision"] == "consolidate")
    priced_existing = sum(1 for x in existing if x["fp"] is not None)
    lbs_before = len(lbs) + priced_existing
    lbs_after = (len(lbs) - n_cons) + priced_existing + len(entrypoints)
    if proposed_total > current_total:
        notes.append(Note(WARN, "plan", "PROPOSAL_COSTS_MORE", f"the proposed design costs ${cents(proposed_total - current_total)}/month more than today; consolidation still removes {len(lbs) - (lbs_after - priced_existing - len(entrypoints))} load balancers' IPs and rules"))
    # data-processing wording
    regions = sorted({c.region for c in inv.clusters.values()}) or ["us-central1"]
    rin, rout = pricer.data_rates(regions[0])
    if before.data_priced or after.data_priced:
        dp_msg = "data processing priced from usage"
    else:
        dp_msg = f"plus data processing at ${rin}/GiB inbound (and ${rout}/GiB outbound through Application LBs)"
    dns_changes = []
    by_ref = {s.ref: s for s in lbs}
    for ep in entrypoints:
        for r in ep["routes"]:
            svc = by_ref[f"Service {ep['cluster']}/{r['namespace']}/{r['service']}"]
            old = sorted(set(svc.status_addresses) | ({svc.load_balancer_ip} if svc.load_balancer_ip else set()))
            dns_changes.append({"host": r["host"], "entrypoint": ep["name"], "old_addresses": old})
    dns_changes.sort(key=lambda d: (d["host"], d["entrypoint"]))

    rates = sorted({**before.rates, **after.rates}.values(), key=lambda r: r.key)
    all_notes = sorted(set(notes), key=lambda n: ({"block": 0, "warn": 1, "info": 2}[n.level], n.object, n.code, n.message))
    plan = {
        "schema_version": SCHEMA_VERSION,
        "generator": {"name": "planner", "version": __version__},
        "inputs": {"files": list(inv.files), "strategy": opts.strategy, "domain": opts.domain, "cloud": opts.cloud, "cloud_reason": opts.cloud_reason},
        "summary": {
            "current_monthly_usd": _usd(current_total),
            "proposed_monthly_usd": _usd(proposed_total),
            "savings_monthly_usd": _usd(current_total - proposed_total),
            "load_balancers_before": lbs_before,
            "load_balancers_after": lbs_after,
            "forwarding_rules_before": sum(fp.forwarding_rules for fp in current_fps),
            "forwarding_rules_after": sum(fp.forwarding_rules for fp in proposed_fps),
            "services_total": len(services),
            "services_consolidated": n_cons,
            "services_kept": len(services) - n_cons,
            "data_processing": {"priced": before.data_priced or after.data_priced, "message": dp_msg, "inbound_usd_per_gib": float(rin), "outbound_usd_per_gib": float(rout)},
            "objects_read": dict(inv.kind_counts),
        },
        "clusters": [{"name": c.name, "cloud": c.cloud, "project": c.project, "region": c.region} for c in sorted(inv.clusters.values(), key=lambda c: c.name)],
        "services": services,
        "existing_entrypoints": existing_out,
        "entrypoints": entrypoints,
        "costs": {"current": [line.to_dict() for line in before.lines], "proposed": [line.to_dict() for line in after.lines]},
        "rates": [r.to_dict() for r in rates],
        "dns_changes": dns_changes,
        "runbook": runbook(entrypoints, services),
        "notes": [n.to_dict() for n in all_notes],
    }
    return plan


def _existing_gateway(gw, fp: Footprint | None, inv: Inventory, cost: Decimal) -> dict:
    """An existing Gateway as an ``existing_entrypoints`` entry, routes from its HTTPRoutes."""
    routes = []
    for r in inv.routes:
        if r.cluster != gw.cluster or f"{gw.namespace}/{gw.name}" not in r.parents:
            continue
        for host in r.hostnames or (None,):
            for path in r.paths:
                for b in r.backends:
                    routes.append({"host": host, "path": path, "namespace": b.namespace, "service": b.service, "port": b.port, "name": r.name})
    routes.sort(key=lambda x: (x["host"] or "", x["path"], x["namespace"], x["service"], x["port"] or 0, x["name"]))
    return {
        "cluster": gw.cluster, "namespace": gw.namespace, "name": gw.name, "kind": "Gateway",
        "class": gw.gateway_class, "internal": fp is not None and fp.kind == "l7-internal", "tls": gw.has_tls,
        "forwarding_rules": fp.forwarding_rules if fp else 0, "monthly_usd": _usd(cost), "priced": fp is not None,
        "routes": routes,
    }


def runbook(entrypoints: list[dict], services: list[dict]) -> list[dict]:
    n_routes = sum(len(e["routes"]) for e in entrypoints)
    moving = [f"{s['cluster']}/{s['namespace']}/{s['name']}" for s in services if s["decision"] == "consolidate"]
    return [
        {
            "phase": "build",
            "title": "Build the new entrypoints beside the old load balancers",
            "commands": ["pulumi stack init <stack>  # once", "pulumi config set gcp:project <project-id>", "pulumi config set planner:phase build", "pulumi preview", "pulumi up"],
            "changes": [f"create {len(entrypoints)} entrypoint(s) with static address(es)", f"create {n_routes} route(s)", "no existing Service or load balancer changes"],
        },
        {
            "phase": "cutover",
            "title": "Point DNS at the new entrypoints",
            "commands": ["pulumi config set planner:phase cutover", "pulumi preview", "pulumi up", "# without planner:dns-zone set, change the records listed under DNS changes by hand"],
            "changes": ["DNS A records for each routed host point at the new address (managed zone from planner:dns-zone)", "gRPC services get appProtocol kubernetes.io/h2c on their ports", "old load balancers keep serving until TTLs expire"],
        },
        {
            "phase": "retire",
            "title": "Retire the old load balancers (Services patched to ClusterIP, never deleted)",
            "commands": ["pulumi config set planner:phase retire", "pulumi preview", "pulumi up"],
            "changes": [f"patch {len(moving)} Service(s) from LoadBalancer to ClusterIP (server-side apply)", "their forwarding rules and IPs are released by GKE"],
        },
    ]
