"""The planning core's shortcuts (seventh round) give what the long way gives: entries as named
tuples copied by :func:`evolve`, hosts and their "generated" flag read once, no context facts
looked up where the inventory has none, the controller label found in one pass, cloud evidence
without the regex for plain IPs, the internal annotations read without defaults."""
from __future__ import annotations

import dataclasses
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planner.consolidate import Evaluator, Options, rules
from planner.consolidate.entries import Entry, ExistingItem, evolve
from planner.consolidate.evaluate import _NO_FACTS, EXTERNAL_DNS, service_hosts
from planner.consolidate.rules import CONTROLLER_LABELS, _LABEL_ORDER, context_facts, valid_hostname
from planner.pricers import detect
from tests.plan_factory import ingress, inventory, svc
from tests.test_invariants import cases

# --- entries ------------------------------------------------------------------------------
FIELD_VALUES = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=5), st.tuples(st.text(max_size=3)), st.decimals(allow_nan=False, places=2))


@settings(max_examples=300, deadline=None)
@given(st.lists(FIELD_VALUES, min_size=len(Entry._fields), max_size=len(Entry._fields)), st.dictionaries(st.sampled_from(Entry._fields), FIELD_VALUES))
def test_evolve_of_an_entry_is_its_replace(values, changes):
    e = Entry(*values)
    got = evolve(e, **changes)
    assert type(got) is Entry
    assert tuple(got) == tuple(e._replace(**changes))
    assert tuple(e) == tuple(values)  # the original is left alone


def test_evolve_of_a_dataclass_is_replace():
    item = ExistingItem(ing=None, fp=None, decision="fold", reason=("A", "b"))
    assert evolve(item, decision="keep", slot="s") == dataclasses.replace(item, decision="keep", slot="s")


def test_an_entry_cannot_be_changed_in_place():
    e = Entry(*range(len(Entry._fields)))
    try:
        e.decision = "keep"
    except AttributeError:
        return
    raise AssertionError("an Entry took an assignment")


def test_an_entrys_defaults():
    e = Entry(*range(Entry._fields.index("decision")))
    assert (e.decision, e.reasons, e.hosts, e.break_even_gib, e.saving, e.added, e.moving, e.designed) == ("consolidate", (), (), None, None, None, True, ())


# --- hosts and is_generated ------------------------------------------------------------------
HOST_PIECES = st.sampled_from(["a.example.org", "B.Example.org.", " c.example.org ", "", " ", "not a host", "*.wild.example.org", "x" * 70 + ".org", "a.example.org", "-bad.org", "d.example.org."])


def _is_generated_plain(svc) -> bool:
    """``Evaluator.is_generated`` as first written: the annotation parsed again."""
    raw = svc.annotations.get(EXTERNAL_DNS, "")
    if not raw:
        return True
    return not any(valid_hostname(h) for h in (x.strip().lower().rstrip(".") for x in raw.split(",")) if h)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.none(), st.lists(HOST_PIECES, max_size=4)), min_size=1, max_size=5), st.sampled_from(["example.com", "bad_domain!"]), st.permutations(range(5)))
def test_hosts_and_is_generated_equal_the_long_way(annotations, domain, order):
    services = [svc(f"s{i}", ((80, "TCP", "http", None),), ann={EXTERNAL_DNS: ",".join(a)} if a is not None else {}) for i, a in enumerate(annotations)]
    ev = Evaluator(inventory(*services), Options(domain=domain))
    for i in order:  # asked before and after the hosts are read, in any order
        if i >= len(services):
            continue
        s = services[i]
        assert ev.is_generated(s) == _is_generated_plain(s)
        expected: list = []
        want = service_hosts(s, domain, expected)
        for _ in range(2):  # made once, its notes replayed
            notes: list = []
            assert ev.hosts(s, notes) == want
            assert notes == expected
        assert ev.is_generated(s) == _is_generated_plain(s)


# --- context facts ----------------------------------------------------------------------------
LABELS = st.dictionaries(st.sampled_from([*CONTROLLER_LABELS, "app", "team", "gateway.networking.k8s.io/gateway-name", "other/x"]),
                         st.sampled_from(["ingress-nginx", "traefik", "shop", "gateway-proxy", "istio", ""]), max_size=4)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(LABELS, LABELS, st.sampled_from([{}, {"cloud.google.com/backend-config": '{"default": "bc"}'}])), min_size=1, max_size=4))
def test_no_context_facts_without_gateways_or_backend_configs(shapes):
    """The Evaluator skips context_facts when the inventory has no mesh gateway, Gateway or
    BackendConfig: then it is _NO_FACTS for every Service."""
    services = [svc(f"s{i}", ((80, "TCP", "http", None),), ann=ann, labels=labels, selector=selector) for i, (labels, selector, ann) in enumerate(shapes)]
    inv = inventory(*services, ingress("ing", rules=(("a.example.org", "/", "s0", 80),)))
    assert not (inv.mesh_gateways or inv.gateways or inv.backend_configs)
    for s in services:
        assert context_facts(s, inv) == _NO_FACTS


# --- the controller label ---------------------------------------------------------------------
def _controller_label_plain(labels: dict) -> str | None:
    """The label look-up as first written (a list of hits, the first in table order)."""
    hits = [label for label, v in labels.items() if label in CONTROLLER_LABELS and (CONTROLLER_LABELS[label] is None or v in CONTROLLER_LABELS[label])]
    return min(hits, key=_LABEL_ORDER.__getitem__) if hits else None


@settings(max_examples=500, deadline=None)
@given(LABELS)
def test_controller_label_equals_the_long_way(labels):
    assert rules._controller_label(labels) == _controller_label_plain(labels)


# --- cloud evidence and internal annotations -------------------------------------------------
ADDRESS = st.lists(st.sampled_from(["a", "elb", "ELB", ".", "-", "1", "amazonaws", "AmazonAWS", ".com", ".cn", "\n", "us-east-1", "cloudapp", ".azure", "10.0.0.1",
                                     ".elb.amazonaws.com", ".ELB.us-east-1.AmazonAWS.com", "amazonaws.com"]), max_size=8).map("".join)


def _evidence_plain(s) -> str | None:
    """``detect._evidence_service`` of a Service without annotations or class, as first
    written: every address through the regex."""
    for addr in s.status_addresses:
        a = addr.lower().rstrip(".")
        if detect.ELB_HOST.search(a):
            return "aws"
        if a.endswith(".cloudapp.azure.com"):
            return "azure"
    return None


@settings(max_examples=1000, deadline=None)
@given(st.lists(ADDRESS, max_size=3))
def test_elb_prefilter_keeps_every_match(addresses):
    s = svc("s", ((80, "TCP", "http", None),), status_addresses=tuple(addresses))
    assert detect._evidence_service(s) == _evidence_plain(s)


def _is_internal_plain(s) -> bool:
    ann = s.annotations.get
    for a in rules.INTERNAL_ANNOTATIONS:
        if ann(a, "").strip().lower() == "internal":
            return True
    return rules.internal_elsewhere(s)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from([*rules.INTERNAL_ANNOTATIONS, "service.beta.kubernetes.io/aws-load-balancer-scheme", "service.beta.kubernetes.io/azure-load-balancer-internal", "x"]),
                       st.sampled_from(["", " Internal ", "internal", "External", "true", "internal\n"]), max_size=3))
def test_is_internal_equals_the_long_way(ann):
    s = svc("s", ((80, "TCP", "http", None),), ann=ann)
    assert rules.is_internal(s) == _is_internal_plain(s)


def test_evaluation_key_off_when_rules_change_in_place():
    s = svc("s", ((80, "TCP", "http", None),))
    assert rules.evaluation_key(s) is not None
    rules.RULES.append(lambda svc, ctx: rules.Verdict())
    try:
        assert rules.evaluation_key(s) is None
    finally:
        rules.RULES.pop()
    assert rules.evaluation_key(s) is not None


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(cases())
def test_entries_carry_their_verdicts_policies(case):
    """``Entry.policies`` is a field for speed: it is its verdict's, through every step."""
    from planner.consolidate import design

    objs, clusters, usage, opts = case
    ev = Evaluator(inventory(*objs, clusters=clusters, usage=usage), Options(**{**opts, "strategy": "auto", "compare": False}))
    for strategy in ("gateway", "ingress"):
        for e in design(ev, strategy).entries:
            assert e.policies is e.verdict.policies
