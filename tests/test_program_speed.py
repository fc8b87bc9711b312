"""Shortcuts of the Pulumi renderer equal its plain paths."""
from __future__ import annotations

import datetime
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.render import pulumi
from planner.render.pulumi import RouteError, route_rule

_maybe = lambda s: st.none() | s  # noqa: E731
routes = st.fixed_dictionaries(
    {"host": _maybe(st.sampled_from(["a.example", "b.example"])), "namespace": st.just("ns")},
    optional={
        "path": _maybe(st.sampled_from(["/", "/api", "/v1/*", "*", "/a*b", "x", "/items/{id}"])),
        "path_type": _maybe(st.sampled_from(["PathPrefix", "Exact", "Prefix", "ImplementationSpecific", "Regex"])),
        "service": _maybe(st.sampled_from(["web", "api"])),
        "port": _maybe(st.integers(1, 65535) | st.booleans() | st.just("http") | st.just(8.0)),
        "rewrite": _maybe(st.sampled_from(["/", "/b"])),
        "redirect": _maybe(st.just({"scheme": "https"}) | st.just({})),
        "headers": st.just([]) | st.just([{"name": "x", "value": "1"}]),
        "backends": st.just([]) | st.just([{"service": "b", "port": 81, "weight": 3}, {"service": "a", "port": 80}]),
        "response_headers": _maybe(st.just({"set": {"k": "v"}})),
        "timeout_sec": _maybe(st.sampled_from([0, 30])),
        "https_only": st.booleans(),
        "source": st.just("external-dns"),
    },
)


def _outcome(r: dict):
    try:
        return route_rule(r)
    except RouteError as exc:
        return ("RouteError", str(exc))


@settings(max_examples=1500, deadline=None)
@given(routes)
def test_plain_rule_equals_the_general_path(r):
    fast = _outcome(r)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(pulumi, "_plain_rule", lambda route: None)
        plain = _outcome(r)
    assert fast == plain


def test_plain_rule_takes_the_common_route_and_leaves_the_rest():
    common = {"host": "a.example", "path": "/", "path_type": "PathPrefix", "namespace": "ns", "service": "web", "port": 80, "rewrite": None, "https_only": False}
    assert pulumi._plain_rule(common) == {"matches": [{"path": {"type": "PathPrefix", "value": "/"}}], "backendRefs": [{"name": "web", "port": 80}]}
    for extra in ({"rewrite": "/b"}, {"port": True}, {"port": "http"}, {"service": None}, {"timeout_sec": 5}, {"headers": [{"name": "x", "value": "1"}]}):
        assert pulumi._plain_rule(dict(common, **extra)) is None


route_groups = st.dictionaries(
    st.none() | st.sampled_from(["", "a.example", "b.example", "c.example"]),
    st.sets(st.sampled_from([b'{"a":1}', b'{"b":2}', b'{"c":3}']), min_size=1, max_size=3),
    min_size=1, max_size=4,
)


@settings(max_examples=500, deadline=None)
@given(route_groups)
def test_hosts_by_rules_equals_the_plain_grouping(hosts):
    assert pulumi._hosts_by_rules(hosts) == pulumi._hosts_by_rules_plain(hosts)


def test_hosts_by_rules_groups_hosts_with_the_same_rules():
    hosts = {"b": {b"2", b"1"}, None: {b"1", b"2"}, "a": {b"3"}}
    assert pulumi._hosts_by_rules(hosts) == [((b"3",), ["a"]), ((b"1", b"2"), ["b", None])]
    assert pulumi._hosts_by_rules({"x": {b"2", b"1"}}) == [((b"1", b"2"), ["x"])]


@settings(max_examples=1500, deadline=None)
@given(st.text(alphabet=st.characters(max_codepoint=0x17F) | st.sampled_from("-._/ ")))
def test_slug_equals_the_regex(text):
    assert pulumi._slug(text) == pulumi._SLUG.sub("-", text)
    assert pulumi._slug(text.lower()) == pulumi._SLUG.sub("-", text.lower())


def _gateway_outcome(routes_, tls_hosts):
    ep = {"cluster": "c", "name": "gw", "namespace": "gw-ns", "routes": routes_, "gateway_key": "c/gw"}
    listeners = [{"name": "http", "protocol": "HTTP"}, {"name": "https", "protocol": "HTTPS"}]
    limits = []
    try:
        out = pulumi._gateway_routes(ep, tls_hosts, listeners, set(), lambda *a: limits.append(a))
    except Exception as exc:  # noqa: BLE001 - both paths must fail alike
        return ("raised", type(exc).__name__, str(exc), limits)
    return (json.dumps(out, sort_keys=True), limits)


#: a service name json cannot write (a YAML date): the rule's key raises, on both paths alike
_ODD_SERVICE = datetime.date(2020, 1, 1)
gateway_routes = st.lists(
    st.tuples(routes, st.sampled_from(["web", "api", "", None]), st.sampled_from(["ns", "ns2"]), st.integers(0, 30)).map(
        lambda t: dict(t[0], namespace=t[2], **({"name": t[1]} if t[1] is not None else {}), **({"service": _ODD_SERVICE} if t[3] == 0 else {}))),
    max_size=8,
)


@settings(max_examples=1500, deadline=None)
@given(gateway_routes, st.sampled_from([[], ["a.example"], ["a.example", "b.example"]]))
def test_gateway_routes_shortcuts_equal_the_general_path(routes_, tls_hosts):
    """A group of one route skips its rule's key, plain rules' keys are made only when needed:
    the same records and limitations as every key made at once and every group through
    _group_rules."""
    fast = _gateway_outcome(routes_, tls_hosts)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(pulumi, "_lone_rule", lambda hosts: None)
        mp.setattr(pulumi, "_keyed_rule", lambda r: (lambda rule: (rule, pulumi._rule_key(rule)))(route_rule(r)))
        plain = _gateway_outcome(routes_, tls_hosts)
    assert fast == plain


def _routed_ports_plain(cl, routes_):
    out = {}
    for r in routes_:
        for b in pulumi._route_backends(r):
            if b.get("service") is not None and b.get("port") is not None:
                out.setdefault((cl, r["namespace"], b["service"]), set()).add(b["port"])
    return out


@settings(max_examples=800, deadline=None)
@given(gateway_routes)
def test_routed_ports_equal_the_route_backends(routes_):
    fast = {}
    pulumi._add_routed_ports(fast, "c", routes_)
    assert fast == _routed_ports_plain("c", routes_)
