"""Eligibility and carry-over rules, one small function each.

A rule looks at one LoadBalancer Service (and a small :class:`Context`: options and what the
planner already knows about where the service would go) and returns a :class:`Verdict`: a
reason to keep the service where it is (``keep``), notes about what moving it changes, and
policy settings the new entrypoint must carry (``policies``). Rules run in the order of
:data:`RULES`; the first ``keep`` decides. Every code used here is documented in
``docs/reasons.md`` (``tests/test_reasons_doc.py`` checks this by reading the source).

Codes are always written as string literals in calls to :func:`keep` / :func:`note` so that
the documentation test can find them.
"""
from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from typing import Callable

from planner.model import INFO, WARN, Port, Service
from planner.pricers.detect import internal_elsewhere

HTTP_PORTS = {80, 443, 8080, 8443}
TLS_PORTS = {443, 8443}
STANDARD_PORTS = {80, 443}
HTTP_APP_PROTOCOLS = {"http", "https", "h2c", "grpc", "kubernetes.io/h2c", "kubernetes.io/ws", "kubernetes.io/wss"}
INTERNAL_ANNOTATIONS = ("networking.gke.io/load-balancer-type", "cloud.google.com/load-balancer-type")
GLOBAL_ACCESS_ANNOTATION = "networking.gke.io/internal-load-balancer-allow-global-access"
RESERVED_ADDRESS_ANNOTATION = "networking.gke.io/load-balancer-ip-addresses"
OPT_OUT_ANNOTATION = "planner.io/keep"
OPT_OUT_REASON_ANNOTATION = "planner.io/keep-reason"
TIMEOUT_ANNOTATION = "planner.io/backend-timeout"
WEBSOCKET_TIMEOUT_SEC = 3600
DEFAULT_TIMEOUT_SEC = 30
MAX_TIMEOUT_SEC = 86400
#: Labels that mark a Service as an ingress controller's / mesh gateway's own entrypoint.
#: label -> accepted values (``None``: any value, the label's presence is enough).
CONTROLLER_LABELS: dict[str, frozenset[str] | None] = {
    "app.kubernetes.io/name": frozenset({
        "ingress-nginx", "nginx-ingress", "traefik", "haproxy-ingress", "kubernetes-ingress", "haproxy",
        "contour", "envoy", "istio-ingressgateway", "kong", "gateway-2-kong", "emissary-ingress",
        "ambassador", "envoy-gateway", "apisix", "skipper",
    }),
    "app": frozenset({"ingress-nginx", "nginx-ingress", "traefik", "haproxy-ingress", "istio-ingressgateway", "contour", "envoy", "kong", "ambassador"}),
    "istio": frozenset({"ingressgateway"}),
    "gateway.envoyproxy.io/owning-gateway-name": None,  # Envoy Gateway's generated Service
    "gateway.networking.k8s.io/gateway-name": None,  # Istio / other Gateway API implementations
    "gateway.istio.io/managed": None,
}
DNS_NAME = re.compile(r"^(?=.{1,253}$)(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]([a-z0-9-]{0,61}[a-z0-9])?$")


@dataclass(frozen=True)
class Context:
    """What a rule may know besides the Service itself."""

    keep_nonstandard_ports: bool = False
    internal: bool = False
    entrypoint: str = ""  # name of the entrypoint the service would move to
    address: str = ""  # name of that entrypoint's static address (created at build)
    routed_by: tuple[str, ...] = ()  # existing Ingress / HTTPRoute objects routing to it


@dataclass
class Verdict:
    keep: tuple[str, str] | None = None  # (code, message)
    notes: list[tuple[str, str, str]] = field(default_factory=list)  # (level, code, message)
    policies: dict = field(default_factory=dict)


def keep(code: str, message: str) -> Verdict:
    """A verdict that keeps the service where it is."""
    return Verdict(keep=(code, message))


def note(level: str, code: str, message: str, **policies) -> Verdict:
    """A verdict that lets the service move, with a note (and optional policies)."""
    return Verdict(notes=[(level, code, message)], policies=dict(policies))


def default_policies() -> dict:
    return {"source_ranges": [], "session_affinity": None, "timeout_sec": None, "app_protocol": None, "tls": False}


def is_internal(svc: Service) -> bool:
    ann = svc.annotations.get
    for a in INTERNAL_ANNOTATIONS:
        if ann(a, "").strip().lower() == "internal":
            return True
    return internal_elsewhere(svc)  # AWS / Azure internal annotations


def is_http_port(p: Port) -> bool:
    name = (p.name or "").lower()
    if p.protocol != "TCP":
        return False
    if (p.app_protocol or "").lower() in HTTP_APP_PROTOCOLS:
        return True
    return name.startswith(("http", "https", "grpc", "h2c", "ws")) or p.port in HTTP_PORTS


def is_tls_port(p: Port) -> bool:
    name = (p.name or "").lower()
    return (p.app_protocol or "").lower() in ("https", "kubernetes.io/wss") or name.startswith(("https", "wss")) or p.port in TLS_PORTS


def is_grpc_port(p: Port) -> bool:
    name = (p.name or "").lower()
    return (p.app_protocol or "").lower() in ("grpc", "h2c", "kubernetes.io/h2c") or name.startswith(("grpc", "h2c"))


def primary_port(svc: Service) -> Port:
    """The port the new entrypoint routes to: plaintext HTTP first, then TLS, lowest number."""
    http = [p for p in svc.ports if is_http_port(p)]
    plain = [p for p in http if not is_tls_port(p)]
    return sorted(plain or http or list(svc.ports), key=lambda p: p.port)[0]


def valid_hostname(host: str) -> bool:
    return bool(DNS_NAME.match(host))


def _ports(ports) -> str:
    return ", ".join(f"{p.port}/{p.protocol}{' (' + p.name + ')' if p.name else ''}" for p in ports)


# --- rules ------------------------------------------------------------------------------


def opt_out(svc: Service, ctx: Context) -> Verdict:
    """Anti-pattern: consolidating a service its owners know must keep its own load balancer.
    Planner: ``planner.io/keep: "true"`` keeps it (``OPT_OUT``); ``planner.io/keep-reason``
    text is appended to the reason verbatim (renderers escape it)."""
    value = svc.annotations.get(OPT_OUT_ANNOTATION, "").strip().lower()
    if value not in ("true", "yes", "1"):
        return Verdict()
    why = " ".join(svc.annotations.get(OPT_OUT_REASON_ANNOTATION, "").split())[:300]
    return keep("OPT_OUT", f'annotated {OPT_OUT_ANNOTATION}: "true" by its owners' + (f": {why}" if why else ""))


def ingress_controller(svc: Service, ctx: Context) -> Verdict:
    """Anti-pattern: putting an ingress controller's (ingress-nginx, Traefik, HAProxy, Contour,
    Kong, Istio / Envoy gateway) own LoadBalancer Service behind another entrypoint.
    Planner: recognised by well-known labels and kept (``INGRESS_CONTROLLER``)."""
    for label, values in CONTROLLER_LABELS.items():
        v = svc.labels.get(label)
        if v is not None and (values is None or v in values):
            return keep("INGRESS_CONTROLLER", f"label {label}={v}: this is an ingress controller's / gateway's own load balancer, an entrypoint in itself")
    return Verdict()


def protocol(svc: Service, ctx: Context) -> Verdict:
    """Anti-pattern: moving UDP, SCTP or raw TCP behind an HTTP(S) load balancer (it cannot
    carry them). Planner: keeps UDP (``UDP``), mixed TCP+UDP (``MIXED_PROTOCOL``), SCTP
    (``SCTP``), all-TCP non-HTTP (``TCP_ONLY``) and HTTP services with an extra raw TCP port
    (``NON_HTTP_PORT``)."""
    protos = set(svc.protocols)
    if "UDP" in protos and "TCP" in protos:
        return keep("MIXED_PROTOCOL", f"serves TCP and UDP on one IP ({_ports(svc.ports)}); an HTTP(S) entrypoint carries neither UDP nor raw TCP")
    if "UDP" in protos:
        return keep("UDP", f"UDP ({_ports(svc.ports)}) cannot go behind an HTTP(S) load balancer")
    if "SCTP" in protos:
        return keep("SCTP", f"SCTP ({_ports(svc.ports)}) cannot go behind an HTTP(S) load balancer")
    non_http = [p for p in svc.ports if not is_http_port(p)]
    if non_http and len(non_http) == len(svc.ports):
        return keep("TCP_ONLY", f"port {_ports(non_http)} is not HTTP(S)/gRPC; raw TCP stays on a passthrough load balancer")
    if non_http:
        return keep("NON_HTTP_PORT", f"port {_ports(non_http)} is not HTTP(S)/gRPC and would be lost behind an HTTP(S) entrypoint")
    return Verdict()


def extra_http_ports(svc: Service, ctx: Context) -> Verdict:
    """Anti-pattern: routing one host to one port of a service that serves different HTTP
    apps on several ports (the others would be lost). Planner: a plaintext port plus its TLS
    twin is fine; any further HTTP port keeps the service (``MULTIPLE_HTTP_PORTS``)."""
    primary = primary_port(svc)
    others = [p for p in svc.ports if p != primary]
    plain_twin = [p for p in others if not is_tls_port(p)]
    tls_twins = [p for p in others if is_tls_port(p)]
    extra = plain_twin + tls_twins[1:] if not is_tls_port(primary) else others
    if extra:
        return keep("MULTIPLE_HTTP_PORTS", f"serves HTTP on several ports ({_ports(svc.ports)}); one host routes to one port ({primary.port}), so {_ports(extra)} would be lost")
    return Verdict()


def app_protocol(svc: Service, ctx: Context) -> Verdict:
    """Anti-pattern: gRPC / h2c backends behind an L7 LB that speaks HTTP/1.1 to them.
    Planner: ``policies.app_protocol`` HTTP2 (the program sets ``appProtocol:
    kubernetes.io/h2c``), HTTPS for TLS backends, HTTP otherwise (``GRPC_HTTP2``)."""
    p = primary_port(svc)
    if is_grpc_port(p):
        return note(INFO, "GRPC_HTTP2", f"port {p.port} speaks gRPC/HTTP2: the program sets appProtocol kubernetes.io/h2c on it and the load balancer talks HTTP/2 to the backend", app_protocol="HTTP2")
    return Verdict(policies={"app_protocol": "HTTPS" if is_tls_port(p) else "HTTP"})


def visibility(svc: Service, ctx: Context) -> Verdict:
    """Anti-pattern: internal and external services sharing an entrypoint, or an internal
    Application LB without its proxy-only subnet. Planner: internal services go to an internal
    entrypoint only (``INTERNAL_ENTRYPOINT``); internal global access is flagged
    (``INTERNAL_GLOBAL_ACCESS``)."""
    if not ctx.internal:
        return Verdict()
    out = note(INFO, "INTERNAL_ENTRYPOINT", f"internal: moves to the internal entrypoint {ctx.entrypoint or '(internal)'} (regional internal Application LB, needs a proxy-only subnet), never an external one")
    if svc.annotations.get(GLOBAL_ACCESS_ANNOTATION, "").strip().lower() == "true":
        out.notes.append((WARN, "INTERNAL_GLOBAL_ACCESS", f"{GLOBAL_ACCESS_ANNOTATION}: clients in other regions reach it today; check that the regional internal entrypoint is reachable from them before cutover"))
    return out


def nonstandard_ports(svc: Service, ctx: Context) -> Verdict:
    """Anti-pattern: silently changing the port clients connect to. Planner: a service reached
    on a port other than 80/443 gets a ``PORT_CHANGES`` warn, or is kept
    (``NONSTANDARD_PORT``) with ``--keep-nonstandard-ports``."""
    odd = sorted(p.port for p in svc.ports if p.port not in STANDARD_PORTS)
    if not odd:
        return Verdict()
    listed = ", ".join(map(str, odd))
    if ctx.keep_nonstandard_ports:
        return keep("NONSTANDARD_PORT", f"clients reach it on port(s) {listed}; --keep-nonstandard-ports keeps such services on their own load balancer")
    return note(WARN, "PORT_CHANGES", f"clients use port(s) {listed}; behind the new entrypoint they use 80 (HTTP) / 443 (HTTPS): update client URLs")


def tls(svc: Service, ctx: Context) -> Verdict:
    """Anti-pattern: losing TLS when a passthrough service (TLS in the pod) moves to L7.
    Planner: ``policies.tls`` true; the entrypoint gets managed certificates for the service's
    hosts (``TLS_MANAGED_CERT``), grouped within the certificate limits. Google-managed
    certificates are not available on internal Application LBs (gke-l7-rilb, gce-internal),
    so an internal TLS service stays rather than lose TLS (``INTERNAL_TLS``)."""
    if any(is_tls_port(p) for p in svc.ports):
        if ctx.internal:
            return keep("INTERNAL_TLS", "internal HTTPS: Google-managed certificates are not available on internal Application LBs (gke-l7-rilb / gce-internal), and planner does not drop TLS; it stays until a regional certificate is provided by hand")
        return note(INFO, "TLS_MANAGED_CERT", "TLS terminates at the new entrypoint with a Google-managed certificate for its host(s) (ManagedCertificate for Ingress, Certificate Manager for Gateway)", tls=True)
    return Verdict(policies={"tls": False})


def source_ranges(svc: Service, ctx: Context) -> Verdict:
    """Anti-pattern: dropping ``loadBalancerSourceRanges`` (the service becomes open to the
    internet). Planner: the ranges go to ``policies.source_ranges`` and become a Cloud Armor
    policy (allow these, deny the rest) — ``SOURCE_RANGES_CLOUD_ARMOR``; an invalid range
    keeps the service (``INVALID_SOURCE_RANGE``), and so does an internal service with ranges
    (``SOURCE_RANGES_INTERNAL``: planner does not carry the allow-list to an internal LB)."""
    if not svc.load_balancer_source_ranges:
        return Verdict()
    ranges: list[str] = []
    for raw in svc.load_balancer_source_ranges:
        try:
            ranges.append(str(ipaddress.ip_network(raw.strip(), strict=False)))
        except ValueError:
            return keep("INVALID_SOURCE_RANGE", f"loadBalancerSourceRanges entry {raw[:60]!r} is not a CIDR range; fix it before moving (planner never drops an allow-list)")
    ranges = sorted(set(ranges))
    if ctx.internal:
        return keep("SOURCE_RANGES_INTERNAL", f"internal service restricted to {', '.join(ranges)}; planner carries allow-lists as Cloud Armor policies on external entrypoints only, so it stays")
    return note(INFO, "SOURCE_RANGES_CLOUD_ARMOR", f"loadBalancerSourceRanges {', '.join(ranges)} become a Cloud Armor policy (allow these, deny the rest)", source_ranges=ranges)


def client_ip(svc: Service, ctx: Context) -> Verdict:
    """Anti-pattern: assuming the backend still sees the client's source IP. Planner:
    ``externalTrafficPolicy: Local`` → ``CLIENT_IP_HEADER`` warn (X-Forwarded-For)."""
    if svc.external_traffic_policy == "Local":
        return note(WARN, "CLIENT_IP_HEADER", "externalTrafficPolicy: Local kept client source IPs; behind the new entrypoint the client IP arrives in X-Forwarded-For")
    return Verdict()


def session_affinity(svc: Service, ctx: Context) -> Verdict:
    """Anti-pattern: losing sticky sessions. Planner: ``sessionAffinity: ClientIP`` becomes
    ``policies.session_affinity: CLIENT_IP`` (BackendConfig / GCPBackendPolicy) —
    ``SESSION_AFFINITY``."""
    if svc.session_affinity == "ClientIP":
        return note(INFO, "SESSION_AFFINITY", "sessionAffinity: ClientIP carried over as a CLIENT_IP backend policy", session_affinity="CLIENT_IP")
    return Verdict()


def long_connections(svc: Service, ctx: Context) -> Verdict:
    """Anti-pattern: WebSockets / long requests cut by the L7 LB's 30 s default backend
    timeout. Planner: ``planner.io/backend-timeout: "<seconds>"`` → ``policies.timeout_sec``
    (``BACKEND_TIMEOUT``); a WebSocket port (appProtocol ``kubernetes.io/ws[s]`` or a port
    named ws*/websocket) → 3600 s (``WEBSOCKET_TIMEOUT``); a bad annotation →
    ``INVALID_BACKEND_TIMEOUT`` and the WebSocket / default rule applies."""
    out = Verdict()
    ann = svc.annotations.get(TIMEOUT_ANNOTATION)
    if ann is not None:
        value = ann.strip().rstrip("s")
        if value.isdigit() and 1 <= int(value) <= MAX_TIMEOUT_SEC:
            return note(INFO, "BACKEND_TIMEOUT", f"backend timeout {int(value)}s from {TIMEOUT_ANNOTATION}", timeout_sec=int(value))
        out.notes.append((WARN, "INVALID_BACKEND_TIMEOUT", f"{TIMEOUT_ANNOTATION} value {ann[:40]!r} is not a number of seconds between 1 and {MAX_TIMEOUT_SEC}; ignored"))
    if any((p.app_protocol or "").lower() in ("kubernetes.io/ws", "kubernetes.io/wss") or "websocket" in (p.name or "").lower() or (p.name or "").lower().startswith("ws") for p in svc.ports):
        out.notes.append((WARN, "WEBSOCKET_TIMEOUT", f"WebSocket port: backend timeout set to {WEBSOCKET_TIMEOUT_SEC}s (the {DEFAULT_TIMEOUT_SEC}s default would cut connections); connections still end at {WEBSOCKET_TIMEOUT_SEC}s"))
        out.policies["timeout_sec"] = WEBSOCKET_TIMEOUT_SEC
    return out


def pinned_ip(svc: Service, ctx: Context) -> Verdict:
    """Anti-pattern: assuming a pinned ``loadBalancerIP`` / reserved address moves with the
    service (a regional passthrough IP cannot become a global L7 address). Planner: a
    ``PINNED_IP`` warn naming the old address and the new one (the entrypoint's static address,
    assigned at build); clients and firewalls move by DNS."""
    old = svc.load_balancer_ip or svc.annotations.get(RESERVED_ADDRESS_ANNOTATION, "").strip()
    if not old:
        return Verdict()
    kind = "loadBalancerIP" if svc.load_balancer_ip else f"reserved address ({RESERVED_ADDRESS_ANNOTATION})"
    new = f"static address {ctx.address}" if ctx.address else "the entrypoint's static address"
    return note(WARN, "PINNED_IP", f"{kind} {old[:80]} cannot move; the new address is {new}, assigned at build: clients and firewall rules pinned to {old[:80]} must move by DNS")


def already_routed(svc: Service, ctx: Context) -> Verdict:
    """Anti-pattern: not noticing a service is already reachable through an existing Ingress /
    Gateway (two ways in). Planner: an ``ALREADY_ROUTED`` note naming those objects; the
    service's own load balancer is still consolidated."""
    if ctx.routed_by:
        return note(INFO, "ALREADY_ROUTED", f"also routed by {', '.join(ctx.routed_by)}; those routes are unchanged by moving its own load balancer")
    return Verdict()


Rule = Callable[[Service, Context], Verdict]
#: Every rule, in order. The first ``keep`` decides which reason is reported.
RULES: list[Rule] = [
    opt_out,
    ingress_controller,
    protocol,
    extra_http_ports,
    app_protocol,
    visibility,
    nonstandard_ports,
    tls,
    source_ranges,
    client_ip,
    session_affinity,
    long_connections,
    pinned_ip,
    already_routed,
]


def uses_entrypoint(svc: Service, internal: bool) -> bool:
    """Whether :func:`evaluate` may read ``ctx.entrypoint`` / ``ctx.address`` for ``svc``
    (``visibility`` for an internal service, ``pinned_ip`` for a pinned address); when not,
    its verdict is the same for every strategy."""
    return bool(internal or svc.load_balancer_ip or svc.annotations.get(RESERVED_ADDRESS_ANNOTATION, "").strip())


#: What the rules read of a Service besides the fields in :func:`evaluation_key`.
_KEY_ANNOTATIONS = (OPT_OUT_ANNOTATION, OPT_OUT_REASON_ANNOTATION, GLOBAL_ACCESS_ANNOTATION, TIMEOUT_ANNOTATION, RESERVED_ADDRESS_ANNOTATION)
_DEFAULT_RULES = tuple(RULES)


def evaluation_key(svc: Service) -> tuple | None:
    """Everything of ``svc`` the rules read: two services with equal keys (and equal
    contexts) get equal verdicts, so the planner evaluates each key once. None when
    :data:`RULES` is not the default list (a rule added at run time may read more)."""
    if tuple(RULES) != _DEFAULT_RULES:
        return None
    ann, lab = svc.annotations.get, svc.labels.get
    controller = None  # the label ingress_controller would name
    for label, values in CONTROLLER_LABELS.items():
        v = lab(label)
        if v is not None and (values is None or v in values):
            controller = (label, v)
            break
    return (
        svc.ports, tuple([ann(k) for k in _KEY_ANNOTATIONS]), controller,
        svc.load_balancer_ip, svc.load_balancer_source_ranges, svc.external_traffic_policy, svc.session_affinity,
    )


def evaluate(svc: Service, ctx: Context | None = None) -> Verdict:
    """Run every rule; the first keep wins and the notes of the others are dropped (they
    describe a move that will not happen)."""
    ctx = ctx or Context(internal=is_internal(svc))
    out = Verdict(policies=default_policies())
    for rule in RULES:
        v = rule(svc, ctx)
        if v.keep:
            return Verdict(keep=v.keep, policies=default_policies())
        out.notes.extend(v.notes)
        out.policies.update(v.policies)
    return out
