"""nginx_cost_inputs: Cloud Armor policies and rules, TLS hosts by mode."""
from __future__ import annotations

from decimal import Decimal

from planner.nginx.merge import translate_all
from planner.nginx.pricing import nginx_cost_inputs, rules_for
from tests.nginx_factory import HOST, backend, nginx_ingress


def test_rules_per_policy():
    assert rules_for({}) == 0
    assert rules_for({"source_ranges": ["10.0.0.0/8"]}) == 2               # 1 allow + default
    assert rules_for({"source_ranges": [f"10.0.{i}.0/24" for i in range(11)]}) == 3  # 10 ranges a rule
    assert rules_for({"source_ranges": ["10.0.0.0/8"], "deny_ranges": ["10.1.0.0/16"]}) == 3


def test_cost_inputs_count_migrating_translations_only():
    allow = nginx_ingress({"whitelist-source-range": ",".join(f"10.0.{i}.0/24" for i in range(12))}, name="a", tls=((HOST, "s"),))
    managed = nginx_ingress({"force-ssl-redirect": "true"}, name="b", rules=(("api.example.com", "/", "Prefix", "api", 80),))
    kept = nginx_ingress({"auth-url": "https://a.example.com/", "whitelist-source-range": "10.0.0.0/8"}, name="c", rules=(("x.example.com", "/", "Prefix", "x", 80),))
    trs = translate_all([allow, managed, kept], [backend(), backend("api"), backend("x")])
    got = nginx_cost_inputs(trs)
    # a: 12 ranges → 2 allow rules + 1 default = 3 rules in 1 policy; c is kept, so not counted
    assert (got.security_policies, got.security_rules) == (Decimal(1), Decimal(3))
    assert got.policies == (("c", "default", "web", 3),)
    assert (got.managed_certificate_hosts, got.secret_certificate_hosts) == (Decimal(1), Decimal(1))
    assert "not priced" in got.note
