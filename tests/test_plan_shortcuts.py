"""The planner's shortcuts give the plans the long way would: ``auto`` finishing only the
chosen strategy, verdicts shared between services with equal evaluation keys and between
strategies, and traffic scenarios from idle totals plus data charges instead of re-pricing."""
from __future__ import annotations

import copy

from hypothesis import HealthCheck, given, settings

from planner.consolidate import Options, build_strategy_plan, choose
from planner.consolidate.rules import Context, evaluate
from planner.pricers import get_pricer
from planner.pricers.extras import traffic_scenarios
from tests.plan_factory import inventory
from tests.test_invariants import _build, cases


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(cases())
def test_auto_equals_building_every_strategy(case):
    objs, clusters, usage, opts = case
    opts = {**opts, "strategy": "auto", "compare": False}
    fast = _build(objs, clusters, usage, opts)
    inv = inventory(*objs, clusters=clusters, usage=usage)
    o = Options(**opts)
    plans = {name: build_strategy_plan(inv, o, name) for name in ("gateway", "ingress")}
    chosen, why = choose(plans)
    slow = plans[chosen]
    slow["inputs"]["strategy_requested"] = "auto"
    slow["inputs"]["strategy_reason"] = why
    assert fast == slow
    # every service's verdict is what evaluating it alone with its real entrypoint gives
    for row in fast["services"]:
        if row["decision"] != "consolidate":
            continue
        svc = next(s for s in inv.load_balancers if (s.cluster, s.namespace, s.name) == (row["cluster"], row["namespace"], row["name"]))
        v = evaluate(svc, Context(keep_nonstandard_ports=o.keep_nonstandard_ports, internal=row["internal"], entrypoint=row["entrypoint"], address=f"{row['entrypoint']}-ip", routed_by=tuple(row["routed_by"]), strategy=fast["inputs"]["strategy"]))
        assert row["policies"] == v.policies
        assert [(r["code"], r["message"]) for r in row["reasons"][1:]] == [(c, m) for _, c, m in v.notes]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(cases())
def test_traffic_scenarios_without_repricing(case):
    objs, clusters, _, opts = case
    inv = inventory(*objs, clusters=clusters)
    plan = build_strategy_plan(inv, Options(**{**opts, "compare": False, "strategy": "gateway"}), "gateway")
    pricer = get_pricer("gcp")
    # rebuild the footprints the plan priced: every current one, and the proposed side
    from planner.consolidate import Evaluator

    ev = Evaluator(inv, Options())
    current = list(ev.service_fps) + list(inv.extra_footprints)
    for ing in inv.ingresses:
        fp = pricer.ingress_footprint(ing, inv.clusters[ing.cluster], None)
        if fp is not None:
            current.append(fp)
    moved = {f"Service {s['cluster']}/{s['namespace']}/{s['name']}" for s in plan["services"] if s["decision"] == "consolidate"}
    proposed = [fp for fp in current if fp.owner not in moved]
    members = {}
    for ep in plan["entrypoints"]:
        proposed.append(pricer.entrypoint_footprint(ep, inv.clusters[ep["cluster"]], None))
        members[f"{ep['kind']} {ep['name']}"] = len({(r["namespace"], r["service"]) for r in ep["routes"]})
    idle = (pricer.price(current).total, pricer.price(proposed).total)
    assert traffic_scenarios(pricer, current, proposed, members, idle) == traffic_scenarios(pricer, copy.copy(current), copy.copy(proposed), members)
