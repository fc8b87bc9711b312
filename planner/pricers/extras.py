"""What pricing adds to a plan after consolidation has built it: the rate table in use, the
pricers' notes, flags on unsure / stale rates, honesty notes for non-GKE clouds, and traffic
scenarios when no usage is known.

``finish_plan`` is called once by :func:`planner.consolidate.build_plan`; it only adds keys
(``rate_table``, ``traffic_scenarios``) and notes, and on AWS / Azure rewords the summary's
data-processing message in that cloud's terms; it never changes a figure already there.
"""
from __future__ import annotations

from bisect import bisect_left
from dataclasses import replace
from decimal import Decimal

from planner.model import BLOCK, INFO, WARN, Footprint, Note, Usage, cents
from planner.pricers.base import Pricing

#: GiB per service per month (each of in and out) for the idle-vs-traffic scenarios.
SCENARIOS_GIB = (0, 100, 1000)
NOTE_ORDER = {"block": 0, "warn": 1, "info": 2}
LEVELS = {v: k for k, v in NOTE_ORDER.items()}
ENGINE = {"aws": "EKS", "azure": "AKS"}
CONTROLLER = {"aws": "AWS Load Balancer Controller, Ingress class alb with alb.ingress.kubernetes.io/group.name", "azure": "an ingress controller or Gateway implementation behind one LoadBalancer Service, or Application Gateway"}


def _weight(fp: Footprint, entrypoint_members: dict[str, int]) -> int:
    """How many services' traffic a footprint carries in a scenario."""
    if fp.owner in entrypoint_members:
        return entrypoint_members[fp.owner]
    if fp.owner.startswith(("Service ", "Ingress ")) and fp.lb_type != "address":
        return 1
    return 0  # orphaned rules, reserved addresses: no traffic


def _with_usage(fp: Footprint, usage: Usage) -> Footprint:
    """``dataclasses.replace(fp, usage=usage)`` for a plain frozen dataclass, without replace's
    per-call field checks: it runs six times per footprint (about 2 s of the plan stage at
    100,000 services; see bench/). Falls back to ``replace`` for anything unusual."""
    if type(fp) is not Footprint or hasattr(Footprint, "__post_init__"):
        return replace(fp, usage=usage)
    return fp.like(usage=usage)


def traffic_scenarios(pricer, current_fps: list[Footprint], proposed_fps: list[Footprint], entrypoint_members: dict[str, int], idle: tuple[Decimal, Decimal] | None = None) -> list[dict]:
    """Current / proposed / savings totals when every service moves G GiB in and G GiB out a
    month (G in :data:`SCENARIOS_GIB`); an entrypoint carries the traffic of all its members.

    ``idle`` (the usage-free totals of ``current_fps`` and ``proposed_fps``, when known) lets a
    pricer with ``data_totals`` skip re-pricing: usage only adds per-footprint data charges."""
    if idle is not None and hasattr(pricer, "data_totals"):
        sides = []
        for fps, idle_total in ((current_fps, idle[0]), (proposed_fps, idle[1])):
            units, seen = [], set()
            for fp in fps:  # an owner's traffic once, on its first footprint (extra rules carry none)
                units.append(0 if fp.owner in seen else _weight(fp, entrypoint_members))
                seen.add(fp.owner)
            sides.append([idle_total + d for d in pricer.data_totals(fps, units, SCENARIOS_GIB)])
        return [{
            "gib_per_service": gib,
            "current_monthly_usd": float(cents(before)),
            "proposed_monthly_usd": float(cents(after)),
            "savings_monthly_usd": float(cents(before - after)),
        } for gib, before, after in zip(SCENARIOS_GIB, *sides)]
    out = []
    for gib in SCENARIOS_GIB:
        def with_usage(fps: list[Footprint], gib: int = gib) -> list[Footprint]:
            res, seen = [], set()
            for fp in fps:  # an owner's traffic once, on its first footprint (extra rules carry none)
                g = Decimal(0) if fp.owner in seen else Decimal(gib * _weight(fp, entrypoint_members))
                seen.add(fp.owner)
                res.append(_with_usage(fp, Usage(g, g)))
            return res

        before = pricer.price(with_usage(current_fps)).total
        after = pricer.price(with_usage(proposed_fps)).total
        out.append({
            "gib_per_service": gib,
            "current_monthly_usd": float(cents(before)),
            "proposed_monthly_usd": float(cents(after)),
            "savings_monthly_usd": float(cents(before - after)),
        })
    return out


def _cloud_notes(cloud: str, plan: dict) -> list[Note]:
    if cloud == "gcp":
        notes = []
        for s in plan.get("services", []):
            if s.get("decision") == "consolidate" and s.get("load_balancer_ip"):
                ref = f"Service {s['cluster']}/{s['namespace']}/{s['name']}"
                notes.append(Note(INFO, ref, "RESERVED_IP_AFTER_RETIRE", f"after the retire phase, release the reserved address {s['load_balancer_ip']} if nothing else uses it: a reserved static IPv4 not in use bills $0.010/h ($7.30/month)"))
        return notes
    what = {
        "aws": "on EKS the proposed entrypoints are priced as one ALB per cluster and visibility (AWS Load Balancer Controller IngressGroup planner-external / planner-internal)",
        "azure": "on AKS the proposed entrypoints are priced as an in-cluster ingress controller's single LoadBalancer Service on the shared AKS load balancer (2 rules for 80/443, 1 public IP); Application Gateway (about $0.246/h plus capacity units, unsure) is the managed alternative and is not what the plan prices",
    }[cloud]
    notes = [
        Note(INFO, "plan", "ENTRYPOINT_COST_MODEL", what),
        Note(INFO, "plan", "BREAK_EVEN_NOT_MODELLED", f"the per-service traffic break-even check models GCP forwarding-rule pools; on {cloud} it is skipped: compare the traffic scenarios or pass --usage"),
    ]
    if cloud == "azure":
        notes.append(Note(INFO, "plan", "AZURE_SHARED_LB", "on AKS every LoadBalancer Service is a frontend (public IP + rules) of the cluster's one shared load balancer: the load-balancer counts in the summary are frontends; consolidation saves rules beyond the 5th and public IPs, not a load balancer"))
    if plan.get("entrypoints"):
        notes.append(Note(BLOCK, "pulumi program", "PROGRAM_GKE_ONLY", f"the entrypoint classes and the generated Pulumi program are GKE-specific (GKE Gateway/Ingress, pulumi-gcp); do not apply them to an {ENGINE[cloud]} cluster. The plan's costs are {cloud} prices; build the entrypoints with the cloud's own controller ({CONTROLLER[cloud]})"))
    return notes


def _data_message(pricer, plan: dict) -> str | None:
    """The idle-plan data-processing sentence in the cloud's own terms (None: keep GCP's)."""
    regions = sorted({c["region"] for c in plan.get("clusters", [])})
    if pricer.cloud == "gcp" or not regions:
        return None
    t = pricer.table
    if pricer.cloud == "aws":
        r = regions[0]
        return (f"plus capacity units for traffic: ALB ${t.rate(r, 'alb_lcu_hour').usd}/LCU-hour, NLB ${t.rate(r, 'nlb_nlcu_hour').usd}/NLCU-hour "
                f"(1 GB/h each), Classic LB ${t.rate(r, 'clb_data_gb').usd}/GB, in and out ({r})")
    return f"plus ${t.rate('global', 'lb_data_gb').usd}/GB processed by the load balancer, in and out"


def _merge_notes(sorted_dicts: list[dict], notes: list[Note]) -> list[dict]:
    """``sorted_dicts`` (note dicts, unique and sorted by level, object, code, message) with
    ``notes`` merged in at their places, those already there left out."""
    def key(d: dict) -> tuple:
        return (NOTE_ORDER[d["level"]], d["object"], d["code"], d["message"])

    out: list[dict] = []
    lo = 0
    for k in sorted({(NOTE_ORDER[n.level], n.object, n.code, n.message) for n in notes}):
        i = bisect_left(sorted_dicts, k, lo=lo, key=key)
        out.extend(sorted_dicts[lo:i])
        lo = i
        if i < len(sorted_dicts) and key(sorted_dicts[i]) == k:
            continue
        out.append(Note(LEVELS[k[0]], *k[1:]).to_dict())
    out.extend(sorted_dicts[lo:])
    return out


def finish_plan(plan: dict, pricer, before: Pricing, after: Pricing, current_fps: list[Footprint], proposed_fps: list[Footprint], entrypoint_members: dict[str, int], notes_sorted: bool = False) -> dict:
    """``notes_sorted``: ``plan["notes"]`` is already unique and in the order this function
    writes (the caller sorted it), so the new notes are merged in rather than all re-sorted."""
    table = pricer.table
    plan["rate_table"] = table.describe()
    notes = before.notes + after.notes + _cloud_notes(pricer.cloud, plan)
    used = plan.get("rates", [])
    unsure = sorted(r["key"] for r in used if r.get("unsure"))
    stale = sorted(r["key"] for r in used if r.get("stale"))
    if unsure:
        notes.append(Note(WARN, f"rates {table.name}", "RATE_UNSURE", f"{len(unsure)} rate(s) used come from a weak source and may be off: {', '.join(unsure)}"))
    if stale:
        notes.append(Note(WARN, f"rates {table.name}", "RATE_STALE", f"{len(stale)} rate(s) used took effect more than a year before the table's newest rate ({plan['rate_table']['as_of']}): {', '.join(stale)}; re-import the catalog"))
    data_priced = before.data_priced or after.data_priced
    message = None if data_priced else _data_message(pricer, plan)
    if message and isinstance(plan.get("summary", {}).get("data_processing"), dict):
        plan["summary"]["data_processing"]["message"] = message
    if not data_priced:
        plan["traffic_scenarios"] = traffic_scenarios(pricer, current_fps, proposed_fps, entrypoint_members, (before.total, after.total))
        notes.append(Note(INFO, "plan", "IDLE_ESTIMATE", "no traffic usage given: totals are idle costs without data processing; see the traffic scenarios (0, 100, 1,000 GiB per service per month) or pass --usage / --usage-default"))
    if notes_sorted:
        plan["notes"] = _merge_notes(plan.get("notes", []), notes)
        return plan
    merged = {(n["level"], n["object"], n["code"], n["message"]) for n in plan.get("notes", [])}
    merged |= {(n.level, n.object, n.code, n.message) for n in notes}
    plan["notes"] = [Note(*t).to_dict() for t in sorted(merged, key=lambda t: (NOTE_ORDER[t[0]], t[1], t[2], t[3]))]
    return plan
