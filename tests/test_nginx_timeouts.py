"""proxy-*-timeout → timeout_sec on the routes and the backend policy."""
from __future__ import annotations

import pytest

from tests.nginx_factory import fates, translate


@pytest.mark.parametrize("ann, timeout", [
    ({}, 60),                                                    # nginx's default, not Google's 30 s
    ({"proxy-read-timeout": "600"}, 600),
    ({"proxy-send-timeout": "120", "proxy-read-timeout": "90"}, 120),  # the larger of the two
    ({"proxy-read-timeout": "5m"}, 300),
    ({"proxy-read-timeout": "10"}, 60),                          # send keeps nginx's 60 s default
    ({"proxy-read-timeout": "soon"}, 60),                        # unreadable: default, warned
])
def test_backend_timeout(ann, timeout):
    tr = translate(ann)
    assert [r["timeout_sec"] for r in tr.routes] == [timeout]
    assert [p.policy["timeout_sec"] for p in tr.policies] == [timeout]


def test_bad_value_is_warned_and_connect_timeout_noted():
    f = fates(translate({"proxy-read-timeout": "soon", "proxy-connect-timeout": "5"}))
    assert f["proxy-read-timeout"] == ("warned", "NGINX_BAD_VALUE")
    assert f["proxy-connect-timeout"] == ("noted", "NGINX_NO_EQUIVALENT")
