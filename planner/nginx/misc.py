"""The other ingress-nginx annotations: server-alias (translated: more hostnames),
ssl-passthrough and proxy-cookie-* (blocked), error pages, retries, mirroring, hashing and
header knobs (warned), logging / tracing / cipher settings (noted: no equivalent needed).
"""
from __future__ import annotations

import re

from planner.nginx.base import BLOCKED, NOTED, TRANSLATED, WARNED, Ctx, Outcome, full, quoted, translator

HOSTNAME = re.compile(r"^(\*\.)?([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
OBSERVABILITY = ("enable-access-log", "enable-rewrite-log", "enable-opentelemetry", "opentelemetry-trust-incoming-span", "opentelemetry-operation-name", "enable-opentracing", "opentracing-trust-incoming-span", "enable-influxdb", "influxdb-measurement", "influxdb-port", "influxdb-host", "influxdb-server-name")
TLS_FRONT = ("ssl-ciphers", "ssl-prefer-server-ciphers")
NOT_NEEDED = ("service-upstream", "load-balance", "http2-push-preload", "satisfy", "server-tokens")
RETRIES = ("proxy-next-upstream", "proxy-next-upstream-tries", "proxy-next-upstream-timeout")
MIRROR = ("mirror-target", "mirror-uri", "mirror-request-body", "mirror-host")
HEADER_KNOBS = ("connection-proxy-header", "custom-headers", "proxy-set-headers", "proxy-hide-headers", "x-forwarded-host")


@translator("server-alias")
def server_alias(ctx: Ctx) -> list[Outcome]:
    """server-alias → the Ingress's rules are routed for these hostnames too."""
    raw = ctx.get("server-alias")
    if raw is None:
        return []
    names = sorted({h.strip().lower() for h in raw.split(",") if h.strip()})
    bad = [h for h in names if not HOSTNAME.match(h)]
    if bad or not names:
        return [Outcome(BLOCKED, ("server-alias",), code="NGINX_SERVER_ALIAS", message=f"{full('server-alias')} {quoted(bad[0] if bad else raw)} is not a hostname")]
    return [Outcome(TRANSLATED, ("server-alias",), code="NGINX_SERVER_ALIAS", message=f"{full('server-alias')} → routes for {', '.join(names)} too; point their DNS at the Gateway", extra_hosts=tuple(names))]


@translator("ssl-passthrough")
def ssl_passthrough(ctx: Ctx) -> list[Outcome]:
    """ssl-passthrough → blocked: an Application Load Balancer always terminates TLS."""
    if "ssl-passthrough" not in ctx.ann:
        return []
    if not ctx.true("ssl-passthrough"):
        return [Outcome(NOTED, ("ssl-passthrough",), code="NGINX_SSL_PASSTHROUGH", message=f"{full('ssl-passthrough')} is off")]
    return [Outcome(BLOCKED, ("ssl-passthrough",), code="NGINX_SSL_PASSTHROUGH", message=f"{full('ssl-passthrough')}: the backend terminates TLS itself today; a GKE Gateway (Application Load Balancer) terminates TLS and cannot pass it through")]


@translator("proxy-cookie-domain", "proxy-cookie-path")
def proxy_cookie(ctx: Ctx) -> list[Outcome]:
    """proxy-cookie-domain/path rewrite Set-Cookie → blocked (logins would break)."""
    keys = ctx.present("proxy-cookie-domain", "proxy-cookie-path")
    if not keys:
        return []
    return [Outcome(BLOCKED, keys, code="NGINX_PROXY_COOKIE", message=f"{full(*keys)} rewrite the backend's Set-Cookie headers; an HTTPRoute cannot, so browsers would get cookies for the wrong domain or path")]


@translator("custom-http-errors", "default-backend")
def error_pages(ctx: Ctx) -> list[Outcome]:
    """custom-http-errors / default-backend → warned: error pages now come from the backend."""
    keys = ctx.present("custom-http-errors", "default-backend")
    if not keys:
        return []
    detail = ", ".join(f"{full(k)} {quoted(ctx.get(k) or '')}" for k in keys)
    return [Outcome(WARNED, keys, code="NGINX_ERROR_PAGES", message=f"{detail}: nginx serves these errors from its default backend; behind the Gateway clients see the backend's (or Google's) error responses")]


@translator(*RETRIES)
def retries(ctx: Ctx) -> list[Outcome]:
    """proxy-next-upstream* → warned: retries follow Google's defaults."""
    keys = ctx.present(*RETRIES)
    if not keys:
        return []
    return [Outcome(WARNED, keys, code="NGINX_RETRIES", message=f"{full(*keys)}: nginx's retry rules are not carried; Google's load balancer retries by its own defaults")]


@translator(*MIRROR)
def mirror(ctx: Ctx) -> list[Outcome]:
    """mirror-* → warned: the copy of traffic to another service stops."""
    keys = ctx.present(*MIRROR)
    if not keys:
        return []
    return [Outcome(WARNED, keys, code="NGINX_MIRROR", message=f"{full(*keys)}: requests are no longer copied to the mirror target")]


@translator("upstream-hash-by", "upstream-hash-by-subset", "upstream-hash-by-subset-size")
def hashing(ctx: Ctx) -> list[Outcome]:
    """upstream-hash-by → warned: consistent hashing is not carried (nearest: a RING_HASH
    locality policy with HEADER_FIELD / HTTP_COOKIE affinity, not set up by planner)."""
    keys = ctx.present("upstream-hash-by", "upstream-hash-by-subset", "upstream-hash-by-subset-size")
    if not keys:
        return []
    return [Outcome(WARNED, keys, code="NGINX_HASH_BY", message=f"{full(*keys)}: requests are no longer pinned to a backend Pod by {quoted(ctx.get('upstream-hash-by') or '')}; the nearest is RING_HASH load balancing with header/cookie affinity, set by hand")]


@translator(*HEADER_KNOBS)
def header_knobs(ctx: Ctx) -> list[Outcome]:
    """Request/response header settings held in ConfigMaps or raw values → warned."""
    keys = ctx.present(*HEADER_KNOBS)
    if not keys:
        return []
    return [Outcome(WARNED, keys, code="NGINX_REQUEST_HEADER_LOST", message=f"{full(*keys)}: these header changes are not carried; check the backend and clients do not depend on them")]


@translator(*OBSERVABILITY, *TLS_FRONT, *NOT_NEEDED)
def not_needed(ctx: Ctx) -> list[Outcome]:
    """Logging, tracing, cipher and balancing knobs → noted: Google's load balancer has its own."""
    keys = ctx.present(*OBSERVABILITY, *TLS_FRONT, *NOT_NEEDED)
    if not keys:
        return []
    return [Outcome(NOTED, keys, code="NGINX_NO_EQUIVALENT", message=f"{full(*keys)}: handled by Google's load balancer its own way (logging, tracing, SSL policy, endpoint balancing); nothing to carry")]
