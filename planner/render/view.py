"""Shared view helpers for the human-facing renderers (HTML, Markdown, CSV).

They read only the plan dict and do the little arithmetic the outputs need (sums, differences,
grouping) in ``Decimal``, so templates and formatters never compute.
"""
from __future__ import annotations

import heapq
from decimal import ROUND_HALF_UP, Decimal
from operator import itemgetter

CENT = Decimal("0.01")
LEVEL_ORDER = ("block", "warn", "info")
LEVEL_LABELS = {"block": "Blocking", "warn": "Warnings", "info": "Information"}


def dec(value) -> Decimal:
    """A plan number (float rounded to cents, or int) as an exact Decimal in cents."""
    if value is None:
        return Decimal(0)
    if isinstance(value, Decimal):
        return value.quantize(CENT, rounding=ROUND_HALF_UP)
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


def money(value) -> str:
    """``$1,234.56``; negative amounts as ``-$12.30``."""
    d = dec(value)
    sign = "-" if d < 0 else ""
    return f"{sign}${abs(d):,.2f}"


def rate(value) -> str:
    """A unit rate with as many decimals as it needs (at least 3): ``$0.025``."""
    d = Decimal(str(value)).normalize()
    places = max(3, -d.as_tuple().exponent)
    return f"${d:,.{places}f}"


def service_ref(svc: dict) -> str:
    """The object string notes use for a Service: ``Service cluster/namespace/name``."""
    return f"Service {svc['cluster']}/{svc['namespace']}/{svc['name']}"


def service_refs(plan: dict) -> list[str]:
    """:func:`service_ref` of each service, in plan order (computed once, shared by the views)."""
    return list(map(service_ref, plan.get("services", [])))


def ports_text(svc: dict) -> str:
    parts = []
    for p in svc.get("ports") or []:
        label = f"{p.get('port')}/{p.get('protocol', 'TCP')}"
        if p.get("name"):
            label += f" ({p['name']})"
        parts.append(label)
    return ", ".join(parts)


def reason_codes(svc: dict) -> list[str]:
    return [r["code"] for r in svc.get("reasons") or []]


def saving(svc: dict) -> Decimal:
    return dec(svc.get("current_monthly_usd")) - dec(svc.get("proposed_monthly_usd"))


def headline(plan: dict) -> dict:
    """The numbers every format leads with, as Decimals / ints plus formatted strings."""
    s = plan["summary"]
    current, proposed, savings = dec(s["current_monthly_usd"]), dec(s["proposed_monthly_usd"]), dec(s["savings_monthly_usd"])
    pct = (savings / current * 100).quantize(Decimal("1"), rounding=ROUND_HALF_UP) if current else Decimal(0)
    return {
        "current": current,
        "proposed": proposed,
        "savings": savings,
        "savings_yearly": savings * 12,
        "savings_pct": int(pct),
        "current_text": money(current),
        "proposed_text": money(proposed),
        "savings_text": money(savings),
        "savings_yearly_text": money(savings * 12),
        "lb_before": s["load_balancers_before"],
        "lb_after": s["load_balancers_after"],
        "rules_before": s.get("forwarding_rules_before"),
        "rules_after": s.get("forwarding_rules_after"),
        "services_total": s.get("services_total", len(plan.get("services", []))),
        "consolidated": s.get("services_consolidated", 0),
        "kept": s.get("services_kept", 0),
        "data_processing": (s.get("data_processing") or {}).get("message", ""),
        "data_processing_priced": bool((s.get("data_processing") or {}).get("priced")),
    }


def notes_by_level(plan: dict) -> dict[str, list[dict]]:
    groups: dict[str, list[dict]] = {lvl: [] for lvl in LEVEL_ORDER}
    for n in plan.get("notes", []):
        groups.setdefault(n["level"], []).append(n)
    by_text = itemgetter("code", "object", "message")  # the same tuples as a lambda, built in C
    for lvl in groups:
        groups[lvl].sort(key=by_text)
    return groups


def top_savings(plan: dict, limit: int = 10) -> list[dict]:
    """Consolidated services with the largest monthly saving, largest first (ties by name)."""
    rows = [s for s in plan.get("services", []) if s.get("decision") == "consolidate" and saving(s) > 0]
    rows.sort(key=lambda s: (-saving(s), s["cluster"], s["namespace"], s["name"]))
    return rows[:limit]


# --------------------------------------------------------------------------- reviewer's view
# (issue 13) What a reviewer forwarding the plan needs: which moves to make first and how risky
# each is, when traffic turns the saving into a loss, what the migration itself costs.

#: Risk of a move by the warn codes it carries, when the plan has no ``services[].risk``, as the
#: planning core grades it (planner/consolidate/assemble.py RISK_HIGH / RISK_MEDIUM): clients
#: pinned to the old address or reading client IPs must change something (high), behaviour
#: they may notice changes (medium).
RISK_BY_CODE = {
    "PINNED_IP": "high",
    "CLIENT_IP_HEADER": "high",
    "PORT_CHANGES": "medium",
    "BACKEND_TIMEOUT_DEFAULT": "medium",
    "WEBSOCKET_TIMEOUT": "medium",
    "INTERNAL_GLOBAL_ACCESS": "medium",
    "TLS_MANAGED_CERT": "medium",
    "HOST_GENERATED": "medium",
}
RISK_ORDER = {"low": 0, "medium": 1, "high": 2}
MOVE_FIRST = 10


def marginal_saving(svc: dict) -> Decimal:
    """What moving this one service saves per month: ``marginal_savings_monthly_usd`` when the
    plan has it, else its current minus proposed cost."""
    value = svc.get("marginal_savings_monthly_usd")
    return dec(value) if value is not None else saving(svc)


def _service_codes(plan: dict) -> dict[str, set[str]]:
    """Risk codes (:data:`RISK_BY_CODE`) of the notes on each Service, by its note object string."""
    codes: dict[str, set[str]] = {}
    for n in plan.get("notes", []):
        if n.get("code") in RISK_BY_CODE and n.get("object", "").startswith("Service "):
            codes.setdefault(n["object"], set()).add(n["code"])
    return codes


_NO_RISK = {"level": "low", "because": []}


def risks(plan: dict, refs: list[str] | None = None) -> list[dict]:
    """``{"level", "because"}`` per service, in plan order: ``services[].risk`` when present,
    else derived from the codes in :data:`RISK_BY_CODE` on the service (its reasons and notes;
    the plan-wide BACKEND_TIMEOUT_DEFAULT counts for moved services without a timeout).
    ``refs``: :func:`service_refs` of the plan, when the caller has them."""
    services = plan.get("services", [])
    out = []
    derive = None  # the notes' codes, read at the first service without a given risk
    shared: dict[int, dict] = {}  # services share risk dicts: each given one is read once (by id; the plan keeps it alive)
    for i, s in enumerate(services):
        given = s.get("risk")
        if isinstance(given, dict) and given.get("level") in RISK_ORDER:
            view = shared.get(id(given))
            if view is None:
                view = shared[id(given)] = {"level": given["level"], "because": sorted(map(str, given.get("because") or []))}
            out.append(view)
            continue
        if derive is None:
            derive = _derived_risk(plan)
        out.append(derive(s, refs[i] if refs is not None else service_ref(s)))
    return out


def _derived_risk(plan: dict):
    """``risk(service, its ref)`` from the codes of its reasons and of the plan's notes."""
    by_object = _service_codes(plan)
    plan_default = any(n.get("code") == "BACKEND_TIMEOUT_DEFAULT" and n.get("object") == "plan" for n in plan.get("notes", []))

    def risk(s: dict, ref: str) -> dict:
        codes = {r["code"] for r in s.get("reasons") or [] if r.get("code") in RISK_BY_CODE}
        if by_object:
            codes |= by_object.get(ref, set())
        if (plan_default and s.get("decision") == "consolidate"
                and not (s.get("policies") or {}).get("timeout_sec") and "WEBSOCKET_TIMEOUT" not in codes):
            codes.add("BACKEND_TIMEOUT_DEFAULT")
        if not codes:
            return _NO_RISK
        because = sorted(codes, key=lambda c: (-RISK_ORDER[RISK_BY_CODE[c]], c))
        return {"level": RISK_BY_CODE[because[0]], "because": because}

    return risk


def _saving_reader():
    """``saving(service)``: :func:`marginal_saving`, converting each distinct pair of figures once."""
    memo: dict = {}

    def saving_of(s: dict) -> Decimal:
        value = s.get("marginal_savings_monthly_usd")
        key = (value,) if value is not None else (s.get("current_monthly_usd"), s.get("proposed_monthly_usd"))
        d = memo.get(key)
        if d is None:
            d = memo[key] = marginal_saving(s)
        return d

    return saving_of


def move_overview(plan: dict, limit: int | None = MOVE_FIRST, risk: list[dict] | None = None) -> tuple[list[dict], int, dict[str, int]]:
    """The moves to make first: moved services that save money, largest marginal saving first
    (ties: lower risk, then name), the first ``limit`` as ``{"service", "index", "ref",
    "saving", "saving_text", "risk", "because", "entrypoint"}``; plus how many such moves there
    are and how many of them are high / medium / low risk."""
    risk = risks(plan) if risk is None else risk
    services = plan.get("services", [])
    keys = []
    counts = {lvl: 0 for lvl in ("high", "medium", "low")}
    saving_of = _saving_reader()
    for i, s in enumerate(services):
        if s.get("decision") == "consolidate" and (amount := saving_of(s)) > 0:  # only moves are read
            level = risk[i]["level"]
            counts[level] += 1
            keys.append((-amount, RISK_ORDER[level], s["cluster"], s["namespace"], s["name"], i))
    # the first few of tens of thousands: nsmallest is sorted(keys)[:limit] without the full sort
    first = heapq.nsmallest(limit, keys) if limit is not None and limit >= 0 else sorted(keys)[:limit]
    rows = []
    for k in first:
        i, s = k[-1], services[k[-1]]
        rows.append({"service": s, "index": i, "saving": -k[0], "saving_text": money(-k[0]),
                     "risk": risk[i]["level"], "because": risk[i]["because"],
                     "ref": f"{s['cluster']}/{s['namespace']}/{s['name']}", "entrypoint": s.get("entrypoint") or ""})
    return rows, len(keys), counts


def move_first(plan: dict, limit: int | None = MOVE_FIRST, risk: list[dict] | None = None) -> list[dict]:
    """The first ``limit`` moves of :func:`move_overview` (all with ``limit=None``)."""
    return move_overview(plan, limit, risk)[0]


def _scenario_points(plan: dict) -> list[tuple[Decimal, Decimal]]:
    raw = plan.get("traffic_scenarios") or (plan.get("summary") or {}).get("traffic_scenarios") or []
    points = []
    for it in raw:
        gib = next((it[k] for k in ("gib_per_service", "gib_per_service_month", "gib_per_month", "gib") if k in it), None)
        sav = it.get("savings_monthly_usd")
        if sav is None and it.get("current_monthly_usd") is not None and it.get("proposed_monthly_usd") is not None:
            sav = dec(it["current_monthly_usd"]) - dec(it["proposed_monthly_usd"])
        if gib is not None and sav is not None:
            points.append((Decimal(str(gib)), dec(sav)))
    return sorted(points)


def loss_above(plan: dict) -> Decimal | None:
    """GiB per moved service per month above which the plan costs more than today:
    ``summary.loss_above_gib_per_service_month`` when present, else where the traffic
    scenarios' savings cross from positive to negative (linear between two scenarios: the data
    charges are linear in GiB). None when the saving never turns into a loss."""
    s = plan.get("summary") or {}
    if "loss_above_gib_per_service_month" in s:
        v = s["loss_above_gib_per_service_month"]
        return None if v is None else Decimal(str(v))
    points = _scenario_points(plan)
    for (g0, s0), (g1, s1) in zip(points, points[1:]):
        if s0 > 0 >= s1:
            return g0 + (g1 - g0) * s0 / (s0 - s1)
    return None


def gib_text(value: Decimal) -> str:
    return f"{value.quantize(Decimal('1'), rounding=ROUND_HALF_UP):,}"


def loss_sentence(plan: dict) -> str:
    """The headline's warning about heavy traffic, or "" when none applies."""
    gib = loss_above(plan)
    if gib is None or dec(plan["summary"].get("savings_monthly_usd")) <= 0:
        return ""
    return (f"Heavy traffic turns this saving into a loss: above about {gib_text(gib)} GiB in and out per moved "
            "service per month, data processing makes the plan cost more than today.")


def migration(plan: dict) -> dict | None:
    """The cost of migrating, when the plan carries it: ``plan.phases[]`` and
    ``summary.migration_overlap_usd`` / ``overlap_days`` / ``payback_days``."""
    s = plan.get("summary") or {}
    phases = [p for p in plan.get("phases") or [] if isinstance(p, dict) and "phase" in p]
    overlap = s.get("migration_overlap_usd")
    if not phases and overlap is None and s.get("payback_days") is None:
        return None
    payback = s.get("payback_days")
    days = s.get("overlap_days")
    parts = []
    if overlap is not None:
        parts.append(f"Running old and new load balancers side by side{f' for {days} days' if days is not None else ''} "
                     f"costs {money(overlap)} once.")
    if payback is not None:
        parts.append(f"The monthly saving pays that back in {Decimal(str(payback)).quantize(Decimal('1'), rounding=ROUND_HALF_UP):,} days.")
    elif overlap is not None:
        parts.append("The plan does not save money, so the overlap is never paid back.")
    return {
        "phases": [{"phase": str(p["phase"]), "monthly_usd": dec(p.get("monthly_usd")), "monthly_text": money(p.get("monthly_usd"))}
                   for p in phases],
        "overlap_text": None if overlap is None else money(overlap),
        "overlap_days": days,
        "payback_days": payback,
        "sentence": " ".join(parts),
    }


FATE_ORDER = ("blocked", "warned", "translated", "noted")


def nginx_migration(plan: dict) -> list[dict]:
    """``plan.nginx_migration[]`` (--migrate-ingress-nginx) for the report: per cluster, the
    Ingresses with each annotation's fate, and the money before / after (a delta shown even
    when it costs more: the migration is for security)."""
    out = []
    for row in plan.get("nginx_migration") or []:
        if not isinstance(row, dict):
            continue
        delta = dec(row.get("delta_usd"))
        ingresses = []
        for i in row.get("ingresses") or []:
            fates = sorted(i.get("fates") or [], key=lambda f: (FATE_ORDER.index(f["fate"]) if f.get("fate") in FATE_ORDER else 9, f.get("annotation", "")))
            ingresses.append(dict(i, fates=[dict(f, short=str(f.get("annotation", "")).removeprefix("nginx.ingress.kubernetes.io/")) for f in fates]))
        out.append(dict(
            row, ingresses=ingresses,
            before_text=money(row.get("before_usd")), after_text=money(row.get("after_usd")),
            delta_text=("+" if delta > 0 else "") + money(delta), costs_more=delta > 0,
            moved=sum(1 for i in ingresses if i.get("decision") == "migrate"),
        ))
    return out


def generated_hosts(plan: dict, refs: list[str] | None = None) -> set[tuple[str, str]]:
    """(service note object, host) pairs whose host planner generated (``<name>.<ns>.<domain>``):
    a HOST_GENERATED note on the service (all its hosts, or the ones the message names), or a
    route with ``source == "generated"``. ``refs``: :func:`service_refs`, when the caller has them."""
    out = set()
    noted = {n["object"]: n.get("message", "") for n in plan.get("notes", []) if n.get("code") == "HOST_GENERATED"}
    if noted:
        for s, ref in zip(plan.get("services", []), service_refs(plan) if refs is None else refs):
            if ref in noted:
                hosts = s.get("hosts") or []
                named = [h for h in hosts if h in noted[ref]]
                for h in named or hosts:
                    out.add((ref, h))
    for e in plan.get("entrypoints", []):
        for r in e.get("routes", []):
            if r.get("source") == "generated" and r.get("host"):
                out.add((f"Service {e.get('cluster', '')}/{r.get('namespace')}/{r.get('service')}", r["host"]))
    return out
