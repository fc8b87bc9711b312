"""money_by_phase's fast paths against the plain ones on generated inputs: the shared component
lists (``Pricing.shared_components``), the per-remainder ranking of ``allocate``, the owner
components settled to each owner's figure, and the DNS changes."""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from types import SimpleNamespace

from hypothesis import given, settings, strategies as st

from planner.consolidate import assemble, pricing as cpricing
from planner.model import CostLine, Port, Rate, Service, Source
from planner.pricers import base
from planner.pricers.base import CENT, Pricing, allocate

RATE = Rate("gcp.forwarding_rule.first5", Decimal("0.025"), "hour", "https://cloud.google.com/vpc/network-pricing", "2024-01-01")
NAMES = [f"Service c/s{i}" for i in range(9)] + ["Gateway g", "Address x"]


@st.composite
def pricings(draw):
    """Lines in pools (consecutive lines over one owners tuple, as GCP's tiers), owners in
    several pools, lines of one owner, owners listed twice, weights of 0."""
    lines = []
    for _ in range(draw(st.integers(1, 6))):
        owners = tuple(draw(st.lists(st.sampled_from(NAMES), min_size=0, max_size=10)))
        weights = tuple(draw(st.integers(0, 3)) for _ in owners) if draw(st.booleans()) else ()
        for i in range(draw(st.integers(1, 2))):
            qty = Decimal(draw(st.integers(0, 4000))) / 4
            usd = Decimal(draw(st.integers(0, 900_000))) / 1000
            lines.append(CostLine("pool", f"Forwarding rules {i}", "hour", qty, RATE, usd, owners, "forwarding_rule", weights))
    by_owner = {o: Decimal(draw(st.integers(0, 90_000))) / 100 for o in draw(st.sets(st.sampled_from(NAMES)))}
    return Pricing(lines=lines, by_owner=by_owner)


def plain_components(p: Pricing) -> dict[str, list[dict]]:
    """Each owner's components, owner by owner: allocate's dict on weights summed per owner."""
    out: dict[str, list[dict]] = {}
    for line in p.lines:
        if not line.owners:
            continue
        if len(line.owners) == 1:
            out.setdefault(line.owners[0], []).append(base._component(line, line.quantity, line.monthly_usd.quantize(CENT, rounding=ROUND_HALF_UP)))
            continue
        weights: dict[str, int] = {}
        for i, owner in enumerate(line.owners):
            weights[owner] = weights.get(owner, 0) + (line.weights[i] if line.weights else 1)
        if not sum(weights.values()):
            weights = dict.fromkeys(weights, 1)
        total_w = sum(weights.values())
        for owner, share in allocate(line.monthly_usd, weights).items():
            out.setdefault(owner, []).append(base._component(line, line.quantity * weights[owner] / total_w, share))
    return out


@settings(max_examples=300, deadline=None)
@given(p=pricings(), wanted=st.sets(st.sampled_from(NAMES)))
def test_shared_components_equal_the_owner_by_owner_split(p, wanted):
    shared = p.shared_components()
    assert shared == plain_components(p)
    assert p.components_by_owner() == shared and list(p.components_by_owner()) == sorted(shared)
    assert p.shared_components(wanted) == {o: cs for o, cs in shared.items() if o in wanted}
    # one list for owners holding the very same components, two lists otherwise
    lists = list(shared.values())
    for a in lists:
        for b in lists:
            assert (a is b) == ([id(c) for c in a] == [id(c) for c in b])


@settings(max_examples=300, deadline=None)
@given(weights=st.dictionaries(st.sampled_from(NAMES), st.integers(1, 4), min_size=1), cents=st.integers(0, 10_000))
def test_largest_remainders_equal_one_sort_of_every_owner(weights, cents):
    amount = Decimal(cents) / 100
    total_w = sum(weights.values())
    per_weight = {}
    for w in set(weights.values()):
        raw = amount * w / total_w
        per_weight[w] = (raw.quantize(CENT, rounding="ROUND_DOWN"), -(raw - raw.quantize(CENT, rounding="ROUND_DOWN")))
    for n in range(len(weights) + 1):
        want = sorted(weights, key=lambda k: (per_weight[weights[k]][1], k))[:n]
        assert base._largest_remainders(weights, per_weight, n) == want


def _owner_components_plain(p: Pricing, owners) -> dict[str, list[dict]]:
    """owner_components as before: every owner's components settled to its figure one by one."""
    comps = plain_components(p)
    return {o: cpricing._to_total(comps.get(o, []), p.by_owner.get(o, Decimal(0))) for o in owners}


@settings(max_examples=300, deadline=None)
@given(p=pricings(), wanted=st.lists(st.sampled_from(NAMES), unique=True))
def test_owner_components_equal_the_plain_settling(p, wanted):
    owners = dict.fromkeys(wanted)
    got = cpricing.owner_components(p, owners, dict)
    assert got == _owner_components_plain(p, owners) and list(got) == wanted
    # the set and the few-owners path (filtering the lines) agree with the all-owners one
    assert cpricing.owner_components(p, set(wanted), dict) == got
    p.by_owner.update({f"Service z/pad{i}": Decimal(0) for i in range(2 * len(wanted) + 1)})
    assert cpricing.owner_components(p, owners, dict) == got


# --- dns_changes ------------------------------------------------------------------------------
def _dns_changes_plain(entrypoints, lbs):
    """dns_changes as first written: a list of every route's change, deduplicated, one sort."""
    out = []
    by_ref = {s.ref: s for s in lbs}
    for ep in entrypoints:
        for r in ep["routes"]:
            if not r["host"]:
                continue
            svc = by_ref.get(f"Service {ep['cluster']}/{r['namespace']}/{r['service']}") if "origin" not in r else None
            old = sorted(set(svc.status_addresses) | ({svc.load_balancer_ip} if svc.load_balancer_ip else set())) if svc else []
            out.append({"host": r["host"], "entrypoint": ep["name"], "old_addresses": old})
    return sorted({(d["host"], d["entrypoint"]): d for d in out}.values(), key=lambda d: (d["host"], d["entrypoint"]))


ADDRS = ["10.0.0.1", "10.0.0.2", "34.1.2.3", "lb.example.com"]


@st.composite
def dns_inputs(draw):
    services = [Service("c", "ns", f"s{i}", "LoadBalancer", (), Source("f", 1), load_balancer_ip=draw(st.sampled_from([None, "", *ADDRS])),
                        status_addresses=tuple(draw(st.lists(st.sampled_from(ADDRS), max_size=3)))) for i in range(draw(st.integers(0, 5)))]
    route = st.fixed_dictionaries({"host": st.sampled_from(["", "a.example.com", "b.example.com", "c.example.com"]), "namespace": st.sampled_from(["ns", "other"]),
                                   "service": st.sampled_from(["s0", "s1", "s2", "s3", "gone"])}, optional={"origin": st.just("ingress")})
    eps = [{"name": draw(st.sampled_from(["planner-external", "planner-internal", "gw-b"])), "cluster": draw(st.sampled_from(["c", "d"])),
            "routes": draw(st.lists(route, max_size=6))} for _ in range(draw(st.integers(0, 4)))]
    return eps, services


@settings(max_examples=300, deadline=None)
@given(inputs=dns_inputs())
def test_dns_changes_equal_the_plain_version(inputs):
    eps, services = inputs
    assert assemble.dns_changes(eps, {s.ref: s for s in services}.get) == _dns_changes_plain(eps, services)


# --- phases: one total per distinct pricing -------------------------------------------------
@settings(max_examples=200, deadline=None)
@given(p=pricings())
def test_components_given_the_total_equal_components_summing_it(p):
    assert cpricing.components(p, p.total) == cpricing.components(p)


# --- breakeven.marginal: one saving per (cluster, rules) --------------------------------------
def _marginal_plain(entries, current_fps, pricer):
    """breakeven.marginal as first written: rule_saving's key worked out entry by entry."""
    from planner.consolidate import breakeven

    pool_rules = breakeven._pool_rules(current_fps)
    moving = [e for e in entries if e.moving]
    leaving = breakeven._leaving(moving)
    out = {}
    for e in moving:
        cl = e.cluster
        pool = (cl.project, cl.region)
        out[e.ref] = breakeven.rule_saving(pricer, cl.project, cl.region, pool_rules[pool] - leaving[pool], e.rules, leaving[pool], cl.cloud)
    return out


@settings(max_examples=100, deadline=None)
@given(shapes=st.lists(st.tuples(st.integers(0, 4), st.integers(1, 3), st.booleans()), max_size=25))
def test_marginal_equals_the_entry_by_entry_saving(shapes):
    from planner.consolidate import breakeven
    from planner.model import Cluster
    from planner.pricers.gcp import GcpPricer

    # two clusters of one pool, one equal to another but a different object, one elsewhere
    clusters = [Cluster("a"), Cluster("b"), Cluster("a"), Cluster("c", region="europe-west1"), Cluster("d", project="other")]
    pricer = GcpPricer()
    entries, fps = [], []
    for i, (k, rules, moving) in enumerate(shapes):
        svc = Service(clusters[k].name, "ns", f"s{i}", "LoadBalancer", (Port(80),), Source("f", 1))
        fp = pricer.service_footprint(svc, clusters[k], None)
        fps.append(fp)
        entries.append(SimpleNamespace(ref=svc.ref, cluster=clusters[k], rules=rules, moving=moving))  # rules of its own: the key must read them
    assert breakeven.marginal(entries, fps, pricer) == _marginal_plain(entries, fps, pricer)


def test_owner_components_read_the_weights_only_without_shared_components():
    line = CostLine("pool", "Forwarding rules 1-5 (flat)", "hour", Decimal(730), RATE, Decimal("18.25"), ("Service c/a", "Service c/b"), "forwarding_rule", (1, 1))
    p = Pricing(lines=[line], by_owner={"Service c/a": Decimal("6.08"), "Service c/b": Decimal("12.17")})

    def unread():
        raise AssertionError("weights read on the shared path")

    assert [c["monthly_usd"] for c in cpricing.owner_components(p, {"Service c/a"}, unread)["Service c/a"]] == [6.08]
    plain = SimpleNamespace(lines=p.lines, by_owner=p.by_owner)  # a pricing without shared_components
    got = cpricing.owner_components(plain, {"Service c/a", "Service c/b"}, lambda: {"Service c/a": 1, "Service c/b": 2})
    assert [c["monthly_usd"] for c in got["Service c/a"]] == [6.08] and [c["monthly_usd"] for c in got["Service c/b"]] == [12.17]
