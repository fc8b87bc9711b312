"""Property tests: invariants of every plan, over generated inventories (hypothesis)."""
from __future__ import annotations

import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planner.consolidate import Options, build_plan
from planner.consolidate.rules import is_http_port
from planner.render.jsonplan import dumps, validate
from tests.plan_factory import DNS, INTERNAL, ingress, inventory, svc
from tests.test_rules_reasons_doc import documented

NAMESPACES = ["shop", "pay", "data"]
HOSTS = ["a.example.org", "b.example.org", "c.example.org", "d.example.org"]
PORTS = st.tuples(
    st.sampled_from([80, 443, 8080, 8443, 3000, 5432, 53, 50051]),
    st.sampled_from(["TCP", "TCP", "TCP", "UDP", "SCTP"]),
    st.sampled_from(["http", "https", "grpc", "ws", "postgres", None]),
    st.sampled_from([None, None, "grpc", "kubernetes.io/h2c", "https", "kubernetes.io/ws"]),
)


@st.composite
def services(draw, cluster):
    n = draw(st.integers(min_value=0, max_value=7))
    out = []
    for i in range(n):
        ports = tuple(draw(st.lists(PORTS, min_size=1, max_size=2, unique_by=lambda p: (p[0], p[1]))))
        ann = {}
        if draw(st.booleans()):
            ann.update(INTERNAL)
        if draw(st.integers(0, 5)) == 0:
            ann["planner.io/keep"] = "true"
        hosts = draw(st.lists(st.sampled_from(HOSTS), max_size=2, unique=True))
        if hosts:
            ann[DNS] = ",".join(hosts)
        if draw(st.integers(0, 4)) == 0:
            ann["planner.io/backend-timeout"] = draw(st.sampled_from(["60", "bad", "0"]))
        kw = {}
        if draw(st.integers(0, 3)) == 0:
            kw["load_balancer_source_ranges"] = tuple(draw(st.lists(st.sampled_from(["10.0.0.0/8", "203.0.113.0/24", "nonsense"]), min_size=1, max_size=2)))
        if draw(st.booleans()):
            kw["external_traffic_policy"] = "Local"
        if draw(st.booleans()):
            kw["session_affinity"] = "ClientIP"
        if draw(st.integers(0, 3)) == 0:
            kw["load_balancer_ip"] = f"34.0.0.{i + 1}"
        out.append(svc(f"s{i}", ports, ns=draw(st.sampled_from(NAMESPACES)), cluster=cluster, ann=ann, **kw))
    return out


@st.composite
def ingresses(draw, cluster):
    out = []
    for i in range(draw(st.integers(0, 2))):
        rules = tuple((draw(st.sampled_from(HOSTS + [None])), draw(st.sampled_from(["/", "/api"])), "backend", 80) for _ in range(draw(st.integers(1, 2))))
        tls = tuple(h for h, _, _, _ in rules if h and draw(st.booleans()))
        out.append(ingress(f"ing{i}", ns=draw(st.sampled_from(NAMESPACES)), cluster=cluster, cls=draw(st.sampled_from(["gce", "gce-internal", "nginx"])), rules=rules, tls_hosts=tls))
    return out


@st.composite
def cases(draw):
    clusters = draw(st.sampled_from([("main",), ("east", "west")]))
    objs = []
    for c in clusters:
        objs += draw(services(c)) + draw(ingresses(c))
    usage = {}
    for o in objs:
        if hasattr(o, "ports") and draw(st.integers(0, 3)) == 0:
            usage[o.key] = (draw(st.integers(0, 3000)), draw(st.integers(0, 3000)))
    opts = dict(
        strategy=draw(st.sampled_from(["auto", "gateway", "ingress"])),
        fold_ingresses=draw(st.booleans()),
        keep_nonstandard_ports=draw(st.booleans()),
        compare=draw(st.booleans()),
    )
    return objs, clusters, usage, opts


def _build(objs, clusters, usage, opts):
    inv = inventory(*objs, clusters=clusters, usage=usage)
    return build_plan(inv, Options(**opts))


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(cases())
def test_plan_invariants(case):
    objs, clusters, usage, opts = case
    p = _build(objs, clusters, usage, opts)
    validate(p)
    lbs = [o for o in objs if hasattr(o, "ports")]
    eps = {e["name"]: e for e in p["entrypoints"]}

    # every LoadBalancer service appears exactly once
    assert sorted((s["cluster"], s["namespace"], s["name"]) for s in p["services"]) == sorted(s.key for s in lbs)

    by_key = {s.key: s for s in lbs}
    doc = documented()
    for row in p["services"]:
        s = by_key[(row["cluster"], row["namespace"], row["name"])]
        # every keep has a documented reason; every consolidate names an existing entrypoint
        assert row["reasons"] and all(r["code"] in doc for r in row["reasons"])
        if row["decision"] == "keep":
            assert row["entrypoint"] is None
            continue
        ep = eps[row["entrypoint"]]
        # no internal service behind an external entrypoint (nor the reverse)
        assert ep["internal"] == row["internal"]
        # no UDP, SCTP or TCP-only service consolidated
        assert set(s.protocols) == {"TCP"} and all(is_http_port(p_) for p_ in s.ports)
        # source ranges are never dropped
        if s.load_balancer_source_ranges:
            assert row["policies"]["source_ranges"]

    # no route crosses namespaces under ingress; no host+path claimed twice anywhere
    claimed = set()
    for ep in p["entrypoints"]:
        if ep["kind"] == "Ingress":
            assert all(r["namespace"] == ep["namespace"] for r in ep["routes"])
        for r in ep["routes"]:
            assert (r["host"], r["path"]) not in claimed
            claimed.add((r["host"], r["path"]))
    hosts_on_eps = {}
    for ep in p["entrypoints"]:
        for r in ep["routes"]:
            hosts_on_eps.setdefault(r["host"], set()).add(ep["name"])
    assert all(len(v) == 1 for v in hosts_on_eps.values()), "a DNS name can point at one entrypoint only"

    # the proposed cost never exceeds the current one without a note saying why
    if p["summary"]["proposed_monthly_usd"] > p["summary"]["current_monthly_usd"]:
        assert any(n["code"] == "PROPOSAL_COSTS_MORE" for n in p["notes"])

    # every note code is documented
    assert all(n["code"] in doc for n in p["notes"])

    # identical input → byte-identical plan, whatever order the objects were read in
    shuffled = list(objs)
    random.Random(len(objs)).shuffle(shuffled)
    assert dumps(_build(shuffled, clusters, usage, opts)) == dumps(p)
