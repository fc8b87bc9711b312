"""Timeouts: proxy-read-timeout / proxy-send-timeout / proxy-connect-timeout → ``timeout_sec``.

nginx's timeouts bound the gap between two reads/writes (default 60 s); a Google Cloud
backend service timeout bounds the whole response (default 30 s). The plan therefore sets
the backend timeout to the larger of read and send (or nginx's 60 s default, so moving does
not cut responses that take 30-60 s today) and says a streamed response longer than that is
now cut. The connect timeout has no equivalent (Google's is fixed).
"""
from __future__ import annotations

from planner.nginx.base import NOTED, TRANSLATED, WARNED, Ctx, Outcome, full, quoted, seconds, translator

NGINX_DEFAULT_TIMEOUT_SEC = 60
KEYS = ("proxy-read-timeout", "proxy-send-timeout", "proxy-connect-timeout")


@translator(*KEYS)
def proxy_timeouts(ctx: Ctx) -> list[Outcome]:
    """The backend timeout: max(read, send), nginx's 60 s where unset or unreadable."""
    out: list[Outcome] = []
    values: dict[str, int] = {}
    for key in ctx.present(*KEYS):
        v = seconds(ctx.get(key))
        if v is None or v == 0:
            out.append(Outcome(WARNED, (key,), code="NGINX_BAD_VALUE", message=f"{full(key)} {quoted(ctx.get(key) or '')} is not a number of seconds; nginx's default ({NGINX_DEFAULT_TIMEOUT_SEC}s) is assumed"))
        else:
            values[key] = v
    timeout = max([values.get("proxy-read-timeout", NGINX_DEFAULT_TIMEOUT_SEC), values.get("proxy-send-timeout", NGINX_DEFAULT_TIMEOUT_SEC)])
    effect = {"timeout_sec": timeout}
    used = tuple(k for k in ("proxy-read-timeout", "proxy-send-timeout") if k in values)
    if used:
        out.append(Outcome(TRANSLATED, used, code="NGINX_TIMEOUT", message=f"{full(*used)} → backend timeout {timeout}s (Google's timeout bounds the whole response, nginx's the gap between reads: a response streamed for longer than {timeout}s is now cut)", route=effect, policy=effect))
    else:
        out.append(Outcome(NOTED, (), code="NGINX_TIMEOUT_DEFAULT", message=f"backend timeout {timeout}s, nginx's default read timeout (Google's default of 30s would cut slower responses)", route=effect, policy=effect))
    if "proxy-connect-timeout" in values:
        out.append(Outcome(NOTED, ("proxy-connect-timeout",), code="NGINX_NO_EQUIVALENT", message=f"{full('proxy-connect-timeout')} {values['proxy-connect-timeout']}s: the load balancer's connect timeout is not configurable"))
    return out
