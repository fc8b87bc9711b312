"""Session affinity: ``affinity: cookie`` + session-cookie-* → GCPBackendPolicy
``sessionAffinity: {type: GENERATED_COOKIE, cookieTtlSec}``.

The load balancer names its own cookie (``GCLB``), so session-cookie-name and the cookie's
path / SameSite / domain settings are lost (a warn when set); the lifetime comes from
session-cookie-max-age (else -expires), 0 = a browser-session cookie as nginx's default, capped
at Google's two weeks.
"""
from __future__ import annotations

from planner.nginx.base import BLOCKED, NOTED, TRANSLATED, WARNED, Ctx, Outcome, full, quoted, seconds, translator

MAX_COOKIE_TTL_SEC = 1_209_600  # GCPBackendPolicy sessionAffinity.cookieTtlSec maximum
COOKIE_DETAIL = ("session-cookie-path", "session-cookie-samesite", "session-cookie-conditional-samesite-none", "session-cookie-domain", "session-cookie-secure", "session-cookie-change-on-failure", "affinity-mode", "affinity-canary-behavior", "session-cookie-partitioned")
KEYS = ("affinity", "session-cookie-name", "session-cookie-max-age", "session-cookie-expires", *COOKIE_DETAIL)


@translator(*KEYS)
def cookie_affinity(ctx: Ctx) -> list[Outcome]:
    """affinity: cookie → GENERATED_COOKIE with the cookie's lifetime."""
    keys = ctx.present(*KEYS)
    if not keys:
        return []
    kind = (ctx.get("affinity") or "").lower()
    if kind != "cookie":
        if "affinity" not in ctx.ann:
            return [Outcome(NOTED, keys, code="NGINX_AFFINITY", message=f"{full(*keys)} without affinity: cookie: nginx ignores them")]
        return [Outcome(BLOCKED, keys, code="NGINX_AFFINITY", message=f"{full('affinity')} {quoted(ctx.get('affinity') or '')}: nginx knows only cookie affinity; planner cannot tell what is meant")]
    out: list[Outcome] = []
    ttl = 0
    for key in ("session-cookie-max-age", "session-cookie-expires"):
        if key in ctx.ann:
            v = seconds(ctx.get(key))
            if v is None:
                out.append(Outcome(WARNED, (key,), code="NGINX_BAD_VALUE", message=f"{full(key)} {quoted(ctx.get(key) or '')} is not a number of seconds; a browser-session cookie is used"))
                continue
            ttl = v
            break
    if ttl > MAX_COOKIE_TTL_SEC:
        out.append(Outcome(WARNED, ("session-cookie-max-age",), code="NGINX_AFFINITY", message=f"cookie lifetime {ttl}s is above Google's maximum; capped at {MAX_COOKIE_TTL_SEC}s (two weeks)"))
        ttl = MAX_COOKIE_TTL_SEC
    used = tuple(k for k in ("affinity", "session-cookie-max-age", "session-cookie-expires") if k in ctx.ann)
    life = f"{ttl}s" if ttl else "the browser session"
    out.append(Outcome(TRANSLATED, used, code="NGINX_AFFINITY", message=f"{full(*used)}: cookie → GENERATED_COOKIE session affinity for {life}", policy={"session_affinity": "GENERATED_COOKIE", "cookie_ttl_sec": ttl}))
    if "session-cookie-name" in ctx.ann:
        out.append(Outcome(WARNED, ("session-cookie-name",), code="NGINX_AFFINITY_COOKIE", message=f"{full('session-cookie-name')} {quoted(ctx.get('session-cookie-name') or '')}: the load balancer's cookie is named GCLB; clients or apps reading the old cookie lose it"))
    detail = ctx.present(*COOKIE_DETAIL)
    if detail:
        out.append(Outcome(WARNED, detail, code="NGINX_AFFINITY_COOKIE", message=f"{full(*detail)}: the load balancer's cookie attributes are not configurable; these settings are lost"))
    return out
