"""CORS: enable-cors + cors-* → ``response_headers`` (``{"set": {...}}``) where one static value
says it; nginx's own preflight answer is lost (a warn).

nginx answers a CORS preflight (``OPTIONS``) itself with 204 and these headers; behind the
Gateway the OPTIONS request reaches the backend, which must answer it. Several allowed origins
are matched against the request's Origin by nginx; a static header cannot, so that blocks.
"""
from __future__ import annotations

from planner.nginx.base import BLOCKED, NOTED, TRANSLATED, WARNED, Ctx, Outcome, full, quoted, translator

DEFAULTS = {
    "cors-allow-origin": "*",
    "cors-allow-methods": "GET, PUT, POST, DELETE, PATCH, OPTIONS",
    "cors-allow-headers": "DNT,Keep-Alive,User-Agent,X-Requested-With,If-Modified-Since,Cache-Control,Content-Type,Range,Authorization",
    "cors-allow-credentials": "true",
    "cors-max-age": "1728000",
}
HEADER = {
    "cors-allow-origin": "Access-Control-Allow-Origin",
    "cors-allow-methods": "Access-Control-Allow-Methods",
    "cors-allow-headers": "Access-Control-Allow-Headers",
    "cors-allow-credentials": "Access-Control-Allow-Credentials",
    "cors-expose-headers": "Access-Control-Expose-Headers",
    "cors-max-age": "Access-Control-Max-Age",
}
KEYS = ("enable-cors", *HEADER)


def _clean(value: str) -> str | None:
    """A header value with no control characters (never injected), or None."""
    return value if value and all(31 < ord(c) < 127 for c in value) else None


@translator(*KEYS)
def cors(ctx: Ctx) -> list[Outcome]:
    """enable-cors: "true" → Access-Control-* response headers (nginx's defaults where unset)."""
    keys = ctx.present(*KEYS)
    if not keys:
        return []
    if not ctx.true("enable-cors"):
        return [Outcome(NOTED, keys, code="NGINX_CORS", message=f"{full(*keys)} without enable-cors: \"true\": nginx adds no CORS headers")]
    origins = [o.strip() for o in (ctx.get("cors-allow-origin") or DEFAULTS["cors-allow-origin"]).split(",") if o.strip()]
    if len(origins) != 1:
        return [Outcome(BLOCKED, keys, code="NGINX_CORS", message=f"{full('cors-allow-origin')} lists {len(origins)} origins; nginx answers each with its own, one static header cannot (\"*\" would let every site in)")]
    values = {k: ctx.get(k) or DEFAULTS.get(k) for k in HEADER}
    values["cors-allow-origin"] = origins[0]
    headers: dict[str, str] = {}
    for key, name in HEADER.items():
        v = values.get(key)
        if not v:
            continue
        if _clean(v) is None:
            return [Outcome(BLOCKED, keys, code="NGINX_CORS", message=f"{full(key)} {quoted(v)} is not a plain header value")]
        headers[name] = v
    return [
        Outcome(TRANSLATED, keys, code="NGINX_CORS", message=f"{full(*keys)} → response headers {', '.join(sorted(headers))}", route={"response_headers": {"set": dict(sorted(headers.items()))}}),
        Outcome(WARNED, ("enable-cors",), code="NGINX_CORS_PREFLIGHT", message=f"{full('enable-cors')}: nginx answers CORS preflight requests (OPTIONS) itself; behind the Gateway they reach the backend, which must answer them with 2xx"),
    ]
