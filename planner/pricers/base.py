"""What every pricer returns, and the cent-exact allocation of pooled charges to owners."""
from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from planner.model import CENT, HOURS_PER_MONTH, CostLine, Note, Rate

#: GCP forwarding rules and Azure LB rules: the first five cost one flat hourly charge together.
FREE_TIER_RULES = 5


@dataclass
class Pricing:
    lines: list[CostLine] = field(default_factory=list)
    by_owner: dict[str, Decimal] = field(default_factory=dict)  # cents, sums to total
    rates: dict[str, Rate] = field(default_factory=dict)
    data_priced: bool = False
    #: What the pricer had to assume (AZ counts, unpriced charges...); merged into the plan.
    notes: list[Note] = field(default_factory=list)

    def add(self, line: CostLine) -> None:
        self.lines.append(line)
        self.rates[line.rate.key] = line.rate

    def components_by_owner(self) -> dict[str, list[dict]]:
        """Every cost line split among its owners, in the plan's ``cost_components`` shape:
        ``{owner: [{component, quantity, unit, rate_key, monthly_usd, unsure}, ...]}``.

        A line's cents (rounded half up once) are split by :func:`allocate` on the line's
        ``weights`` (forwarding rules, proxies, ... per owner; equal when it has none), so the
        owners' shares of a line add up to the line's cents exactly. ``quantity`` is the owner's
        proportional share of the line's quantity (rounded to 6 places, for display). Owners of
        one line with equal weights and equal cents share one (read-only) component. Not on the
        hot path: call it for the plan, not per scenario."""
        return {owner: list(comps) for owner, comps in sorted(self.shared_components().items())}

    def shared_components(self, owners: Collection[str] | None = None) -> dict[str, list[dict]]:
        """:meth:`components_by_owner` of the owners in ``owners`` (all when None), unsorted,
        and owners whose components are the same objects share one (read-only) list: a fleet's
        services repeat a few footprints, so 100,000 owners hold about a thousand lists."""
        runs: dict[str, _Run] = {}
        start = _Run([])
        last: tuple = (None, None, {})  # (owners, weights, their weights by owner): a pool's tier lines share them
        for line in self.lines:
            if len(line.owners) == 1:  # usage lines, reserved addresses: the whole line, no split
                owner = line.owners[0]
                if owners is None or owner in owners:
                    runs[owner] = runs.get(owner, start).then(_component(line, line.quantity, line.monthly_usd.quantize(CENT, rounding=ROUND_HALF_UP)))
            elif line.owners:
                if line.owners is not last[0] or line.weights is not last[1]:
                    last = (line.owners, line.weights, _line_weights(line))
                for owner, component in _split_line(line, last[2], owners):
                    runs[owner] = runs.get(owner, start).then(component)
        return {owner: run.components for owner, run in runs.items()}

    @property
    def total(self) -> Decimal:
        return sum(self.by_owner.values(), Decimal(0))


_QUANTITY = Decimal("0.000001")


class _Run:
    """The components an owner got from the lines so far, shared by every owner that got the
    same component objects in the same order (its next runs are keyed by the component's id:
    each component stays alive in the run's list)."""

    __slots__ = ("components", "_next")

    def __init__(self, components: list[dict]):
        self.components = components
        self._next: dict[int, _Run] = {}

    def then(self, component: dict) -> _Run:
        got = self._next.get(id(component))
        if got is None:
            got = self._next[id(component)] = _Run([*self.components, component])
        return got


def _line_weights(line: CostLine) -> dict[str, int]:
    """Owner -> its weight on ``line`` (an owner listed twice weighs the sum), in the owners'
    order; equal weights of 1 when the line has none, or when they add up to 0."""
    owners = line.owners
    if line.weights:
        weights = dict(zip(owners, line.weights))
        if len(weights) != len(owners):  # an owner listed twice
            weights = defaultdict(int)
            for owner, w in zip(owners, line.weights):
                weights[owner] += w
            weights = dict(weights)
    else:
        weights = dict.fromkeys(owners, 1)
        if len(weights) != len(owners):
            weights = dict(Counter(owners))
    if not sum(weights.values()):  # nothing to weigh by: equal shares, still exact
        weights = dict.fromkeys(weights, 1)
    return weights


def _split_line(line: CostLine, weights: dict[str, int], wanted: Collection[str] | None = None):
    """(owner, its component) for every owner of ``line`` (in ``wanted`` when given), in
    ``weights``' order: its cents from :func:`allocate`'s split (the weight's floor share, one
    cent more for the owners with the largest remainders), its quantity in proportion to its
    weight. Owners of one weight and one cents share one component."""
    total_w = sum(weights.values())
    floors, bumped = _shares(line.monthly_usd, weights, total_w)
    plain = {w: _component(line, line.quantity * w / total_w, fl) for w, fl in floors.items()}
    more = {w: _component(line, line.quantity * w / total_w, floors[w] + CENT) for w in {weights[o] for o in bumped}}
    for owner in weights if wanted is None else [o for o in weights if o in wanted]:
        yield owner, more[weights[owner]] if owner in bumped else plain[weights[owner]]


def _component(line: CostLine, quantity: Decimal, monthly: Decimal) -> dict:
    """One owner's share of ``line`` in the ``cost_components`` shape."""
    return {
        "component": line.kind,
        "quantity": float(quantity.quantize(_QUANTITY, rounding=ROUND_HALF_UP)),
        "unit": line.unit,
        "rate_key": line.rate.key,
        "monthly_usd": float(monthly),
        "unsure": line.rate.unsure,
    }


def tiered_rules(out: Pricing, pool: str, noun: str, rules: int, first5: Rate, extra: Rate, owners: tuple[str, ...], kind: str = "forwarding_rule", weights: tuple[int, ...] = ()) -> Decimal:
    """Add the cost lines of ``rules`` rules billed with a flat charge for the first five and a
    per-rule charge beyond (GCP forwarding rules per project and region, Azure LB rules per
    load balancer); return their monthly cost. ``weights`` (rules per owner, aligned with
    ``owners``) say how both lines split among the owners."""
    cost = Decimal(0)
    if rules:
        flat = first5.usd * HOURS_PER_MONTH
        out.add(CostLine(pool, f"{noun[0].upper()}{noun[1:]} 1-{min(rules, FREE_TIER_RULES)} of {rules} (flat)", "hour", HOURS_PER_MONTH, first5, flat, owners, kind, weights))
        cost += flat
    if rules > FREE_TIER_RULES:
        qty = Decimal(rules - FREE_TIER_RULES) * HOURS_PER_MONTH
        out.add(CostLine(pool, f"Additional {noun} ({rules - FREE_TIER_RULES})", "rule-hour", qty, extra, extra.usd * qty, owners, kind, weights))
        cost += extra.usd * qty
    return cost


def allocate(amount: Decimal, weights: dict[str, int]) -> dict[str, Decimal]:
    """Split ``amount`` (rounded to cents, half up: 27.375 → 27.38) over owners in proportion to ``weights`` so that the
    shares are whole cents and add up exactly (largest remainder; ties by owner name)."""
    total_w = sum(weights.values())
    if total_w == 0:
        return {k: Decimal(0) for k in weights}
    floors, bumped = _shares(amount, weights, total_w)
    shares = {k: floors[w] for k, w in weights.items()}
    for k in bumped:
        shares[k] += CENT
    return shares


def _shares(amount: Decimal, weights: dict[str, int], total_w: int) -> tuple[dict[int, Decimal], set[str]]:
    """:func:`allocate`'s split (``total_w`` > 0): each weight's share rounded down to the cent,
    and the owners that get one cent more (the cents left, to the largest remainders). An
    owner's exact share and its remainder depend on its weight only: computed once per
    distinct weight (pools hold many owners of 1 or 2 rules)."""
    amount = amount.quantize(CENT, rounding=ROUND_HALF_UP)
    per_weight: dict[int, tuple[Decimal, Decimal]] = {}
    for w in set(weights.values()):
        raw = amount * w / total_w
        fl = raw.quantize(CENT, rounding=ROUND_DOWN)
        per_weight[w] = (fl, -(raw - fl))
    floored = sum((per_weight[w][0] * n for w, n in Counter(weights.values()).items()), Decimal(0))
    left = int(((amount - floored) / CENT).to_integral_value())
    floors = {w: fl for w, (fl, _) in per_weight.items()}
    return floors, set(_largest_remainders(weights, per_weight, left)) if left else set()


def _largest_remainders(weights: dict[str, int], per_weight: dict[int, tuple[Decimal, Decimal]], n: int) -> list[str]:
    """The first ``n`` owners in ``(per_weight[weight][1], owner)`` order (the largest remainders
    first, ties by owner name): owners grouped by that remainder (a few distinct weights leave
    it), the groups in order, names sorted within the groups needed only."""
    by_rem: dict[Decimal, set[int]] = defaultdict(set)  # remainder -> the weights that leave it
    for w, (_, rem) in per_weight.items():
        by_rem[rem].add(w)
    out: list[str] = []
    for rem in sorted(by_rem):
        ws = by_rem[rem]
        out += sorted(weights if len(ws) == len(per_weight) else [k for k, w in weights.items() if w in ws])
        if len(out) >= n:
            break
    return out[:n]


def settle(exact: dict[str, Decimal]) -> dict[str, Decimal]:
    """Exact (sub-cent) charges per owner → whole cents per owner whose sum is the exact total
    rounded once, half up (how an invoice rounds: 4 NLBs of $27.375 are $109.50, not 4 x $27.38).
    Remaining cents go to the largest remainders (ties by owner name)."""
    total = sum(exact.values(), Decimal(0)).quantize(CENT, rounding=ROUND_HALF_UP)
    floor = {k: v.quantize(CENT, rounding=ROUND_DOWN) for k, v in exact.items()}
    left = int(((total - sum(floor.values(), Decimal(0))) / CENT).to_integral_value())
    order = sorted(exact, key=lambda k: (-(exact[k] - floor[k]), k))
    for k in order[:left]:
        floor[k] += CENT
    return dict(sorted(floor.items()))
