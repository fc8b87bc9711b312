"""Step 6, the plan itself: new entrypoints (routes, listeners, certificates), service rows,
existing entrypoints, summary, DNS changes, and the plan-wide notes."""
from __future__ import annotations

from decimal import Decimal

from planner.consolidate import certificates
from planner.consolidate.entries import Entry, ExistingItem, reason_dicts, usd
from planner.consolidate.evaluate import EXTERNAL_DNS, Evaluator
from planner.consolidate.hosts import Design
from planner.consolidate.pricing import Priced
from planner.consolidate.rules import default_policies, valid_hostname
from planner.model import INFO, WARN, Inventory, Note, cents


def _routes(ev: Evaluator, members: list[Entry], folded: list) -> tuple[list[dict], set[str]]:
    routes: list[dict] = []
    tls_hosts: set[str] = set()
    for e in members:  # in entries' order: by service key already
        svc = e.svc
        port = ev.primary_port(e)
        source = "generated" if ev.is_generated(svc) else "external-dns"
        https_only = bool(e.policies.get("tls_only", False))
        for r in e.designed:
            routes.append({"host": r.host, "path": r.path, "path_type": r.path_type, "namespace": svc.namespace, "service": svc.name, "port": r.port or port, "name": svc.name,
                           "source": r.source, "https_only": https_only, "rewrite": r.rewrite})
            if e.policies.get("tls"):
                tls_hosts.add(r.host)
        for host in () if e.designed else e.hosts:
            routes.append({"host": host, "path": "/", "path_type": "PathPrefix", "namespace": svc.namespace, "service": svc.name, "port": port, "name": svc.name,
                           "source": source, "https_only": https_only, "rewrite": None})
            if e.policies.get("tls"):
                tls_hosts.add(host)
    for ing in folded:
        # an Ingress may list the very same rule twice; it is one route
        for i, p in enumerate(sorted(set(ing.paths), key=lambda p: (p.host or "", p.path, p.service or "", str(p.port)))):
            path_type = "Exact" if getattr(p, "path_type", None) == "Exact" else "PathPrefix"  # GKE never globs an Exact path
            routes.append({"host": p.host, "path": p.path, "path_type": path_type, "namespace": ing.namespace, "service": p.service, "port": p.port, "name": f"{ing.name}-{i + 1}",
                           "origin": ing.ref, "source": "ingress", "https_only": False, "rewrite": None})
        tls_hosts.update(h for h in ing.tls_hosts if valid_hostname(h))
    return routes, tls_hosts


ARMOR_RANGES_PER_RULE = 10  # as planner/render/pulumi.py builds them: allow rules of 10 ranges, + 1 default deny


def security_policies(members: list[Entry], internal: bool, multi: bool) -> list[dict]:
    """One Cloud Armor policy per moved service with source ranges (external entrypoints only:
    internal ones cannot carry them), as the Pulumi program creates it."""
    if internal:
        return []
    out = []
    for e in members:
        ranges = e.policies.get("source_ranges") or []
        if ranges:
            svc = e.svc
            name = "-".join(["planner", *([svc.cluster] if multi else []), svc.namespace, svc.name])
            out.append({"name": name, "services": [e.ref], "ranges": len(ranges), "rules": -(-len(ranges) // ARMOR_RANGES_PER_RULE) + 1})
    return sorted(out, key=lambda p: p["name"])


def entrypoints(ev: Evaluator, design: Design, folded: dict) -> list[dict]:
    """The new entrypoints (``monthly_usd`` 0 until priced), by name."""
    out: list[dict] = []
    for name in sorted(design.slots):
        slot = design.slots[name]
        routes, tls_hosts = _routes(ev, design.members[name], folded.get(name, []))
        listeners = [{"name": "http", "protocol": "HTTP", "port": 80}]
        if tls_hosts:
            listeners.append({"name": "https", "protocol": "HTTPS", "port": 443})
        cl = ev.inv.clusters[slot.cluster]
        out.append({
            "name": slot.name, "kind": slot.kind, "namespace": slot.namespace, "cluster": slot.cluster,
            "internal": slot.internal, "class": slot.cls, "monthly_usd": 0.0, "forwarding_rules": len(listeners),
            "address": {"name": f"{slot.name}-ip", "global": not slot.internal, "region": cl.region if slot.internal else None},
            "listeners": listeners, "routes": routes, "tls_hosts": sorted(tls_hosts),
            "certificates": certificates.group(slot.name, slot.kind, slot.namespace, sorted(tls_hosts)),
            "security_policies": security_policies(design.members[name], slot.internal, len(ev.inv.clusters) > 1),
            "proxies": ev.opts.proxy_instances if slot.internal else 0,
        })
    return out


def entrypoint_notes(eps: list[dict], notes: list[Note]) -> None:
    for ep in eps:
        if ep["internal"]:
            notes.append(Note(INFO, f"{ep['kind']} {ep['name']}", "INTERNAL_PREREQUISITES", f"an internal Application LB needs a proxy-only subnet in {ep['address']['region']} (purpose REGIONAL_MANAGED_PROXY) before the build phase"))


#: memo bound: a cache above this many entries starts over
_MEMO_MAX = 100_000


def _per_object(cache: dict, obj, make):
    """``make(obj)``, once per object (keyed by id, the object kept beside its value so its id
    stays its own while cached)."""
    got = cache.get(id(obj))
    if got is None or got[0] is not obj:
        if len(cache) > _MEMO_MAX:
            cache.clear()
        got = cache[id(obj)] = (obj, make(obj))
    return got[1]


_PORT_ROWS: dict[int, tuple[tuple, list[dict]]] = {}  # id(ports tuple) -> (the tuple, its rows)
_SOURCE_TEXT: dict[int, tuple[object, str]] = {}  # id(Source) -> (the Source, its text)
_REASON_ROWS: dict[tuple, list[dict]] = {}  # reasons -> their rows (read-only, shared by equal reasons)


def _make_port_rows(ports: tuple) -> list[dict]:
    return [{"name": p.name, "port": p.port, "protocol": p.protocol, "app_protocol": p.app_protocol} for p in ports]


def port_rows(ports: tuple) -> list[dict]:
    """A service's ``ports`` rows (read-only: services sharing one ports tuple, as the readers
    make them, share one list)."""
    return _per_object(_PORT_ROWS, ports, _make_port_rows)


def _source_text(source) -> str:
    """``str(source)``, once per Source object (the items of one JSON List share one)."""
    return _per_object(_SOURCE_TEXT, source, str)


def _reason_rows(reasons: tuple[tuple[str, str], ...]) -> list[dict]:
    """``reason_dicts(reasons)``, one list per distinct reasons (most services of a plan give
    the same few reasons)."""
    got = _REASON_ROWS.get(reasons)
    if got is None:
        if len(_REASON_ROWS) > _MEMO_MAX:
            _REASON_ROWS.clear()
        got = _REASON_ROWS[reasons] = reason_dicts(reasons)
    return got


_ZERO = Decimal(0)
_KEPT_POLICIES = default_policies()  # a kept row's policies: one dict, read-only (rows are only serialised)


def service_row(e: Entry, priced: Priced, share: Decimal) -> dict:
    """A service's plan row. A kept one costs what it costs today and saves nothing (its pool's
    shares may shift as others leave: that shift is the movers' saving, not its own); a moving
    one's marginal saving is filled in by :func:`marginal_savings`' figures."""
    svc, moving = e.svc, e.moving
    current = usd(priced.before.by_owner.get(e.ref, _ZERO))
    row = {
        "cluster": svc.cluster, "namespace": svc.namespace, "name": svc.name, "internal": e.internal,
        "ports": port_rows(svc.ports),
        "decision": e.decision, "reasons": _reason_rows(e.reasons),
        "current_monthly_usd": current, "proposed_monthly_usd": usd(share) if moving else current,
        "marginal_savings_monthly_usd": _ZERO_USD,
        "entrypoint": e.slot.name if moving else None, "hosts": list(e.hosts) if moving else [],
        "forwarding_rules": e.rules, "addresses": list(svc.status_addresses), "load_balancer_ip": svc.load_balancer_ip,
        "source": _source_text(svc.source), "policies": e.policies if moving else _KEPT_POLICIES, "routed_by": list(e.routed_by),
    }
    if e.break_even_gib is not None and (moving or e.reasons[0][0] == "TRAFFIC_BREAK_EVEN"):
        row["break_even_gib_per_month"] = float(e.break_even_gib)
    return row


#: warn codes of a moved service -> how much its move can change what clients see
RISK_HIGH = ("PINNED_IP", "CLIENT_IP_HEADER")
RISK_MEDIUM = ("PORT_CHANGES", "BACKEND_TIMEOUT_DEFAULT", "WEBSOCKET_TIMEOUT", "INTERNAL_GLOBAL_ACCESS", "TLS_MANAGED_CERT", "HOST_GENERATED")


_RISKS: dict[tuple, dict] = {}


def risk(e: Entry, generated: bool) -> dict:
    """``services[].risk`` (memoised per verdict: services with equal verdicts share one)."""
    if not e.moving:
        return _LOW
    key = (id(e.verdict), generated)  # its policies (timeout_sec) are the verdict's
    got = _RISKS.get(key)
    if got is None or got[0] is not e.verdict:
        if len(_RISKS) > _MEMO_MAX:
            _RISKS.clear()
        got = _RISKS[key] = (e.verdict, _risk(e, generated))
    return got[1]


_LOW = {"level": "low", "because": []}


def _risk(e: Entry, generated: bool) -> dict:
    """``services[].risk``: high when clients pinned to its IP or reading client IPs break,
    medium when ports, timeouts, TLS termination or hostnames change, low otherwise (kept: low)."""
    if not e.moving:
        return {"level": "low", "because": []}
    codes = {code for _, code, _ in e.verdict.notes}
    if not e.policies.get("timeout_sec"):
        codes.add("BACKEND_TIMEOUT_DEFAULT")
    if generated:
        codes.add("HOST_GENERATED")
    because = sorted(c for c in codes if c in RISK_HIGH or c in RISK_MEDIUM)
    level = "high" if any(c in RISK_HIGH for c in because) else "medium" if because else "low"
    return {"level": level, "because": because}


_ZERO_USD = usd(Decimal(0))


def marginal_savings(entries: list[Entry], priced: Priced, marginal: dict[str, Decimal] | None) -> dict[str, float]:
    """Moving service ref -> its row's ``marginal_savings_monthly_usd``: ``marginal`` (the
    saving in its pool) or, off GCP, its own current cost."""
    by_owner = priced.before.by_owner
    got, zero = marginal if marginal is not None else by_owner, Decimal(0)
    return {e.ref: usd(got.get(e.ref, zero)) for e in entries if e.moving}


def service_rows(entries: list[Entry], priced: Priced, shares: dict[str, Decimal], notes: list[Note], is_generated, domain: str) -> list[dict]:
    """Every service's row (moving ones' marginal savings still 0: see :func:`marginal_savings`)."""
    rows = []
    for e in entries:
        row = service_row(e, priced, shares.get(e.ref, _ZERO) if e.moving else _ZERO)  # a kept row reads no share
        generated = e.moving and is_generated(e.svc)
        row["risk"] = risk(e, generated)
        rows.append(row)
        service_notes(e, generated, domain, notes)
    return rows


def service_notes(e: Entry, generated: bool, domain: str, notes: list[Note]) -> None:
    """Into ``notes``: a moving service's verdict notes (and its generated hosts'), a kept one's reason."""
    ref = e.ref
    if not e.moving:
        code, message = e.reasons[0]
        notes.append(_note(INFO, ref, code, "kept: " + message))
        return
    for level, code, message in e.verdict.notes:
        notes.append(_note(level, ref, code, message))
    if generated:
        for h in e.hosts:
            notes.append(_note(WARN, ref, "HOST_GENERATED", f"no external-dns hostname: routed by the generated host {h} (domain {domain}, --domain); create its DNS record or set {EXTERNAL_DNS}"))


def _note(level: str, obj: str, code: str, message: str) -> Note:
    """``Note(level, obj, code, message)`` without the frozen dataclass's four
    ``object.__setattr__`` calls (a plan writes one or more per service)."""
    n = object.__new__(Note)
    d = n.__dict__
    d["level"], d["object"], d["code"], d["message"] = level, obj, code, message
    return n


def existing_rows(items: list[ExistingItem], gateways: list[tuple], inv: Inventory, priced: Priced) -> list[dict]:
    by_owner = priced.before.by_owner
    out = []
    for item in items:
        ing, fp = item.ing, item.fp
        out.append({
            "cluster": ing.cluster, "namespace": ing.namespace, "name": ing.name, "kind": "Ingress", "class": ing.ingress_class,
            "internal": ing.ingress_class == "gce-internal", "tls": ing.has_tls, "forwarding_rules": fp.forwarding_rules if fp else 0,
            "monthly_usd": usd(by_owner.get(ing.ref, Decimal(0))), "priced": fp is not None,
            "routes": [{"host": p.host, "path": p.path, "namespace": ing.namespace, "service": p.service, "port": p.port} for p in ing.paths],
            "decision": item.decision, "reason": {"code": item.reason[0], "message": item.reason[1]},
            "folded_into": item.slot.name if item.slot else None,
        })
    for gw, gfp in gateways:
        out.append(existing_gateway(gw, gfp, inv, by_owner.get(gw.ref, Decimal(0))))
    return out


def _gateway_routes(gw, inv: Inventory) -> list[dict]:
    routes = []
    for r in inv.routes:
        if r.cluster != gw.cluster or f"{gw.namespace}/{gw.name}" not in r.parents:
            continue
        for host in r.hostnames or (None,):
            for path in r.paths:
                for b in r.backends:
                    routes.append({"host": host, "path": path, "namespace": b.namespace, "service": b.service, "port": b.port, "name": r.name})
    routes.sort(key=lambda x: (x["host"] or "", x["path"], x["namespace"], x["service"], x["port"] or 0, x["name"]))
    return routes


def existing_gateway(gw, fp, inv: Inventory, cost: Decimal) -> dict:
    """An existing Gateway as an ``existing_entrypoints`` entry, routes from its HTTPRoutes."""
    return {
        "cluster": gw.cluster, "namespace": gw.namespace, "name": gw.name, "kind": "Gateway",
        "class": gw.gateway_class, "internal": fp is not None and fp.kind == "l7-internal", "tls": gw.has_tls,
        "forwarding_rules": fp.forwarding_rules if fp else 0, "monthly_usd": usd(cost), "priced": fp is not None,
        "routes": _gateway_routes(gw, inv),
        "decision": "keep",
        "reason": {"code": "GATEWAY_KEPT", "message": "existing Gateways are left as they are: planner builds its own entrypoints beside them and does not merge Gateways"},
        "folded_into": None,
    }


def plan_notes(entries: list[Entry], priced: Priced, removed: int, notes: list[Note]) -> None:
    """Plan-wide warnings: the design costs more than today; moved services get a 30s timeout."""
    current, proposed = priced.before.total, priced.after.total
    if proposed > current:
        ep_cost = sum(priced.entrypoint_cost.values(), Decimal(0))
        notes.append(Note(WARN, "plan", "PROPOSAL_COSTS_MORE", f"the proposed design costs ${cents(proposed - current)}/month more than today: the new entrypoint(s) cost ${cents(ep_cost)}/month while retiring {removed} load balancer(s) saves less (their pools stay within the flat first-5 tier, or traffic adds processing); consolidate only for other reasons (fewer IPs, one TLS/WAF point)"))
    timeouts_default = [e for e in entries if e.moving and not e.policies.get("timeout_sec")]
    if timeouts_default:
        notes.append(Note(WARN, "plan", "BACKEND_TIMEOUT_DEFAULT", f"{len(timeouts_default)} moved service(s) get the load balancer's 30s backend timeout, which their passthrough load balancer did not impose; requests or connections longer than 30s are cut: set planner.io/backend-timeout on those that need more"))


def dns_changes(entrypoints: list[dict], service_of) -> list[dict]:
    """Each (host, entrypoint) of the entrypoints' routes, with the addresses its host points at
    today (its Service's, ``service_of(ref)``: every LoadBalancer Service; none for a folded
    Ingress's route), by host then entrypoint."""
    out = {}
    for ep in entrypoints:
        name, prefix = ep["name"], f"Service {ep['cluster']}/"
        for r in ep["routes"]:
            if not r["host"]:
                continue
            svc = service_of(f"{prefix}{r['namespace']}/{r['service']}") if "origin" not in r else None
            out[r["host"], name] = {"host": r["host"], "entrypoint": name, "old_addresses": _old_addresses(svc) if svc else []}
    changes = list(out.values())  # (host, entrypoint) is unique: two stable sorts on a string
    changes.sort(key=lambda d: d["entrypoint"])  # (cheaper than one sort on pairs)
    changes.sort(key=lambda d: d["host"])
    return changes


def _old_addresses(svc) -> list[str]:
    """The addresses a Service answers on today, sorted (most have one and no requested IP)."""
    addresses, ip = svc.status_addresses, svc.load_balancer_ip
    if not ip and len(addresses) < 2:
        return list(addresses)
    return sorted(set(addresses) | ({ip} if ip else set()))
