"""Paths, hosts, backends and TLS of one Ingress (translate_ingress), and the plan contract."""
from __future__ import annotations

import pytest

from tests.nginx_factory import HOST, backend, codes, translate

CONTRACT = {"host", "path", "path_type", "namespace", "service", "port", "name", "source", "https_only", "rewrite", "origin"}
OPTIONAL = {"redirect", "headers", "backends", "response_headers", "timeout_sec"}


@pytest.mark.parametrize("path_type, expected", [("Prefix", "PathPrefix"), ("Exact", "Exact"), ("ImplementationSpecific", "PathPrefix"), (None, "PathPrefix")])
def test_path_types_carried(path_type, expected):
    tr = translate(rules=((HOST, "/api", path_type, "web", 80),))
    assert tr.migrates
    assert [(r["host"], r["path"], r["path_type"]) for r in tr.routes] == [(HOST, "/api", expected)]


def test_routes_have_exactly_the_contract_keys():
    tr = translate({"enable-cors": "true"}, tls=((HOST, "s"),))
    for r in tr.routes:
        assert CONTRACT <= set(r) <= CONTRACT | OPTIONAL
        assert r["source"] == "nginx" and r["origin"] == "Ingress c/default/shop" and r["rewrite"] is None


def test_named_port_resolved_to_its_number():
    tr = translate(rules=((HOST, "/", "Prefix", "web", "http"),), services=[backend(ports=((8080, "http"),))])
    assert [r["port"] for r in tr.routes] == [8080]


@pytest.mark.parametrize("rules, services, code", [
    (((None, "/", "Prefix", "web", 80),), [backend()], "NGINX_HOSTLESS"),
    (((HOST, "/", "Prefix", "gone", 80),), [backend()], "NGINX_BACKEND_UNRESOLVED"),
    (((HOST, "/", "Prefix", "web", 81),), [backend()], "NGINX_BACKEND_UNRESOLVED"),
    (((HOST, "/", "Prefix", "web", 80),), [backend(stype="ExternalName")], "NGINX_BACKEND_UNRESOLVED"),
    (((HOST, "/", "Prefix", "web", 80), (HOST, "/", "Prefix", "other", 80)), [backend(), backend("other")], "NGINX_ROUTE_CLASH"),
    ((("registry.<your domain>", "/", "Prefix", "web", 80),), [backend()], "NGINX_INVALID_HOST"),
    (((HOST, "/", "Wild", "web", 80),), [backend()], "NGINX_PATH_TYPE"),
])
def test_structure_that_blocks(rules, services, code):
    tr = translate(rules=rules, services=services)
    assert tr.decision == "keep" and code in codes(tr, "block")


@pytest.mark.parametrize("gateway_class, ann, mode", [
    ("gke-l7-global-external-managed", {}, "secret"),
    ("gke-l7-global-external-managed-mc", {}, "google-managed"),  # multi-cluster classes take no Secrets
    ("gke-l7-global-external-managed", {"cert-manager.io/cluster-issuer": "letsencrypt"}, "google-managed"),
])
def test_tls_mode_per_host(gateway_class, ann, mode):
    tr = translate(tls=((HOST, "shop-tls"),), gateway_class=gateway_class, raw_ann=ann)
    assert [(t.host, t.mode, t.secret) for t in tr.tls] == [(HOST, mode, "shop-tls" if mode == "secret" else None)]


def test_tls_entry_without_secret_is_google_managed_and_internal_blocks():
    assert [t.mode for t in translate(tls=((HOST, ""),)).tls] == ["google-managed"]
    tr = translate(tls=((HOST, ""),), internal=True)
    assert tr.decision == "keep" and "NGINX_INTERNAL_TLS" in codes(tr, "block")
    assert translate(tls=((HOST, "s"),), internal=True).migrates  # a Secret works on the internal Gateway


def test_hsts_default_on_https_routes_only():
    tr = translate(tls=((HOST, "s"),), rules=((HOST, "/", "Prefix", "web", 80), ("plain.example.com", "/", "Prefix", "web", 80)))
    by_host = {r["host"]: r for r in tr.routes}
    assert by_host[HOST]["response_headers"] == {"set": {"Strict-Transport-Security": "max-age=31536000; includeSubDomains"}}
    assert "response_headers" not in by_host["plain.example.com"]


def test_f5_annotations_are_never_translated():
    tr = translate(raw_ann={"nginx.org/redirect-to-https": "true"})
    assert tr.decision == "keep" and tr.reason[0] == "NGINX_F5_CONTROLLER" and tr.routes == ()
    assert "nginx.org/redirect-to-https" in tr.reason[1]


def test_keep_reason_lists_every_blocking_code():
    tr = translate({"auth-url": "https://a.example.com/", "configuration-snippet": "x"})
    assert tr.reason[0] == "NGINX_UNTRANSLATABLE"
    kept = next(n for n in tr.notes if n.code == "NGINX_UNTRANSLATABLE")
    assert kept.level == "info" and kept.message == "kept: NGINX_AUTH, NGINX_SNIPPET block the move"


def test_same_input_same_output():
    a = translate({"enable-cors": "true", "whitelist-source-range": "10.0.0.0/8"}, tls=((HOST, "s"),))
    b = translate({"whitelist-source-range": "10.0.0.0/8", "enable-cors": "true"}, tls=((HOST, "s"),))
    assert a == b
