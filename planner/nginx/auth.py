"""Authentication: external auth (auth-url, auth-signin …), basic / digest auth (auth-type,
auth-secret …) and client certificates (auth-tls-*) → blocked. Dropping them would open the
service; the way on Google Cloud is Identity-Aware Proxy (a GCPBackendPolicy ``iap``) or mTLS
on the load balancer, which planner does not set up.
"""
from __future__ import annotations

from planner.nginx.base import BLOCKED, NOTED, Ctx, Outcome, full, translator

EXTERNAL = ("auth-url", "auth-signin", "auth-method", "auth-response-headers", "auth-request-redirect", "auth-cache-key", "auth-cache-duration", "auth-keepalive", "auth-keepalive-share-vars", "auth-keepalive-requests", "auth-keepalive-timeout", "auth-proxy-set-headers", "auth-always-set-cookie", "auth-signin-redirect-param")
BASIC = ("auth-type", "auth-secret", "auth-secret-type", "auth-realm")
CLIENT_TLS = ("auth-tls-secret", "auth-tls-verify-client", "auth-tls-verify-depth", "auth-tls-error-page", "auth-tls-pass-certificate-to-upstream", "auth-tls-match-cn")


@translator(*EXTERNAL, *BASIC)
def request_auth(ctx: Ctx) -> list[Outcome]:
    """External / basic auth → blocked, naming IAP."""
    keys = ctx.present(*EXTERNAL, *BASIC)
    if not keys:
        return []
    return [Outcome(BLOCKED, keys, code="NGINX_AUTH", message=f"{full(*keys)}: nginx authenticates every request before it reaches the backend; moved as is, the service would be open. Put Identity-Aware Proxy (GCPBackendPolicy iap) in front of it, then move it by hand")]


@translator(*CLIENT_TLS)
def client_cert_auth(ctx: Ctx) -> list[Outcome]:
    """auth-tls-* (client certificates) → blocked (mTLS on the load balancer not set up)."""
    keys = ctx.present(*CLIENT_TLS)
    if not keys:
        return []
    return [Outcome(BLOCKED, keys, code="NGINX_CLIENT_CERT_AUTH", message=f"{full(*keys)}: nginx checks client certificates; the plan's Gateway would not (load-balancer mTLS with a TrustConfig is not set up by planner), so the check would be lost")]


@translator("enable-global-auth")
def global_auth(ctx: Ctx) -> list[Outcome]:
    """enable-global-auth: whether the controller-wide auth-url applies (ConfigMap; not read)."""
    if "enable-global-auth" not in ctx.ann:
        return []
    return [Outcome(NOTED, ("enable-global-auth",), code="NGINX_GLOBAL_AUTH", message=f"{full('enable-global-auth')}: the controller's global-auth-url (ConfigMap, not in the inventory) is not carried; check the ConfigMap sets none")]
