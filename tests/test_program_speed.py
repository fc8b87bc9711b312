"""Shortcuts of the Pulumi renderer equal its plain paths."""
from __future__ import annotations

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
