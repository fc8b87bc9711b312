"""Eligibility and carry-over rules, one small function each.

A rule looks at one LoadBalancer Service and returns a :class:`Verdict`: a reason to keep the
service where it is (``keep``), notes about what moving it changes, and policy settings the
new entrypoint must carry (``policies``). Rules run in the order of :data:`RULES`; the first
``keep`` decides, but every rule's notes are collected so a reviewer sees all of them.
Every code used here is documented in ``docs/reasons.md`` (a test checks this).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable

from planner.model import INFO, WARN, Port, Service

HTTP_PORTS = {80, 443, 8080, 8443}
TLS_PORTS = {443, 8443}
HTTP_APP_PROTOCOLS = {"http", "https", "h2c", "grpc", "kubernetes.io/h2c", "kubernetes.io/ws", "kubernetes.io/wss"}
INTERNAL_ANNOTATIONS = ("networking.gke.io/load-balancer-type", "cloud.google.com/load-balancer-type")
OPT_OUT_ANNOTATION = "planner.io/keep"
#: Labels that mark a Service as an ingress controller's / mesh gateway's own entrypoint.
CONTROLLER_LABELS = {
    "app.kubernetes.io/name": {"ingress-nginx", "traefik", "haproxy-ingress", "kubernetes-ingress", "contour", "envoy", "istio-ingressgateway", "kong", "emissary-ingress", "ambassador"},
    "app": {"ingress-nginx", "nginx-ingress", "traefik", "haproxy-ingress", "istio-ingressgateway", "contour", "envoy", "kong"},
    "istio": {"ingressgateway"},
    "app.kubernetes.io/component": {"controller"},
}
DNS_NAME = re.compile(r"^(?=.{1,253}$)(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]([a-z0-9-]{0,61}[a-z0-9])?$")


@dataclass
class Verdict:
    keep: tuple[str, str] | None = None  # (code, message)
    notes: list[tuple[str, str, str]] = field(default_factory=list)  # (level, code, message)
    policies: dict = field(default_factory=dict)


def is_internal(svc: Service) -> bool:
    return any(svc.annotations.get(a, "").strip().lower() == "internal" for a in INTERNAL_ANNOTATIONS)


def is_http_port(p: Port) -> bool:
    name = (p.name or "").lower()
    if p.protocol != "TCP":
        return False
    if (p.app_protocol or "").lower() in HTTP_APP_PROTOCOLS:
        return True
    return name.startswith(("http", "https", "grpc", "h2c")) or p.port in HTTP_PORTS


def is_tls_port(p: Port) -> bool:
    name = (p.name or "").lower()
    return (p.app_protocol or "").lower() in ("https", "kubernetes.io/wss") or name.startswith("https") or p.port in TLS_PORTS


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


# --- rules ------------------------------------------------------------------------------


def opt_out(svc: Service) -> Verdict:
    """``planner.io/keep: "true"`` on a Service keeps it, whatever else is true."""
    value = svc.annotations.get(OPT_OUT_ANNOTATION, "").strip().lower()
    if value in ("true", "yes", "1"):
        return Verdict(keep=("OPT_OUT", f"annotated {OPT_OUT_ANNOTATION}: \"true\" by its owners"))
    return Verdict()


def ingress_controller(svc: Service) -> Verdict:
    """An ingress controller's or mesh gateway's own Service is an entrypoint already."""
    for label, values in CONTROLLER_LABELS.items():
        if label == "app.kubernetes.io/component":
            continue
        v = svc.labels.get(label)
        if v in values:
            return Verdict(keep=("INGRESS_CONTROLLER", f"label {label}={v}: this is an ingress controller's own load balancer, an entrypoint in itself"))
    return Verdict()


def protocol(svc: Service) -> Verdict:
    """Only HTTP(S)/gRPC can move behind an Application LB; TCP-only, UDP and mixed stay."""
    protos = set(svc.protocols)
    if "UDP" in protos and "TCP" in protos:
        return Verdict(keep=("MIXED_PROTOCOL", "serves TCP and UDP on one IP; an HTTP(S) entrypoint carries neither UDP nor raw TCP"))
    if "UDP" in protos:
        ports = ", ".join(f"{p.port}/UDP" for p in svc.ports)
        return Verdict(keep=("UDP", f"UDP ({ports}) cannot go behind an HTTP(S) load balancer"))
    if "SCTP" in protos:
        return Verdict(keep=("SCTP", "SCTP cannot go behind an HTTP(S) load balancer"))
    non_http = [p for p in svc.ports if not is_http_port(p)]
    if non_http:
        ports = ", ".join(f"{p.port}/{p.protocol}{' (' + p.name + ')' if p.name else ''}" for p in non_http)
        code = "TCP_ONLY" if len(non_http) == len(svc.ports) else "NON_HTTP_PORT"
        return Verdict(keep=(code, f"port {ports} is not HTTP(S)/gRPC; raw TCP stays on a passthrough load balancer"))
    return Verdict()


def app_protocol(svc: Service) -> Verdict:
    """gRPC / h2c backends need HTTP/2 to the backend; TLS backends need HTTPS."""
    p = primary_port(svc)
    if is_grpc_port(p):
        return Verdict(policies={"app_protocol": "HTTP2"}, notes=[(INFO, "GRPC_HTTP2", f"port {p.port} speaks gRPC/HTTP2: the program sets appProtocol kubernetes.io/h2c on it at cutover")])
    if is_tls_port(p):
        return Verdict(policies={"app_protocol": "HTTPS"})
    return Verdict(policies={"app_protocol": "HTTP"})


def nonstandard_ports(svc: Service) -> Verdict:
    """Clients that reach the service on a port other than 80/443 must change when it moves."""
    odd = sorted(p.port for p in svc.ports if p.port not in (80, 443))
    if not odd:
        return Verdict()
    return Verdict(notes=[(WARN, "PORT_CHANGES", f"clients use port(s) {', '.join(map(str, odd))}; behind the new entrypoint they use 80/443")])


def tls(svc: Service) -> Verdict:
    """A service that clients reach over TLS gets a managed certificate on the entrypoint."""
    if any(is_tls_port(p) for p in svc.ports):
        return Verdict(policies={"tls": True}, notes=[(INFO, "TLS_MANAGED_CERT", "TLS terminates at the new entrypoint with a Google-managed certificate for its host(s)")])
    return Verdict(policies={"tls": False})


def source_ranges(svc: Service) -> Verdict:
    """``loadBalancerSourceRanges`` become a Cloud Armor allow-list, never dropped."""
    if not svc.load_balancer_source_ranges:
        return Verdict()
    ranges = list(svc.load_balancer_source_ranges)
    return Verdict(
        policies={"source_ranges": ranges},
        notes=[(INFO, "SOURCE_RANGES_CLOUD_ARMOR", f"loadBalancerSourceRanges {', '.join(ranges)} become a Cloud Armor policy (allow these, deny the rest)")],
    )


def client_ip(svc: Service) -> Verdict:
    """``externalTrafficPolicy: Local`` preserved the client IP; behind L7 it is in a header."""
    if svc.external_traffic_policy == "Local":
        return Verdict(notes=[(WARN, "CLIENT_IP_HEADER", "externalTrafficPolicy: Local kept client source IPs; behind the new entrypoint the client IP arrives in X-Forwarded-For")])
    return Verdict()


def session_affinity(svc: Service) -> Verdict:
    """``sessionAffinity: ClientIP`` becomes the entrypoint's CLIENT_IP session affinity."""
    if svc.session_affinity == "ClientIP":
        return Verdict(policies={"session_affinity": "CLIENT_IP"}, notes=[(INFO, "SESSION_AFFINITY", "sessionAffinity: ClientIP carried over as a CLIENT_IP backend policy")])
    return Verdict()


def pinned_ip(svc: Service) -> Verdict:
    """A fixed ``loadBalancerIP`` cannot move to a global L7 address: clients move by DNS."""
    if svc.load_balancer_ip:
        return Verdict(notes=[(WARN, "PINNED_IP", f"loadBalancerIP {svc.load_balancer_ip} cannot move to the new entrypoint; clients and firewall rules pinned to it must move by DNS")])
    return Verdict()


def long_connections(svc: Service) -> Verdict:
    """WebSockets / long requests need a backend timeout above the 30 s default."""
    ann = svc.annotations.get("planner.io/backend-timeout")
    if ann and ann.isdigit() and 1 <= int(ann) <= 86400:
        return Verdict(policies={"timeout_sec": int(ann)}, notes=[(INFO, "BACKEND_TIMEOUT", f"backend timeout {ann}s from planner.io/backend-timeout")])
    if any((p.app_protocol or "").lower() in ("kubernetes.io/ws", "kubernetes.io/wss") or "websocket" in (p.name or "").lower() or (p.name or "").lower().startswith("ws") for p in svc.ports):
        return Verdict(policies={"timeout_sec": 3600}, notes=[(WARN, "WEBSOCKET_TIMEOUT", "WebSocket port: backend timeout set to 3600s (the 30s default would cut connections)")])
    return Verdict()


Rule = Callable[[Service], Verdict]
#: Order matters only for which keep-reason is reported first.
RULES: list[Rule] = [opt_out, ingress_controller, protocol, app_protocol, tls, nonstandard_ports, source_ranges, client_ip, session_affinity, pinned_ip, long_connections]


def evaluate(svc: Service) -> Verdict:
    """Run every rule; the first keep wins; notes of rules after a keep are not reported
    (they describe a move that will not happen)."""
    out = Verdict(policies={"source_ranges": [], "session_affinity": None, "timeout_sec": None, "app_protocol": None, "tls": False})
    for rule in RULES:
        v = rule(svc)
        if v.keep:
            out.keep = v.keep
            out.notes = []
            return out
        out.notes.extend(v.notes)
        out.policies.update(v.policies)
    return out
