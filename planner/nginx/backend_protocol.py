"""backend-protocol → ``policies.backend_protocol`` (plan contract: HTTP | HTTPS | H2C | HTTP2)
and ``tls_only``; backend TLS settings (proxy-ssl-*).

GRPC is cleartext HTTP/2 (H2C), GRPCS HTTP/2 over TLS (HTTP2). Like nginx by default, Google's
load balancer does not verify the backend's certificate; ``proxy-ssl-verify: "on"`` (verified
backend TLS) and a client certificate to the backend (proxy-ssl-secret) would be dropped, so
they block.
"""
from __future__ import annotations

from planner.nginx.base import BLOCKED, NOTED, TRANSLATED, WARNED, Ctx, Outcome, full, quoted, translator

PROTOCOLS = {"HTTP": ("HTTP", False), "AUTO_HTTP": ("HTTP", False), "HTTPS": ("HTTPS", True), "GRPC": ("H2C", False), "GRPCS": ("HTTP2", True)}
SSL_INFO = ("proxy-ssl-protocols", "proxy-ssl-ciphers", "proxy-ssl-verify-depth", "proxy-ssl-session-reuse")


@translator("backend-protocol")
def backend_protocol(ctx: Ctx) -> list[Outcome]:
    """backend-protocol HTTP/HTTPS/GRPC/GRPCS → backend_protocol; FCGI (or unknown) blocks."""
    raw = ctx.get("backend-protocol")
    if raw is None:
        return []
    hit = PROTOCOLS.get(raw.upper())
    if hit is None:
        return [Outcome(BLOCKED, ("backend-protocol",), code="NGINX_BACKEND_PROTOCOL", message=f"{full('backend-protocol')} {quoted(raw)}: Google's load balancer speaks HTTP, HTTPS and HTTP/2 to backends, not this")]
    proto, tls = hit
    return [Outcome(TRANSLATED, ("backend-protocol",), code="NGINX_BACKEND_PROTOCOL", message=f"{full('backend-protocol')} {raw.upper()} → backend protocol {proto}" + (" (TLS to the backend; its certificate is not verified, as nginx's default)" if tls else ""), policy={"backend_protocol": proto, "tls_only": tls})]


@translator("proxy-ssl-verify", "proxy-ssl-secret", "proxy-ssl-name", "proxy-ssl-server-name", *SSL_INFO)
def backend_tls(ctx: Ctx) -> list[Outcome]:
    """proxy-ssl-verify on / proxy-ssl-secret block; SNI name warns; protocol / cipher detail noted."""
    out: list[Outcome] = []
    if ctx.present("proxy-ssl-secret"):
        out.append(Outcome(BLOCKED, ("proxy-ssl-secret",), code="NGINX_BACKEND_TLS", message=f"{full('proxy-ssl-secret')} {quoted(ctx.get('proxy-ssl-secret') or '')}: nginx presents a client certificate / checks a CA towards the backend; planner does not set up backend mTLS"))
    if ctx.present("proxy-ssl-verify"):
        if ctx.true("proxy-ssl-verify"):
            out.append(Outcome(BLOCKED, ("proxy-ssl-verify",), code="NGINX_BACKEND_TLS", message=f"{full('proxy-ssl-verify')} on: nginx verifies the backend's certificate; the plan would not, so the check would be lost"))
        else:
            out.append(Outcome(NOTED, ("proxy-ssl-verify",), code="NGINX_BACKEND_TLS", message=f"{full('proxy-ssl-verify')} off: the backend's certificate is not verified, as on Google's load balancer"))
    sni = ctx.present("proxy-ssl-name", "proxy-ssl-server-name")
    if sni:
        out.append(Outcome(WARNED, sni, code="NGINX_BACKEND_TLS", message=f"{full(*sni)}: the server name sent to the backend is not configurable; check the backend answers without it"))
    detail = ctx.present(*SSL_INFO)
    if detail:
        out.append(Outcome(NOTED, detail, code="NGINX_NO_EQUIVALENT", message=f"{full(*detail)}: backend TLS protocol details are Google's, not configurable"))
    return out
