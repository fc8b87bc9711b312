"""Source ranges: whitelist-source-range / allowlist-source-range → ``policies.source_ranges``
(Cloud Armor: allow these, deny the rest); denylist-source-range → ``policies.deny_ranges``
(deny these) when the core renders deny rules, else blocked: dropping a denylist would widen
access. An invalid entry blocks (planner never drops part of an allow-list).

nginx applies the list to the Ingress's locations; on a GKE Gateway a Cloud Armor policy
attaches to the backend Service, so ``translate_all`` keeps Ingresses whose backends would get
conflicting lists.
"""
from __future__ import annotations

import ipaddress

from planner.nginx.base import BLOCKED, TRANSLATED, Ctx, Outcome, full, quoted, translator

ALLOW_KEYS = ("whitelist-source-range", "allowlist-source-range")
DENY_KEY = "denylist-source-range"


def parse_ranges(raw: str) -> tuple[list[str], list[str]]:
    """``"10.0.0.0/8, 192.168.1.1"`` → (sorted normalised CIDRs, invalid entries)."""
    good, bad = set(), []
    for part in raw.split(","):
        part = part.strip()
        if not part:
            continue
        try:
            good.add(str(ipaddress.ip_network(part, strict=False)))
        except ValueError:
            bad.append(part)
    return sorted(good), bad


@translator(*ALLOW_KEYS)
def allow_ranges(ctx: Ctx) -> list[Outcome]:
    """The allow-list (both spellings, merged) → ``source_ranges``."""
    keys = ctx.present(*ALLOW_KEYS)
    if not keys:
        return []
    ranges: set[str] = set()
    for key in keys:
        good, bad = parse_ranges(ctx.get(key) or "")
        if bad:
            return [Outcome(BLOCKED, keys, code="NGINX_INVALID_SOURCE_RANGE", message=f"{full(key)} entry {quoted(bad[0])} is not an IP range; planner never drops part of an allow-list")]
        ranges.update(good)
    if not ranges:
        return [Outcome(BLOCKED, keys, code="NGINX_INVALID_SOURCE_RANGE", message=f"{full(*keys)} lists no range")]
    listed = sorted(ranges)
    return [Outcome(TRANSLATED, keys, code="NGINX_SOURCE_RANGES", message=f"{full(*keys)} {', '.join(listed)} → Cloud Armor policy on the backend Services (allow these, deny the rest)", policy={"source_ranges": listed})]


@translator(DENY_KEY)
def deny_ranges(ctx: Ctx) -> list[Outcome]:
    """The denylist → ``deny_ranges`` (or blocked while the core does not render deny rules)."""
    raw = ctx.get(DENY_KEY)
    if raw is None:
        return []
    good, bad = parse_ranges(raw)
    if bad or not good:
        return [Outcome(BLOCKED, (DENY_KEY,), code="NGINX_INVALID_SOURCE_RANGE", message=f"{full(DENY_KEY)} entry {quoted(bad[0] if bad else raw)} is not an IP range; planner never drops part of a denylist")]
    if not ctx.deny_supported:
        return [Outcome(BLOCKED, (DENY_KEY,), code="NGINX_DENYLIST", message=f"{full(DENY_KEY)} {', '.join(good)}: this plan renders no Cloud Armor deny rules, and dropping the denylist would let those clients in")]
    return [Outcome(TRANSLATED, (DENY_KEY,), code="NGINX_SOURCE_RANGES", message=f"{full(DENY_KEY)} {', '.join(good)} → Cloud Armor deny rules on the backend Services", policy={"deny_ranges": good})]
