"""Path rewriting and regex paths: rewrite-target, use-regex, x-forwarded-prefix, upstream-vhost.

nginx's ``rewrite-target`` replaces the WHOLE request path: ingress-nginx renders
``rewrite "(?i)<path>" <target> break;`` and since 0.22 only what a capture group keeps
(``/$2``) survives (ingress2gateway likewise emits ``ReplaceFullPath``). The plan's ``rewrite``
is a prefix rewrite (``ReplacePrefixMatch``), which keeps the rest of the path, so neither form
of rewrite-target can be carried without changing what the backend receives: both block.
"""
from __future__ import annotations

import re

from planner.nginx.base import BLOCKED, NOTED, TRANSLATED, WARNED, Ctx, Outcome, full, quoted, translator

CAPTURE = re.compile(r"\$\d|\$\{\d+\}")


@translator("rewrite-target")
def rewrite_target(ctx: Ctx) -> list[Outcome]:
    """rewrite-target → blocked (capture groups: a regex rewrite; plain: a full-path rewrite)."""
    target = ctx.get("rewrite-target")
    if target is None:
        return []
    if CAPTURE.search(target):
        return [Outcome(BLOCKED, ("rewrite-target",), code="NGINX_REWRITE_CAPTURE", message=f"{full('rewrite-target')} {quoted(target)} uses regex capture groups; an HTTPRoute rewrite cannot reference them")]
    example = ctx.ing.paths[0].path.rstrip("/") + "/x" if ctx.ing.paths else "/x"
    return [Outcome(BLOCKED, ("rewrite-target",), code="NGINX_REWRITE_FULL_PATH", message=f"{full('rewrite-target')} {quoted(target)} replaces the whole path (nginx sends {example} to the backend as {target}); a prefix rewrite would keep the rest of the path, so the backend would see other URLs")]


@translator("use-regex")
def use_regex(ctx: Ctx) -> list[Outcome]:
    """use-regex: "true" → blocked (regex paths are not expressible on a GKE Gateway); nginx
    applies it to every path of the host, whichever Ingress defines it (see translate_all)."""
    if "use-regex" not in ctx.ann:
        return []
    if not ctx.true("use-regex"):
        return [Outcome(NOTED, ("use-regex",), code="NGINX_REGEX_PATH", message=f"{full('use-regex')} is off: paths are matched as written")]
    return [Outcome(BLOCKED, ("use-regex",), code="NGINX_REGEX_PATH", message=f"{full('use-regex')}: paths are case-insensitive regular expressions; a GKE Gateway matches paths by prefix or exactly, so the routes would match other requests")]


@translator("x-forwarded-prefix")
def forwarded_prefix(ctx: Ctx) -> list[Outcome]:
    """x-forwarded-prefix adds a request header; the plan carries no request header changes."""
    value = ctx.get("x-forwarded-prefix")
    if value is None:
        return []
    return [Outcome(WARNED, ("x-forwarded-prefix",), code="NGINX_REQUEST_HEADER_LOST", message=f"{full('x-forwarded-prefix')} {quoted(value)}: the X-Forwarded-Prefix request header is no longer added; check the backend does not build links from it")]


@translator("upstream-vhost")
def upstream_vhost(ctx: Ctx) -> list[Outcome]:
    """upstream-vhost rewrites the Host header the backend sees → blocked (not in the plan)."""
    value = ctx.get("upstream-vhost")
    if value is None:
        return []
    return [Outcome(BLOCKED, ("upstream-vhost",), code="NGINX_UPSTREAM_VHOST", message=f"{full('upstream-vhost')} {quoted(value)}: the backend expects that Host header; the plan's routes do not rewrite it, so a virtual-hosted backend would answer for another site")]


@translator("preserve-trailing-slash")
def trailing_slash(ctx: Ctx) -> list[Outcome]:
    """preserve-trailing-slash only matters with ssl redirects; the Gateway keeps the path."""
    if "preserve-trailing-slash" not in ctx.ann:
        return []
    return [Outcome(TRANSLATED, ("preserve-trailing-slash",), code="NGINX_NO_EQUIVALENT", message=f"{full('preserve-trailing-slash')}: the Gateway's HTTPS redirect keeps the path as requested")]
