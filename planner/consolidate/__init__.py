"""Inventory → Plan: decide what moves, price before and after, and write it all down.

``build_plan(inventory, options)`` returns the plan as a JSON-ready dict (schema
``schema/plan.schema.json``). It is the one contract renderers read.

Stages of one strategy's plan (:func:`build_strategy_plan`):

1. rules (``rules.py``) decide per Service: keep with a reason, or move with notes/policies;
2. break-even with traffic (``breakeven.py``) keeps services whose move costs more than it saves;
3. existing GKE Ingresses fold into the new Gateway (``existing.py``), hosts are claimed, and
   collisions / certificate limits keep the losers;
4. entrypoints with routes and certificates (``certificates.py``); pricing before and after;
5. summary, DNS changes, runbook (``runbook.py``), notes.

``--strategy auto`` builds every strategy and keeps the cheapest feasible one; ``--compare``
puts all of them side by side in ``plan["comparison"]``.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from planner import __version__
from planner.consolidate import breakeven, certificates, existing
from planner.consolidate.rules import Context, Verdict, default_policies, evaluate, is_internal, evaluation_key, primary_port, uses_entrypoint, valid_hostname
from planner.consolidate.runbook import runbook
from planner.consolidate.strategies import STRATEGIES, Slot, gateway, ingress
from planner.model import BLOCK, INFO, WARN, Footprint, Inventory, Note, PlannerError, Service, Usage, cents
from planner.pricers import get_pricer
from planner.pricers.base import Pricing, allocate

SCHEMA_VERSION = "1.0"
EXTERNAL_DNS = "external-dns.alpha.kubernetes.io/hostname"
#: ``auto`` tries these in order; on a tie the earlier one wins.
STRATEGY_ORDER = ("gateway", "ingress")
STRATEGY_CHOICES = ("auto", *STRATEGY_ORDER)
LEVEL_ORDER = {"block": 0, "warn": 1, "info": 2}
LEVELS = {v: k for k, v in LEVEL_ORDER.items()}


@dataclass
class Options:
    strategy: str = "auto"
    domain: str = "example.com"
    cloud: str = "gcp"
    cloud_reason: str = "default (GCP first)"
    files: list[str] = field(default_factory=list)
    rates: str | None = None  # rate table file (planner prices import) instead of pricing/<cloud>.yaml
    keep_nonstandard_ports: bool = False
    fold_ingresses: bool = True
    compare: bool = False


_USD: dict[Decimal, float] = {}


def _usd(value: Decimal) -> float:
    """Dollars as a JSON float, cents rounded half up (memoised: plans repeat a few amounts)."""
    if not value:  # 0 and -0 are equal keys but not equal floats
        return float(cents(value))
    got = _USD.get(value)
    if got is None:
        got = float(cents(value))
        if len(_USD) < 100_000:
            _USD[value] = got
    return got


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
    """Traffic of an entrypoint: the sum of its members' known usage (members without usage are
    unpriced before and after alike); None when no member's usage is known."""
    known = [u for u in usages if u is not None]
    if not known:
        return None
    return Usage(sum((u.gib_in for u in known), Decimal(0)), sum((u.gib_out for u in known), Decimal(0)))


def _keep(entry: dict, code: str, message: str) -> None:
    entry["decision"] = "keep"
    entry["reasons"] = [{"code": code, "message": message}]


def build_plan(inv: Inventory, opts: Options) -> dict:
    """The plan for ``opts.strategy``; ``auto`` builds every strategy and keeps the cheapest
    feasible one (fewest block notes, then lowest proposed cost, ties → gateway)."""
    if opts.strategy not in STRATEGY_CHOICES:
        raise PlannerError(f"unknown strategy {opts.strategy!r} (choose from {', '.join(STRATEGY_CHOICES)})")
    if opts.strategy != "auto" and not opts.compare:
        plan = build_strategy_plan(inv, opts, opts.strategy)
        plan["inputs"]["strategy_requested"] = opts.strategy
        plan["inputs"]["strategy_reason"] = f"--strategy {opts.strategy} requested"
        return plan
    shared = _Shared(inv, opts)
    if not opts.compare:  # auto: choose from each plan's block notes and cost, finish that one
        steps = {name: _strategy_plan_steps(inv, opts, name, shared) for name in STRATEGY_ORDER}
        chosen, why = choose({name: next(step) for name, step in steps.items()})
        plan = next(steps[chosen])
        plan["inputs"]["strategy_requested"] = opts.strategy
        plan["inputs"]["strategy_reason"] = why
        return plan
    plans = {name: build_strategy_plan(inv, opts, name, shared) for name in STRATEGY_ORDER}
    if opts.strategy == "auto":
        chosen, why = choose(plans)
    else:
        chosen, why = opts.strategy, f"--strategy {opts.strategy} requested"
    plan = plans[chosen]
    plan["inputs"]["strategy_requested"] = opts.strategy
    plan["inputs"]["strategy_reason"] = why
    if opts.compare:
        plan["comparison"] = [comparison_row(name, plans[name], name == chosen) for name in STRATEGY_ORDER]
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
        "decision": "keep",
        "reason": {"code": "GATEWAY_KEPT", "message": "existing Gateways are left as they are: planner builds its own entrypoints beside them and does not merge Gateways"},
        "folded_into": None,
    }


def _blocks(plan: dict) -> int:
    return sum(1 for n in plan["notes"] if n["level"] == BLOCK)


def choose(plans: dict[str, dict]) -> tuple[str, str]:
    """Cheapest feasible strategy: fewest block notes, then lowest proposed monthly cost,
    then the order of STRATEGY_ORDER (gateway first)."""
    ranked = sorted(plans, key=lambda n: (_blocks(plans[n]), Decimal(str(plans[n]["summary"]["proposed_monthly_usd"])), STRATEGY_ORDER.index(n)))
    best = ranked[0]
    costs = "; ".join(f"{n} ${plans[n]['summary']['proposed_monthly_usd']:,.2f}/month, {_blocks(plans[n])} block note(s)" for n in STRATEGY_ORDER)
    tie = any(plans[n]["summary"]["proposed_monthly_usd"] == plans[best]["summary"]["proposed_monthly_usd"] and _blocks(plans[n]) == _blocks(plans[best]) for n in ranked[1:])
    return best, f"auto: {best} is the cheapest feasible strategy ({costs}){'; tie goes to gateway' if tie else ''}"


def comparison_row(name: str, plan: dict, chosen: bool) -> dict:
    s = plan["summary"]
    by_code: dict[str, int] = defaultdict(int)
    for n in plan["notes"]:
        if n["level"] in (WARN, BLOCK):
            by_code[f"{n['level']} {n['code']}"] += 1
    risks = [f"{k} x{v}" for k, v in sorted(by_code.items())]
    if name == "ingress" and plan["entrypoints"]:
        risks.append("GKE Ingress is in maintenance mode; Google recommends the Gateway API")
    return {
        "strategy": name,
        "chosen": chosen,
        "entrypoints": len(plan["entrypoints"]),
        "load_balancers_after": s["load_balancers_after"],
        "forwarding_rules_after": s["forwarding_rules_after"],
        "proposed_monthly_usd": s["proposed_monthly_usd"],
        "savings_monthly_usd": s["savings_monthly_usd"],
        "services_consolidated": s["services_consolidated"],
        "notes_warn": sum(1 for n in plan["notes"] if n["level"] == WARN),
        "notes_block": _blocks(plan),
        "risks": risks,
    }


#: Entrypoint / address names a verdict is first made with (NUL never appears in a name); a
#: service whose fields contain NUL is evaluated with the real names instead.
_EP_PLACEHOLDER, _ADDR_PLACEHOLDER = "\x00entrypoint\x00", "\x00address\x00"


def _has_nul(value) -> bool:
    """Whether any text in ``value`` (strings, tuples, dataclasses) may hold NUL: its repr
    shows NUL as the escape \\x00 (a literal backslash-x00 in the text also matches, which
    only makes the planner evaluate that service directly)."""
    return "\\x00" in repr(value)


def _named_verdict(base, entrypoint: str):
    """``base`` (evaluated with the placeholder names) as evaluated for ``entrypoint``."""
    address = f"{entrypoint}-ip"

    def fill(text: str) -> str:
        return text.replace(_ADDR_PLACEHOLDER, address).replace(_EP_PLACEHOLDER, entrypoint)

    return Verdict(
        keep=(base.keep[0], fill(base.keep[1])) if base.keep else None,
        notes=[(level, code, fill(message)) for level, code, message in base.notes],
        policies=base.policies,
    )


class _Shared:
    """What every strategy's plan computes alike (``auto`` / ``--compare`` build several):
    the pricer, the sorted services with their visibility, routes, clusters and forwarding
    rules, their current footprints, the rule verdicts that do not name the entrypoint, and
    the current pricing."""

    def __init__(self, inv: Inventory, opts: Options):
        self.pricer = pricer = get_pricer(opts.cloud, opts.rates)
        self.lbs = sorted(inv.load_balancers, key=lambda s: s.key)
        routed = existing.routed_by(inv)
        key_ids: dict[tuple, int] = {}  # evaluation key, visibility, routes -> small int
        self.direct: set[int] = set()
        #: (svc, internal, routed_by, cluster, forwarding rules, evaluation key or None,
        #: whether the verdict names the entrypoint)
        self.rows = []
        self.service_fps: list[Footprint] = []
        self.port_ids: list[int] = []  # per row: equal ports, equal id
        ports_by_id: dict[int, int] = {}  # id(ports tuple) -> port id (every tuple stays alive in inv)
        ports_by_value: dict[tuple, int] = {}
        for svc in self.lbs:
            cluster = inv.clusters[svc.cluster]
            fp = pricer.service_footprint(svc, cluster, inv.usage.get(svc.key))
            internal = is_internal(svc)
            routed_by = tuple(routed.get(svc.key, ()))
            pid = ports_by_id.get(id(svc.ports))
            if pid is None:  # hashing Ports is slow: once per ports tuple (readers share them)
                pid = ports_by_id[id(svc.ports)] = ports_by_value.setdefault(svc.ports, len(ports_by_value))
            self.port_ids.append(pid)
            ekey = evaluation_key(svc)
            if ekey is not None:
                ekey = (pid, *ekey[1:])  # ekey[0] is svc.ports
                kid = key_ids.get((ekey, internal, routed_by))
                if kid is None:
                    kid = key_ids[(ekey, internal, routed_by)] = len(key_ids)
                    if _has_nul((evaluation_key(svc), routed_by)):
                        self.direct.add(kid)  # a placeholder could collide with its text
                ekey = kid
            self.rows.append((svc, internal, routed_by, cluster, fp.forwarding_rules, ekey, uses_entrypoint(svc, internal)))
            self.service_fps.append(fp)
        #: key id -> Verdict (with placeholder entrypoint / address names where a rule names
        #: them), (key id, entrypoint) -> that Verdict with the names filled in; verdicts are
        #: read-only once made, services with equal keys share one
        self.verdicts: dict = {}
        self.before: Pricing | None = None
        self.hosts: dict[tuple, tuple[list[str], list[Note]]] = {}  # service key -> (_hosts, its notes)
        self.slots: dict[tuple, Slot] = {}  # (strategy, cluster, namespace, internal) -> Slot
        self.primary_ports: dict[int, int] = {}  # port id -> primary_port(...).port


def build_strategy_plan(inv: Inventory, opts: Options, strategy: str, shared: _Shared | None = None) -> dict:
    steps = _strategy_plan_steps(inv, opts, strategy, shared)
    next(steps)  # what choose() reads
    return next(steps)


def _strategy_plan_steps(inv: Inventory, opts: Options, strategy: str, shared: _Shared | None = None):
    """One strategy's plan in two steps: first yields what :func:`choose` reads of the finished
    plan (its block notes and proposed cost, as a stub plan), then yields the plan. ``auto``
    finishes only the strategy it chooses."""
    if shared is None:
        shared = _Shared(inv, opts)
    pricer = shared.pricer
    notes: list[Note] = list(inv.notes)
    lbs = shared.lbs
    multi = len(inv.clusters) > 1
    slot_of = STRATEGIES[strategy]
    verdicts = shared.verdicts

    # 1. rules, service by service
    entries: list[dict] = []
    keep_odd = opts.keep_nonstandard_ports
    direct = shared.direct
    slot_memo = shared.slots if slot_of in (gateway, ingress) else None  # these read cluster and namespace only
    for (svc, internal, routed_by, cluster, rules, ekey, named), pid in zip(shared.rows, shared.port_ids):
        if slot_memo is None:
            slot: Slot = slot_of(svc, internal, multi)
        else:
            skey = (strategy, svc.cluster, svc.namespace, internal)
            slot = slot_memo.get(skey)
            if slot is None:
                slot = slot_memo[skey] = slot_of(svc, internal, multi)
        if ekey is None or ekey in direct:
            verdict = evaluate(svc, Context(keep_nonstandard_ports=keep_odd, internal=internal, entrypoint=slot.name, address=f"{slot.name}-ip", routed_by=routed_by))
        else:
            verdict = verdicts.get((ekey, slot.name) if named else ekey)
            if verdict is None:
                base = verdicts.get(ekey)
                if base is None:
                    base = verdicts[ekey] = evaluate(svc, Context(keep_nonstandard_ports=keep_odd, internal=internal, entrypoint=_EP_PLACEHOLDER, address=_ADDR_PLACEHOLDER, routed_by=routed_by))
                verdict = base
                if named:
                    verdict = verdicts[(ekey, slot.name)] = _named_verdict(base, slot.name)
        e = {
            "svc": svc,
            "ref": svc.ref,
            "pid": pid,
            "cluster": cluster,
            "internal": internal,
            "slot": slot,
            "verdict": verdict,
            "decision": "consolidate",
            "reasons": [],
            "hosts": [],
            "policies": verdict.policies,
            "routed_by": list(routed_by),
            "rules": rules,
            "break_even_gib": None,
        }
        if verdict.keep:
            _keep(e, *verdict.keep)
        entries.append(e)

    # 2. break-even with traffic
    current_fps: list[Footprint] = list(shared.service_fps)
    current_fps.extend(inv.extra_footprints)
    breakeven.apply(entries, current_fps, pricer, inv)

    # 3. existing entrypoints: fold or keep; their hosts are claimed first (they serve today)
    wanted_slots = {(e["slot"].cluster, e["slot"].internal): e["slot"] for e in entries if e["decision"] == "consolidate"}
    claims: dict[str, dict] = {}  # host -> {"entrypoint": slot name | None, "owner": ref, "paths": {path: ref}}
    ex_items: list[dict] = []
    for ing in sorted(inv.ingresses, key=lambda i: i.key):
        fp = pricer.ingress_footprint(ing, inv.clusters[ing.cluster], inv.usage.get(ing.key))
        if fp is not None:
            current_fps.append(fp)
        item = {"ing": ing, "fp": fp, "decision": "keep", "reason": None, "slot": None}
        blocker = existing.fold_blocker(ing, strategy, opts.fold_ingresses)
        internal = existing.GKE_CLASSES.get(ing.ingress_class, False)
        slot = wanted_slots.get((ing.cluster, internal))
        if blocker is None and slot is None:
            blocker = ("FOLD_NO_GATEWAY", f"no service in cluster {ing.cluster} moves to a new {'internal' if internal else 'external'} Gateway, so there is nothing to fold it into")
        if blocker is None:
            clash = sorted({(p.host, p.path, claims[p.host]["owner"]) for p in ing.paths if p.host in claims and (claims[p.host]["entrypoint"] != slot.name or p.path in claims[p.host]["paths"])})
            if clash:
                blocker = ("FOLD_HOST_COLLISION", "host/path " + ", ".join(f"{h}{path} (served by {owner})" for h, path, owner in clash) + " already taken; folding would make two entrypoints claim it")
        target = slot.name if blocker is None else None
        for p in ing.paths:
            if p.host:
                c = claims.setdefault(p.host, {"entrypoint": target, "owner": ing.ref, "paths": {}})
                c["paths"].setdefault(p.path, ing.ref)
        if blocker is None:
            item.update(decision="fold", slot=slot, reason=("INGRESS_FOLDED", f"folded into Gateway {slot.name}: its {len(ing.paths)} rule(s) become HTTPRoutes there and its {fp.forwarding_rules if fp else 0} forwarding rule(s) are retired (kubectl delete ingress in the retire phase)"))
            ip = existing.static_ip(ing)
            if ip:
                notes.append(Note(WARN, ing.ref, "PINNED_IP", f"static IP {ip} of this Ingress cannot move; the new address is static address {slot.name}-ip, assigned at build: clients pinned to it must move by DNS"))
        else:
            item["reason"] = blocker
        notes.append(Note(INFO, ing.ref, item["reason"][0], item["reason"][1]))
        ex_items.append(item)
    ex_gws: list[tuple] = []  # existing Gateway API Gateways: priced, always kept (issue 3)
    for gw in sorted(inv.gateways, key=lambda g: g.key):
        gfp = pricer.gateway_footprint(gw, inv.clusters[gw.cluster], inv.usage.get(gw.key))
        if gfp is not None:
            current_fps.append(gfp)
        else:
            notes.append(Note(INFO, gw.ref, "GATEWAY_NOT_PRICED", f"gateway class {gw.gateway_class!r} is not a GKE-managed load balancer class; not priced as a load balancer"))
        ex_gws.append((gw, gfp))
    for r in sorted(inv.routes, key=lambda r: r.key):
        for h in getattr(r, "hostnames", ()) or ():
            c = claims.setdefault(h, {"entrypoint": None, "owner": r.ref, "paths": {}})
            for path in (getattr(r, "paths", ()) or ("/",)):
                c["paths"].setdefault(path, r.ref)

    # 4. hosts and collisions, certificate limits, slots
    slots: dict[str, Slot] = {}
    members: dict[str, list[dict]] = defaultdict(list)
    tls_count: dict[str, int] = defaultdict(int)
    for e in entries:
        if e["decision"] != "consolidate":
            continue
        svc, slot = e["svc"], e["slot"]
        got = shared.hosts.get(svc.key)
        if got is None:  # the same for every strategy: made once, notes replayed
            got = shared.hosts[svc.key] = ([], [])
            got[0].extend(_hosts(svc, opts.domain, got[1]))
        hosts = list(got[0])
        notes.extend(got[1])
        if not hosts:
            _keep(e, "NO_VALID_HOST", "no valid DNS name to route to it")
            continue
        free = []
        for h in hosts:
            c = claims.get(h)
            if c is None:
                free.append(h)
                continue
            where = c["entrypoint"] or "its existing entrypoint"
            if c["entrypoint"] == slot.name and "/" not in c["paths"]:
                free.append(h)
                continue
            notes.append(Note(WARN, c["owner"], "ROUTE_COLLISION", f"host {h} path / is also claimed by {e['ref']}; it stays with {c['owner']} on {where} (first claim wins: existing entrypoints, then services by cluster/namespace/name)"))
            notes.append(Note(WARN, e["ref"], "ROUTE_COLLISION", f"host {h} path / is already routed to {c['owner']} on {where}; not routed here"))
        if not free:
            _keep(e, "ROUTE_COLLISION", f"every host of this service ({', '.join(hosts)}) is already routed elsewhere (see the ROUTE_COLLISION notes); kept until the hostnames are made unique")
            continue
        wild = [h for h in free if h.startswith("*.")]
        if e["policies"].get("tls") and wild:
            _keep(e, "TLS_WILDCARD", f"TLS host(s) {', '.join(wild)}: a Google-managed certificate for a wildcard needs DNS authorization (Certificate Manager) or is not available (ManagedCertificate), which planner does not set up; kept")
            continue
        cap = certificates.host_capacity(slot.kind)
        if e["policies"].get("tls") and cap is not None and tls_count[slot.name] + len(free) > cap:
            _keep(e, "TLS_CERT_LIMIT", f"{slot.kind} {slot.name} already carries {tls_count[slot.name]} TLS hosts; {len(free)} more would exceed {certificates.MAX_CERTS_PER_INGRESS} certificates x {certificates.MAX_DOMAINS_PER_CERT} domains")
            notes.append(Note(BLOCK, e["ref"], "TLS_CERT_LIMIT", e["reasons"][0]["message"] + "; kept on its own load balancer"))
            continue
        if e["policies"].get("tls"):
            tls_count[slot.name] += len(free)
        for h in free:
            c = claims.setdefault(h, {"entrypoint": slot.name, "owner": e["ref"], "paths": {}})
            c["paths"]["/"] = e["ref"]
        e["hosts"] = free
        slots[slot.name] = slot
        members[slot.name].append(e)
        vis = "internal" if e["internal"] else "external"
        e["reasons"] = [{"code": "HTTP_CONSOLIDATE", "message": f"HTTP(S)/gRPC on port(s) {', '.join(str(p.port) for p in svc.ports)}: routed by host through the {vis} {slot.kind} {slot.name}"}]
        for level, code, message in e["verdict"].notes:
            notes.append(Note(level, e["ref"], code, message))
            e["reasons"].append({"code": code, "message": message})

    # a Gateway that ended up with no service keeps its would-be folded Ingresses as they are
    for item in ex_items:
        if item["decision"] == "fold" and item["slot"].name not in slots:
            item.update(decision="keep", slot=None, reason=("FOLD_NO_GATEWAY", "every service bound for the new Gateway stayed, so there is nothing to fold it into"))
            notes.append(Note(INFO, item["ing"].ref, "FOLD_NO_GATEWAY", item["reason"][1]))
    folded_by_slot: dict[str, list] = defaultdict(list)
    for item in ex_items:
        if item["decision"] == "fold":
            folded_by_slot[item["slot"].name].append(item["ing"])

    # 5. entrypoints (routes, listeners, certificates)
    entrypoints: list[dict] = []
    primary_ports = shared.primary_ports
    for name in sorted(slots):
        slot = slots[name]
        routes = []
        tls_hosts: set[str] = set()
        for e in members[name]:  # in entries' order: by service key already
            svc = e["svc"]
            port = primary_ports.get(e["pid"])
            if port is None:
                port = primary_ports[e["pid"]] = primary_port(svc).port
            for host in e["hosts"]:
                routes.append({"host": host, "path": "/", "namespace": svc.namespace, "service": svc.name, "port": port, "name": svc.name})
                if e["policies"].get("tls"):
                    tls_hosts.add(host)
        for ing in folded_by_slot.get(name, []):
            # an Ingress may list the very same rule twice; it is one route
            for i, p in enumerate(sorted(set(ing.paths), key=lambda p: (p.host or "", p.path, p.service or "", str(p.port)))):
                routes.append({"host": p.host, "path": p.path, "namespace": ing.namespace, "service": p.service, "port": p.port, "name": f"{ing.name}-{i + 1}", "origin": ing.ref})
            tls_hosts.update(h for h in ing.tls_hosts if valid_hostname(h))
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
            "certificates": certificates.group(slot.name, slot.kind, slot.namespace, sorted(tls_hosts)),
        })
        if slot.internal:
            notes.append(Note(INFO, f"{slot.kind} {slot.name}", "INTERNAL_PREREQUISITES", f"an internal Application LB needs a proxy-only subnet in {cl.region} (purpose REGIONAL_MANAGED_PROXY) before the build phase"))

    # 6. price before and after
    moved_refs = {e["ref"] for e in entries if e["decision"] == "consolidate"}
    moved_refs |= {item["ing"].ref for item in ex_items if item["decision"] == "fold"}
    proposed_fps = [fp for fp in current_fps if fp.owner not in moved_refs]
    for ep in entrypoints:
        cl = inv.clusters[ep["cluster"]]
        ep_usage = _sum_usage([inv.usage.get(e["svc"].key) for e in members[ep["name"]]] + [inv.usage.get(i.key) for i in folded_by_slot.get(ep["name"], [])]) if inv.usage else None
        proposed_fps.append(pricer.entrypoint_footprint(ep, cl, ep_usage))
    if shared.before is None:  # current_fps is the same for every strategy
        shared.before = pricer.price(current_fps)
    before: Pricing = shared.before
    after: Pricing = pricer.price(proposed_fps)
    notes.extend(getattr(before, "notes", []))
    notes.extend(getattr(after, "notes", []))
    # the rest adds no block note but finish_plan's cloud notes (PROGRAM_GKE_ONLY off GCP)
    from planner.pricers.extras import _cloud_notes

    blocks = {(n.object, n.code, n.message) for n in notes if n.level == BLOCK}
    blocks |= {(n.object, n.code, n.message) for n in _cloud_notes(pricer.cloud, {"entrypoints": entrypoints, "services": []}) if n.level == BLOCK}
    yield {"notes": [{"level": BLOCK, "object": o, "code": c, "message": m} for o, c, m in sorted(blocks)], "summary": {"proposed_monthly_usd": _usd(after.total)}}

    for ep in entrypoints:
        cost = after.by_owner.get(f"{ep['kind']} {ep['name']}", Decimal(0))
        ep["monthly_usd"] = _usd(cost)
        shares = allocate(cost, {e["ref"]: 1 for e in members[ep["name"]]})
        for e in members[ep["name"]]:
            e["proposed"] = shares[e["ref"]]

    services = []
    for e in entries:
        svc = e["svc"]
        moving = e["decision"] == "consolidate"
        proposed = e.get("proposed", Decimal(0)) if moving else after.by_owner.get(e["ref"], Decimal(0))
        row = {
            "cluster": svc.cluster,
            "namespace": svc.namespace,
            "name": svc.name,
            "internal": e["internal"],
            "ports": [{"name": p.name, "port": p.port, "protocol": p.protocol, "app_protocol": p.app_protocol} for p in svc.ports],
            "decision": e["decision"],
            "reasons": e["reasons"],
            "current_monthly_usd": _usd(before.by_owner.get(e["ref"], Decimal(0))),
            "proposed_monthly_usd": _usd(proposed),
            "entrypoint": e["slot"].name if moving else None,
            "hosts": e["hosts"] if moving else [],
            "forwarding_rules": e["rules"],
            "addresses": list(svc.status_addresses),
            "load_balancer_ip": svc.load_balancer_ip,
            "source": str(svc.source),
            "policies": e["policies"] if moving else default_policies(),
            "routed_by": e["routed_by"],
        }
        if e["break_even_gib"] is not None and (moving or e["reasons"][0]["code"] == "TRAFFIC_BREAK_EVEN"):
            row["break_even_gib_per_month"] = float(e["break_even_gib"])
        services.append(row)
        if not moving:
            notes.append(Note(INFO, e["ref"], e["reasons"][0]["code"], "kept: " + e["reasons"][0]["message"]))

    existing_out = []
    for item in ex_items:
        ing, fp = item["ing"], item["fp"]
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
            "decision": item["decision"],
            "reason": {"code": item["reason"][0], "message": item["reason"][1]},
            "folded_into": item["slot"].name if item["slot"] else None,
        })

    for gw, gfp in ex_gws:
        existing_out.append(_existing_gateway(gw, gfp, inv, before.by_owner.get(gw.ref, Decimal(0))))

    # 7. summary, DNS, runbook
    current_total = before.total
    proposed_total = after.total
    n_cons = sum(1 for s in services if s["decision"] == "consolidate")
    priced_existing = sum(1 for x in ex_items if x["fp"] is not None) + sum(1 for _, gfp in ex_gws if gfp is not None)
    n_folded = sum(1 for x in ex_items if x["fp"] is not None and x["decision"] == "fold")
    lbs_before = len(lbs) + priced_existing
    lbs_after = (len(lbs) - n_cons) + (priced_existing - n_folded) + len(entrypoints)
    if proposed_total > current_total:
        removed = n_cons + n_folded
        ep_cost = sum((after.by_owner.get(f"{ep['kind']} {ep['name']}", Decimal(0)) for ep in entrypoints), Decimal(0))
        notes.append(Note(WARN, "plan", "PROPOSAL_COSTS_MORE", f"the proposed design costs ${cents(proposed_total - current_total)}/month more than today: the new entrypoint(s) cost ${cents(ep_cost)}/month while retiring {removed} load balancer(s) saves less (their pools stay within the flat first-5 tier, or traffic adds processing); consolidate only for other reasons (fewer IPs, one TLS/WAF point)"))
    timeouts_default = [e["svc"] for e in entries if e["decision"] == "consolidate" and not e["policies"].get("timeout_sec")]
    if timeouts_default:
        notes.append(Note(WARN, "plan", "BACKEND_TIMEOUT_DEFAULT", f"{len(timeouts_default)} moved service(s) get the load balancer's 30s backend timeout, which their passthrough load balancer did not impose; requests or connections longer than 30s are cut: set planner.io/backend-timeout on those that need more"))
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
            if not r["host"]:
                continue
            svc = by_ref.get(f"Service {ep['cluster']}/{r['namespace']}/{r['service']}") if "origin" not in r else None
            old = sorted(set(svc.status_addresses) | ({svc.load_balancer_ip} if svc.load_balancer_ip else set())) if svc else []
            dns_changes.append({"host": r["host"], "entrypoint": ep["name"], "old_addresses": old})
    dns_changes = sorted({(d["host"], d["entrypoint"]): d for d in dns_changes}.values(), key=lambda d: (d["host"], d["entrypoint"]))

    rates = sorted({**before.rates, **after.rates}.values(), key=lambda r: r.key)
    # the notes once each, by level, object, code, message (a Note is equal to another with
    # the same four fields, so its sort key is a unique key)
    all_notes = sorted({(LEVEL_ORDER[n.level], n.object, n.code, n.message) for n in notes})
    plan = {
        "schema_version": SCHEMA_VERSION,
        "generator": {"name": "planner", "version": __version__},
        "inputs": {
            "files": list(inv.files), "strategy": strategy, "strategy_requested": strategy, "domain": opts.domain, "cloud": opts.cloud, "cloud_reason": opts.cloud_reason,
            "options": {"keep_nonstandard_ports": opts.keep_nonstandard_ports, "fold_ingresses": opts.fold_ingresses, "compare": opts.compare},
        },
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
        "runbook": [],
        "notes": [{"level": LEVELS[lv], "object": obj, "code": code, "message": msg} for lv, obj, code, msg in all_notes],
    }
    plan["runbook"] = runbook(plan)
    from planner.pricers.extras import finish_plan  # rate_table, rate flags, traffic scenarios, cloud notes

    finish_plan(plan, pricer, before, after, current_fps, proposed_fps, {f"{ep['kind']} {ep['name']}": len(members[ep["name"]]) + len(folded_by_slot.get(ep["name"], [])) for ep in entrypoints}, notes_sorted=True)
    yield plan
