"""Canary Ingresses merge into their primary's rule: weights and header matches."""
from __future__ import annotations

import pytest

from planner.nginx.merge import translate_all
from tests.nginx_factory import HOST, backend, fates, nginx_ingress

SERVICES = [backend("web"), backend("web-canary")]


def _pair(canary_ann, *, canary_rules=((HOST, "/", "Prefix", "web-canary", 80),), primary_ann=None):
    primary = nginx_ingress(primary_ann, name="shop")
    canary = nginx_ingress({"canary": "true", **canary_ann}, name="shop-canary", rules=canary_rules)
    trs = {t.key[2]: t for t in translate_all([primary, canary], SERVICES)}
    return trs["shop"], trs["shop-canary"]


def _shape(tr):
    return [(r["path"], r.get("headers"), r["service"], r.get("backends")) for r in tr.routes]


@pytest.mark.parametrize("ann, routes", [
    ({"canary-weight": "20"}, [("/", None, "web", [{"service": "web", "port": 80, "weight": 80}, {"service": "web-canary", "port": 80, "weight": 20}])]),
    ({"canary-weight": "1", "canary-weight-total": "1000"}, [("/", None, "web", [{"service": "web", "port": 80, "weight": 999}, {"service": "web-canary", "port": 80, "weight": 1}])]),
    ({"canary-by-header": "X-Canary", "canary-by-header-value": "yes"}, [("/", None, "web", None), ("/", [{"name": "X-Canary", "value": "yes"}], "web-canary", None)]),
    # nginx: without -value, "always" goes to the canary and "never" to the primary
    ({"canary-by-header": "X-Canary", "canary-weight": "10"}, [
        ("/", None, "web", [{"service": "web", "port": 80, "weight": 90}, {"service": "web-canary", "port": 80, "weight": 10}]),
        ("/", [{"name": "X-Canary", "value": "always"}], "web-canary", None),
        ("/", [{"name": "X-Canary", "value": "never"}], "web", None),
    ]),
])
def test_canary_merges_into_primary(ann, routes):
    primary, canary = _pair(ann)
    assert primary.migrates and canary.migrates
    assert sorted(_shape(primary), key=str) == sorted(routes, key=str)
    assert canary.routes == ()
    assert {p.service for p in primary.policies} == {"web", "web-canary"}  # the canary backend gets the primary's policy


@pytest.mark.parametrize("ann, key", [({"canary-by-cookie": "canary"}, "canary-by-cookie"), ({"canary-by-header": "X", "canary-by-header-pattern": "^a.*"}, "canary-by-header-pattern")])
def test_unsupported_canary_keeps_both(ann, key):
    primary, canary = _pair(ann)
    assert fates(canary)[key] == ("blocked", "NGINX_CANARY_UNSUPPORTED")
    assert canary.decision == "keep" and primary.decision == "keep"
    assert any(n.code == "NGINX_HOST_SPLIT" for n in primary.notes)


def test_canary_without_primary_keeps():
    primary, canary = _pair({"canary-weight": "5"}, canary_rules=((HOST, "/other", "Prefix", "web-canary", 80),))
    assert canary.decision == "keep" and any(n.code == "NGINX_CANARY_NO_PRIMARY" for n in canary.notes)
    assert primary.decision == "keep"  # same host: the host moves as a unit


def test_canary_weights_without_canary_true_are_ignored_like_nginx():
    (tr,) = translate_all([nginx_ingress({"canary-weight": "50"})], SERVICES)
    assert fates(tr)["canary-weight"] == ("noted", "NGINX_CANARY")
    assert "backends" not in tr.routes[0]
