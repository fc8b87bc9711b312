"""Limits: body size, rate and connection limits → warned, naming the nearest Google Cloud
setting (Cloud Armor rate-based rules ``throttle`` / ``rate_based_ban``), since a Gateway
enforces none of them. Nothing here widens access, but clients nginx turned away now reach the
backend.
"""
from __future__ import annotations

from planner.nginx.base import NOTED, WARNED, Ctx, Outcome, full, quoted, translator

RATE = ("limit-rps", "limit-rpm", "limit-connections", "limit-burst-multiplier", "limit-rate", "limit-rate-after", "limit-whitelist", "limit-allowlist", "global-rate-limit", "global-rate-limit-window", "global-rate-limit-key", "global-rate-limit-ignored-cidrs")
BUFFERS = ("client-body-buffer-size", "proxy-buffering", "proxy-buffer-size", "proxy-buffers-number", "proxy-request-buffering", "proxy-max-temp-file-size", "proxy-http-version")


@translator("proxy-body-size")
def body_size(ctx: Ctx) -> list[Outcome]:
    """proxy-body-size → warned: Google's load balancer sets no request-body limit."""
    value = ctx.get("proxy-body-size")
    if value is None:
        return []
    if value in ("0", "0m", "0k"):
        return [Outcome(NOTED, ("proxy-body-size",), code="NGINX_BODY_SIZE", message=f"{full('proxy-body-size')} {quoted(value)}: no limit, as on Google's load balancer")]
    return [Outcome(WARNED, ("proxy-body-size",), code="NGINX_BODY_SIZE", message=f"{full('proxy-body-size')} {quoted(value)}: Google's load balancer sets no request-body limit, so larger requests now reach the backend; enforce the limit in the backend (Cloud Armor inspects only the first part of a body)")]


@translator(*RATE)
def rate_limits(ctx: Ctx) -> list[Outcome]:
    """limit-rps / limit-rpm / limit-connections … → warned, naming Cloud Armor rate-based rules."""
    keys = ctx.present(*RATE)
    if not keys:
        return []
    return [Outcome(WARNED, keys, code="NGINX_RATE_LIMIT", message=f"{full(*keys)}: nginx limits requests/connections per client today; the Gateway does not. The nearest is a Cloud Armor rate-based rule (throttle or rate_based_ban, priced per rule) on the backend's security policy")]


@translator(*BUFFERS)
def buffers(ctx: Ctx) -> list[Outcome]:
    """Buffering knobs → noted (Google's proxies buffer as they do; not configurable)."""
    keys = ctx.present(*BUFFERS)
    if not keys:
        return []
    return [Outcome(NOTED, keys, code="NGINX_NO_EQUIVALENT", message=f"{full(*keys)}: proxy buffering is Google's own and not configurable")]
