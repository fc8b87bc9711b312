"""money_by_phase's fast paths against the plain ones on generated inputs: the shared component
lists (``Pricing.shared_components``), the per-remainder ranking of ``allocate``, the owner
components settled to each owner's figure."""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from hypothesis import given, settings, strategies as st

from planner.consolidate import pricing as cpricing
from planner.model import CostLine, Rate
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
    got = cpricing.owner_components(p, owners, {})
    assert got == _owner_components_plain(p, owners) and list(got) == wanted
    # the set and the few-owners path (filtering the lines) agree with the all-owners one
    assert cpricing.owner_components(p, set(wanted), {}) == got
    p.by_owner.update({f"Service z/pad{i}": Decimal(0) for i in range(2 * len(wanted) + 1)})
    assert cpricing.owner_components(p, owners, {}) == got
