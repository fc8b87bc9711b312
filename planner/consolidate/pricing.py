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


def leftover_addresses(entries: list[Entry], items: list[ExistingItem]) -> list[dict]:
    """Reserved static IPs a move leaves unused after retire: a moved service's pinned
    ``loadBalancerIP`` / reserved-address annotation, a folded Ingress's static-IP name."""
    from planner.consolidate.existing import static_ip

    out = []
    for e in entries:
        if e.addresses and e.moving:  # the entry's own field: no Service read per entry
            for ip in e.addresses:
                out.append({"name_or_ip": ip, "owner": e.ref, "global": False, "cluster": e.svc.cluster})
    for item in items:
        ip = static_ip(item.ing) if item.decision == "fold" else None
        if ip:
            out.append({"name_or_ip": ip, "owner": item.ing.ref, "global": "kubernetes.io/ingress.global-static-ip-name" in item.ing.annotations, "cluster": item.ing.cluster})
    return sorted(out, key=lambda a: (a["owner"], a["name_or_ip"]))


def address_footprints(ev: Evaluator, leftovers: list[dict]) -> list[Footprint]:
    """What the leftover addresses cost while reserved (when the pricer prices them)."""
    make = getattr(ev.pricer, "reserved_address_footprint", None)
    if make is None:
        return []
    return [make(address_owner(a), ev.inv.clusters[a["cluster"]], a["global"]) for a in leftovers]


def address_owner(a: dict) -> str:
    return f"Address {a['name_or_ip']}"


def entrypoint_footprints(ev: Evaluator, entrypoints: list[dict], design: Design, folded: dict) -> list[Footprint]:
    """The new entrypoints' footprints, with their members' and folded Ingresses' traffic."""
    ngx = getattr(design, "nginx", None)
    inv = ev.inv
    out = []
    for ep in entrypoints:
        usage = _entrypoint_usage(inv, design.members[ep["name"]], folded.get(ep["name"], []))
        if ngx is not None:
            from planner.consolidate.nginx import usage as nginx_usage

            extra = nginx_usage(ngx, inv, ep["name"])
            if extra:
                usage = sum_usage([usage, *extra])
        out.append(ev.pricer.entrypoint_footprint(ep, inv.clusters[ep["cluster"]], usage))
    return out


def proposed_footprints(ev: Evaluator, entries: list[Entry], items: list[ExistingItem], entrypoints: list[dict], design: Design, folded: dict, current_fps: list[Footprint], ep_fps: list[Footprint] | None = None) -> list[Footprint]:
    """Today's footprints without the moved services and folded Ingresses, plus the new
    entrypoints (``ep_fps``: their footprints when already made)."""
    moved_refs = {e.ref for e in entries if e.moving}
    moved_refs |= {item.ing.ref for item in items if item.decision == "fold"}
    ngx = getattr(design, "nginx", None)
    if ngx is not None:
        moved_refs |= ngx.retired  # ingress-nginx controllers whose every Ingress moved
    proposed = [fp for fp in current_fps if fp.owner not in moved_refs]
    proposed += entrypoint_footprints(ev, entrypoints, design, folded) if ep_fps is None else ep_fps
    if getattr(ev.pricer, "reserved_address_footprint", None) is None:
        return proposed
    return address_footprints(ev, leftover_addresses(entries, items)) + proposed  # entrypoints last (savings reads them there)


def price(ev: Evaluator, entries: list[Entry], items: list[ExistingItem], entrypoints: list[dict], design: Design, folded: dict, current_fps: list[Footprint]) -> Priced:
    proposed = proposed_footprints(ev, entries, items, entrypoints, design, folded, current_fps)
    return _priced(ev, entrypoints, current_fps, proposed, ev.pricer.price(proposed))


def reprice(ev: Evaluator, prior: Priced, prior_eps: list[dict], entries: list[Entry], items: list[ExistingItem], entrypoints: list[dict], design: Design, folded: dict) -> Priced:
    """:func:`price` of ``prior``'s design (entrypoints ``prior_eps``) with some groups kept
    (savings.settle): the other entrypoints keep their members, folded Ingresses and traffic,
    so their footprints are ``prior``'s; a pricer with ``reprice`` copies the pools where
    nothing changed from ``prior``'s pricing."""
    tail = prior.proposed_fps[len(prior.proposed_fps) - len(prior_eps):] if prior_eps else []
    made = {ep["name"]: fp for ep, fp in zip(prior_eps, tail) if fp.owner == owner(ep)}
    ep_fps = [made.get(ep["name"]) for ep in entrypoints]
    if len(made) != len(prior_eps) or None in ep_fps:  # not one footprint per entrypoint name: make them
        ep_fps = None
    proposed = proposed_footprints(ev, entries, items, entrypoints, design, folded, prior.current_fps, ep_fps)
    again = getattr(ev.pricer, "reprice", None)
    after = again(proposed, prior.after) if again is not None else ev.pricer.price(proposed)
    return _priced(ev, entrypoints, prior.current_fps, proposed, after)


def _priced(ev: Evaluator, entrypoints: list[dict], current_fps: list[Footprint], proposed: list[Footprint], after: Pricing) -> Priced:
    before = ev.price_current(current_fps)
    ep_cost = {ep["name"]: after.by_owner.get(owner(ep), Decimal(0)) for ep in entrypoints}
    return Priced(before, after, current_fps, proposed, ep_cost)


def shares(priced: Priced, design: Design) -> dict[str, Decimal]:
    """Moved service ref -> its share of its entrypoint's cost (equal shares, whole cents
    adding up to the entrypoint's cost)."""
    out: dict[str, Decimal] = {}
    ngx = getattr(design, "nginx", None)
    for name, cost in priced.entrypoint_cost.items():
        units = {e.ref: 1 for e in design.members[name]}
        if ngx is None:  # members only: every unit a Service
            out.update(allocate(cost, units))
            continue
        units.update(ngx.units(name))  # migrating ingress-nginx Ingresses share it too
        out.update((k, v) for k, v in allocate(cost, units).items() if not k.startswith("Ingress "))
    return out


# --- cost components (infracost's shape) ---------------------------------------------------
#: words of a cost line's text -> component key (until pricers tag lines with ``kind``)
_COMPONENT_WORDS = (
    ("reserved static ipv4", "static_ip"), ("public ipv4", "public_ipv4"), ("inbound data", "data_processing_in"),
    ("outbound data", "data_processing_out"), ("forwarding rule", "forwarding_rule"), ("lb rules", "lb_rule"),
    ("nlcu", "nlcu"), ("lcu", "lcu"), ("data processed", "data_processing_in"), (" hours", "lb_hour"),
    ("proxy", "proxy_instance"), ("cloud armor", "cloud_armor_policy"), ("certificate", "certificate"),
)


def component_key(line) -> str:
    """The component a cost line is (``line.kind`` once the pricers set it)."""
    kind = getattr(line, "kind", "")
    if kind:
        return kind
    text = line.component.lower()
    for words, key in _COMPONENT_WORDS:
        if words in text:
            return key
    return "lb_hour"


_QTY = Decimal("0.0001")
_COMPONENTS: dict[tuple, dict] = {}  # equal components share one (read-only) dict: plans repeat a few


def _component(key: str, quantity: Decimal, unit: str, rate, monthly: Decimal) -> dict:
    k = (key, quantity, unit, rate.key, monthly)
    got = _COMPONENTS.get(k)
    if got is None:
        got = {"component": key, "quantity": float(Decimal(quantity).quantize(_QTY)), "unit": unit, "rate_key": rate.key, "monthly_usd": float(monthly), "unsure": bool(getattr(rate, "unsure", False))}
        if len(_COMPONENTS) < 100_000:
            _COMPONENTS[k] = got
    return got


_SETTLED: dict[tuple, list[dict]] = {}


def _settled(rows: list[list], total: Decimal) -> list[dict]:
    """``rows`` ([key, quantity, unit, rate, exact monthly]) as components whose cents add up
    to ``total`` exactly (the rounding residue goes to the largest). Memoised: owners of one
    pool with equal weights have equal rows."""
    key = (total, *((k, q, u, r.key, m) for k, q, u, r, m in rows))
    got = _SETTLED.get(key)
    if got is None:
        got = _settle(rows, total)
        if len(_SETTLED) < 100_000:
            _SETTLED[key] = got
    return got


def _settle(rows: list[list], total: Decimal) -> list[dict]:
    from planner.model import cents

    if len(rows) > 1:
        rows = sorted(rows, key=lambda x: (x[0], x[3].key, x[2]))
    out = [[k, q, u, r, cents(m)] for k, q, u, r, m in rows]
    residue = cents(total) - sum((row[4] for row in out), Decimal(0))
    if residue and out:
        max(out, key=lambda row: row[4])[4] += residue
    return [_component(k, q, u, r, m) for k, q, u, r, m in out]


def components(p: Pricing, total: Decimal | None = None) -> list[dict]:
    """Every line of ``p`` summed by component, rate and unit; they add up to ``p.total``
    (``total`` when the caller has summed it already)."""
    acc: dict[tuple, list] = {}
    for line in p.lines:
        key = (component_key(line), line.rate.key, line.unit)
        row = acc.get(key)
        if row is None:
            acc[key] = [key[0], line.quantity, line.unit, line.rate, line.monthly_usd]
        else:
            row[1] += line.quantity
            row[4] += line.monthly_usd
    return _settled(list(acc.values()), p.total if total is None else total)


def owner_components(p: Pricing, owners: set[str] | dict[str, None], weights: Callable[[], dict[str, int]]) -> dict[str, list[dict]]:
    """The components of each owner in ``owners`` (in their order), in cents adding up to
    ``p.by_owner[owner]``: ``Pricing.shared_components()`` when the pricer has it, else every
    line split among its owners in proportion to ``weights()`` (forwarding rules; 1 when
    unknown: a function, as only that path reads them)."""
    shared = getattr(p, "shared_components", None)
    if not callable(shared):
        return _split_by_weights(p, owners, weights())
    # picking the wanted owners out of every line costs more than splitting it to all of
    # them, unless few are wanted (the proposed side: the new entrypoints)
    got = shared(owners if 2 * len(owners) < len(p.by_owner) else None)
    to_total, none, zero = _ToTotal(), [], Decimal(0)
    return {o: to_total(got.get(o, none), p.by_owner.get(o, zero)) for o in owners}


def _split_by_weights(p: Pricing, owners: set[str] | dict[str, None], weights: dict[str, int]) -> dict[str, list[dict]]:
    """:func:`owner_components` for a pricing without ``shared_components``."""
    rows: dict[str, list[list]] = {o: [] for o in owners}
    for line in p.lines:
        key = component_key(line)
        if len(line.owners) == 1:
            mine = rows.get(line.owners[0])
            if mine is not None:
                mine.append([key, line.quantity, line.unit, line.rate, line.monthly_usd])
            continue
        total_w = sum(weights.get(o, 1) for o in line.owners)
        per_weight: dict[int, tuple] = {}  # a share depends on the weight only
        for o in line.owners:
            mine = rows.get(o)
            if mine is None:
                continue
            w = weights.get(o, 1)
            share = per_weight.get(w)
            if share is None:
                share = per_weight[w] = (line.quantity * w / total_w, line.monthly_usd * w / total_w)
            mine.append([key, share[0], line.unit, line.rate, share[1]])
    return {o: _settled(_merged(r), p.by_owner.get(o, Decimal(0))) for o, r in rows.items()}


class _ToTotal:
    """:func:`_to_total`, once per distinct (components, total): ``shared_components`` gives
    owners with the very same component dicts one (read-only) list."""

    def __init__(self):
        self.memo: dict[tuple, list[dict]] = {}

    def __call__(self, comps: list[dict], total: Decimal) -> list[dict]:
        key = (id(comps), total)  # the lists live as long as this object's caller's result
        got = self.memo.get(key)
        if got is None:
            got = self.memo[key] = _to_total(comps, total)
        return got


def _to_total(comps: list[dict], total: Decimal) -> list[dict]:
    """An owner's components (each line split among its owners on its own) with the rounding
    residue against the owner's settled figure (``by_owner``, rounded once over all its lines)
    moved to its largest component, so the components add up to the figure the plan shows."""
    from planner.model import cents

    residue = cents(total) - sum((Decimal(str(c["monthly_usd"])) for c in comps), Decimal(0))
    if not residue or not comps:
        return comps
    out = [dict(c) for c in comps]
    big = max(out, key=lambda c: c["monthly_usd"])
    big["monthly_usd"] = float(Decimal(str(big["monthly_usd"])) + residue)
    return out


def _merged(rows: list[list]) -> list[list]:
    """Rows of one component, rate and unit summed (an owner in two lines of one kind)."""
    if len(rows) < 2:
        return rows
    acc: dict[tuple, list] = {}
    for row in rows:
        k = (row[0], row[3].key, row[2])
        got = acc.get(k)
        if got is None:
            acc[k] = list(row)
        else:
            got[1] += row[1]
            got[4] += row[4]
    return list(acc.values())
