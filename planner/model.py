"""The plain data passed between planner's stages.

Nothing here imports anything else of planner's. Readers produce an :class:`Inventory`;
pricers turn :class:`Footprint` rows into :class:`CostLine` rows; the consolidation stage
produces the plan (a JSON-ready dict, see ``planner/plan.py`` and ``schema/plan.schema.json``),
which is the only thing renderers read.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Mapping

HOURS_PER_MONTH = Decimal(730)
CENT = Decimal("0.01")

INFO, WARN, BLOCK = "info", "warn", "block"
LEVELS = (INFO, WARN, BLOCK)


def cents(value: Decimal) -> Decimal:
    """Round money to cents, half up (how invoices round)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


#: The characters Gateway API accepts in an ``Exact`` / ``PathPrefix`` value (HTTPRoute CRD).
_PATH_CHARS = re.compile(r"^(?:[-A-Za-z0-9/._~!$&'()*+,;=:@]|%[0-9a-fA-F]{2})+$")
_PATH_FORBIDDEN = ("//", "/./", "/../", "%2f", "%2F", "#")
MAX_PATH = 1024


def path_problem(path: str) -> str | None:
    """Why Gateway API cannot express ``path`` as an Exact / PathPrefix match (None: it can).
    Mirrors the HTTPRoute CRD's validation rules, so a route that passes is one the API
    server accepts; a ``*`` is refused too (Gateway API matches it literally, never as a
    wildcard). Shared by the routes reader and the folding of existing Ingresses."""
    if not path.startswith("/"):
        return "is not absolute (it must start with '/')"
    if len(path) > MAX_PATH:
        return f"is longer than {MAX_PATH} characters"
    for bad in _PATH_FORBIDDEN:
        if bad in path:
            return f"contains {bad!r}"
    if "*" in path:
        return "holds '*', which Gateway API matches literally, not as a wildcard (a prefix route already covers everything below it)"
    if path.endswith(("/..", "/.")):
        return "ends with '/.' or '/..'"
    if not _PATH_CHARS.match(path):
        return "holds characters Gateway API path matches do not allow (regular expressions, '{', '}', spaces...)"
    return None


class PlannerError(Exception):
    """A problem the user can fix (bad input, unknown region...). The CLI prints it on one line
    and exits 2. ``str(err)`` must already name the file / object concerned."""


@dataclass(frozen=True, order=True)
class Source:
    """Where an object was read: file path (``-`` for stdin) and 1-based line when known."""

    file: str
    line: int | None = None

    def __str__(self) -> str:
        return f"{self.file}:{self.line}" if self.line else self.file


@dataclass(frozen=True, order=True)
class Note:
    """Something the user must know: every object read is either planned or carried as a note."""

    level: str  # info | warn | block
    object: str  # e.g. "Service prod/shop/web" or a file path
    code: str  # stable, documented in docs/reasons.md
    message: str

    def to_dict(self) -> dict:
        return {"level": self.level, "object": self.object, "code": self.code, "message": self.message}


@dataclass(frozen=True)
class Cluster:
    name: str
    cloud: str = "gcp"
    project: str = "my-project"
    region: str = "us-central1"


@dataclass(frozen=True)
class Port:
    port: int
    protocol: str = "TCP"  # TCP | UDP | SCTP
    name: str | None = None
    target_port: int | str | None = None
    app_protocol: str | None = None


class _Named:
    """``key`` (cluster, namespace, name) and ``ref`` ("Kind cluster/namespace/name") of a
    namespaced Kubernetes object; ``KIND`` names the kind."""

    KIND = ""
    __slots__ = ()

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.cluster, self.namespace, self.name)

    @property
    def ref(self) -> str:
        return f"{self.KIND} {self.cluster}/{self.namespace}/{self.name}"


@dataclass(frozen=True)
class Service(_Named):
    KIND = "Service"
    cluster: str
    namespace: str
    name: str
    type: str
    ports: tuple[Port, ...]
    source: Source
    annotations: Mapping[str, str] = field(default_factory=dict, compare=False, hash=False)
    labels: Mapping[str, str] = field(default_factory=dict, compare=False, hash=False)
    selector: Mapping[str, str] = field(default_factory=dict, compare=False, hash=False)
    load_balancer_ip: str | None = None
    load_balancer_source_ranges: tuple[str, ...] = ()
    load_balancer_class: str | None = None
    external_traffic_policy: str | None = None
    session_affinity: str | None = None
    status_addresses: tuple[str, ...] = ()  # status.loadBalancer.ingress ip/hostname
    #: ``load_balancer_source_ranges`` came from the ``service.beta.kubernetes.io/
    #: load-balancer-source-ranges`` annotation (``spec.loadBalancerSourceRanges`` was empty)
    source_ranges_from_annotation: bool = False

    @property
    def protocols(self) -> tuple[str, ...]:
        return tuple(sorted({p.protocol for p in self.ports}))


@dataclass(frozen=True)
class IngressPath:
    host: str | None
    path: str
    service: str | None
    port: int | str | None
    path_type: str | None = None  # spec.rules[].http.paths[].pathType as written (None when absent)


@dataclass(frozen=True)
class Ingress(_Named):
    KIND = "Ingress"
    cluster: str
    namespace: str
    name: str
    ingress_class: str  # "gce" when unset (GKE's default)
    paths: tuple[IngressPath, ...]
    tls_hosts: tuple[str, ...]
    has_tls: bool
    source: Source
    default_backend: str | None = None
    annotations: Mapping[str, str] = field(default_factory=dict, compare=False, hash=False)
    status_addresses: tuple[str, ...] = ()  # status.loadBalancer.ingress ip/hostname
    #: (host, secretName) of spec.tls[] entries, sorted; secret "" when the entry names none
    tls_secrets: tuple[tuple[str, str], ...] = ()
    #: neither spec.ingressClassName nor kubernetes.io/ingress.class was set (``ingress_class``
    #: then holds the assumed "gce"; the cluster's default IngressClass may say otherwise)
    class_unset: bool = False


@dataclass(frozen=True)
class GatewayListener:
    name: str
    port: int
    protocol: str  # HTTP | HTTPS | TLS | TCP | UDP
    hostname: str | None = None


@dataclass(frozen=True)
class Gateway(_Named):
    """An existing Gateway API ``Gateway`` (an entrypoint that already exists)."""

    KIND = "Gateway"
    cluster: str
    namespace: str
    name: str
    gateway_class: str
    listeners: tuple[GatewayListener, ...]
    source: Source
    addresses: tuple[str, ...] = ()  # spec.addresses / status.addresses values
    annotations: Mapping[str, str] = field(default_factory=dict, compare=False, hash=False)

    @property
    def has_tls(self) -> bool:
        return any(lst.protocol in ("HTTPS", "TLS") for lst in self.listeners)


@dataclass(frozen=True)
class RouteBackend:
    namespace: str
    service: str
    port: int | None = None


@dataclass(frozen=True)
class HTTPRoute(_Named):
    """An existing Gateway API ``HTTPRoute``; ``parents`` are ``namespace/name`` of Gateways."""

    KIND = "HTTPRoute"
    cluster: str
    namespace: str
    name: str
    parents: tuple[str, ...]
    hostnames: tuple[str, ...]
    paths: tuple[str, ...]
    backends: tuple[RouteBackend, ...]
    source: Source


@dataclass(frozen=True)
class MeshGateway(_Named):
    """An Istio ``Gateway`` (networking.istio.io): it configures the proxies its
    ``spec.selector`` picks, so the LoadBalancer Service in front of those proxies is a mesh
    entrypoint. ``selector`` is sorted (label, value) pairs."""

    KIND = "Istio Gateway"
    cluster: str
    namespace: str
    name: str
    selector: tuple[tuple[str, str], ...]
    source: Source = field(compare=False)


@dataclass(frozen=True)
class BackendConfig(_Named):
    """A GKE ``BackendConfig`` (cloud.google.com): the connection settings planner carries.
    ``other_settings`` names the spec fields planner does not carry (iap, cdn...)."""

    KIND = "BackendConfig"
    cluster: str
    namespace: str
    name: str
    timeout_sec: int | None = None  # spec.timeoutSec
    draining_sec: int | None = None  # spec.connectionDraining.drainingTimeoutSec
    other_settings: tuple[str, ...] = ()
    source: Source = field(default=Source("-"), compare=False)


@dataclass(frozen=True)
class Usage:
    """Traffic through one load balancer in a month, GiB."""

    gib_in: Decimal = Decimal(0)
    gib_out: Decimal = Decimal(0)


@dataclass
class Inventory:
    """Everything read from the user's files, normalised. Sorted by key for determinism."""

    clusters: dict[str, Cluster] = field(default_factory=dict)
    services: list[Service] = field(default_factory=list)  # every Service read (any type)
    ingresses: list[Ingress] = field(default_factory=list)
    gateways: list[Gateway] = field(default_factory=list)  # existing Gateway API Gateways
    routes: list[HTTPRoute] = field(default_factory=list)  # existing HTTPRoutes
    mesh_gateways: list[MeshGateway] = field(default_factory=list)  # Istio Gateways (networking.istio.io)
    backend_configs: list[BackendConfig] = field(default_factory=list)  # GKE BackendConfigs
    ingress_classes: list = field(default_factory=list)  # planner.nginx.detect.IngressClass
    #: clusters whose fleet entry says ``migrate_ingress_nginx: true``
    nginx_clusters: set[str] = field(default_factory=set)
    notes: list[Note] = field(default_factory=list)
    kind_counts: dict[str, int] = field(default_factory=dict)  # every object read, by kind
    files: list[str] = field(default_factory=list)
    usage: dict[tuple[str, str, str], Usage] = field(default_factory=dict)
    #: Billable things found outside Kubernetes objects (e.g. forwarding rules from a gcloud
    #: listing that no Service or Ingress owns). Priced in both the current and proposed cost.
    extra_footprints: list["Footprint"] = field(default_factory=list)
    #: Host/path routes the user designed (``--routes FILE`` or ``planner.io/routes``), in
    #: file order; the consolidation stage applies them to the services they name.
    designed_routes: list["DesignedRoute"] = field(default_factory=list)

    @property
    def load_balancers(self) -> list[Service]:
        return [s for s in self.services if s.type == "LoadBalancer"]


@dataclass(frozen=True)
class Footprint:
    """One billable load balancer as a pricer sees it: what it is, where, how many rules.

    ``owner`` is the object it belongs to (e.g. ``Service c/ns/name`` or ``Gateway gw``);
    ``pool`` groups the rules the cloud bills together (GCP: project + region or ``global``).
    """

    owner: str
    cloud: str
    project: str
    region: str  # a region name, or "global" for GCP global rules
    kind: str  # passthrough | l7 | l7-internal
    forwarding_rules: int
    usage: Usage | None = None
    addresses: int = 1
    #: Cloud-specific detail, optional (defaults keep GCP-only code working):
    #: ``lb_type`` AWS ``clb|nlb|alb``, Azure ``standard``, GCP ``address`` for a reserved IP;
    #: ``group`` footprints with the same group are ONE load balancer (AWS IngressGroup, the
    #: AKS shared LB); ``internal`` no public address; ``azs`` AWS availability zones.
    lb_type: str = ""
    group: str = ""
    internal: bool = False
    azs: int = 0
    #: GCP Envoy-based regional Application LBs (``gke-l7-rilb``, ``gke-l7-regional-external-managed``,
    #: Ingress ``gce-internal``): billed per proxy instance-hour, not in the forwarding-rule pool.
    #: ``proxies`` is the footprint's own proxy count when known (0 = not known: the pool minimum).
    proxy_billed: bool = False
    proxies: int = 0
    #: Where the data processing of a global L7 LB is charged (GCP: the region's rate; there is
    #: no global data-processing rate). "" = ``region``.
    data_region: str = ""
    #: GCP Cloud Armor on the entrypoint: policies and rules (each rule billed per month);
    #: requests are priced from ``usage.requests`` when the Usage carries it.
    armor_policies: int = 0
    armor_rules: int = 0
    #: GCP Certificate Manager certificates and certificate maps the entrypoint creates
    #: (Kubernetes ManagedCertificates and Secrets are free and not counted here).
    certificates: int = 0
    certificate_maps: int = 0

    def like(self, **changes) -> "Footprint":
        """``dataclasses.replace(self, **changes)`` without its per-call field checks and the
        frozen ``__init__``'s setattr per field (footprints are made per Service: a template
        per shape, copied with its owner). Only field names may be changed."""
        if not changes.keys() <= self.__dict__.keys():
            raise TypeError(f"Footprint has no field(s) {', '.join(sorted(changes.keys() - self.__dict__.keys()))}")
        copy = object.__new__(Footprint)
        copy.__dict__.update(self.__dict__, **changes)
        return copy


@dataclass(frozen=True)
class Rate:
    key: str
    usd: Decimal
    unit: str  # hour | GiB | ...
    source: str
    effective: str
    unsure: bool = False
    note: str = ""
    stale: bool = False  # effective more than a year before its table's newest rate

    def to_dict(self) -> dict:
        return {
            "key": self.key,
            "usd": float(self.usd),
            "unit": self.unit,
            "source": self.source,
            "effective": self.effective,
            "unsure": self.unsure,
            "stale": self.stale,
            "note": self.note,
        }


@dataclass(frozen=True)
class CostLine:
    """One charge: what, where, how much of it, at which rate, for a month.

    ``kind`` is the cost component in infracost's shape (one of :data:`COMPONENT_KINDS`);
    ``weights`` (aligned with ``owners``, empty = equal) say how the line splits among its
    owners (forwarding rules per owner of a pool, proxies per owner, ...)."""

    pool: str  # e.g. "gcp my-project us-central1"
    component: str  # e.g. "Forwarding rules 1-5 (flat)"
    unit: str
    quantity: Decimal
    rate: Rate
    monthly_usd: Decimal
    owners: tuple[str, ...] = ()
    kind: str = ""
    weights: tuple[int, ...] = ()

    def to_dict(self) -> dict:
        return {
            "pool": self.pool,
            "component": self.component,
            "kind": self.kind,
            "unit": self.unit,
            "quantity": float(self.quantity),
            "rate_key": self.rate.key,
            "rate_usd": float(self.rate.usd),
            "monthly_usd": float(cents(self.monthly_usd)),
            "unsure": self.rate.unsure,
        }


#: The cost components a CostLine's ``kind`` names (the plan contract's ``cost_components[].component``).
COMPONENT_KINDS = (
    "forwarding_rule", "proxy_instance", "cloud_armor_policy", "cloud_armor_rule", "cloud_armor_requests",
    "static_ip", "data_processing_in", "data_processing_out", "lb_hour", "lcu", "nlcu", "public_ipv4",
    "lb_rule", "certificate",
)


@dataclass(frozen=True)
class DesignedRoute:
    """One host/path route the user designed for a Service (issue: routes the user designs).

    ``service`` is the (cluster, namespace, name) key; ``where`` names the file and line (or
    the Service and its annotation) for error messages; ``source`` is ``routes-file`` or
    ``annotation``."""

    host: str
    path: str
    exact: bool
    service: tuple[str, str, str]
    port: int | None
    rewrite: str | None
    source: str
    where: str

    @property
    def path_type(self) -> str:
        return "Exact" if self.exact else "PathPrefix"
