"""Redirect translators: ssl-redirect / force-ssl-redirect, permanent / temporal redirects,
app-root, from-to-www-redirect, proxy-redirect-*."""
from __future__ import annotations

import pytest

from tests.nginx_factory import HOST, codes, fates, translate

TLS = ((HOST, "shop-tls"),)


@pytest.mark.parametrize("ann, tls, https_only", [
    ({}, TLS, True),                                     # nginx default: TLS host redirects HTTP
    ({}, (), False),                                     # no TLS: HTTP served
    ({"ssl-redirect": "false"}, TLS, False),             # redirect off
    ({"ssl-redirect": "true"}, TLS, True),
    ({"force-ssl-redirect": "true"}, (), True),          # forced even without spec.tls
    ({"force-ssl-redirect": "true", "ssl-redirect": "false"}, TLS, True),  # force wins
])
def test_https_only_follows_nginx(ann, tls, https_only):
    tr = translate(ann, tls=tls)
    assert tr.migrates
    assert [r["https_only"] for r in tr.routes] == [https_only]


def test_force_ssl_redirect_without_tls_gets_a_managed_certificate():
    tr = translate({"force-ssl-redirect": "true"})
    assert [(t.host, t.mode) for t in tr.tls] == [(HOST, "google-managed")]
    assert fates(tr)["force-ssl-redirect"] == ("translated", "NGINX_SSL_REDIRECT")


@pytest.mark.parametrize("ann, redirect", [
    ({"permanent-redirect": "https://new.example.com/landing"}, {"scheme": "https", "hostname": "new.example.com", "path": "/landing", "status_code": 301}),
    ({"permanent-redirect": "https://new.example.com", "permanent-redirect-code": "308"}, {"scheme": "https", "hostname": "new.example.com", "path": "/", "status_code": 308}),
    ({"permanent-redirect": "http://new.example.com/x", "permanent-redirect-code": "999"}, {"scheme": "http", "hostname": "new.example.com", "path": "/x", "status_code": 301}),
    ({"temporal-redirect": "https://tmp.example.com/a"}, {"scheme": "https", "hostname": "tmp.example.com", "path": "/a", "status_code": 302}),
    ({"temporal-redirect": "https://tmp.example.com/a", "temporal-redirect-code": "307", "permanent-redirect": "https://p.example.com/"}, {"scheme": "https", "hostname": "tmp.example.com", "path": "/a", "status_code": 307}),
])
def test_url_redirects_become_request_redirects(ann, redirect):
    tr = translate(ann)
    assert tr.migrates
    assert [r["redirect"] for r in tr.routes] == [redirect]
    assert all(fates(tr)[k][0] == "translated" for k in ann)


@pytest.mark.parametrize("url", ["/relative", "https://x.example.com$request_uri", "https://x.example.com:8443/", "https://x.example.com/?q=1", "ftp://x.example.com/"])
def test_inexpressible_redirect_urls_block(url):
    tr = translate({"permanent-redirect": url})
    assert tr.decision == "keep" and tr.reason[0] == "NGINX_UNTRANSLATABLE"
    assert fates(tr)["permanent-redirect"] == ("blocked", "NGINX_REDIRECT_UNSUPPORTED")


def test_app_root_adds_an_exact_root_redirect_and_keeps_the_prefix_route():
    tr = translate({"app-root": "/app1"})
    assert [(r["path"], r["path_type"], r.get("redirect")) for r in tr.routes] == [
        ("/", "Exact", {"path": "/app1", "status_code": 302}),
        ("/", "PathPrefix", None),
    ]
    assert [r["name"] for r in tr.routes] == ["shop-1", "shop-2"]


def test_app_root_with_variables_blocks():
    assert fates(translate({"app-root": "/$host"}))["app-root"] == ("blocked", "NGINX_REDIRECT_UNSUPPORTED")


def test_www_redirect_routes_the_twin_host():
    tr = translate({"from-to-www-redirect": "true"})
    twin = [r for r in tr.routes if r["host"] == "www." + HOST]
    assert [(r["path"], r["redirect"]) for r in twin] == [("/", {"hostname": HOST, "status_code": 308})]
    assert "www." + HOST in tr.hosts


def test_proxy_redirect_blocks():
    tr = translate({"proxy-redirect-from": "http://internal/", "proxy-redirect-to": "https://shop.example.com/"})
    assert tr.decision == "keep"
    assert fates(tr)["proxy-redirect-to"] == ("blocked", "NGINX_PROXY_REDIRECT")
    assert "NGINX_PROXY_REDIRECT" in codes(tr, "block")
