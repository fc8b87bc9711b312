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


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(cases())
def test_shape_memos_answer_as_the_rules_do(case):
    """The Evaluator asks ``uses_strategy`` once per (ports, strategy_shape) and skips the
    mesh look-ups when the inventory has no Gateway: each service's answers are the rules'."""
    from planner.consolidate import Evaluator
    from planner.consolidate.rules import _FactIndex, uses_strategy

    objs, clusters, usage, opts = case
    inv = inventory(*objs, clusters=clusters, usage=usage)
    ev = Evaluator(inv, Options(**opts))
    index = _FactIndex(inv)
    for svc, *_, kid, _named, _pid, _ref in ev.rows:
        if kid is not None:
            assert (kid in ev._strategic) == uses_strategy(svc), svc.ref
        assert index.mesh_evidence(svc) == _mesh_evidence_long_way(index, svc)


def _mesh_evidence_long_way(index, svc):
    index = copy.copy(index)
    index.no_gateways = False
    return index.mesh_evidence(svc)


def test_strategy_shape_names_what_uses_strategy_reads():
    """Two services with equal ports and equal shapes but other annotations answer alike, and
    the AWS TLS annotations change the answer (so they must be in the shape)."""
    from planner.consolidate.rules import AWS_SSL_CERT, AWS_SSL_PORTS, strategy_shape, uses_strategy
    from planner.model import Port, Service, Source

    grpc = (Port(name="grpc", port=50051, protocol="TCP", target_port=50051, app_protocol=None),)
    plain = Service("c", "ns", "a", "LoadBalancer", grpc, Source("f.yaml", 1), annotations={"x": "1"})
    other = Service("c", "ns", "b", "LoadBalancer", grpc, Source("f.yaml", 2), annotations={"y": "2"})
    tls = Service("c", "ns", "c", "LoadBalancer", grpc, Source("f.yaml", 3), annotations={AWS_SSL_CERT: "arn:aws:acm:cert", AWS_SSL_PORTS: "50051"})
    assert strategy_shape(plain) == strategy_shape(other) == (None, None)
    assert uses_strategy(plain) is uses_strategy(other) is False
    assert strategy_shape(tls) == ("arn:aws:acm:cert", "50051")
    assert uses_strategy(tls) is True


def test_service_row_memos_equal_the_plain_values():
    from planner.consolidate import assemble
    from planner.consolidate.entries import reason_dicts
    from planner.model import Source

    a = (("HTTP_CONSOLIDATE", "routed by host"), ("PORT_CHANGES", "80 -> 443"))
    rows = assemble._reason_rows(a)
    assert rows == reason_dicts(a) == [{"code": "HTTP_CONSOLIDATE", "message": "routed by host"}, {"code": "PORT_CHANGES", "message": "80 -> 443"}]
    assert assemble._reason_rows(tuple(a)) is rows  # equal reasons share one (read-only) list
    for i in range(200):  # a Source made anew may reuse a dead one's id: its own text still
        src = Source(f"f{i}.json", i or None)
        assert assemble._source_text(src) == str(src) == (f"f{i}.json:{i}" if i else "f0.json")
        del src
