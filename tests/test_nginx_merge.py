"""translate_all: regex hosts, route clashes, policy conflicts, hosts moving as a unit."""
from __future__ import annotations

from planner.nginx.merge import translate_all
from tests.nginx_factory import HOST, backend, nginx_ingress


def _codes(tr):
    return {n.code for n in tr.notes if n.level == "block"}


def test_use_regex_on_one_ingress_keeps_every_ingress_of_the_host():
    a = nginx_ingress({"use-regex": "true"}, name="a", rules=((HOST, "/api/.*", "ImplementationSpecific", "web", 80),))
    b = nginx_ingress(name="b", rules=((HOST, "/static", "Prefix", "web", 80),))
    c = nginx_ingress(name="c", rules=(("other.example.com", "/", "Prefix", "web", 80),))
    trs = {t.key[2]: t for t in translate_all([a, b, c], [backend()])}
    assert trs["a"].decision == trs["b"].decision == "keep"
    assert "NGINX_REGEX_HOST" in _codes(trs["b"])
    assert trs["c"].migrates


def test_same_host_and_path_in_two_ingresses_keeps_both():
    a = nginx_ingress(name="a")
    b = nginx_ingress(name="b", rules=((HOST, "/", "Prefix", "other", 80),))
    trs = translate_all([a, b], [backend(), backend("other")])
    assert [t.decision for t in trs] == ["keep", "keep"]
    assert all("NGINX_ROUTE_CLASH" in _codes(t) for t in trs)


def test_backend_with_conflicting_policies_keeps_the_later_ingress():
    a = nginx_ingress({"proxy-read-timeout": "300"}, name="a")
    b = nginx_ingress(name="b", rules=(("api.example.com", "/", "Prefix", "web", 80),))
    trs = {t.key[2]: t for t in translate_all([a, b], [backend()])}
    assert trs["a"].migrates and trs["b"].decision == "keep"
    msg = next(n.message for n in trs["b"].notes if n.code == "NGINX_POLICY_CONFLICT")
    assert "default/web" in msg and "timeout_sec" in msg


def test_a_host_moves_as_a_unit():
    a = nginx_ingress(name="a", rules=((HOST, "/", "Prefix", "web", 80),))
    b = nginx_ingress({"auth-url": "https://auth.example.com/"}, name="b", rules=((HOST, "/admin", "Prefix", "web", 80),))
    trs = {t.key[2]: t for t in translate_all([a, b], [backend()])}
    assert trs["a"].decision == "keep" and "NGINX_HOST_SPLIT" in _codes(trs["a"])
    assert trs["a"].reason[0] == "NGINX_UNTRANSLATABLE"


def test_hosts_linked_through_other_ingresses_move_together():
    # a: h1; b: h1 + h2; c: h2 + h3 (kept by auth) → the whole chain stays, d (h4) moves
    a = nginx_ingress(name="a", rules=(("h1.example.com", "/a", "Prefix", "web", 80),))
    b = nginx_ingress(name="b", rules=(("h1.example.com", "/b", "Prefix", "web", 80), ("h2.example.com", "/b", "Prefix", "web", 80)))
    c = nginx_ingress({"auth-url": "https://auth.example.com/"}, name="c", rules=(("h2.example.com", "/c", "Prefix", "web", 80), ("h3.example.com", "/", "Prefix", "web", 80)))
    d = nginx_ingress(name="d", rules=(("h4.example.com", "/", "Prefix", "web", 80),))
    trs = {t.key[2]: t for t in translate_all([a, b, c, d], [backend()])}
    assert {k: t.decision for k, t in trs.items()} == {"a": "keep", "b": "keep", "c": "keep", "d": "migrate"}
    assert "NGINX_HOST_SPLIT" in _codes(trs["a"])
