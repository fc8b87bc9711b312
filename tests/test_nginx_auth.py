"""Authentication annotations always block, naming IAP; snippets and ModSecurity block."""
from __future__ import annotations

import pytest

from tests.nginx_factory import fates, translate


@pytest.mark.parametrize("ann, code", [
    ({"auth-url": "https://auth.example.com/verify"}, "NGINX_AUTH"),
    ({"auth-url": "https://a.example.com/", "auth-signin": "https://a.example.com/start"}, "NGINX_AUTH"),
    ({"auth-type": "basic", "auth-secret": "basic-auth", "auth-realm": "Authentication Required"}, "NGINX_AUTH"),
    ({"auth-tls-secret": "default/ca", "auth-tls-verify-client": "on"}, "NGINX_CLIENT_CERT_AUTH"),
])
def test_auth_blocks(ann, code):
    tr = translate(ann)
    assert tr.decision == "keep" and tr.reason[0] == "NGINX_UNTRANSLATABLE"
    assert {fates(tr)[k] for k in ann} == {("blocked", code)}
    if code == "NGINX_AUTH":
        assert "Identity-Aware Proxy" in tr.reason[1]


@pytest.mark.parametrize("key", ["configuration-snippet", "server-snippet", "stream-snippet", "auth-snippet", "modsecurity-snippet", "some-future-snippet"])
def test_every_snippet_blocks(key):
    tr = translate({key: 'more_set_headers "X: y";'})
    assert tr.decision == "keep"
    assert fates(tr)[key] == ("blocked", "NGINX_SNIPPET")


@pytest.mark.parametrize("ann, fate", [({"enable-modsecurity": "true"}, "blocked"), ({"enable-owasp-core-rules": "true"}, "blocked"), ({"enable-modsecurity": "false"}, "noted")])
def test_modsecurity(ann, fate):
    (key,) = ann
    assert fates(translate(ann))[key] == (fate, "NGINX_WAF")
