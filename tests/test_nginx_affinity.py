"""affinity: cookie → GENERATED_COOKIE with cookieTtlSec."""
from __future__ import annotations

import pytest

from tests.nginx_factory import fates, translate


@pytest.mark.parametrize("ann, ttl", [
    ({"affinity": "cookie"}, 0),                                              # browser-session cookie
    ({"affinity": "cookie", "session-cookie-max-age": "172800"}, 172800),
    ({"affinity": "cookie", "session-cookie-expires": "3600"}, 3600),
    ({"affinity": "cookie", "session-cookie-max-age": "120", "session-cookie-expires": "3600"}, 120),  # max-age first
    ({"affinity": "cookie", "session-cookie-max-age": "9999999"}, 1209600),  # capped at two weeks
])
def test_cookie_affinity(ann, ttl):
    tr = translate(ann)
    assert tr.migrates
    assert [(p.policy["session_affinity"], p.policy["cookie_ttl_sec"]) for p in tr.policies] == [("GENERATED_COOKIE", ttl)]


@pytest.mark.parametrize("ann, key, fate, code", [
    ({"affinity": "cookie", "session-cookie-name": "route"}, "session-cookie-name", "warned", "NGINX_AFFINITY_COOKIE"),
    ({"affinity": "cookie", "session-cookie-samesite": "Strict"}, "session-cookie-samesite", "warned", "NGINX_AFFINITY_COOKIE"),
    ({"affinity": "ip"}, "affinity", "blocked", "NGINX_AFFINITY"),
    ({"session-cookie-name": "x"}, "session-cookie-name", "noted", "NGINX_AFFINITY"),
])
def test_affinity_details(ann, key, fate, code):
    assert fates(translate(ann))[key] == (fate, code)
