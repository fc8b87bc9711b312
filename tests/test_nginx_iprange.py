"""whitelist / allowlist / denylist source ranges → Cloud Armor ranges."""
from __future__ import annotations

import pytest

from planner.nginx.iprange import parse_ranges
from tests.nginx_factory import fates, translate


@pytest.mark.parametrize("raw, good, bad", [
    ("10.0.0.0/8, 192.168.1.1", ["10.0.0.0/8", "192.168.1.1/32"], []),
    ("10.1.2.3/8", ["10.0.0.0/8"], []),                # host bits dropped, as nginx does
    ("2001:db8::/32,10.0.0.0/8", ["10.0.0.0/8", "2001:db8::/32"], []),
    ("10.0.0.0/8, office", ["10.0.0.0/8"], ["office"]),
])
def test_parse_ranges(raw, good, bad):
    assert parse_ranges(raw) == (good, bad)


@pytest.mark.parametrize("key", ["whitelist-source-range", "allowlist-source-range"])
def test_allow_list_becomes_source_ranges(key):
    tr = translate({key: "10.0.0.0/8,203.0.113.7"})
    assert tr.migrates
    assert [p.policy["source_ranges"] for p in tr.policies] == [["10.0.0.0/8", "203.0.113.7/32"]]
    assert fates(tr)[key] == ("translated", "NGINX_SOURCE_RANGES")


def test_invalid_entry_blocks_never_drops_part_of_the_list():
    tr = translate({"whitelist-source-range": "10.0.0.0/8, office-vpn"})
    assert tr.decision == "keep"
    assert fates(tr)["whitelist-source-range"] == ("blocked", "NGINX_INVALID_SOURCE_RANGE")
    assert all("source_ranges" not in p.policy for p in tr.policies)


@pytest.mark.parametrize("supported, migrates", [(False, False), (True, True)])
def test_denylist_blocks_unless_the_core_renders_deny_rules(supported, migrates):
    tr = translate({"denylist-source-range": "198.51.100.0/24"}, deny_ranges_supported=supported)
    assert tr.migrates is migrates
    if supported:
        assert [p.policy["deny_ranges"] for p in tr.policies] == [["198.51.100.0/24"]]
    else:
        assert fates(tr)["denylist-source-range"] == ("blocked", "NGINX_DENYLIST")
