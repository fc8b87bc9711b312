"""Step 5b, move only what pays: per new entrypoint (for ``gateway`` that is one per cluster and
visibility), compare keeping its services (and the Ingresses it would fold) against moving
them, with full costs on both sides: the retired load balancers' forwarding rules in their
pools and their data processing, against the entrypoint's own forwarding rules, its L7 data
processing and whatever else its pricer charges (proxies, Cloud Armor, ...).

A group whose move saves no more than ``--min-savings`` (default: more than $0.00/month) is
kept with ``NO_SAVINGS``; ``--consolidate-anyway`` moves it still and the plan says what that
costs (``CONSOLIDATE_ANYWAY``). Iterates to a fixed point like the break-even: keeping a group
puts its rules back in the pools, which only raises the others' savings.

Pricing is separable by (project, region): only the pools a group touches are re-priced. On
GCP the rest of a pool is one footprint holding its rules (its data charges cancel out).
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from planner.consolidate.entries import Entry, ExistingItem
from planner.model import Footprint, cents

Pool = tuple[str, str]


@dataclass(frozen=True)
class GroupCost:
    """One entrypoint's group: monthly cost of its pools with the group kept / moved."""

    name: str
    keep_usd: Decimal  # what the group's load balancers cost today (marginally, in their pools)
    move_usd: Decimal  # what the entrypoint costs instead

    @property
    def saving(self) -> Decimal:
        return self.keep_usd - self.move_usd


def _pool(fp: Footprint) -> Pool:
    return (fp.project, fp.region)


@dataclass(frozen=True)
class _Side:
    """One side of a group on GCP: its forwarding rules per pool (addresses and proxy-billed
    LBs aside) and its footprints' own charges (data, proxies, addresses...)."""

    rules: dict[Pool, int]
    held: dict[Pool, int]  # rules per pool of every footprint billed in the pools (addresses too)
    own: Decimal


class _Pools:
    """The proposed footprints by pool, priced as a group changes sides.

    Generic: the touched pools are re-priced with and without the group. GCP (pools billed by
    rule count, data per footprint): a pool's charge is ``breakeven.pool_cost`` of its rule
    count, and a footprint's data processing is its own, so the rest of a pool is its rule
    count alone and no footprint list is built."""

    def __init__(self, pricer, proposed: list[Footprint]):
        self.pricer = pricer
        self.gcp = getattr(pricer, "cloud", "") == "gcp"
        self.by_pool: dict[Pool, list[Footprint]] = defaultdict(list)  # generic only
        self.rules: dict[Pool, int] = defaultdict(int)  # GCP: rules of the pool (addresses aside)
        for fp in proposed:
            if not self.gcp:
                self.by_pool[_pool(fp)].append(fp)
            elif fp.lb_type != "address" and not fp.proxy_billed:  # proxy-billed LBs are not in the rule pool
                self.rules[(fp.project, fp.region)] += fp.forwarding_rules
        self._data: dict[int, Decimal] = {}
        self._alone: dict[Footprint, Decimal] = {}  # footprint without its owner -> _own_charge
        self._sides: dict[str, tuple[_Side, _Side]] = {}  # GCP: group name -> (kept side, moved side)

    def _own_charge(self, fp: Footprint) -> Decimal:
        """What ``fp`` costs beyond its forwarding rules' place in the pool, on GCP: its data
        processing and whatever else its pricer charges per footprint (proxies, Cloud Armor,
        certificates on a new entrypoint): its price alone less its rules priced alone."""
        from planner.consolidate.breakeven import pool_cost

        got = self._data.get(id(fp))
        if got is None:
            # a footprint priced alone costs the same whatever its owner's name (one owner takes
            # every line's whole cents): priced once per shape (entrypoints repeat a few)
            shape = fp.like(owner="")
            got = self._alone.get(shape)
            if got is None:
                pooled = 0 if fp.proxy_billed else fp.forwarding_rules  # a proxy-billed LB's rules cost nothing in the pool
                got = self._alone[shape] = self.pricer.price([fp]).total - pool_cost(self.pricer, fp.project, fp.region, pooled)
            self._data[id(fp)] = got
        return got

    def _gcp_side(self, fps: list[Footprint]) -> _Side:
        pricer = self.pricer
        added: dict[Pool, int] = defaultdict(int)
        held: dict[Pool, int] = defaultdict(int)
        own = Decimal(0)
        for fp in fps:
            if not fp.proxy_billed:
                held[(fp.project, fp.region)] += fp.forwarding_rules
            if fp.lb_type == "address":  # a reserved address: billed on its own
                own += self._data.setdefault(id(fp), pricer.price([fp]).total)
                continue
            if not fp.proxy_billed:
                added[(fp.project, fp.region)] += fp.forwarding_rules
            if fp.usage is not None or fp.kind != "passthrough":  # L7 (entrypoints, Ingresses) or traffic
                own += self._own_charge(fp)
        return _Side(dict(added), dict(held), own)

    def _gcp_cost(self, kept: _Side, moved: _Side) -> tuple[Decimal, Decimal]:
        """Both sides' cost: their rules' place in the pools without the group's entrypoint
        (it is in the proposed pools: not rest), plus their own charges (sums of cents: exact
        in any order)."""
        from planner.consolidate.breakeven import pool_cost

        sides = []
        for side in (kept, moved):
            total = Decimal(0)
            for p, n in side.rules.items():
                rest = self.rules.get(p, 0) - moved.held.get(p, 0)
                total += pool_cost(self.pricer, p[0], p[1], rest + n) - pool_cost(self.pricer, p[0], p[1], rest)
            sides.append(total + side.own)
        return sides[0], sides[1]

    def cost(self, name: str, kept_fps: list[Footprint], moved_fps: list[Footprint]) -> tuple[Decimal, Decimal]:
        """Monthly cost of the touched pools with ``kept_fps`` (group ``name`` kept) and with
        ``moved_fps`` (the group moved), each less the pools' rest alone. On GCP each side is
        summed up once per group (rules per pool, own charges): only the pools' rest changes."""
        if self.gcp:
            sides = self._sides.get(name)
            if sides is None:
                sides = self._sides[name] = (self._gcp_side(kept_fps), self._gcp_side(moved_fps))
            return self._gcp_cost(*sides)
        pools = {_pool(fp) for fp in kept_fps} | {_pool(fp) for fp in moved_fps}
        without = {fp.owner for fp in moved_fps}
        rest = [fp for pool in sorted(pools) for fp in self.by_pool.get(pool, ()) if fp.owner not in without]
        base = self.pricer.price(rest).total
        return self.pricer.price(rest + kept_fps).total - base, self.pricer.price(rest + moved_fps).total - base

    def keep_group(self, kept_fps: list[Footprint], moved_fps: list[Footprint]) -> set[Pool]:
        """Move a group back to its old side; the pools that changed."""
        if self.gcp:
            for fp in moved_fps:
                self.rules[_pool(fp)] -= 0 if fp.proxy_billed or fp.lb_type == "address" else fp.forwarding_rules
            for fp in kept_fps:
                self.rules[_pool(fp)] += 0 if fp.proxy_billed or fp.lb_type == "address" else fp.forwarding_rules
        else:
            gone = {fp.owner for fp in moved_fps}
            for pool in {_pool(fp) for fp in moved_fps}:
                self.by_pool[pool] = [fp for fp in self.by_pool[pool] if fp.owner not in gone]
            for fp in kept_fps:
                self.by_pool[_pool(fp)].append(fp)
        return {_pool(fp) for fp in kept_fps} | {_pool(fp) for fp in moved_fps}


def _group_fps(ev, members: dict[str, list[Entry]], items: list[ExistingItem]) -> dict[str, list[Footprint]]:
    """Entrypoint name -> the footprints its group retires (members and folded Ingresses)."""
    fp_of = ev.footprint_of
    out: dict[str, list[Footprint]] = defaultdict(list)
    for name, es in members.items():
        out[name].extend(fp_of(e.ref) for e in es)
    for item in items:
        if item.decision == "fold" and item.fp is not None:
            out[item.slot.name].append(item.fp)
    return out


def group_costs(ev, members: dict[str, list[Entry]], items: list[ExistingItem], ep_fps: dict[str, list[Footprint]], proposed: list[Footprint], threshold: Decimal, forced: bool, protected: frozenset = frozenset()) -> tuple[dict[str, GroupCost], set[str]]:
    """Each group's costs both ways, and the groups kept because moving saves no more than
    ``threshold`` (none when ``forced``; never a ``protected`` one: an ingress-nginx migration
    the user asked for)."""
    pools = _Pools(ev.pricer, proposed)
    retired = _group_fps(ev, members, items)
    touches = {name: {_pool(fp) for fp in retired.get(name, [])} | {_pool(fp) for fp in ep_fps[name]} for name in ep_fps}
    costs: dict[str, GroupCost] = {}
    kept: set[str] = set()
    todo = sorted(ep_fps)
    while todo:
        newly = []
        for name in todo:
            keep_usd, move_usd = pools.cost(name, retired.get(name, []), ep_fps[name])
            costs[name] = GroupCost(name, keep_usd, move_usd)
            if not forced and name not in protected and costs[name].saving <= threshold:
                newly.append(name)
        changed: set[Pool] = set()
        for name in newly:
            kept.add(name)
            changed |= pools.keep_group(retired.get(name, []), ep_fps[name])
        todo = [n for n in sorted(ep_fps) if n not in kept and touches[n] & changed]
    return costs, kept


def no_savings_message(g: GroupCost, n_services: int, n_folded: int, kind: str, threshold: Decimal) -> str:
    what = f"{n_services} service(s)" + (f" and {n_folded} Ingress(es)" if n_folded else "")
    bar = "more than $0.00" if not threshold else f"more than ${cents(threshold)} (--min-savings)"
    return (f"moving the {what} of {kind} {g.name} saves nothing worth it: keeping them costs ${cents(g.keep_usd)}/month, "
            f"the new entrypoint would cost ${cents(g.move_usd)}/month (net ${cents(g.saving)}/month, not {bar}); "
            "kept (--consolidate-anyway moves them still)")


def forced_message(losers: list[GroupCost]) -> str:
    extra = sum((-g.saving for g in losers), Decimal(0))
    names = ", ".join(f"{g.name} (keep ${cents(g.keep_usd)}, move ${cents(g.move_usd)})" for g in losers)
    return f"--consolidate-anyway: moving {len(losers)} group(s) that save nothing costs ${cents(extra)}/month more than keeping them: {names}"


@dataclass(frozen=True)
class Outcome:
    """The design after the savings check (what :func:`settle` returns)."""

    entries: list[Entry]
    items: list[ExistingItem]
    design: object  # hosts.Design
    folded: dict
    entrypoints: list[dict]
    priced: object  # pricing.Priced
    groups: dict[str, GroupCost]  # every group's figures, kept ones included
    kept: frozenset[str]
    forced: tuple[GroupCost, ...]  # groups moved by --consolidate-anyway that save nothing


def _ep_fps(entrypoints: list[dict], proposed: list[Footprint]) -> dict[str, list[Footprint]]:
    """Entrypoint name -> its footprint (``pricing.proposed_footprints`` appends them last, in order)."""
    from planner.consolidate.pricing import owner

    tail = proposed[len(proposed) - len(entrypoints):] if entrypoints else []
    if all(fp.owner == owner(ep) for fp, ep in zip(tail, entrypoints)):
        return {ep["name"]: [fp] for ep, fp in zip(entrypoints, tail)}
    by_owner: dict[str, list[Footprint]] = defaultdict(list)  # a pricer with several footprints per entrypoint
    for fp in proposed:
        by_owner[fp.owner].append(fp)
    return {ep["name"]: by_owner.get(owner(ep), []) for ep in entrypoints}


def _add_addresses(ep_fps: dict, entries, items, proposed: list[Footprint]) -> None:
    """The addresses a group's move leaves reserved count on its move side."""
    from planner.consolidate.pricing import address_owner, leftover_addresses

    addr = {fp.owner: fp for fp in proposed if fp.lb_type == "address" and fp.owner.startswith("Address ")}
    if not addr:
        return
    slot_of = {e.ref: e.slot.name for e in entries if e.addresses and e.moving} | {i.ing.ref: i.slot.name for i in items if i.decision == "fold"}  # what leaves addresses
    for a in leftover_addresses(entries, items):
        fp = addr.get(address_owner(a))
        if fp is not None and slot_of.get(a["owner"]) in ep_fps:
            ep_fps[slot_of[a["owner"]]].append(fp)


def _drop(ev, entries, items, design, kept: set[str], messages: dict[str, str]):
    """Entries and items of the ``kept`` groups kept with NO_SAVINGS; the design without them."""
    from planner.consolidate import existing
    from planner.consolidate.entries import evolve, keep
    from planner.consolidate.hosts import Design

    entries = [keep(e, "NO_SAVINGS", messages[e.slot.name]) if e.moving and e.slot.name in kept else e for e in entries]
    items = [evolve(i, decision="keep", slot=None, reason=("NO_SAVINGS", messages[i.slot.name])) if i.decision == "fold" and i.slot.name in kept else i for i in items]
    design = Design({n: s for n, s in design.slots.items() if n not in kept}, defaultdict(list, {n: m for n, m in design.members.items() if n not in kept}), getattr(design, "nginx", None))
    return entries, items, design, existing.folded_by_slot(items)


def settle(ev, entries, items, design, folded, entrypoints: list[dict], priced) -> Outcome:
    """Keep every group whose move does not pay (then the whole plan when, all together, it
    still does not), re-pricing the design without them."""
    from planner.consolidate import pricing

    opts = ev.opts
    threshold, forced = Decimal(opts.min_savings), opts.consolidate_anyway
    ep_fps = _ep_fps(entrypoints, priced.proposed_fps)
    _add_addresses(ep_fps, entries, items, priced.proposed_fps)
    protected = design.nginx.protected if getattr(design, "nginx", None) is not None else frozenset()
    costs, kept = group_costs(ev, design.members, items, ep_fps, priced.proposed_fps, threshold, forced, protected)
    total_saving = priced.before.total - priced.after.total
    if not kept and entrypoints and not forced and total_saving <= threshold:
        kept = set(ep_fps) - protected  # "keep everything" beats the design as a whole
    if not kept:
        losers = tuple(g for _, g in sorted(costs.items()) if g.saving <= threshold) if forced else ()
        return Outcome(entries, items, design, folded, entrypoints, priced, costs, frozenset(), losers)
    n_folded: dict[str, int] = defaultdict(int)
    for f in items:
        if f.decision == "fold":
            n_folded[f.slot.name] += 1
    kinds = {ep["name"]: ep["kind"] for ep in entrypoints}
    messages = {n: no_savings_message(costs[n], len(design.members.get(n, [])), n_folded[n], kinds[n], threshold) for n in kept}
    entries, items, design, folded = _drop(ev, entries, items, design, kept, messages)
    still = [ep for ep in entrypoints if ep["name"] not in kept]
    priced = pricing.reprice(ev, priced, entrypoints, entries, items, still, design, folded)
    entrypoints = still
    return Outcome(entries, items, design, folded, entrypoints, priced, costs, frozenset(kept), ())
