"""Snippets (configuration-snippet, server-snippet, stream-snippet, auth-snippet, any
``*-snippet``) and ModSecurity → blocked, never translated: they are raw nginx configuration
(or a WAF) with no Gateway equivalent, and guessing would change behaviour or drop protection.
"""
from __future__ import annotations

from planner.nginx.base import BLOCKED, NOTED, Ctx, Outcome, full, translator

WAF = ("enable-modsecurity", "enable-owasp-core-rules", "modsecurity-transaction-id")


@translator(suffix="-snippet")
def snippets(ctx: Ctx) -> list[Outcome]:
    """Every ``*-snippet`` annotation → blocked."""
    keys = tuple(sorted(k for k in ctx.ann if k.endswith("-snippet")))
    if not keys:
        return []
    return [Outcome(BLOCKED, keys, code="NGINX_SNIPPET", message=f"{full(*keys)}: raw nginx configuration; planner never translates it (its effect is unknown), rewrite it as Gateway / Cloud Armor configuration by hand")]


@translator(*WAF)
def modsecurity(ctx: Ctx) -> list[Outcome]:
    """ModSecurity on → blocked (Cloud Armor preconfigured WAF rules are the way); off → noted."""
    keys = ctx.present(*WAF)
    if not keys:
        return []
    if not (ctx.true("enable-modsecurity") or ctx.true("enable-owasp-core-rules")):
        return [Outcome(NOTED, keys, code="NGINX_WAF", message=f"{full(*keys)}: ModSecurity is off for this Ingress")]
    return [Outcome(BLOCKED, keys, code="NGINX_WAF", message=f"{full(*keys)}: ModSecurity filters requests today; moved as is the filtering would stop. Use Cloud Armor preconfigured WAF rules (OWASP CRS), then move it by hand")]
