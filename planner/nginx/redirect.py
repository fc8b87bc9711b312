"""Redirects: HTTP→HTTPS (ssl-redirect, force-ssl-redirect), permanent-redirect / temporal-redirect
(→ a RequestRedirect rule), app-root (→ an Exact ``/`` redirect), from-to-www-redirect,
proxy-redirect-from/to (Location rewriting: blocked).

nginx's default: a host with TLS configured redirects HTTP to HTTPS (308) unless
``ssl-redirect: "false"``; ``translate.py`` sets ``https_only`` per TLS host, these translators
override it for the whole Ingress.
"""
from __future__ import annotations

from urllib.parse import urlsplit

from planner.nginx.base import BLOCKED, NOTED, TRANSLATED, Ctx, Outcome, full, quoted, translator

PERMANENT_CODES = (301, 302, 303, 307, 308)
TEMPORAL_CODES = (301, 302, 303, 307)


@translator("ssl-redirect", "force-ssl-redirect")
def ssl_redirect(ctx: Ctx) -> list[Outcome]:
    """``force-ssl-redirect: "true"`` → every host HTTPS-only (even without spec.tls: the Gateway
    then needs a certificate for it); ``ssl-redirect: "false"`` → HTTP served too."""
    keys = ctx.present("ssl-redirect", "force-ssl-redirect")
    if not keys:
        return []
    if ctx.true("force-ssl-redirect"):
        return [Outcome(TRANSLATED, keys, code="NGINX_SSL_REDIRECT", message=f"{full('force-ssl-redirect')}: every host of the Ingress is HTTPS-only; its HTTP requests are redirected to HTTPS (routes with https_only)", route={"https_only": True})]
    if ctx.false("ssl-redirect"):
        return [Outcome(TRANSLATED, keys, code="NGINX_SSL_REDIRECT", message=f"{full('ssl-redirect')} \"false\": plain HTTP is served on every host, as nginx does (routes on the HTTP listener too)", route={"https_only": False})]
    return [Outcome(NOTED, keys, code="NGINX_SSL_REDIRECT", message=f"{full(*keys)} keep nginx's default: hosts with TLS redirect HTTP to HTTPS")]


def _redirect_target(url: str) -> dict | None:
    """``https://host/path`` → RequestRedirect fields, None when the URL is not expressible
    (relative, nginx variables, a port, a query)."""
    if "$" in url:
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.port or parts.query or parts.fragment:
        return None
    # nginx `return 30x <url>` sends the URL as written: no request path is appended, so an
    # empty path is "/" (a RequestRedirect without a path would keep the request's path)
    return {"scheme": parts.scheme, "hostname": parts.hostname, "path": parts.path or "/"}


def _code(raw: str | None, default: int, allowed: tuple[int, ...]) -> int:
    return int(raw) if raw and raw.isdigit() and int(raw) in allowed else default


@translator("permanent-redirect", "permanent-redirect-code", "temporal-redirect", "temporal-redirect-code")
def url_redirect(ctx: Ctx) -> list[Outcome]:
    """permanent-redirect (301, or permanent-redirect-code) / temporal-redirect (302, or
    temporal-redirect-code; it wins over permanent) → every rule is a RequestRedirect."""
    keys = ctx.present("permanent-redirect", "permanent-redirect-code", "temporal-redirect", "temporal-redirect-code")
    if not keys:
        return []
    if ctx.get("temporal-redirect"):
        url, code = ctx.get("temporal-redirect"), _code(ctx.get("temporal-redirect-code"), 302, TEMPORAL_CODES)
        which = "temporal-redirect"
    elif ctx.get("permanent-redirect"):
        url, code = ctx.get("permanent-redirect"), _code(ctx.get("permanent-redirect-code"), 301, PERMANENT_CODES)
        which = "permanent-redirect"
    else:
        return [Outcome(NOTED, keys, code="NGINX_REDIRECT", message=f"{full(*keys)} without a redirect URL: nginx ignores it")]
    target = _redirect_target(url or "")
    if target is None:
        return [Outcome(BLOCKED, keys, code="NGINX_REDIRECT_UNSUPPORTED", message=f"{full(which)} {quoted(url or '')} is not an absolute http(s) URL without variables, port or query; a RequestRedirect cannot say it")]
    return [Outcome(TRANSLATED, keys, code="NGINX_REDIRECT", message=f"{full(which)} → RequestRedirect {code} to {target['scheme']}://{target['hostname']}{target['path']} (no backend)", route={"redirect": {**target, "status_code": code}})]


@translator("app-root")
def app_root(ctx: Ctx) -> list[Outcome]:
    """app-root → an Exact ``/`` rule redirecting (302) to the app root; other paths unchanged."""
    root = ctx.get("app-root")
    if root is None:
        return []
    if not root.startswith("/") or "$" in root or "?" in root or " " in root:
        return [Outcome(BLOCKED, ("app-root",), code="NGINX_REDIRECT_UNSUPPORTED", message=f"{full('app-root')} {quoted(root)} is not a plain absolute path; a RequestRedirect cannot say it")]
    return [Outcome(TRANSLATED, ("app-root",), code="NGINX_APP_ROOT", message=f"{full('app-root')} → requests for exactly / are redirected (302) to {root}", extra_routes=({"path": "/", "path_type": "Exact", "redirect": {"path": root, "status_code": 302}},))]


@translator("from-to-www-redirect")
def www_redirect(ctx: Ctx) -> list[Outcome]:
    """from-to-www-redirect → for each host, a route on its www./bare twin redirecting (308) to it."""
    if "from-to-www-redirect" not in ctx.ann:
        return []
    if not ctx.true("from-to-www-redirect"):
        return [Outcome(NOTED, ("from-to-www-redirect",), code="NGINX_WWW_REDIRECT", message=f"{full('from-to-www-redirect')} is off")]
    hosts = sorted({p.host for p in ctx.ing.paths if p.host})
    if any(h.startswith("*") for h in hosts):
        return [Outcome(BLOCKED, ("from-to-www-redirect",), code="NGINX_WWW_REDIRECT", message=f"{full('from-to-www-redirect')} on a wildcard host: no www twin to route")]
    extra = tuple({"host": h[4:] if h.startswith("www.") else "www." + h, "path": "/", "path_type": "PathPrefix", "redirect": {"hostname": h, "status_code": 308}} for h in hosts)
    twins = ", ".join(r["host"] for r in extra)
    return [Outcome(TRANSLATED, ("from-to-www-redirect",), code="NGINX_WWW_REDIRECT", message=f"{full('from-to-www-redirect')} → {twins} redirect (308) to their twin host; point their DNS at the Gateway too", extra_routes=extra)]


@translator("proxy-redirect-from", "proxy-redirect-to")
def proxy_redirect(ctx: Ctx) -> list[Outcome]:
    """proxy-redirect-from/to rewrite the backend's Location headers; an HTTPRoute cannot."""
    keys = ctx.present("proxy-redirect-from", "proxy-redirect-to")
    if not keys:
        return []
    return [Outcome(BLOCKED, keys, code="NGINX_PROXY_REDIRECT", message=f"{full(*keys)} rewrite the Location header of the backend's redirects; an HTTPRoute cannot, and clients would follow the backend's own URLs")]
