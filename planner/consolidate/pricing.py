"""Step 5, pricing: the new entrypoints' footprints, today's and the proposed design's pricing,
and each moved service's share of its entrypoint."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from planner.consolidate.entries import Entry, ExistingItem, sum_usage
from planner.consolidate.evaluate import Evaluator
from planner.consolidate.hosts import Design
from planner.model import Footprint, Ingress, Inventory
from planner.pricers.base import Pricing, allocate


@dataclass(frozen=True)
class Priced:
    before: Pricing
    after: Pricing
    current_fps: list[Footprint]
    proposed_fps: list[Footprint]
    entrypoint_cost: dict[str, Decimal]  # entrypoint name -> monthly cost


def owner(ep: dict) -> str:
    """The pricing owner of a new entrypoint."""
    return f"{ep['kind']} {ep['name']}"


def _entrypoint_usage(inv: Inventory, members: list[Entry], folded: list[Ingress]):
    if not inv.usage:
        return None
    return sum_usage([inv.usage.get(e.svc.key) for e in members] + [inv.usage.get(i.key) for i in folded])


def proposed_footprints(ev: Evaluator, entries: list[Entry], items: list[ExistingItem], entrypoints: list[dict], design: Design, folded: dict, current_fps: list[Footprint]) -> list[Footprint]:
    """Today's footprints without the moved services and folded Ingresses, plus the new entrypoints."""
    moved_refs = {e.ref for e in entries if e.moving}
    moved_refs |= {item.ing.ref for item in items if item.decision == "fold"}
    proposed = [fp for fp in current_fps if fp.owner not in moved_refs]
    inv = ev.inv
    for ep in entrypoints:
        usage = _entrypoint_usage(inv, design.members[ep["name"]], folded.get(ep["name"], []))
        proposed.append(ev.pricer.entrypoint_footprint(ep, inv.clusters[ep["cluster"]], usage))
    return proposed


def price(ev: Evaluator, entries: list[Entry], items: list[ExistingItem], entrypoints: list[dict], design: Design, folded: dict, current_fps: list[Footprint]) -> Priced:
    proposed = proposed_footprints(ev, entries, items, entrypoints, design, folded, current_fps)
    before = ev.price_current(current_fps)
    after = ev.pricer.price(proposed)
    ep_cost = {ep["name"]: after.by_owner.get(owner(ep), Decimal(0)) for ep in entrypoints}
    return Priced(before, after, current_fps, proposed, ep_cost)


def shares(priced: Priced, design: Design) -> dict[str, Decimal]:
    """Moved service ref -> its share of its entrypoint's cost (equal shares, whole cents
    adding up to the entrypoint's cost)."""
    out: dict[str, Decimal] = {}
    for name, cost in priced.entrypoint_cost.items():
        out.update(allocate(cost, {e.ref: 1 for e in design.members[name]}))
    return out
