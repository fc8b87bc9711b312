"""Break-even with traffic: is moving a passthrough service behind an L7 entrypoint worth it?

Moving saves the service's share of forwarding rules in its regional pool and adds L7 data
processing: outbound GiB (passthrough LBs do not charge outbound) and the difference between
the L7 and passthrough inbound rates. The saving is *marginal*: a pool that still holds at
least 5 rules after the move saves ``additional`` per removed rule, a pool that stays within
the flat first-5 tier saves nothing, and a pool that empties saves its flat charge, shared
among the services leaving it in proportion to their rules.

When usage is known (``inv.usage``) and the added processing exceeds the saving, the service
is kept with ``TRAFFIC_BREAK_EVEN``. Every moving service gets ``break_even_gib``: the outbound
GiB per month at which the added processing equals the saving.
"""
from __future__ import annotations

from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from planner.model import CENT, Footprint, Usage, cents

GIB_QUANTUM = Decimal("0.01")


def pool_cost(pricer, project: str, region: str, rules: int, cloud: str = "gcp") -> Decimal:
    """Monthly forwarding-rule charge of a pool holding ``rules`` rules (no data processing),
    priced by the pricer itself (memoised per pricer)."""
    if rules <= 0:
        return Decimal(0)
    memo = pricer.__dict__.setdefault("_planner_pool_cost", {})
    key = (cloud, project, region, rules)
    if key not in memo:
        fp = Footprint(owner="pool", cloud=cloud, project=project, region=region, kind="passthrough", forwarding_rules=rules)
        memo[key] = pricer.price([fp]).total
    return memo[key]


def rule_saving(pricer, project: str, region: str, remaining: int, rules: int, leaving: int, cloud: str = "gcp") -> Decimal:
    """What retiring ``rules`` of the ``leaving`` rules that leave a pool saves, when
    ``remaining`` rules stay in it after the move."""
    if remaining > 0:
        return pool_cost(pricer, project, region, remaining + rules, cloud) - pool_cost(pricer, project, region, remaining, cloud)
    return (pool_cost(pricer, project, region, leaving, cloud) * rules / leaving).quantize(CENT, rounding=ROUND_HALF_UP)


def added_processing(usage: Usage, rin_l7: Decimal, rout_l7: Decimal, rin_passthrough: Decimal) -> Decimal:
    return usage.gib_out * rout_l7 + usage.gib_in * (rin_l7 - rin_passthrough)


def apply(entries: list[dict], current_fps: list[Footprint], pricer, inv) -> None:
    """Mark moving entries (``decision == "consolidate"``) that cost more to move than they
    save as kept, and fill ``break_even_gib`` / ``saving`` / ``added`` on each moving entry.
    Iterates to a fixed point: keeping a service raises its pool's remaining rules, which can
    only raise the others' savings, so the kept set only grows."""
    if not hasattr(pricer, "data_rates") or getattr(pricer, "cloud", "gcp") != "gcp":
        return  # GCP pool economics; on AWS/Azure a BREAK_EVEN_NOT_MODELLED note says so (pricers/extras.py)
    pool_rules: dict[tuple[str, str], int] = defaultdict(int)
    for fp in current_fps:
        if fp.region != "global":
            pool_rules[(fp.project, fp.region)] += fp.forwarding_rules
    savings: dict[tuple, Decimal] = {}  # rule_saving is pure; services of one pool share a few keys
    rates: dict[tuple[str, bool], tuple] = {}  # (region, internal) -> data rates (passthrough in, L7 in, L7 out)
    idle_break_even: dict[tuple, Decimal | None] = {}  # (saving, L7 out rate) -> break_even_gib without usage
    while True:
        moving = [e for e in entries if e["decision"] == "consolidate"]
        leaving: dict[tuple[str, str], int] = defaultdict(int)
        internal_eps: dict[tuple[str, str], set[str]] = defaultdict(set)
        for e in moving:
            leaving[(e["cluster"].project, e["cluster"].region)] += e["rules"]
            if e["internal"]:  # a new internal entrypoint joins the regional pool (HTTP listener: 1 rule)
                internal_eps[(e["cluster"].project, e["cluster"].region)].add(e["slot"].name)
        newly_kept = []
        for e in moving:
            cl = e["cluster"]
            pool = (cl.project, cl.region)
            remaining = pool_rules[pool] - leaving[pool] + len(internal_eps[pool])
            key = (cl.project, cl.region, remaining, e["rules"], leaving[pool], cl.cloud)
            saving = savings.get(key)
            if saving is None:
                saving = savings[key] = rule_saving(pricer, *key)
            rk = (cl.region, e["internal"])
            r = rates.get(rk)
            if r is None:
                r = rates[rk] = (pricer.data_rates(cl.region)[0], *pricer.data_rates(cl.region if e["internal"] else "global"))
            rin_pt, rin_l7, rout_l7 = r
            usage: Usage | None = inv.usage.get(e["svc"].key) if inv.usage else None
            e["saving"] = saving
            if usage is None:
                bkey = (saving, rout_l7)
                if bkey not in idle_break_even:
                    idle_break_even[bkey] = max(Decimal(0), saving / rout_l7).quantize(GIB_QUANTUM, rounding=ROUND_HALF_UP) if rout_l7 > 0 else None
                e["break_even_gib"] = idle_break_even[bkey]
                e["added"] = None
                continue
            inbound_delta = usage.gib_in * (rin_l7 - rin_pt)
            e["break_even_gib"] = max(Decimal(0), (saving - inbound_delta) / rout_l7).quantize(GIB_QUANTUM, rounding=ROUND_HALF_UP) if rout_l7 > 0 else None
            added = added_processing(usage, rin_l7, rout_l7, rin_pt)
            e["added"] = added
            if added > saving:
                newly_kept.append((e, saving, added, usage, rout_l7))
        if not newly_kept:
            return
        for e, saving, added, usage, rout in newly_kept:
            e["decision"] = "keep"
            e["reasons"] = [{
                "code": "TRAFFIC_BREAK_EVEN",
                "message": (
                    f"moving saves ${cents(saving)}/month of forwarding rules but adds ${cents(added)}/month of L7 data processing "
                    f"({usage.gib_out} GiB out x ${rout}/GiB"
                    + (f", plus the inbound rate difference on {usage.gib_in} GiB" if added != usage.gib_out * rout else "")
                    + f"); it pays off only below {e['break_even_gib']} GiB out per month"
                ),
            }]
