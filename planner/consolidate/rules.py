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

import functools
import ipaddress
import json
import re
import weakref
from dataclasses import dataclass, field
from typing import Callable

from planner.model import BLOCK, INFO, WARN, BackendConfig, Inventory, Note, Port, Service
from planner.pricers.detect import internal_elsewhere

HTTP_PORTS = {80, 443, 8080, 8443}
TLS_PORTS = {443, 8443}
STANDARD_PORTS = {80, 443}
HTTP_APP_PROTOCOLS = {"http", "https", "h2c", "grpc", "kubernetes.io/h2c", "kubernetes.io/ws", "kubernetes.io/wss"}
#: The only appProtocol values that make a well-known non-HTTP port (below) count as HTTP.
OVERRIDE_APP_PROTOCOLS = {"http", "https", "h2c", "grpc", "kubernetes.io/h2c"}
#: appProtocol values that say "TLS" / "cleartext" outright (they beat port names and numbers).
TLS_APP_PROTOCOLS = {"https", "kubernetes.io/wss"}
PLAINTEXT_APP_PROTOCOLS = {"http", "h2c", "kubernetes.io/h2c", "kubernetes.io/ws"}
#: appProtocol values that say "not HTTP" outright.
NON_HTTP_APP_PROTOCOLS = {"tcp", "tls", "udp", "sctp", "mysql", "postgres", "postgresql", "redis", "mongo", "mongodb", "kafka", "amqp", "amqps", "mqtt", "ssh", "smtp", "ldap", "dns"}
#: Well-known TCP ports of protocols that are not HTTP (IANA / the projects' own defaults).
#: They outrank port names and the 80/443/8080/8443 heuristic: a port named ``http`` on 5432
#: is PostgreSQL. Only an explicit appProtocol in OVERRIDE_APP_PROTOCOLS makes one HTTP.
WELL_KNOWN_TCP_PORTS: dict[int, str] = {
    21: "FTP", 22: "SSH", 23: "Telnet", 25: "SMTP", 53: "DNS", 110: "POP3", 143: "IMAP",
    389: "LDAP", 465: "SMTP (implicit TLS)", 587: "SMTP submission", 636: "LDAPS", 993: "IMAPS", 995: "POP3S",
    1433: "SQL Server", 1521: "Oracle Database", 1883: "MQTT", 8883: "MQTT over TLS",
    2181: "ZooKeeper client", 2888: "ZooKeeper peer", 3888: "ZooKeeper leader election",
    2379: "etcd client", 2380: "etcd peer", 3306: "MySQL", 33060: "MySQL X Protocol",
    6446: "MySQL Router (classic, read-write)", 6447: "MySQL Router (classic, read-only)",
    6448: "MySQL Router (X Protocol, read-write)", 6449: "MySQL Router (X Protocol, read-only)",
    6450: "MySQL Router (read/write splitting)", 3389: "RDP", 4222: "NATS client", 6222: "NATS cluster",
    4369: "Erlang port mapper (RabbitMQ)", 5432: "PostgreSQL", 6432: "PgBouncer", 5671: "AMQP over TLS", 5672: "AMQP",
    25672: "RabbitMQ inter-node", 5552: "RabbitMQ Streams", 5900: "VNC", 6379: "Redis", 16379: "Redis Cluster bus",
    26379: "Redis Sentinel", 7000: "Cassandra inter-node", 7001: "Cassandra inter-node (TLS)", 9042: "Cassandra CQL",
    9092: "Kafka", 9093: "Kafka (TLS / controller)", 9094: "Kafka (external listener)", 9300: "Elasticsearch transport",
    11211: "memcached", 26257: "CockroachDB SQL", 27017: "MongoDB", 27018: "MongoDB shard", 27019: "MongoDB config server",
}
INTERNAL_ANNOTATIONS = ("networking.gke.io/load-balancer-type", "cloud.google.com/load-balancer-type")
GLOBAL_ACCESS_ANNOTATION = "networking.gke.io/internal-load-balancer-allow-global-access"
RESERVED_ADDRESS_ANNOTATION = "networking.gke.io/load-balancer-ip-addresses"
OPT_OUT_ANNOTATION = "planner.io/keep"
OPT_OUT_REASON_ANNOTATION = "planner.io/keep-reason"
TIMEOUT_ANNOTATION = "planner.io/backend-timeout"
EXTERNAL_DNS_ANNOTATION = "external-dns.alpha.kubernetes.io/hostname"
SOURCE_RANGES_ANNOTATION = "service.beta.kubernetes.io/load-balancer-source-ranges"
AWS_SSL_CERT = "service.beta.kubernetes.io/aws-load-balancer-ssl-cert"
AWS_SSL_PORTS = "service.beta.kubernetes.io/aws-load-balancer-ssl-ports"
AWS_BACKEND_PROTOCOL = "service.beta.kubernetes.io/aws-load-balancer-backend-protocol"
AWS_IDLE_TIMEOUT = "service.beta.kubernetes.io/aws-load-balancer-connection-idle-timeout"  # seconds
AZURE_IDLE_TIMEOUT = "service.beta.kubernetes.io/azure-load-balancer-tcp-idle-timeout"  # minutes
AWS_DRAINING_ENABLED = "service.beta.kubernetes.io/aws-load-balancer-connection-draining-enabled"
AWS_DRAINING_TIMEOUT = "service.beta.kubernetes.io/aws-load-balancer-connection-draining-timeout"  # seconds
AWS_DRAINING_DEFAULT_SEC = 300
BACKEND_CONFIG_ANNOTATIONS = ("cloud.google.com/backend-config", "beta.cloud.google.com/backend-config")
WEBSOCKET_TIMEOUT_SEC = 3600
DEFAULT_TIMEOUT_SEC = 30
MAX_TIMEOUT_SEC = 86400
MAX_DRAINING_SEC = 3600  # BackendConfig / GCPBackendPolicy connectionDraining: up to one hour
#: Labels (on the Service, or in its selector: the Pods it sends to) that mark an ingress
#: controller's / mesh or proxy gateway's own entrypoint.
#: label -> accepted values (``None``: any value, the label's presence is enough).
CONTROLLER_LABELS: dict[str, frozenset[str] | None] = {
    "app.kubernetes.io/name": frozenset({
        "ingress-nginx", "nginx-ingress", "traefik", "haproxy-ingress", "kubernetes-ingress", "haproxy",
        "contour", "envoy", "istio-ingressgateway", "kong", "gateway-2-kong", "emissary-ingress",
        "ambassador", "envoy-gateway", "gateway-helm", "apisix", "skipper", "nginx-gateway", "nginx-gateway-fabric",
        "gloo", "gateway-proxy", "cilium-envoy",
    }),
    "app": frozenset({"ingress-nginx", "nginx-ingress", "traefik", "haproxy-ingress", "istio-ingressgateway", "contour", "envoy",
                      "kong", "ambassador", "emissary-ingress", "nginx-gateway", "gateway-proxy"}),
    "istio": None,  # istio: ingressgateway / eastwestgateway / a custom gateway's name
    "gloo": frozenset({"gateway-proxy"}),
    "gateway.envoyproxy.io/owning-gateway-name": None,  # Envoy Gateway's generated Service
    "gateway.networking.k8s.io/gateway-name": None,  # Istio / NGINX Gateway Fabric / other Gateway API implementations
    "gateway.istio.io/managed": None,
    "io.cilium.gateway/owning-gateway": None,  # Cilium's Gateway API Services
    "projectcontour.io/owning-gateway-name": None,  # Contour's Gateway provisioner
}
_LABEL_ORDER = {label: i for i, label in enumerate(CONTROLLER_LABELS)}
#: Namespaces the ingress controllers and gateways install into by default.
CONTROLLER_NAMESPACES = frozenset({
    "istio-system", "istio-ingress", "istio-gateways", "envoy-gateway-system", "projectcontour", "kong", "traefik",
    "ingress-nginx", "nginx-ingress", "nginx-gateway", "gloo-system", "emissary", "ambassador", "haproxy-controller",
    "ingress-apisix", "apisix",
})
CONTROLLER_NAMES = frozenset({"istio-ingressgateway", "ingress-nginx-controller", "traefik", "kong-proxy", "envoy-gateway"})
CONTROLLER_NAME_PREFIXES = ("cilium-gateway-",)
DNS_NAME = re.compile(r"^(?=.{1,253}$)(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]([a-z0-9-]{0,61}[a-z0-9])?$")
#: Template placeholders left in a manifest: $VAR, ${VAR}, $(VAR), <your domain>, {{ .Values.x }}, %VAR%.
PLACEHOLDER = re.compile(r"\$\{?[A-Za-z_]|\$\(|<[^<>]*>|\{\{|\}\}|%[A-Za-z_][A-Za-z0-9_]*%")


@dataclass(frozen=True)
class Context:
    """What a rule may know besides the Service itself. The planner memoises verdicts per
    :func:`evaluation_key` and context: every field here belongs in that memo key."""

    keep_nonstandard_ports: bool = False
    internal: bool = False
    entrypoint: str = ""  # name of the entrypoint the service would move to
    address: str = ""  # name of that entrypoint's static address (created at build)
    routed_by: tuple[str, ...] = ()  # existing Ingress / HTTPRoute objects routing to it
    strategy: str = ""  # "gateway" | "ingress" | "" (unknown); read only when uses_strategy(svc)
    #: why the inventory says this is a mesh / Gateway API gateway's Service (context_facts)
    mesh_evidence: tuple[str, ...] = ()
    #: the GKE BackendConfig its backend-config annotation names, when in the inventory
    backend_config: BackendConfig | None = None


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
    return {
        "source_ranges": [], "session_affinity": None, "timeout_sec": None, "app_protocol": None, "tls": False,
        "tls_only": False, "backend_protocol": None, "draining_sec": None, "source_ranges_annotation": False,
    }


def is_internal(svc: Service) -> bool:
    ann = svc.annotations.get
    for a in INTERNAL_ANNOTATIONS:
        value = ann(a)
        if value and value.strip().lower() == "internal":
            return True
    return internal_elsewhere(svc)  # AWS / Azure internal annotations


def well_known(p: Port) -> str | None:
    """The non-HTTP protocol of a TCP port's number (or numeric targetPort), if well known."""
    if p.protocol != "TCP":
        return None
    hit = WELL_KNOWN_TCP_PORTS.get(p.port)
    if hit is None and type(p.target_port) is int:
        hit = WELL_KNOWN_TCP_PORTS.get(p.target_port)
    return hit


def is_http_port(p: Port) -> bool:
    if p.protocol != "TCP":
        return False
    app = (p.app_protocol or "").lower()
    if app in OVERRIDE_APP_PROTOCOLS:
        return True
    if app in NON_HTTP_APP_PROTOCOLS or well_known(p):
        return False
    if app in HTTP_APP_PROTOCOLS:
        return True
    name = (p.name or "").lower()
    return name.startswith(("http", "https", "grpc", "h2c", "ws")) or p.port in HTTP_PORTS


def is_tls_port(p: Port) -> bool:
    """TLS in the Pod: an explicit appProtocol first, then the port name (https*, wss*,
    grpcs*, a ``tls`` / ``ssl`` word), then 443 / 8443."""
    app = (p.app_protocol or "").lower()
    if app in TLS_APP_PROTOCOLS:
        return True
    if app in PLAINTEXT_APP_PROTOCOLS:
        return False
    name = (p.name or "").lower()
    if name.startswith(("https", "wss", "grpcs")) or {"tls", "ssl"} & set(re.split(r"[-_.]", name)):
        return True
    return p.port in TLS_PORTS


def is_grpc_port(p: Port) -> bool:
    name = (p.name or "").lower()
    return (p.app_protocol or "").lower() in ("grpc", "h2c", "kubernetes.io/h2c") or name.startswith(("grpc", "h2c"))


def serves_only_tls(svc: Service) -> bool:
    """Every HTTP port (every port, when none is HTTP) is reached over TLS today."""
    http = [p for p in svc.ports if is_http_port(p)] or list(svc.ports)
    return bool(http) and all(client_tls(svc, p) for p in http)


def lb_terminates_tls(svc: Service, p: Port) -> bool:
    """Whether today's load balancer (not the Pod) terminates TLS on ``p``: AWS
    ``aws-load-balancer-ssl-cert`` with ``aws-load-balancer-ssl-ports`` naming the port (all
    ports when unset or ``*``)."""
    ann = svc.annotations.get
    if not ann(AWS_SSL_CERT, "").strip():
        return False
    items = {x.strip() for x in ann(AWS_SSL_PORTS, "*").split(",")}
    return "*" in items or str(p.port) in items or (p.name or "\x00") in items


def client_tls(svc: Service, p: Port) -> bool:
    """Clients reach ``p`` over TLS today (in the Pod or at the load balancer)."""
    return is_tls_port(p) or lb_terminates_tls(svc, p)


def backend_tls(svc: Service, p: Port) -> bool:
    """The Pod behind ``p`` speaks TLS (what the new load balancer must speak to it)."""
    if lb_terminates_tls(svc, p):
        return svc.annotations.get(AWS_BACKEND_PROTOCOL, "").strip().lower() in ("ssl", "https")
    return is_tls_port(p)


def primary_port(svc: Service) -> Port:
    """The port the new entrypoint routes to: plaintext HTTP first, then TLS, lowest number."""
    http = [p for p in svc.ports if is_http_port(p)]
    plain = [p for p in http if not is_tls_port(p)]
    return sorted(plain or http or list(svc.ports), key=lambda p: p.port)[0]


def valid_hostname(host: str) -> bool:
    return bool(DNS_NAME.match(host))


def is_placeholder(text: str) -> bool:
    """Whether ``text`` (a range, a hostname) is an unfilled template placeholder: ``$VAR``,
    ``${VAR}``, ``$(VAR)``, ``<your domain>``, ``{{ ... }}``, ``%VAR%``."""
    return bool(PLACEHOLDER.search(text))


def _ports(ports) -> str:
    return ", ".join(f"{p.port}/{p.protocol}{' (' + p.name + ')' if p.name else ''}" for p in ports)


def _quote(text: str, n: int = 60) -> str:
    return repr(text[:n])


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


def controller_evidence(svc: Service) -> str | None:
    """What of the Service itself says it is an ingress controller's / gateway's own load
    balancer: a controller label on it or in its selector, its namespace, its name."""
    for where, labels in (("label", svc.labels), ("selector", svc.selector)):
        label = _controller_label(labels) if labels else None
        if label is not None:
            return f"{where} {label}={labels[label][:60]}"
    if svc.namespace in CONTROLLER_NAMESPACES:
        return f"namespace {svc.namespace}"
    if svc.name in CONTROLLER_NAMES or svc.name.startswith(CONTROLLER_NAME_PREFIXES):
        return f"name {svc.name}"
    return None


def _controller_label(labels: dict[str, str]) -> str | None:
    """The controller label among ``labels`` (with a value the table accepts) that comes
    first in :data:`CONTROLLER_LABELS`' order, whatever the input's order; None: none. The
    Service's few labels are looked up in the table (cheaper than the table in them)."""
    best = None
    for label, value in labels.items():
        accepted = CONTROLLER_LABELS.get(label, False)
        if accepted is False or (accepted is not None and value not in accepted):
            continue
        if best is None or _LABEL_ORDER[label] < _LABEL_ORDER[best]:
            best = label
    return best


def ingress_controller(svc: Service, ctx: Context) -> Verdict:
    """Anti-pattern: putting an ingress controller's or a mesh / proxy gateway's own
    LoadBalancer Service (ingress-nginx, Traefik, HAProxy, Contour, Kong, Emissary, Istio,
    Envoy Gateway, NGINX Gateway Fabric, Cilium, Gloo, APISIX...) behind another entrypoint:
    it is an entrypoint itself, and an L7 hop in front of it breaks TLS passthrough, client
    IPs and its own routing. Planner: kept (``INGRESS_CONTROLLER``) on any one signal, each
    named in the message: a controller label on the Service or in its selector, a
    controller's default namespace, a controller's Service name (``cilium-gateway-*``...),
    or the inventory (``ctx.mesh_evidence``: an Istio Gateway selecting its Pods, a Gateway
    API Gateway it serves)."""
    evidence = [e for e in (controller_evidence(svc),) if e] + list(ctx.mesh_evidence)
    if not evidence:
        return Verdict()
    return keep("INGRESS_CONTROLLER", f"{'; '.join(evidence)}: this is an ingress controller's / gateway's own load balancer, an entrypoint in itself")


def well_known_ports(svc: Service, ctx: Context) -> Verdict:
    """Anti-pattern: trusting a port's name (``http`` on 5432) or a guess from the number
    and moving a database, broker or other TCP protocol behind an HTTP(S) load balancer.
    Planner: a TCP port (or numeric targetPort) in :data:`WELL_KNOWN_TCP_PORTS` keeps the
    service (``WELL_KNOWN_TCP_PORT``, naming the protocol), whatever the port is called;
    only an explicit ``appProtocol`` http / https / h2c / grpc / kubernetes.io/h2c makes it
    HTTP, and then with a warn (``APP_PROTOCOL_OVERRIDES_PORT``). Services with UDP / SCTP
    ports are left to :func:`protocol`."""
    if any(p.protocol != "TCP" for p in svc.ports):
        return Verdict()
    hits = [(p, proto) for p in svc.ports for proto in (well_known(p),) if proto]
    if not hits:
        return Verdict()
    kept = [(p, proto) for p, proto in hits if (p.app_protocol or "").lower() not in OVERRIDE_APP_PROTOCOLS]
    if kept:
        listed = "; ".join(f"port {_ports([p])} is the {proto} port" for p, proto in kept)
        return keep("WELL_KNOWN_TCP_PORT", f"{listed}: not HTTP whatever the port is named; raw TCP stays on a passthrough load balancer (set appProtocol if it really is HTTP)")
    listed = "; ".join(f"port {_ports([p])} (usually {proto}) has appProtocol {p.app_protocol}" for p, proto in hits)
    return note(WARN, "APP_PROTOCOL_OVERRIDES_PORT", f"{listed}: treated as HTTP because appProtocol says so; check it really serves HTTP before cutover")


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
    twin (same protocol: gRPC with gRPC, HTTP/1 with HTTP/1) is fine; any further HTTP port
    keeps the service (``MULTIPLE_HTTP_PORTS``)."""
    primary = primary_port(svc)
    others = [p for p in svc.ports if p != primary]
    # a TLS twin speaks the primary's protocol: gRPC beside HTTP/1 is another app
    twins = [p for p in others if is_tls_port(p) and is_grpc_port(p) == is_grpc_port(primary)]
    extra = [p for p in others if p != twins[0]] if twins and not is_tls_port(primary) else others
    if extra:
        return keep("MULTIPLE_HTTP_PORTS", f"serves HTTP on several ports ({_ports(svc.ports)}); one host routes to one port ({primary.port}), so {_ports(extra)} would be lost")
    return Verdict()


def backend_protocol(svc: Service, ctx: Context) -> Verdict:
    """Anti-pattern: an L7 LB that speaks the wrong protocol to the backend (HTTP/1.1 to a
    gRPC server, cleartext to a TLS Pod), or plaintext gRPC clients cut off: external and
    internal Application LBs accept HTTP/2 from clients only over TLS (ALPN), so clients
    using cleartext gRPC (h2c prior knowledge) cannot reach a service behind them.
    Planner: sets ``policies.backend_protocol`` (and ``app_protocol``, read by older
    consumers) from the routed port. gRPC with no TLS today is kept (``GRPC_PLAINTEXT``) under
    both strategies: moving would force every client onto TLS. gRPC over TLS in the Pod moves
    with ``HTTP2`` (HTTP/2 over TLS: Ingress ``cloud.google.com/app-protocols: HTTP2``, or
    the Gateway's HTTP2 backend) — ``GRPC_HTTP2``. gRPC whose TLS ends at today's load
    balancer has a cleartext h2c backend: the Gateway moves it with ``H2C`` (appProtocol
    ``kubernetes.io/h2c``, ``GRPC_H2C``); a GKE Ingress cannot (its HTTP2 means TLS to the
    Pod), so under the ingress strategy, or an unknown one, it stays (``GRPC_H2C_INGRESS``).
    Other ports: ``HTTPS`` when the Pod speaks TLS, else ``HTTP``."""
    p = primary_port(svc)
    if not is_grpc_port(p):
        proto = "HTTPS" if backend_tls(svc, p) else "HTTP"
        return Verdict(policies={"backend_protocol": proto, "app_protocol": proto})
    if not client_tls(svc, p):
        return keep("GRPC_PLAINTEXT", f"port {_ports([p])} serves gRPC without TLS; Application Load Balancers take HTTP/2 from clients only over TLS, so its clients would have to switch to TLS: it stays")
    if backend_tls(svc, p):
        return note(INFO, "GRPC_HTTP2", f"port {p.port} serves gRPC over TLS: the load balancer speaks HTTP/2 over TLS to it (backend protocol HTTP2)", backend_protocol="HTTP2", app_protocol="HTTP2")
    if ctx.strategy == "gateway":
        return note(INFO, "GRPC_H2C", f"port {p.port} serves gRPC whose TLS ends at today's load balancer: the Gateway terminates TLS and speaks cleartext HTTP/2 to it (appProtocol kubernetes.io/h2c)", backend_protocol="H2C", app_protocol="HTTP2")
    return keep("GRPC_H2C_INGRESS", f"port {p.port} serves cleartext gRPC behind TLS that today's load balancer terminates; a GKE Ingress speaks HTTP/2 to backends only over TLS, so it stays (the gateway strategy can move it)")


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
    """Anti-pattern: losing TLS when a passthrough service (TLS in the pod) moves to L7, or
    opening plain HTTP for a service that serves only TLS today. Planner: ``policies.tls``
    true; the entrypoint gets managed certificates for the service's hosts
    (``TLS_MANAGED_CERT``), grouped within the certificate limits. A service whose every
    port is TLS today (443 / 8443, named https* / a tls word, appProtocol https, or TLS at
    today's load balancer) gets ``policies.tls_only`` (``TLS_ONLY``): its routes attach to the
    HTTPS listener only and the HTTP listener redirects its hosts; a service with a plain HTTP
    port keeps plain HTTP. Google-managed certificates are not available on internal
    Application LBs (gke-l7-rilb, gce-internal), so an internal TLS service stays rather than
    lose TLS (``INTERNAL_TLS``)."""
    http = [p for p in svc.ports if is_http_port(p)] or list(svc.ports)
    secured = [client_tls(svc, p) for p in http]
    if not any(secured):
        return Verdict(policies={"tls": False, "tls_only": False})
    if ctx.internal:
        return keep("INTERNAL_TLS", "internal HTTPS: Google-managed certificates are not available on internal Application LBs (gke-l7-rilb / gce-internal), and planner does not drop TLS; it stays until a regional certificate is provided by hand")
    out = note(INFO, "TLS_MANAGED_CERT", "TLS terminates at the new entrypoint with a Google-managed certificate for its host(s) (ManagedCertificate for Ingress, Certificate Manager for Gateway)", tls=True, tls_only=all(secured))
    if all(secured):
        out.notes.append((INFO, "TLS_ONLY", f"serves only TLS today ({_ports(http)}): its routes attach to the HTTPS listener only, and plain HTTP requests for its hosts are redirected to HTTPS"))
    return out


def tls_only_ingress(svc: Service, ctx: Context) -> Verdict:
    """Anti-pattern: opening plain HTTP for a service that serves only TLS today because a GKE
    Ingress cannot attach one host to HTTPS alone: it redirects port 80 to HTTPS for all of its
    hosts or none (FrontendConfig), so in an Ingress that also serves a plain-HTTP host the
    TLS-only host answers on port 80 in cleartext. Planner: under the ingress strategy, or an
    unknown one, a service whose every HTTP port is TLS today stays (``TLS_ONLY_INGRESS``); the
    gateway strategy moves it (its routes attach to the HTTPS listener only, ``TLS_ONLY``)."""
    if ctx.strategy == "gateway" or not serves_only_tls(svc):
        return Verdict()
    return keep("TLS_ONLY_INGRESS", f"serves only TLS today ({_ports(svc.ports)}); a GKE Ingress redirects HTTP to HTTPS for all its hosts or none, so beside plain-HTTP hosts it would answer on port 80 in cleartext: it stays (the gateway strategy can move it, HTTPS only)")


def placeholders(svc: Service, ctx: Context) -> Verdict:
    """Anti-pattern: carrying an unfilled template value (``$VAR``, ``${VAR}``, ``<your
    domain>``, ``{{ .Values.x }}``) into the plan: a placeholder allow-list would be read as
    no allow-list or an invalid one, a placeholder host routes nobody. Planner: a placeholder
    in the source ranges or the external-dns hostname keeps the service with a block note
    (``PLACEHOLDER_VALUE``)."""
    found = [f"source range {_quote(r)}" for r in svc.load_balancer_source_ranges if is_placeholder(r)]
    found += [f"{EXTERNAL_DNS_ANNOTATION} {_quote(h.strip())}" for h in svc.annotations.get(EXTERNAL_DNS_ANNOTATION, "").split(",") if is_placeholder(h)]
    if not found:
        return Verdict()
    message = f"{', '.join(found)} is an unfilled template placeholder; fill it in before planning (planner does not guess)"
    return Verdict(keep=("PLACEHOLDER_VALUE", message), notes=[(BLOCK, "PLACEHOLDER_VALUE", message)])


@functools.lru_cache(maxsize=4096)
def _cidr(raw: str) -> str | None:
    """``raw`` as a CIDR range (None: not one); fleets repeat a few ranges."""
    try:
        return str(ipaddress.ip_network(raw.strip(), strict=False))
    except ValueError:
        return None


def source_ranges(svc: Service, ctx: Context) -> Verdict:
    """Anti-pattern: dropping ``loadBalancerSourceRanges`` or its annotation form
    ``service.beta.kubernetes.io/load-balancer-source-ranges`` (the service becomes open to
    the internet). Planner: the ranges (the spec field wins when both are set, as in
    Kubernetes) go to ``policies.source_ranges`` and become a Cloud Armor policy (allow these,
    deny the rest) — ``SOURCE_RANGES_CLOUD_ARMOR``; ``policies.source_ranges_annotation``
    tells the program to clear the annotation at retire (a ClusterIP Service refuses it). An
    invalid range keeps the service (``INVALID_SOURCE_RANGE``), and so does an internal
    service with ranges (``SOURCE_RANGES_INTERNAL``: planner does not carry the allow-list to
    an internal LB)."""
    if not svc.load_balancer_source_ranges:
        return Verdict()
    where = f"annotation {SOURCE_RANGES_ANNOTATION}" if svc.source_ranges_from_annotation else "loadBalancerSourceRanges"
    ranges: list[str] = []
    for raw in svc.load_balancer_source_ranges:
        cidr = _cidr(raw)
        if cidr is None:
            return keep("INVALID_SOURCE_RANGE", f"{where} entry {_quote(raw)} is not a CIDR range; fix it before moving (planner never drops an allow-list)")
        ranges.append(cidr)
    ranges = sorted(set(ranges))
    if ctx.internal:
        return keep("SOURCE_RANGES_INTERNAL", f"internal service restricted to {', '.join(ranges)}; planner carries allow-lists as Cloud Armor policies on external entrypoints only, so it stays")
    return note(INFO, "SOURCE_RANGES_CLOUD_ARMOR", f"{where} {', '.join(ranges)} become a Cloud Armor policy (allow these, deny the rest)",
                source_ranges=ranges, source_ranges_annotation=svc.source_ranges_from_annotation)


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


def _is_websocket(svc: Service) -> bool:
    return any((p.app_protocol or "").lower() in ("kubernetes.io/ws", "kubernetes.io/wss") or "websocket" in (p.name or "").lower() or (p.name or "").lower().startswith("ws") for p in svc.ports)


def _whole(text: str | None, suffix: str = "") -> int | None:
    """A whole number written in an annotation (``"60"``, or ``"60s"`` with suffix ``s``)."""
    if text is None:
        return None
    value = text.strip()
    if suffix and value.endswith(suffix):
        value = value[: -len(suffix)]
    return int(value) if value.isdigit() and len(value) <= 9 else None


def _idle_timeouts(svc: Service, ctx: Context) -> list[tuple[str, int | None, str]]:
    """Today's timeout settings other than planner's own annotation, strongest first:
    (where, seconds or None when unreadable, raw text)."""
    out: list[tuple[str, int | None, str]] = []
    bc = ctx.backend_config
    if bc is not None and bc.timeout_sec is not None:
        out.append((f"BackendConfig {bc.name} spec.timeoutSec", bc.timeout_sec, str(bc.timeout_sec)))
    ann = svc.annotations.get
    aws = ann(AWS_IDLE_TIMEOUT)
    if aws is not None:
        out.append((AWS_IDLE_TIMEOUT, _whole(aws), aws))
    azure = ann(AZURE_IDLE_TIMEOUT)
    if azure is not None:
        minutes = _whole(azure)
        out.append((f"{AZURE_IDLE_TIMEOUT} (minutes)", minutes * 60 if minutes is not None else None, azure))
    return out


def long_connections(svc: Service, ctx: Context) -> Verdict:
    """Anti-pattern: WebSockets / long requests cut by the L7 LB's 30 s default backend
    timeout, or today's connection timeouts silently dropped. Planner, strongest first:
    ``planner.io/backend-timeout: "<seconds>"`` → ``policies.timeout_sec``
    (``BACKEND_TIMEOUT``); else today's setting is carried (``TIMEOUT_CARRIED``): the GKE
    BackendConfig the Service names (``spec.timeoutSec``, the same backend-service field),
    AWS ``aws-load-balancer-connection-idle-timeout`` (seconds), Azure
    ``azure-load-balancer-tcp-idle-timeout`` (minutes); a WebSocket port (appProtocol
    ``kubernetes.io/ws[s]`` or a port named ws*/websocket) → 3600 s (``WEBSOCKET_TIMEOUT``),
    which an idle timeout does not shorten (on an L7 LB the backend timeout caps a
    WebSocket's life). A setting not used, or unreadable, gets ``TIMEOUT_NOT_CARRIED``; a bad
    planner annotation ``INVALID_BACKEND_TIMEOUT``."""
    out = Verdict()
    ann = svc.annotations.get(TIMEOUT_ANNOTATION)
    chosen = None
    if ann is not None:
        value = _whole(ann, "s")
        if value is not None and 1 <= value <= MAX_TIMEOUT_SEC:
            chosen = TIMEOUT_ANNOTATION
            out.notes.append((INFO, "BACKEND_TIMEOUT", f"backend timeout {value}s from {TIMEOUT_ANNOTATION}"))
            out.policies["timeout_sec"] = value
        else:
            out.notes.append((WARN, "INVALID_BACKEND_TIMEOUT", f"{TIMEOUT_ANNOTATION} value {ann[:40]!r} is not a number of seconds between 1 and {MAX_TIMEOUT_SEC}; ignored"))
    websocket = _is_websocket(svc)
    for where, seconds, raw in _idle_timeouts(svc, ctx):
        carries_as_is = where.startswith("BackendConfig") or not websocket
        if seconds is None or not 1 <= seconds <= MAX_TIMEOUT_SEC:
            out.notes.append((WARN, "TIMEOUT_NOT_CARRIED", f"{where} value {raw[:40]!r} is not a timeout between 1 and {MAX_TIMEOUT_SEC} s; not carried: check the new backend timeout"))
        elif chosen is None and carries_as_is:
            chosen = where
            out.notes.append((INFO, "TIMEOUT_CARRIED", f"backend timeout {seconds}s carried from {where}"))
            out.policies["timeout_sec"] = seconds
        else:
            why = f"{chosen} sets the timeout" if chosen else f"WebSocket port: the {WEBSOCKET_TIMEOUT_SEC}s backend timeout caps a connection's life on the new load balancer, an idle timeout does not"
            out.notes.append((WARN, "TIMEOUT_NOT_CARRIED", f"{where} {seconds}s not carried ({why}); check the new backend timeout"))
    if websocket and chosen is None:
        out.notes.append((WARN, "WEBSOCKET_TIMEOUT", f"WebSocket port: backend timeout set to {WEBSOCKET_TIMEOUT_SEC}s (the {DEFAULT_TIMEOUT_SEC}s default would cut connections); connections still end at {WEBSOCKET_TIMEOUT_SEC}s"))
        out.policies["timeout_sec"] = WEBSOCKET_TIMEOUT_SEC
    return out


def backend_config_name(svc: Service) -> str | None:
    """The BackendConfig the Service's ``cloud.google.com/backend-config`` (or ``beta.``)
    annotation names for its routed port: ``{"ports": {"<port or name>": name}}`` first, then
    ``{"default": name}``. ``""`` when the annotation is there but names none (unreadable)."""
    raw = next((svc.annotations[a] for a in BACKEND_CONFIG_ANNOTATIONS if a in svc.annotations), None)
    if raw is None:
        return None
    try:
        doc = json.loads(raw)
    except ValueError:
        return ""
    if not isinstance(doc, dict):
        return ""
    p = primary_port(svc) if svc.ports else None
    ports = doc.get("ports") if isinstance(doc.get("ports"), dict) else {}
    for k in ((str(p.port), p.name) if p else ()):
        if k and isinstance(ports.get(k), str) and ports[k]:
            return ports[k]
    default = doc.get("default")
    return default if isinstance(default, str) and default else ""


def _draining(svc: Service, ctx: Context) -> tuple[str, int | None, str] | None:
    """Today's connection draining: (where, seconds or None when unreadable, raw text)."""
    bc = ctx.backend_config
    if bc is not None and bc.draining_sec is not None:
        return (f"BackendConfig {bc.name} spec.connectionDraining.drainingTimeoutSec", bc.draining_sec, str(bc.draining_sec))
    ann = svc.annotations.get
    if ann(AWS_DRAINING_ENABLED, "").strip().lower() == "true":
        raw = ann(AWS_DRAINING_TIMEOUT)
        return (AWS_DRAINING_TIMEOUT, _whole(raw) if raw is not None else AWS_DRAINING_DEFAULT_SEC, raw or str(AWS_DRAINING_DEFAULT_SEC))
    return None


def connection_draining(svc: Service, ctx: Context) -> Verdict:
    """Anti-pattern: losing connection draining (in-flight requests cut when Pods go) or the
    rest of a BackendConfig without a word. Planner: the BackendConfig's
    ``connectionDraining.drainingTimeoutSec`` or AWS connection draining
    (``aws-load-balancer-connection-draining-*``, 300 s when enabled without a timeout) →
    ``policies.draining_sec`` (GCPBackendPolicy / BackendConfig ``connectionDraining``, up to
    3600 s) — ``DRAINING_CARRIED``; beyond that or unreadable ``DRAINING_NOT_CARRIED``. A
    BackendConfig the Service names but the inventory lacks → ``BACKEND_CONFIG_NOT_READ``;
    its settings planner does not carry (iap, cdn, healthCheck...) →
    ``BACKEND_CONFIG_SETTINGS_NOT_CARRIED``."""
    out = Verdict()
    name = backend_config_name(svc)
    bc = ctx.backend_config
    if name is not None and bc is None:
        what = f"names BackendConfig {_quote(name)}, which is not in the inventory" if name else "is not readable JSON naming a BackendConfig"
        out.notes.append((WARN, "BACKEND_CONFIG_NOT_READ", f"its backend-config annotation {what}; its timeout and draining are not carried: check them on the new backend"))
    if bc is not None and bc.other_settings:
        out.notes.append((WARN, "BACKEND_CONFIG_SETTINGS_NOT_CARRIED", f"BackendConfig {bc.name} also sets {', '.join(bc.other_settings)}; planner does not carry these: set them on the new backend policy by hand"))
    found = _draining(svc, ctx)
    if found is not None:
        where, seconds, raw = found
        if seconds is not None and 0 <= seconds <= MAX_DRAINING_SEC:
            out.notes.append((INFO, "DRAINING_CARRIED", f"connection draining {seconds}s carried from {where}"))
            out.policies["draining_sec"] = seconds
        else:
            out.notes.append((WARN, "DRAINING_NOT_CARRIED", f"{where} value {raw[:40]!r} is not a draining time between 0 and {MAX_DRAINING_SEC} s; not carried"))
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
    well_known_ports,
    protocol,
    extra_http_ports,
    backend_protocol,
    visibility,
    nonstandard_ports,
    tls,
    tls_only_ingress,
    placeholders,
    source_ranges,
    client_ip,
    session_affinity,
    long_connections,
    connection_draining,
    pinned_ip,
    already_routed,
]


def reserved_addresses(svc: Service) -> tuple[str, ...]:
    """The addresses ``svc`` pins (its ``loadBalancerIP``, its reserved-address annotation's
    names), sorted: left reserved and unused once it moves."""
    if not (svc.load_balancer_ip or RESERVED_ADDRESS_ANNOTATION in svc.annotations):
        return ()
    return tuple(sorted({svc.load_balancer_ip or "", *(a.strip() for a in svc.annotations.get(RESERVED_ADDRESS_ANNOTATION, "").split(","))} - {""}))


def uses_entrypoint(svc: Service, internal: bool) -> bool:
    """Whether :func:`evaluate` may read ``ctx.entrypoint`` / ``ctx.address`` for ``svc``
    (``visibility`` for an internal service, ``pinned_ip`` for a pinned address); when not,
    its verdict is the same for every strategy."""
    return bool(internal or svc.load_balancer_ip or svc.annotations.get(RESERVED_ADDRESS_ANNOTATION, "").strip())


def uses_strategy(svc: Service) -> bool:
    """Whether :func:`evaluate` may read ``ctx.strategy`` for ``svc`` (``backend_protocol``
    for gRPC whose TLS today's load balancer terminates; ``tls_only_ingress`` for a service
    that serves only TLS); when not, the verdict is the same for every strategy (the memo key
    needs the strategy only when this is true)."""
    return (bool(svc.annotations.get(AWS_SSL_CERT, "").strip()) and any(is_grpc_port(p) for p in svc.ports)) or serves_only_tls(svc)


def strategy_shape(svc: Service) -> tuple:
    """What :func:`uses_strategy` reads of ``svc`` besides its ports (the two annotations of
    :func:`lb_terminates_tls`): services with equal ports and equal shapes get equal answers."""
    ann = svc.annotations.get
    return (ann(AWS_SSL_CERT), ann(AWS_SSL_PORTS))


#: What the rules read of a Service's annotations (the rest of what they read is in the key).
_KEY_ANNOTATIONS = (
    OPT_OUT_ANNOTATION, OPT_OUT_REASON_ANNOTATION, GLOBAL_ACCESS_ANNOTATION, TIMEOUT_ANNOTATION, RESERVED_ADDRESS_ANNOTATION,
    AWS_SSL_CERT, AWS_SSL_PORTS, AWS_BACKEND_PROTOCOL, AWS_IDLE_TIMEOUT, AZURE_IDLE_TIMEOUT,
    AWS_DRAINING_ENABLED, AWS_DRAINING_TIMEOUT, *BACKEND_CONFIG_ANNOTATIONS,
)
_KEY_SET = frozenset(_KEY_ANNOTATIONS)
_DEFAULT_RULES = list(RULES)  # a copy, compared by content: RULES changed in place differs from it


def evaluation_key(svc: Service) -> tuple | None:
    """Everything of ``svc`` the rules read: two services with equal keys (and equal
    contexts) get equal verdicts, so the planner evaluates each key once. None when
    :data:`RULES` is not the default list (a rule added at run time may read more). Labels,
    selector, namespace and name are read only through :func:`controller_evidence`."""
    if RULES != _DEFAULT_RULES:
        return None
    ann = svc.annotations.get
    # the external-dns hostname is read only by ``placeholders`` (for a placeholder): most
    # hostnames are unique, and keying on them would evaluate every service alone
    hosts = ann(EXTERNAL_DNS_ANNOTATION)
    return (
        svc.ports, tuple(sorted([kv for kv in svc.annotations.items() if kv[0] in _KEY_SET])), hosts if hosts and is_placeholder(hosts) else None, controller_evidence(svc),
        svc.load_balancer_ip, svc.load_balancer_source_ranges, svc.source_ranges_from_annotation,
        svc.external_traffic_policy, svc.session_affinity,
    )


def evaluate(svc: Service, ctx: Context | None = None) -> Verdict:
    """Run every rule; the first keep wins and the notes of the others are dropped (they
    describe a move that will not happen). The keeping rule's own notes stay (a block note
    such as ``PLACEHOLDER_VALUE``)."""
    ctx = ctx or Context(internal=is_internal(svc))
    out = Verdict(policies=default_policies())
    for rule in RULES:
        v = rule(svc, ctx)
        if v.keep:
            return Verdict(keep=v.keep, notes=list(v.notes), policies=default_policies())
        out.notes.extend(v.notes)
        out.policies.update(v.policies)
    return out


# --- facts from the rest of the inventory (the core passes them in Context) --------------


class _FactIndex:
    """The inventory's Istio Gateways, Gateway API Gateways and BackendConfigs, indexed so
    that :func:`context_facts` costs a few dict look-ups per Service."""

    def __init__(self, inv: Inventory):
        self.istio: dict[tuple[str, str, str], list] = {}  # (cluster, label, value) of a selector's first pair
        for g in inv.mesh_gateways:
            if g.selector:
                k, v = g.selector[0]
                self.istio.setdefault((g.cluster, k, v), []).append(g)
        self.gw_names: dict[tuple[str, str, str], list[str]] = {}  # (cluster, ns, Service name) -> evidence
        self.gw_labels: dict[tuple[str, str, str], str] = {}  # (cluster, ns, gateway name) -> Gateway ref
        self.gw_addresses: dict[tuple[str, str], list[str]] = {}
        for gw in inv.gateways:
            ref = f"Gateway {gw.namespace}/{gw.name}"
            self.gw_labels[(gw.cluster, gw.namespace, gw.name)] = ref
            for svc_name in (f"{gw.name}-{gw.gateway_class}", f"cilium-gateway-{gw.name}"):
                self.gw_names.setdefault((gw.cluster, gw.namespace, svc_name), []).append(f"{ref} (class {gw.gateway_class}) is served by a Service of this name")
            for a in gw.addresses:
                self.gw_addresses.setdefault((gw.cluster, a), []).append(f"{ref} (class {gw.gateway_class}) has its address {a[:60]}")
        self.backend_configs = {bc.key: bc for bc in inv.backend_configs}
        self.matched: set[tuple] = set()  # keys of the Istio Gateways a Service's selector matched
        #: no Istio or Gateway API Gateway at all: no Service has mesh evidence
        self.no_gateways = not (self.istio or self.gw_names or self.gw_addresses or self.gw_labels)

    def mesh_evidence(self, svc: Service) -> tuple[str, ...]:
        if self.no_gateways:
            return ()
        found: set[str] = set()
        sel = svc.selector
        for k, v in sel.items():
            for g in self.istio.get((svc.cluster, k, v), ()):
                if all(sel.get(a) == b for a, b in g.selector):
                    self.matched.add(g.key)
                    found.add(f"Istio Gateway {g.namespace}/{g.name} selects its Pods ({', '.join(f'{a}={b}' for a, b in g.selector)[:120]})")
        found.update(self.gw_names.get((svc.cluster, svc.namespace, svc.name), ()))
        for a in svc.status_addresses:
            found.update(self.gw_addresses.get((svc.cluster, a), ()))
        labels = svc.labels
        for label, ns_label in (("gateway.networking.k8s.io/gateway-name", None), ("gateway.envoyproxy.io/owning-gateway-name", "gateway.envoyproxy.io/owning-gateway-namespace"), ("io.cilium.gateway/owning-gateway", None)):
            name = labels.get(label)
            if name is not None:
                ref = self.gw_labels.get((svc.cluster, labels.get(ns_label, svc.namespace) if ns_label else svc.namespace, name))
                if ref:
                    found.add(f"{ref} is served by it (label {label})")
        return tuple(sorted(found))

    def backend_config(self, svc: Service) -> BackendConfig | None:
        if not self.backend_configs:
            return None
        name = backend_config_name(svc)
        return self.backend_configs.get((svc.cluster, svc.namespace, name)) if name else None


_INDEX_CACHE: list = [None]  # (weak reference to the inventory, sizes, _FactIndex)


def _fact_index(inv: Inventory) -> _FactIndex:
    sizes = (len(inv.mesh_gateways), len(inv.gateways), len(inv.backend_configs))
    cached = _INDEX_CACHE[0]
    if cached is not None and cached[0]() is inv and cached[1] == sizes:
        return cached[2]
    index = _FactIndex(inv)
    _INDEX_CACHE[0] = (weakref.ref(inv), sizes, index)
    return index


def unmatched_mesh_gateways(inv: Inventory) -> list[Note]:
    """An info note per Istio Gateway whose selector matched no LoadBalancer Service's Pods
    (asked after :func:`context_facts` has seen every LoadBalancer Service): read, used as
    evidence for nothing, so the user hears of it."""
    index = _fact_index(inv)
    out = []
    for g in inv.mesh_gateways:
        if g.key in index.matched:
            continue
        sel = ", ".join(f"{a}={b}" for a, b in g.selector)[:120] or "no selector"
        out.append(Note(INFO, g.ref, "MESH_GATEWAY_UNMATCHED", f"selects Pods ({sel}) that no LoadBalancer Service read here selects; nothing to plan for it (its gateway Service may be ClusterIP or NodePort, or in another inventory)"))
    return out


def context_facts(svc: Service, inv: Inventory) -> dict:
    """What the rules need from the rest of the inventory, as :class:`Context` keyword
    arguments: ``mesh_evidence`` (an Istio Gateway whose selector matches the Service's
    selector; a Gateway API Gateway the Service serves, by name, address or owner label) and
    ``backend_config`` (the BackendConfig its backend-config annotation names, if read).
    Both are hashable: put them in the verdict memo key. The index behind it is built once
    per inventory."""
    index = _fact_index(inv)
    return {"mesh_evidence": index.mesh_evidence(svc), "backend_config": index.backend_config(svc)}
