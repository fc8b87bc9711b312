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

from planner.consolidate.entries import Entry, evolve, keep
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


def _pool_rules(current_fps: list[Footprint]) -> dict[tuple[str, str], int]:
    pool_rules: dict[tuple[str, str], int] = defaultdict(int)
    for fp in current_fps:
        if fp.region != "global":
            pool_rules[(fp.project, fp.region)] += fp.forwarding_rules
    return pool_rules


def _leaving(moving: list[Entry]) -> dict:
    """Rules leaving each pool. New internal entrypoints join no pool: regional Envoy-based
    Application LBs are billed per proxy, not in the forwarding-rule pool (pricers/gcp.py)."""
    leaving: dict[tuple[str, str], int] = defaultdict(int)
    for e in moving:
        leaving[(e.cluster.project, e.cluster.region)] += e.rules
    return leaving


class _Memo:
    """rule_saving is pure; services of one pool share a few keys (so do data rates and the
    usage-free break-even)."""

    def __init__(self, pricer):
        self.pricer = pricer
        self.savings: dict[tuple, Decimal] = {}
        self.rates: dict[tuple[str, bool], tuple] = {}  # (region, internal) -> (passthrough in, L7 in, L7 out)
        self.idle: dict[tuple, Decimal | None] = {}  # (saving, L7 out rate) -> break_even_gib without usage

    def saving(self, key: tuple) -> Decimal:
        got = self.savings.get(key)
        if got is None:
            got = self.savings[key] = rule_saving(self.pricer, *key)
        return got

    def data_rates(self, region: str, internal: bool) -> tuple:
        r = self.rates.get((region, internal))
        if r is None:
            r = self.rates[(region, internal)] = (self.pricer.data_rates(region)[0], *self.pricer.data_rates(region if internal else "global"))
        return r

    def idle_break_even(self, saving: Decimal, rout_l7: Decimal) -> Decimal | None:
        key = (saving, rout_l7)
        if key not in self.idle:
            self.idle[key] = max(Decimal(0), saving / rout_l7).quantize(GIB_QUANTUM, rounding=ROUND_HALF_UP) if rout_l7 > 0 else None
        return self.idle[key]


def _assess(e: Entry, saving: Decimal, memo: _Memo, usage: Usage | None) -> Entry:
    """``e`` with its saving, break-even GiB and added processing; kept when that outweighs."""
    rin_pt, rin_l7, rout_l7 = memo.data_rates(e.cluster.region, e.internal)
    if usage is None:
        return evolve(e, saving=saving, break_even_gib=memo.idle_break_even(saving, rout_l7), added=None)
    inbound_delta = usage.gib_in * (rin_l7 - rin_pt)
    be = max(Decimal(0), (saving - inbound_delta) / rout_l7).quantize(GIB_QUANTUM, rounding=ROUND_HALF_UP) if rout_l7 > 0 else None
    added = added_processing(usage, rin_l7, rout_l7, rin_pt)
    if added <= saving:
        return evolve(e, saving=saving, break_even_gib=be, added=added)
    message = (
        f"moving saves ${cents(saving)}/month of forwarding rules but adds ${cents(added)}/month of L7 data processing "
        f"({usage.gib_out} GiB out x ${rout_l7}/GiB"
        + (f", plus the inbound rate difference on {usage.gib_in} GiB" if added != usage.gib_out * rout_l7 else "")
        + f"); it pays off only below {be} GiB out per month"
    )
    return keep(evolve(e, saving=saving, break_even_gib=be, added=added), "TRAFFIC_BREAK_EVEN", message)


def apply(entries: list[Entry], current_fps: list[Footprint], pricer, inv) -> list[Entry]:
    """``entries`` with moving ones that cost more to move than they save kept, and
    ``break_even_gib`` / ``saving`` / ``added`` filled on each moving one. Iterates to a fixed
    point: keeping a service raises its pool's remaining rules, which can only raise the
    others' savings, so the kept set only grows."""
    if not hasattr(pricer, "data_rates") or getattr(pricer, "cloud", "gcp") != "gcp":
        return entries  # GCP pool economics; on AWS/Azure a BREAK_EVEN_NOT_MODELLED note says so (pricers/extras.py)
    pool_rules = _pool_rules(current_fps)
    memo = _Memo(pricer)
    usage_of = inv.usage or {}
    while True:
        leaving = _leaving([e for e in entries if e.moving])
        out, newly_kept = [], 0
        for e in entries:
            if not e.moving:
                out.append(e)
                continue
            cl = e.cluster
            pool = (cl.project, cl.region)
            remaining = pool_rules[pool] - leaving[pool]
            saving = memo.saving((cl.project, cl.region, remaining, e.rules, leaving[pool], cl.cloud))
            got = _assess(e, saving, memo, usage_of.get(e.svc.key) if usage_of else None)
            newly_kept += not got.moving
            out.append(got)
        entries = out
        if not newly_kept:
            return entries


def marginal(entries: list[Entry], current_fps: list[Footprint], pricer) -> dict[str, Decimal] | None:
    """Moving service ref -> what retiring its forwarding rules saves, given its pool after
    the move (as :func:`apply` computes it); None off GCP (the caller uses its own cost)."""
    if not hasattr(pricer, "data_rates") or getattr(pricer, "cloud", "gcp") != "gcp":
        return None
    pool_rules = _pool_rules(current_fps)
    memo = _Memo(pricer)
    moving = [e for e in entries if e.moving]
    leaving = _leaving(moving)
    out = {}
    by_shape: dict[tuple[int, int], Decimal] = {}  # (id(cluster), rules) -> saving: the clusters outlive this loop
    for e in moving:
        got = by_shape.get((id(e.cluster), e.rules))
        if got is None:
            cl = e.cluster
            pool = (cl.project, cl.region)
            remaining = pool_rules[pool] - leaving[pool]
            got = by_shape[id(cl), e.rules] = memo.saving((cl.project, cl.region, remaining, e.rules, leaving[pool], cl.cloud))
        out[e.ref] = got
    return out
