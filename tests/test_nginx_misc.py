"""server-alias, ssl-passthrough, cookies, error pages, retries, mirroring, unknown annotations."""
from __future__ import annotations

import pytest

from tests.nginx_factory import HOST, fates, translate


@pytest.mark.parametrize("ann, key, fate, code", [
    ({"ssl-passthrough": "true"}, "ssl-passthrough", "blocked", "NGINX_SSL_PASSTHROUGH"),
    ({"proxy-cookie-domain": "internal example.com"}, "proxy-cookie-domain", "blocked", "NGINX_PROXY_COOKIE"),
    ({"custom-http-errors": "404,503"}, "custom-http-errors", "warned", "NGINX_ERROR_PAGES"),
    ({"default-backend": "errors"}, "default-backend", "warned", "NGINX_ERROR_PAGES"),
    ({"proxy-next-upstream-tries": "3"}, "proxy-next-upstream-tries", "warned", "NGINX_RETRIES"),
    ({"mirror-target": "https://copy.example.com$request_uri"}, "mirror-target", "warned", "NGINX_MIRROR"),
    ({"upstream-hash-by": "$request_uri"}, "upstream-hash-by", "warned", "NGINX_HASH_BY"),
    ({"connection-proxy-header": "keep-alive"}, "connection-proxy-header", "warned", "NGINX_REQUEST_HEADER_LOST"),
    ({"enable-access-log": "false"}, "enable-access-log", "noted", "NGINX_NO_EQUIVALENT"),
    ({"ssl-ciphers": "ALL"}, "ssl-ciphers", "noted", "NGINX_NO_EQUIVALENT"),
    ({"server-alias": "bad host!"}, "server-alias", "blocked", "NGINX_SERVER_ALIAS"),
    ({"made-up-thing": "1"}, "made-up-thing", "warned", "NGINX_UNKNOWN_ANNOTATION"),
])
def test_fates(ann, key, fate, code):
    tr = translate(ann)
    assert fates(tr)[key] == (fate, code)
    assert tr.migrates is (fate != "blocked")


def test_server_alias_routes_the_aliases_too():
    tr = translate({"server-alias": "Shop.example.net, store.example.com"}, tls=((HOST, "shop-tls"),))
    assert [(r["host"], r["https_only"]) for r in tr.routes] == [("shop.example.com", True), ("shop.example.net", True), ("store.example.com", True)]
    # the Secret covers the Ingress's own host; aliases get Google-managed certificates
    assert [(t.host, t.mode) for t in tr.tls] == [("shop.example.com", "secret"), ("shop.example.net", "google-managed"), ("store.example.com", "google-managed")]
