"""Cost by phase: what the bill is while each phase of the runbook is live.

* ``build``: today's load balancers all run, and the new entrypoints exist beside them
  without traffic (priced together: an internal entrypoint joins its regional pool);
* ``cutover``: DNS points at the new entrypoints, which carry the moved traffic, while the old
  load balancers still exist (idle for the moved services) until retire;
* ``retire``: the proposed design (the summary's proposed figure).

``migration_overlap_usd``: the extra cost, against today, of running build and cutover for
``--overlap-days`` days (half each), at 730 hours a month. ``payback_days``: days of the
monthly saving that pay the overlap back (None when the plan saves nothing).
"""
from __future__ import annotations

from dataclasses import replace
from decimal import ROUND_HALF_UP, Decimal

from planner.consolidate.pricing import Priced, components
from planner.model import HOURS_PER_MONTH, Footprint, cents

DAY_QUANTUM = Decimal("0.1")


def _idle(fp: Footprint) -> Footprint:
    return fp if fp.usage is None else replace(fp, usage=None)


def phase_pricings(pricer, priced: Priced, moved_owners: set[str], entrypoint_owners: set[str]):
    """(build, cutover, retire) pricings of the plan."""
    new = [fp for fp in priced.proposed_fps if fp.owner in entrypoint_owners]
    if not new:
        return priced.before, priced.before, priced.after
    build = _price_beside(pricer, list(priced.current_fps) + [_idle(fp) for fp in new], priced.before)
    if not any(fp.usage is not None for fp in priced.current_fps) and not any(fp.usage is not None for fp in new):
        return build, build, priced.after  # no traffic known: both phases cost the same
    old = [_idle(fp) if fp.owner in moved_owners else fp for fp in priced.current_fps]
    return build, _price_beside(pricer, old + new, priced.before), priced.after


def _price_beside(pricer, footprints: list[Footprint], today):
    """``pricer.price(footprints)``; a pricer that can reuses today's pricing of the pools no
    new entrypoint joins (``reprice``: the same footprints price the same)."""
    reprice = getattr(pricer, "reprice", None)
    return reprice(footprints, today) if reprice is not None else pricer.price(footprints)


def phases(pricer, priced: Priced, moved_owners: set[str], entrypoint_owners: set[str]) -> list[dict]:
    out, totals = [], {}  # build and cutover are often one pricing: its total (a sum over every owner) summed once
    for name, p in zip(("build", "cutover", "retire"), phase_pricings(pricer, priced, moved_owners, entrypoint_owners)):
        total = totals.get(id(p))
        if total is None:
            total = totals[id(p)] = p.total
        out.append({"phase": name, "monthly_usd": float(cents(total)), "cost_components": components(p, total)})
    return out


def overlap_and_payback(phase_rows: list[dict], current: Decimal, proposed: Decimal, days: int) -> tuple[Decimal, float | None]:
    """(migration_overlap_usd, payback_days) for ``days`` of build + cutover."""
    build, cutover = (Decimal(str(r["monthly_usd"])) for r in phase_rows[:2])
    hours = Decimal(days) * 24
    extra = ((build - current) + (cutover - current)) / 2 * hours / HOURS_PER_MONTH
    overlap = cents(max(Decimal(0), extra))
    saving = current - proposed
    if saving <= 0:
        return overlap, None
    per_day = saving * 24 / HOURS_PER_MONTH
    return overlap, float((overlap / per_day).quantize(DAY_QUANTUM, rounding=ROUND_HALF_UP))


def loss_above(plan: dict) -> float | None:
    """The uniform monthly GiB (in and out each) per service above which the plan costs more
    than today, from the traffic scenarios (savings fall linearly with traffic: every moved
    service adds the L7 rates less the passthrough one). None when usage is priced, when the
    plan saves nothing idle, or when traffic never erodes the saving."""
    rows = {r["gib_per_service"]: Decimal(str(r["savings_monthly_usd"])) for r in plan.get("traffic_scenarios") or []}
    if 0 not in rows or len(rows) < 2:
        return None
    top = max(rows)
    idle, slope = rows[0], (rows[0] - rows[top]) / top
    if idle <= 0 or slope <= 0:
        return None
    return float((idle / slope).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))
