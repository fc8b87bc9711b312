"""backend-protocol → backend_protocol / tls_only; proxy-ssl-* outcomes."""
from __future__ import annotations

import pytest

from tests.nginx_factory import fates, translate


@pytest.mark.parametrize("value, proto, tls", [
    ("HTTP", "HTTP", False), ("HTTPS", "HTTPS", True), ("GRPC", "H2C", False), ("GRPCS", "HTTP2", True), ("grpcs", "HTTP2", True), ("AUTO_HTTP", "HTTP", False),
])
def test_backend_protocol(value, proto, tls):
    tr = translate({"backend-protocol": value})
    assert tr.migrates
    assert [(p.policy["backend_protocol"], p.policy["tls_only"]) for p in tr.policies] == [(proto, tls)]


@pytest.mark.parametrize("ann, key, fate", [
    ({"backend-protocol": "FCGI"}, "backend-protocol", "blocked"),
    ({"proxy-ssl-verify": "on"}, "proxy-ssl-verify", "blocked"),
    ({"proxy-ssl-verify": "off"}, "proxy-ssl-verify", "noted"),
    ({"proxy-ssl-secret": "default/ca"}, "proxy-ssl-secret", "blocked"),
    ({"proxy-ssl-name": "svc.internal", "proxy-ssl-server-name": "on"}, "proxy-ssl-name", "warned"),
    ({"proxy-ssl-protocols": "TLSv1.3"}, "proxy-ssl-protocols", "noted"),
])
def test_backend_tls(ann, key, fate):
    tr = translate(ann)
    assert fates(tr)[key][0] == fate
    assert tr.migrates is (fate != "blocked")
