"""The translator registry: every annotation ingress2gateway's ingress-nginx provider parses is
owned here; every translator is documented, returns nothing when its annotations are absent,
and every note it emits names its annotations."""
from __future__ import annotations

import pytest

from planner.nginx.base import PREFIX, REGISTRY, Ctx
from planner.nginx.translate import run_translators
from tests.nginx_factory import nginx_ingress

#: kubernetes-sigs/ingress2gateway pkg/i2gw/providers/ingressnginx/annotations.go
#: (parsedAnnotations) @ 89ab0cddae84ceee77b42389cdc8dcdcd8cb08c6, suffixes only
INGRESS2GATEWAY = (
    "canary", "canary-weight", "canary-weight-total", "canary-by-header", "canary-by-header-value", "canary-by-header-pattern",
    "canary-by-cookie", "rewrite-target", "app-root", "permanent-redirect", "permanent-redirect-code", "temporal-redirect",
    "temporal-redirect-code", "proxy-redirect-from", "proxy-redirect-to", "x-forwarded-prefix", "upstream-vhost",
    "connection-proxy-header", "custom-headers", "proxy-connect-timeout", "proxy-send-timeout", "proxy-read-timeout",
    "proxy-body-size", "client-body-buffer-size", "backend-protocol", "use-regex", "ssl-redirect", "enable-cors",
    "cors-allow-origin", "cors-allow-headers", "cors-allow-methods", "cors-allow-credentials", "cors-expose-headers",
    "cors-max-age", "whitelist-source-range", "denylist-source-range", "proxy-ssl-verify", "proxy-ssl-secret", "proxy-ssl-name",
    "proxy-ssl-server-name", "proxy-ssl-verify-depth", "proxy-ssl-protocols", "affinity", "session-cookie-expires",
    "ssl-passthrough", "from-to-www-redirect", "server-alias",
)
#: named in planner's brief beyond those
BRIEF = ("force-ssl-redirect", "allowlist-source-range", "session-cookie-name", "session-cookie-max-age", "limit-rps", "limit-connections",
         "auth-url", "auth-signin", "auth-type", "auth-secret", "configuration-snippet", "server-snippet", "default-backend", "custom-http-errors")


@pytest.mark.parametrize("key", INGRESS2GATEWAY + BRIEF)
def test_annotation_is_owned_by_a_translator(key):
    owners = [t.name for t in REGISTRY if t.owns(key)]
    assert owners, key


def test_translators_are_named_documented_and_quiet_when_unused():
    assert len({t.name for t in REGISTRY}) == len(REGISTRY) >= 30
    ctx = Ctx(nginx_ingress(), {})
    for t in REGISTRY:
        assert t.fn.__doc__, t.name
        if t.name != "proxy_timeouts":  # the one that always speaks: nginx's 60 s default timeout
            assert t.fn(ctx) == [], t.name


@pytest.mark.parametrize("key", INGRESS2GATEWAY + BRIEF)
def test_every_outcome_names_its_annotation(key):
    ctx = Ctx(nginx_ingress({key: "true"}), {key: "true"})
    hits = [o for o in run_translators(ctx) if key in o.annotations]
    assert hits, key
    assert all(PREFIX + key in o.message for o in hits), key
