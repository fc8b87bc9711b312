"""Inventory → Plan: decide what moves, price before and after, and write it all down.

``build_plan(inventory, options)`` returns the plan as a JSON-ready dict (schema
``schema/plan.schema.json``). It is the one contract renderers read. This module only
orchestrates; each step is a short function in its own module, over typed entries
(``entries.py``):

1. feasibility rules (``evaluate.py`` over ``rules.py``): per Service, keep with a reason or
   move with notes/policies;
2. break-even with traffic (``breakeven.py``): keep services whose move costs more than it saves;
3. existing GKE Ingresses fold into the new Gateway (``existing.py``); their hosts and existing
   HTTPRoutes' are claimed first;
4. candidate design (``hosts.py``): moving services claim their hosts; collisions and
   certificate limits keep the losers;
5. entrypoints (``assemble.py``) and pricing before and after (``pricing.py``);
6. choice of strategy (``choose.py``);
7. service rows, summary, DNS changes, runbook and notes (``assemble.py``, ``summary.py``).

``--strategy auto`` designs and prices every strategy and finishes the cheapest feasible one;
``--compare`` finishes all of them and puts them side by side in ``plan["comparison"]``.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from planner.consolidate import assemble, breakeven, designed, existing, hosts, nginx, phases, pricing, savings
from planner.consolidate.choose import STRATEGY_CHOICES, STRATEGY_ORDER, choose, comparison_row
from planner.consolidate.entries import Entry, ExistingItem, Options, usd
from planner.consolidate.evaluate import Evaluator, rule_entries
from planner.consolidate.summary import LEVEL_ORDER, LEVELS, SCHEMA_VERSION, skeleton, summary, write_down
from planner.model import BLOCK, WARN, Inventory, Note, PlannerError
from planner.parallel import Beside, can_fork

__all__ = ["Options", "build_plan", "build_strategy_plan", "choose", "comparison_row", "Evaluator",
           "STRATEGY_CHOICES", "STRATEGY_ORDER", "LEVEL_ORDER", "LEVELS", "SCHEMA_VERSION"]


@dataclass(frozen=True)
class Candidate:
    """One strategy's designed and priced plan, before its rows and summary are written."""

    strategy: str
    entries: list[Entry]
    items: list[ExistingItem]
    gateways: list[tuple]
    design: hosts.Design
    folded: dict
    entrypoints: list[dict]
    priced: pricing.Priced
    notes: list[Note]
    groups: dict  # entrypoint name -> savings.GroupCost (kept groups included)
    forced: tuple  # groups moved by --consolidate-anyway that save nothing


def design(ev: Evaluator, strategy: str) -> Candidate:
    """Steps 1-5 for ``strategy``: rules, break-even, folding, hosts, entrypoints, pricing."""
    inv = ev.inv
    notes: list[Note] = [*inv.notes, *ev.context_notes]
    entries = rule_entries(ev, strategy)
    # the keeping rule's own notes (a PLACEHOLDER_VALUE block): they count in the auto choice
    notes.extend(Note(level, e.ref, code, message) for e in entries if e.verdict.keep for level, code, message in e.verdict.notes)
    current_fps = ev.current_fps()
    entries = breakeven.apply(entries, current_fps, ev.pricer, inv)
    ngx = nginx.prepare(ev, strategy)  # --migrate-ingress-nginx: None when off
    items, claims = existing.fold_ingresses(inv, ev.pricer, entries, strategy, ev.opts.fold_ingresses, current_fps, skip=ngx.keys if ngx else frozenset())
    gateways = existing.existing_gateways(inv, ev.pricer, notes, current_fps)
    existing.claim_route_hosts(inv, claims)
    nginx.claim(ngx, claims)
    if ngx is not None:  # counted by the auto choice: under --strategy ingress they all stay (NGINX_NOT_GATEWAY)
        notes.extend(n for t in ngx.translations.values() for n in t.notes if n.level == BLOCK)
    entries, plan_design = hosts.claim_hosts(entries, claims, ev, notes)
    nginx.add_slots(ngx, plan_design)
    items = existing.release_empty_folds(items, plan_design.slots)
    folded = existing.folded_by_slot(items)
    eps = assemble.entrypoints(ev, plan_design, folded)
    nginx.extend_entrypoints(ngx, eps, len(inv.clusters) > 1, notes)
    priced = pricing.price(ev, entries, items, eps, plan_design, folded, current_fps)
    o = savings.settle(ev, entries, items, plan_design, folded, eps, priced)
    notes.extend(getattr(o.priced.before, "notes", []))
    notes.extend(getattr(o.priced.after, "notes", []))
    return Candidate(strategy, o.entries, o.items, gateways, o.design, o.folded, o.entrypoints, o.priced, notes, o.groups, o.forced)


def stub(c: Candidate, cloud: str) -> dict:
    """What :func:`choose` reads of a finished plan: its block notes and proposed cost (the
    rest adds no block note but finish_plan's cloud notes: PROGRAM_GKE_ONLY off GCP)."""
    from planner.pricers.extras import _cloud_notes

    found = {(n.object, n.code, n.message) for n in c.notes if n.level == BLOCK}
    found |= {(n.object, n.code, n.message) for n in _cloud_notes(cloud, {"entrypoints": c.entrypoints, "services": []}) if n.level == BLOCK}
    return {"notes": [{"level": BLOCK, "object": o, "code": code, "message": m} for o, code, m in sorted(found)], "summary": {"proposed_monthly_usd": usd(c.priced.after.total)}}


def prepare(ev: Evaluator, c: Candidate) -> dict:
    """Step 7 up to the money: the sections of a designed candidate's plan that the Pulumi
    program reads (services, entrypoints, existing entrypoints, DNS changes, ingress-nginx
    rows) and its summary, with their notes. Reads the pricing's totals, not its
    components, and writes only into ``c``: ``auto`` prepares its first strategy's sections
    before the others' stubs are back (unused when one of them is chosen)."""
    notes, priced = c.notes, c.priced
    for ep in c.entrypoints:
        ep["monthly_usd"] = usd(priced.entrypoint_cost[ep["name"]])
    existing.item_notes(c.items, notes)
    assemble.entrypoint_notes(c.entrypoints, notes)
    if c.forced:
        notes.append(Note(WARN, "plan", "CONSOLIDATE_ANYWAY", savings.forced_message(list(c.forced))))
    existing_out = existing_rows(ev, c)
    services = assemble.service_rows(c.entries, priced, pricing.shares(priced, c.design), notes, ev.is_generated, ev.opts.domain)
    migration = nginx.rows(c.design.nginx, ev.inv, priced, c.entrypoints, c.design)
    nginx.plan_notes(c.design.nginx, migration, notes)
    n_cons = sum(1 for s in services if s["decision"] == "consolidate")
    n_folded = sum(1 for x in c.items if x.fp is not None and x.decision == "fold")
    assemble.plan_notes(c.entries, priced, n_cons + n_folded, notes)
    sections = {
        "summary": summary(ev, services, c.items, c.gateways, c.entrypoints, priced),
        "services": services, "existing_entrypoints": existing_out, "entrypoints": c.entrypoints,
        "dns_changes": assemble.dns_changes(c.entrypoints, ev.service_of),
    }
    if c.design.nginx is not None:
        sections["nginx_migration"] = migration
    return sections


def finish(ev: Evaluator, c: Candidate, sections: dict | None = None, ready=None) -> dict:
    """Step 7: the plan document of a designed candidate (``sections``: its :func:`prepare`,
    when already worked out; ``ready``: see :func:`build_plan`, called before the money)."""
    from planner.pricers.extras import finish_plan  # rate_table, rate flags, traffic scenarios, cloud notes

    plan = skeleton(ev, ev.opts, c.strategy, sections or prepare(ev, c))
    if ready is not None:
        ready(plan)
    money_by_phase(ev, c, plan["existing_entrypoints"]).apply(c, plan)
    priced = c.priced
    write_down(plan, priced, c.notes)
    members = {pricing.owner(ep): len(c.design.members[ep["name"]]) + len(c.folded.get(ep["name"], [])) for ep in c.entrypoints}
    finish_plan(plan, ev.pricer, priced.before, priced.after, priced.current_fps, priced.proposed_fps, members, notes_sorted=True)
    plan["summary"]["loss_above_gib_per_service_month"] = phases.loss_above(plan)
    return plan


def existing_rows(ev: Evaluator, c: Candidate) -> list[dict]:
    """The ``existing_entrypoints`` rows: today's Ingresses and Gateways, ingress-nginx's."""
    return assemble.existing_rows(c.items, c.gateways, ev.inv, c.priced) + nginx.existing_rows(c.design.nginx, ev.inv)


def _row_ref(row: dict) -> str:
    """The pricing owner of an ``existing_entrypoints`` row."""
    return f"{row['kind']} {row['cluster']}/{row['namespace']}/{row['name']}"


@dataclass(frozen=True)
class Money:
    """What the plan needs from its pricing alone: the money by phase (phase rows, overlap
    and payback), leftover addresses, the cost components of every entrypoint (proposed
    side), service and existing entrypoint (today's side) by pricing owner, and each moving
    service's marginal saving."""

    phases: list[dict]
    overlap: Decimal
    payback: float | None
    overlap_days: int
    leftovers: list[dict]
    proposed: dict[str, list[dict]]  # new entrypoint owner -> components
    current: dict[str, list[dict]]  # service / existing entrypoint ref -> components
    marginal: dict[str, float]  # moving service ref -> marginal_savings_monthly_usd

    def apply(self, c: Candidate, plan: dict) -> None:
        """Into ``plan``: the summary's overlap, phases, leftovers, every row's components."""
        plan["summary"].update(migration_overlap_usd=float(self.overlap), payback_days=self.payback, overlap_days=self.overlap_days)
        plan["phases"] = self.phases
        plan["leftover_addresses"] = self.leftovers
        for ep in c.entrypoints:
            ep["cost_components"] = self.proposed[pricing.owner(ep)]
        for e, row in zip(c.entries, plan["services"]):  # rows are in entries' order
            row["cost_components"] = self.current[e.ref]
            if e.moving:
                row["marginal_savings_monthly_usd"] = self.marginal[e.ref]
        for row in plan["existing_entrypoints"]:
            row["cost_components"] = self.current[_row_ref(row)]


def money_by_phase(ev: Evaluator, c: Candidate, existing_out: list[dict]) -> Money:
    """The :class:`Money` of a designed candidate (reads its pricing and the
    ``existing_entrypoints`` rows' owners, never the service rows)."""
    priced = c.priced
    moved = {e.ref for e in c.entries if e.moving} | {i.ing.ref for i in c.items if i.decision == "fold"}
    moved |= c.design.nginx.retired if c.design.nginx is not None else set()
    ep_owners = {pricing.owner(ep) for ep in c.entrypoints}
    rows = phases.phases(ev.pricer, priced, moved, ep_owners)
    overlap, payback = phases.overlap_and_payback(rows, priced.before.total, priced.after.total, ev.opts.overlap_days)
    leftovers = [{k: a[k] for k in ("name_or_ip", "owner", "global")} for a in pricing.leftover_addresses(c.entries, c.items)]
    proposed = pricing.owner_components(priced.after, ep_owners, lambda: {fp.owner: fp.forwarding_rules for fp in priced.proposed_fps if fp.owner in ep_owners})
    # today's side: what each service and existing entrypoint costs now
    refs = dict.fromkeys([e.ref for e in c.entries] + [_row_ref(r) for r in existing_out])  # in memory's order: looked up fast
    current = pricing.owner_components(priced.before, refs, lambda: {fp.owner: fp.forwarding_rules for fp in priced.current_fps})
    marginal = assemble.marginal_savings(c.entries, priced, breakeven.marginal(c.entries, priced.current_fps, ev.pricer))
    return Money(rows, overlap, payback, ev.opts.overlap_days, leftovers, proposed, current, marginal)


#: the evaluator and chosen candidate of the last plan built in this process. Freeing them
#: (millions of small objects, the memo of rules among them) takes about 0.4 s at 100,000
#: services, more once the early Pulumi program's child shares their pages, and changes
#: nothing the caller sees; the next plan built replaces them, so one plan's are kept at most.
_LAST_BUILT: list = []


def _keep(*objects) -> None:
    _LAST_BUILT[:] = objects


def build_strategy_plan(inv: Inventory, opts: Options, strategy: str, ev: Evaluator | None = None, ready=None) -> dict:
    ev = ev or Evaluator(inv, opts)
    c = design(ev, strategy)
    _keep(ev, c)
    return finish(ev, c, ready=ready)


def _stamp(plan: dict, requested: str, why: str, inv: Inventory) -> dict:
    """The chosen plan, with why it was chosen; its designed routes checked against it."""
    designed.check_chosen(plan, inv)
    plan["inputs"]["strategy_requested"] = requested
    plan["inputs"]["strategy_reason"] = why
    return plan


#: ``auto`` on at least this many LoadBalancer Services designs the other strategies in forked
#: processes while this one designs the first (2 cores: their seconds hide behind it)
PARALLEL_FROM = 5000


def _auto(ev: Evaluator) -> tuple[Candidate, str, dict | None]:
    """``auto``: every strategy designed, the cheapest feasible one chosen from their stubs;
    the chosen one's :func:`prepare` when already worked out."""
    if len(ev.lbs) >= PARALLEL_FROM and can_fork():
        return _auto_beside(ev)
    candidates = {name: design(ev, name) for name in STRATEGY_ORDER}
    chosen, why = choose({name: stub(c, ev.pricer.cloud) for name, c in candidates.items()})
    return candidates[chosen], why, None


def _stub_of(ev: Evaluator, strategy: str) -> dict:
    return stub(design(ev, strategy), ev.pricer.cloud)


def _auto_beside(ev: Evaluator) -> tuple[Candidate, str, dict | None]:
    """:func:`_auto` with the later strategies designed in children that send back only their
    stubs (a few block notes and a total). While they design, this process designs the first
    strategy (gateway, the usual choice) and prepares its sections (their designs take
    longer: a forked child pays for every page it writes to). Designing is pure, so a
    strategy chosen from a child's stub is designed again here and comes out the same."""
    first, *rest = STRATEGY_ORDER
    children = {name: Beside(_stub_of, ev, name) for name in rest}
    c = design(ev, first)
    stubs = {first: stub(c, ev.pricer.cloud)}  # before prepare adds c's plan notes
    try:
        sections = prepare(ev, c)
    except Exception:  # noqa: BLE001 - the run's error only if this strategy is chosen: then raised again, from a fresh design
        sections = None
    stubs |= {name: child.result() for name, child in children.items()}
    chosen, why = choose(stubs)
    if chosen == first and sections is not None:
        return c, why, sections
    return design(ev, chosen), why, None


def build_plan(inv: Inventory, opts: Options, ready=None) -> dict:
    """The plan for ``opts.strategy``; ``auto`` builds every strategy and keeps the cheapest
    feasible one (fewest block notes, then lowest proposed cost, ties → gateway).

    ``ready(plan)``, when given, is called once with the plan being finished as soon as its
    ``inputs``, ``generator``, ``clusters``, ``services``, ``entrypoints``,
    ``existing_entrypoints``, ``dns_changes`` and ``nginx_migration`` are final (its costs,
    notes and runbook not yet written): the Pulumi program reads only those, so the CLI starts
    rendering it there. Not with ``--compare`` (several plans are finished)."""
    if opts.strategy not in STRATEGY_CHOICES:
        raise PlannerError(f"unknown strategy {opts.strategy!r} (choose from {', '.join(STRATEGY_CHOICES)})")
    if opts.strategy != "auto" and not opts.compare:
        return _stamp(build_strategy_plan(inv, opts, opts.strategy, ready=ready), opts.strategy, f"--strategy {opts.strategy} requested", inv)
    ev = Evaluator(inv, opts)
    if not opts.compare:  # auto: choose from each candidate's block notes and cost, finish that one
        chosen, why, sections = _auto(ev)
        _keep(ev, chosen)
        return _stamp(finish(ev, chosen, sections, ready), opts.strategy, why, inv)
    plans = {name: build_strategy_plan(inv, opts, name, ev) for name in STRATEGY_ORDER}
    if opts.strategy == "auto":
        chosen, why = choose(plans)
    else:
        chosen, why = opts.strategy, f"--strategy {opts.strategy} requested"
    plan = _stamp(plans[chosen], opts.strategy, why, inv)
    plan["comparison"] = [comparison_row(name, plans[name], name == chosen) for name in STRATEGY_ORDER]
    return plan
