"""Body size, rate limits and buffers: warned / noted, naming the nearest Google setting."""
from __future__ import annotations

import pytest

from tests.nginx_factory import codes, fates, translate


@pytest.mark.parametrize("ann, key, fate, code", [
    ({"proxy-body-size": "8m"}, "proxy-body-size", "warned", "NGINX_BODY_SIZE"),
    ({"proxy-body-size": "0"}, "proxy-body-size", "noted", "NGINX_BODY_SIZE"),
    ({"limit-rps": "10"}, "limit-rps", "warned", "NGINX_RATE_LIMIT"),
    ({"limit-connections": "5", "limit-burst-multiplier": "3"}, "limit-connections", "warned", "NGINX_RATE_LIMIT"),
    ({"proxy-buffering": "on"}, "proxy-buffering", "noted", "NGINX_NO_EQUIVALENT"),
    ({"client-body-buffer-size": "1m"}, "client-body-buffer-size", "noted", "NGINX_NO_EQUIVALENT"),
])
def test_limits(ann, key, fate, code):
    tr = translate(ann)
    assert tr.migrates
    assert fates(tr)[key] == (fate, code)


def test_rate_limit_names_cloud_armor_rate_based_rules():
    tr = translate({"limit-rpm": "600"})
    msg = next(n.message for n in tr.notes if n.code == "NGINX_RATE_LIMIT")
    assert "Cloud Armor rate-based rule" in msg and "NGINX_RATE_LIMIT" in codes(tr, "warn")
