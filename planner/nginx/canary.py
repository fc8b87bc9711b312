"""Canary: ``canary: "true"`` Ingresses merge into their primary's rule (same host, path and
path type): canary-weight (of canary-weight-total, default 100) → weighted ``backends``;
canary-by-header (+ -value) → a route with an exact header match to the canary. nginx's
header semantics: without -value, ``always`` sends to the canary and ``never`` to the primary.
canary-by-header-pattern (a regex) and canary-by-cookie → blocked. The merge itself is
``translate.merge_canaries``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from planner.nginx.base import BLOCKED, NOTED, TRANSLATED, Ctx, Outcome, full, quoted, translator

KEYS = ("canary", "canary-weight", "canary-weight-total", "canary-by-header", "canary-by-header-value", "canary-by-header-pattern", "canary-by-cookie")
HEADER_NAME = re.compile(r"^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,256}$")


@dataclass(frozen=True)
class CanarySpec:
    """How a canary Ingress takes traffic: ``weight`` of ``total``, and/or a header match."""

    weight: int = 0
    total: int = 100
    header: str | None = None
    header_value: str | None = None  # None: nginx's always / never


def is_canary(ctx: Ctx) -> bool:
    return ctx.true("canary")


def canary_spec(ctx: Ctx) -> CanarySpec:
    """The canary's weights and header (call after :func:`canary` found nothing blocking)."""
    weight = int(ctx.get("canary-weight") or 0) if (ctx.get("canary-weight") or "0").isdigit() else 0
    total = int(ctx.get("canary-weight-total") or 100) if (ctx.get("canary-weight-total") or "100").isdigit() else 100
    return CanarySpec(weight=min(weight, total), total=total or 100, header=ctx.get("canary-by-header") or None, header_value=ctx.get("canary-by-header-value") or None)


@translator(*KEYS)
def canary(ctx: Ctx) -> list[Outcome]:
    """canary + canary-weight / canary-by-header → merged into the primary; pattern / cookie block."""
    keys = ctx.present(*KEYS)
    if not keys:
        return []
    if not is_canary(ctx):
        return [Outcome(NOTED, keys, code="NGINX_CANARY", message=f"{full(*keys)} without canary: \"true\": nginx ignores them")]
    blocked = ctx.present("canary-by-header-pattern", "canary-by-cookie")
    if blocked:
        return [Outcome(BLOCKED, blocked, code="NGINX_CANARY_UNSUPPORTED", message=f"{full(*blocked)}: a regex header match / cookie-based canary is not in the plan's routes; the canary's testers would lose it")]
    header = ctx.get("canary-by-header")
    if header is not None and not HEADER_NAME.match(header):
        return [Outcome(BLOCKED, ("canary-by-header",), code="NGINX_CANARY_UNSUPPORTED", message=f"{full('canary-by-header')} {quoted(header)} is not a header name")]
    spec = canary_spec(ctx)
    how = []
    if spec.weight:
        how.append(f"{spec.weight} of {spec.total} of the primary's requests")
    if spec.header:
        how.append(f"requests with header {spec.header}: {spec.header_value}" if spec.header_value else f"requests with header {spec.header}: always")
    return [Outcome(TRANSLATED, keys, code="NGINX_CANARY", message=f"{full(*keys)}: canary Ingress merged into its primary's rule: {'; '.join(how) or 'no traffic (weight 0, no header)'} go to its backend")]
