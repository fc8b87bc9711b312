"""What the core needs to price "after" for the nginx Ingresses that move (pure; no rates here).

Per backend Service with source ranges: one Cloud Armor security policy (as the program
renders it: one policy per Service), whose rules are the allow ranges in chunks of 10 (a basic
match holds at most 10 ranges), the deny ranges likewise, plus the default rule. TLS hosts by
mode: Google-managed certificates (Certificate Manager) and kept Secrets (free). The
controller's own Pods are not priced (cluster compute, not a load-balancer charge); retiring
the controller's load balancer is priced by the core as any retired Service.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Iterable

ARMOR_RANGES_PER_RULE = 10
CONTROLLER_COMPUTE_NOTE = "ingress-nginx controller Pods (their CPU and memory) are cluster compute, not priced here; retiring the controller frees them"


@dataclass(frozen=True)
class NginxCostInputs:
    """Quantities for the core's cost components (``cloud_armor_policy``, ``cloud_armor_rule``,
    ``certificate``)."""

    security_policies: Decimal
    security_rules: Decimal  # default rule included
    managed_certificate_hosts: Decimal
    secret_certificate_hosts: Decimal
    policies: tuple[tuple[str, str, str, int], ...]  # (cluster, namespace, service, rules)
    note: str = CONTROLLER_COMPUTE_NOTE


def _chunks(n: int) -> int:
    return -(-n // ARMOR_RANGES_PER_RULE)


def rules_for(policy: dict) -> int:
    """Rules of one Service's Cloud Armor policy: allow chunks + deny chunks + the default rule."""
    allow, deny = len(policy.get("source_ranges") or ()), len(policy.get("deny_ranges") or ())
    return _chunks(allow) + _chunks(deny) + 1 if allow or deny else 0


def nginx_cost_inputs(translations: Iterable) -> NginxCostInputs:
    """Counts over the migrating translations; a backend shared by several Ingresses counts once."""
    per_service: dict[tuple[str, str, str], int] = {}
    managed: set[str] = set()
    secret: set[str] = set()
    for t in translations:
        if not t.migrates:
            continue
        for p in t.policies:
            rules = rules_for(dict(p.policy))
            if rules:
                per_service[(t.key[0], p.namespace, p.service)] = rules
        for h in t.tls:
            (managed if h.mode == "google-managed" else secret).add(f"{t.key[0]}/{h.host}")
    rows = tuple(sorted((*k, r) for k, r in per_service.items()))
    return NginxCostInputs(Decimal(len(rows)), Decimal(sum(r[3] for r in rows)), Decimal(len(managed)), Decimal(len(secret)), rows)
