"""The design step's shortcuts give what the long way gives: re-pricing after the savings check
(only the pools that changed, the entrypoints' footprints reused) equals pricing the design
again from scratch, to the last line, share, rate and note."""
from __future__ import annotations

from decimal import Decimal as D

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planner.consolidate import Options, build_strategy_plan, pricing
from planner.model import Cluster, Port, Service, Source, Usage
from planner.pricers.gcp import GcpPricer
from tests.plan_factory import inventory
from tests.test_invariants import cases

SRC = Source("test.yaml")
CLUSTERS = [Cluster("a", project="p1", region="us-central1"), Cluster("b", project="p1", region="europe-west1"), Cluster("c", project="p2", region="us-central1")]


def _snapshot(p) -> str:
    """Everything a Pricing says, exponents and orders included (Decimal ``==`` ignores exponents)."""
    return repr((p.lines, list(p.by_owner.items()), list(p.rates.items()), p.notes, p.data_priced, p.total))


@st.composite
def footprints(draw, pricer: GcpPricer):
    """GCP footprints of every shape across a few pools: services (with and without traffic),
    internal and external entrypoints (proxies, Cloud Armor, certificates), reserved addresses."""
    out = []
    for i in range(draw(st.integers(0, 14))):
        cl = draw(st.sampled_from(CLUSTERS))
        shape = draw(st.sampled_from(["svc", "svc", "svc", "internal", "external", "address"]))
        use = draw(st.sampled_from([None, Usage(D(5), D(7)), Usage(D("0.5"), D(0))]))
        if shape == "svc":
            ports = tuple(Port(80 + j, proto) for j, proto in enumerate(draw(st.lists(st.sampled_from(["TCP", "UDP"]), min_size=1, max_size=2))))
            out.append(pricer.service_footprint(Service(cluster=cl.name, namespace="ns", name=f"s{i}", type="LoadBalancer", ports=ports, source=SRC), cl, use))
        elif shape == "address":
            out.append(pricer.reserved_address_footprint(f"Address 10.0.0.{i}", cl, draw(st.booleans())))
        else:
            ep = {"kind": "Gateway", "name": f"gw{i}", "internal": shape == "internal", "forwarding_rules": draw(st.integers(1, 2)), "proxies": draw(st.integers(0, 4)),
                  "security_policies": [{"name": "p", "ranges": ["1.1.1.1/32"]}] if draw(st.booleans()) else [],
                  "certificates": [{"name": f"c{j}", "hosts": []} for j in range(draw(st.integers(0, 2)))]}
            out.append(pricer.entrypoint_footprint(ep, cl, use))
    return out


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.data())
def test_reprice_equals_pricing_again(data):
    pricer = GcpPricer()
    first = data.draw(footprints(pricer))
    # the second design: some footprints gone, some back or new, in an order of its own
    kept = [fp for fp in first if data.draw(st.booleans())]
    second = data.draw(st.permutations(kept + data.draw(footprints(pricer))))
    prior = pricer.price(first)
    got = pricer.reprice(second, prior)
    assert _snapshot(got) == _snapshot(pricer.price(second))
    # the pools whose footprints are the same objects were copied, not priced again
    for key, (fps, part) in got.pools.items():
        old = prior.pools.get(key)
        if old is not None and len(old[0]) == len(fps) and all(a is b for a, b in zip(old[0], fps)):
            assert part is old[1]
        elif old is not None:
            assert part is not old[1]


def test_reprice_copies_the_untouched_pools_only():
    pricer = GcpPricer()
    a, c = CLUSTERS[0], CLUSTERS[2]
    fps = [pricer.service_footprint(Service(cluster=cl.name, namespace="ns", name=f"s{i}", type="LoadBalancer", ports=(Port(80),), source=SRC), cl, None) for i in range(8) for cl in (a, c)]
    prior = pricer.price(fps)
    fewer = [fp for fp in fps if fp.owner != "Service a/ns/s3"]
    got = pricer.reprice(fewer, prior)
    assert got.pools[("p2", "us-central1")][1] is prior.pools[("p2", "us-central1")][1]
    assert got.pools[("p1", "us-central1")][1] is not prior.pools[("p1", "us-central1")][1]
    assert "Service a/ns/s3" not in got.by_owner and _snapshot(got) == _snapshot(pricer.price(fewer))
    # not the same objects (equal values): priced again
    again = [fp.like() for fp in fps]
    assert pricer.reprice(again, prior).pools[("p2", "us-central1")][1] is not prior.pools[("p2", "us-central1")][1]


def test_settle_repricing_equals_pricing_the_design_again():
    """savings.settle's re-pricing (pricing.reprice) against pricing.price of the same design,
    on generated plans; some of them must keep a group (else the fast path is never run)."""
    seen = []
    plain = pricing.reprice

    def checked(ev, prior, prior_eps, entries, items, entrypoints, design, folded):
        fast = plain(ev, prior, prior_eps, entries, items, entrypoints, design, folded)
        slow = pricing.price(ev, entries, items, entrypoints, design, folded, prior.current_fps)
        assert _snapshot(fast.after) == _snapshot(slow.after)
        assert _snapshot(fast.before) == _snapshot(slow.before)
        assert repr(fast.proposed_fps) == repr(slow.proposed_fps) and list(fast.entrypoint_cost.items()) == list(slow.entrypoint_cost.items())
        made = {fp.owner: fp for fp in prior.proposed_fps}  # the entrypoints' footprints: the first pricing's
        assert all(fp is made[fp.owner] for fp in fast.proposed_fps[len(fast.proposed_fps) - len(entrypoints):])
        seen.append(len(prior_eps) - len(entrypoints))
        return fast

    @settings(max_examples=80, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(cases())
    def run(case):
        objs, clusters, usage, opts = case
        inv = inventory(*objs, clusters=clusters, usage=usage)
        for strategy in ("gateway", "ingress"):
            build_strategy_plan(inv, Options(**{**opts, "strategy": strategy, "compare": False}), strategy)

    pricing.reprice = checked
    try:
        run()
    finally:
        pricing.reprice = plain
    assert any(n > 0 for n in seen), seen


def _pool_cost_by_footprints(pools, kept_fps, moved_fps):
    """savings._Pools' GCP cost the long way: every footprint of both sides read again."""
    from collections import defaultdict

    from planner.consolidate.breakeven import pool_cost

    pricer = pools.pricer
    own = defaultdict(int)
    for fp in moved_fps:
        if not fp.proxy_billed:
            own[(fp.project, fp.region)] += fp.forwarding_rules
    sides = []
    for fps in (kept_fps, moved_fps):
        added = defaultdict(int)
        for fp in fps:
            if fp.lb_type != "address" and not fp.proxy_billed:
                added[(fp.project, fp.region)] += fp.forwarding_rules
        total = D(0)
        for p, n in added.items():
            rest = pools.rules.get(p, 0) - own.get(p, 0)
            total += pool_cost(pricer, p[0], p[1], rest + n) - pool_cost(pricer, p[0], p[1], rest)
        for fp in fps:
            if fp.lb_type == "address":
                total += pricer.price([fp]).total
            elif fp.usage is not None or fp.kind != "passthrough":
                total += pricer.price([fp]).total - pool_cost(pricer, fp.project, fp.region, 0 if fp.proxy_billed else fp.forwarding_rules)
        sides.append(total)
    return tuple(sides)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.data())
def test_group_sides_summed_once_cost_what_the_footprints_cost(data):
    """savings._Pools.cost sums each group's sides once (rules per pool, own charges) and
    prices them against the pools as groups are kept: the same figures, exponents included,
    as reading every footprint of both sides again each time."""
    from planner.consolidate.savings import _Pools

    pricer = GcpPricer()
    groups = {f"g{i}": (data.draw(footprints(pricer)), data.draw(footprints(pricer))) for i in range(data.draw(st.integers(1, 4)))}
    proposed = data.draw(footprints(pricer)) + [fp for _, moved in groups.values() for fp in moved]
    pools = _Pools(pricer, proposed)
    for name in data.draw(st.permutations(sorted(groups) * 2)):
        kept_fps, moved_fps = groups[name]
        got = pools.cost(name, kept_fps, moved_fps)
        assert repr(got) == repr(_pool_cost_by_footprints(pools, kept_fps, moved_fps))
        if data.draw(st.booleans()):
            pools.keep_group(kept_fps, moved_fps)


def test_phase_pricings_reuse_todays_pools_and_equal_pricing_again():
    """phases' build and cutover pricings (reprice over today's pricing) against pricing the
    same footprints again, on generated plans; some of them must reuse a pool of today's."""
    from planner.consolidate import phases

    seen = []
    plain = phases._price_beside

    def checked(pricer, footprints, today):
        fast = plain(pricer, footprints, today)
        assert _snapshot(fast) == _snapshot(pricer.price(footprints))
        seen.append(sum(1 for key, part in fast.pools.items() if today.pools.get(key) is part))
        return fast

    @settings(max_examples=60, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(cases())
    def run(case):
        objs, clusters, usage, opts = case
        inv = inventory(*objs, clusters=clusters, usage=usage)
        build_strategy_plan(inv, Options(**{**opts, "strategy": "gateway", "compare": False}), "gateway")

    phases._price_beside = checked
    try:
        run()
    finally:
        phases._price_beside = plain
    assert seen and any(n > 0 for n in seen), seen
