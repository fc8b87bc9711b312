"""One ingress-nginx Ingress → plan routes, backend policies, TLS hosts, notes and a decision.

``translate_ingress`` runs every registered translator (one per feature module) over the
Ingress's ``nginx.ingress.kubernetes.io/*`` annotations, builds the routes in the plan
contract's shape (``source: "nginx"``), and keeps the Ingress (``decision: "keep"``, reason
``NGINX_UNTRANSLATABLE``) when any annotation or path blocks. ``translate_all`` does what needs
several Ingresses at once: canaries merge into their primary, ``use-regex`` spreads over the
host, and backends reached with different policies keep the later Ingress.
"""
from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Iterable, Mapping

from planner.model import INFO, Ingress, Note, Service
from planner.nginx import affinity, auth, backend_protocol, canary, cors, iprange, limits, misc, redirect, rewrite, snippets, timeouts  # noqa: F401  (registers the translators)
from planner.nginx.base import BLOCKED, F5_PREFIX, NOTED, PREFIX, REGISTRY, WARNED, Ctx, Outcome, full
from planner.nginx.canary import CanarySpec, canary_spec, is_canary

DEFAULT_GATEWAY_CLASS = "gke-l7-global-external-managed"
#: cert-manager marks: its HTTP-01 renewals are solved through the nginx controller, which retires
CERT_MANAGER_ANNOTATIONS = ("cert-manager.io/cluster-issuer", "cert-manager.io/issuer", "kubernetes.io/tls-acme")
PATH_TYPES = {"Prefix": "PathPrefix", "Exact": "Exact", "ImplementationSpecific": "PathPrefix", None: "PathPrefix"}
MIGRATE, KEEP = "migrate", "keep"
HOSTNAME = re.compile(r"^(\*\.)?([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


@dataclass(frozen=True)
class TlsHost:
    """How the Gateway terminates TLS for one host: ``secret`` (the Ingress's Kubernetes Secret
    as a listener certificateRef; GKE's single-cluster Gateway classes accept Secrets) or
    ``google-managed`` (a Certificate Manager certificate), and why."""

    host: str
    mode: str  # secret | google-managed
    secret: str | None
    namespace: str
    why: str

    def to_dict(self) -> dict:
        return {"host": self.host, "mode": self.mode, "secret": self.secret, "namespace": self.namespace, "why": self.why}


@dataclass(frozen=True)
class BackendPolicy:
    """Policy keys for one backend Service (merged into ``services[].policies``)."""

    namespace: str
    service: str
    policy: Mapping[str, object]

    def to_dict(self) -> dict:
        return {"namespace": self.namespace, "service": self.service, **{k: self.policy[k] for k in sorted(self.policy)}}


@dataclass(frozen=True)
class AnnotationFate:
    annotation: str  # the full annotation key
    fate: str  # translated | noted | warned | blocked
    code: str


@dataclass(frozen=True)
class Translation:
    """What planner makes of one nginx Ingress."""

    ingress: str  # "Ingress cluster/namespace/name"
    key: tuple[str, str, str]
    decision: str  # migrate | keep
    reason: tuple[str, str] | None  # (code, message) when kept
    routes: tuple[dict, ...]
    policies: tuple[BackendPolicy, ...]
    tls: tuple[TlsHost, ...]
    notes: tuple[Note, ...]
    fates: tuple[AnnotationFate, ...]
    canary: CanarySpec | None = None  # set on a canary Ingress (its routes merge into the primary's)
    hosts: tuple[str, ...] = field(default=())

    @property
    def migrates(self) -> bool:
        return self.decision == MIGRATE


def nginx_annotations(ing: Ingress) -> dict[str, str]:
    """The Ingress's ``nginx.ingress.kubernetes.io/*`` annotations by suffix."""
    return {k[len(PREFIX):]: v for k, v in ing.annotations.items() if k.startswith(PREFIX)}


def run_translators(ctx: Ctx) -> list[Outcome]:
    """Every registered translator, then one warn per annotation none of them owns."""
    out: list[Outcome] = []
    for t in REGISTRY:
        out.extend(t.fn(ctx))
    for key in sorted(ctx.ann):
        if not any(t.owns(key) for t in REGISTRY):
            out.append(Outcome(WARNED, (key,), code="NGINX_UNKNOWN_ANNOTATION", message=f"{full(key)} is not an annotation planner knows; whatever it does is not carried"))
    return out


def _services(services: Mapping[str, Service] | Iterable[Service]) -> dict[str, Service]:
    return dict(services) if isinstance(services, Mapping) else {s.name: s for s in services}


def _resolve_port(svc: Service, port: int | str | None) -> int | None:
    if isinstance(port, int):
        return port if any(p.port == port for p in svc.ports) else None
    named = [p.port for p in svc.ports if p.name == port]
    if port is None and len(svc.ports) == 1:
        return svc.ports[0].port
    return named[0] if named else None


def path_blockers(ing: Ingress, services: dict[str, Service]) -> list[Outcome]:
    """Structure nginx serves that a shared Gateway cannot take as is."""
    out: list[Outcome] = []
    if ing.default_backend or any(not p.host for p in ing.paths):
        out.append(Outcome(BLOCKED, (), code="NGINX_HOSTLESS", message="a default backend or a rule without a host: nginx serves it for every host it does not know; on a shared Gateway it would catch other hosts' traffic"))
    if not ing.paths and not ing.default_backend:
        out.append(Outcome(BLOCKED, (), code="NGINX_HOSTLESS", message="no rules to route"))
    bad_hosts = sorted({p.host for p in ing.paths if p.host and not HOSTNAME.match(p.host)})
    if bad_hosts:
        out.append(Outcome(BLOCKED, (), code="NGINX_INVALID_HOST", message=f"host {bad_hosts[0][:80]!r} is not a DNS name a Gateway route can carry"))
    seen: dict[tuple, set] = defaultdict(set)
    for p in ing.paths:
        if p.path_type not in PATH_TYPES:
            out.append(Outcome(BLOCKED, (), code="NGINX_PATH_TYPE", message=f"path {p.path!r} has pathType {str(p.path_type)[:40]!r}, which is not a Kubernetes path type"))
        if not p.path.startswith("/"):
            out.append(Outcome(BLOCKED, (), code="NGINX_PATH_TYPE", message=f"path {p.path[:80]!r} does not start with /"))
        seen[(p.host, p.path, PATH_TYPES.get(p.path_type))].add((p.service, p.port))
        out.extend(_backend_blockers(p.service, p.port, services))
    clash = sorted(f"{h}{path}" for (h, path, _), b in seen.items() if len(b) > 1)
    if clash:
        out.append(Outcome(BLOCKED, (), code="NGINX_ROUTE_CLASH", message=f"{', '.join(clash)} is routed to more than one backend within this Ingress"))
    if any(p.path_type in ("ImplementationSpecific", None) for p in ing.paths):
        out.append(Outcome(NOTED, (), code="NGINX_IMPLEMENTATION_SPECIFIC", message="pathType ImplementationSpecific (or none): nginx matches it as a prefix, and so does the route (PathPrefix)"))
    return out


def _backend_blockers(name: str | None, port, services: dict[str, Service]) -> list[Outcome]:
    if name is None:
        return [Outcome(BLOCKED, (), code="NGINX_BACKEND_UNRESOLVED", message="a rule's backend is not a Service (resource backend); a Gateway route cannot carry it")]
    svc = services.get(name)
    if svc is None:
        return [Outcome(BLOCKED, (), code="NGINX_BACKEND_UNRESOLVED", message=f"backend Service {name!r} is not in the inventory; planner cannot check its port")]
    if svc.type == "ExternalName":
        return [Outcome(BLOCKED, (), code="NGINX_BACKEND_UNRESOLVED", message=f"backend Service {name!r} is ExternalName; nginx proxies to it, a GKE Gateway cannot route to it")]
    if _resolve_port(svc, port) is None:
        return [Outcome(BLOCKED, (), code="NGINX_BACKEND_UNRESOLVED", message=f"backend port {str(port)[:40]!r} is not a port of Service {name!r}")]
    return []


def _route_effects(outcomes: list[Outcome]) -> dict[str, object]:
    """Route keys the translators set, in registry order (a later translator wins)."""
    effects: dict[str, object] = {}
    for o in outcomes:
        if o.fate != BLOCKED:
            effects.update(o.route)
    return effects


def build_routes(ing: Ingress, services: dict[str, Service], outcomes: list[Outcome]) -> list[dict]:
    """Plan-contract routes: one per host × path (aliases included), then the translators'
    extra routes (app-root, www twins); named ``<ingress>-<n>`` in order."""
    effects = _route_effects(outcomes)
    aliases = [h for o in outcomes if o.fate != BLOCKED for h in o.extra_hosts]
    tls_hosts = set(ing.tls_hosts)
    routes: list[dict] = []
    for p in ing.paths:
        if not p.host or p.service not in services:
            continue
        port = _resolve_port(services[p.service], p.port)
        for host in [p.host, *aliases]:
            r = {"host": host, "path": p.path, "path_type": PATH_TYPES.get(p.path_type, "PathPrefix"), "namespace": ing.namespace,
                 "service": p.service, "port": port, "name": "", "source": "nginx", "https_only": p.host in tls_hosts, "rewrite": None, "origin": ing.ref}
            r.update(effects)
            routes.append(r)
    routes.extend(_extra_routes(ing, routes, outcomes, effects))
    routes.sort(key=lambda r: (r["host"] or "", r["path"], r["path_type"], bool(r.get("headers")), r["service"] or ""))
    for i, r in enumerate(routes):
        r["name"] = f"{ing.name}-{i + 1}"
    return routes


def _extra_routes(ing: Ingress, routes: list[dict], outcomes: list[Outcome], effects: dict) -> list[dict]:
    out: list[dict] = []
    firsts = {r["host"]: r for r in reversed(routes)}  # the host's first route: its backend and https_only
    for o in outcomes:
        if o.fate == BLOCKED:
            continue
        for extra in o.extra_routes:
            for host, base in sorted(firsts.items()):
                if "host" in extra and extra["host"] in firsts:
                    continue  # the twin is already routed by the Ingress itself
                r = {**base, **{k: v for k, v in effects.items() if k != "redirect"}, **extra}
                if "host" not in extra:
                    r["host"] = host
                elif base["host"] != extra["redirect"]["hostname"]:
                    continue
                out.append(r)
    return out


def build_policies(ing: Ingress, outcomes: list[Outcome]) -> tuple[BackendPolicy, ...]:
    merged: dict[str, object] = {}
    for o in outcomes:
        if o.fate != BLOCKED:
            merged.update(o.policy)
    names = sorted({p.service for p in ing.paths if p.service})
    return tuple(BackendPolicy(ing.namespace, n, dict(sorted(merged.items()))) for n in names)


def build_tls(ing: Ingress, routes: list[dict], *, gateway_class: str, internal: bool) -> tuple[list[TlsHost], list[Outcome]]:
    """Per HTTPS host: keep the Ingress's Secret where the Gateway class accepts Secrets (GKE's
    single-cluster classes do, the multi-cluster ``-mc`` ones do not), else Google-managed."""
    secrets = dict(ing.tls_secrets)
    cert_manager = any(a in ing.annotations for a in CERT_MANAGER_ANNOTATIONS)
    https_hosts = sorted({r["host"] for r in routes if r["https_only"] or r["host"] in secrets})
    out: list[TlsHost] = []
    notes: list[Outcome] = []
    for host in https_hosts:
        secret = secrets.get(host) or ""
        if secret and not gateway_class.endswith("-mc") and not cert_manager:
            out.append(TlsHost(host, "secret", secret, ing.namespace, f"Secret {ing.namespace}/{secret} kept as the listener's certificateRef"))
            continue
        why = ("its Secret is renewed by cert-manager through nginx (HTTP-01), which retires" if secret and cert_manager
               else f"{gateway_class} does not take Kubernetes Secrets" if secret else "nginx serves it with its default certificate")
        if internal:
            notes.append(Outcome(BLOCKED, (), code="NGINX_INTERNAL_TLS", message=f"{host}: {why}, and Google-managed certificates are not available on an internal Gateway"))
        elif host.startswith("*."):
            notes.append(Outcome(BLOCKED, (), code="NGINX_TLS_WILDCARD", message=f"{host}: {why}; a Google-managed wildcard certificate needs DNS authorization, which planner does not set up"))
        out.append(TlsHost(host, "google-managed", None, ing.namespace, why))
    if any(t.mode == "secret" for t in out):
        notes.append(Outcome(NOTED, (), code="NGINX_TLS_SECRET", message=f"TLS Secrets kept for {', '.join(t.host for t in out if t.mode == 'secret')}; a Gateway in another namespace needs a ReferenceGrant in {ing.namespace}"))
    if any(t.mode == "google-managed" for t in out):
        notes.append(Outcome(NOTED, (), code="NGINX_TLS_MANAGED", message=f"Google-managed certificate for {', '.join(t.host for t in out if t.mode == 'google-managed')}: DNS must point at the Gateway before it is issued"))
    return out, notes


def _hsts(routes: list[dict]) -> Outcome | None:
    """nginx sends HSTS on HTTPS responses by default (ConfigMap ``hsts: true``): carried as a
    response header on the HTTPS-only routes, so moving does not drop it."""
    hit = [r for r in routes if r["https_only"] and not r.get("redirect")]
    for r in hit:
        headers = dict((r.get("response_headers") or {}).get("set", {}))
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        r["response_headers"] = {"set": dict(sorted(headers.items()))}
    if not hit:
        return None
    return Outcome(NOTED, (), code="NGINX_HSTS", message="nginx's default HSTS header (max-age=31536000; includeSubDomains) is set on the HTTPS routes; drop it if the controller's ConfigMap turned hsts off")


def _fates(outcomes: list[Outcome]) -> tuple[AnnotationFate, ...]:
    return tuple(sorted({AnnotationFate(PREFIX + k, o.fate, o.code) for o in outcomes for k in o.annotations}, key=lambda f: (f.annotation, f.code)))


def _decide(ref: str, outcomes: list[Outcome]) -> tuple[str, tuple[str, str] | None, list[Note]]:
    notes = [Note(o.level, ref, o.code, o.message) for o in outcomes]
    blocks = [o for o in outcomes if o.fate == BLOCKED]
    if not blocks:
        return MIGRATE, None, notes
    codes = sorted({o.code for o in blocks})
    reason = ("NGINX_UNTRANSLATABLE", f"stays on ingress-nginx: {'; '.join(o.message for o in blocks[:3])}" + (f" (+{len(blocks) - 3} more)" if len(blocks) > 3 else ""))
    notes.append(Note(INFO, ref, "NGINX_UNTRANSLATABLE", f"kept: {', '.join(codes)} block the move"))
    return KEEP, reason, notes


def f5_annotations(ing: Ingress) -> list[str]:
    return sorted(a for a in ing.annotations if a.startswith(F5_PREFIX))


def translate_ingress(ing: Ingress, services_in_namespace: Mapping[str, Service] | Iterable[Service], *,
                      gateway_class: str = DEFAULT_GATEWAY_CLASS, internal: bool = False, deny_ranges_supported: bool = False) -> Translation:
    """Translate one ingress-nginx Ingress (see the module docstring)."""
    f5 = f5_annotations(ing)
    if f5:
        msg = f"annotations {', '.join(f5)} are F5 NGINX Ingress Controller's (not the retired ingress-nginx); planner does not translate them, the Ingress stays"
        return Translation(ing.ref, ing.key, KEEP, ("NGINX_F5_CONTROLLER", msg), (), (), (), (Note(INFO, ing.ref, "NGINX_F5_CONTROLLER", msg),), ())
    services = _services(services_in_namespace)
    ctx = Ctx(ing, nginx_annotations(ing), deny_supported=deny_ranges_supported)
    outcomes = run_translators(ctx) + path_blockers(ing, services)
    spec = canary_spec(ctx) if is_canary(ctx) else None
    if spec is not None:
        outcomes = [o for o in outcomes if o.fate == BLOCKED or set(o.annotations) & set(canary.KEYS) or not o.annotations]
    routes = build_routes(ing, services, outcomes)
    tls, tls_notes = build_tls(ing, routes, gateway_class=gateway_class, internal=internal)
    hsts = _hsts(routes)
    outcomes += tls_notes + ([hsts] if hsts else [])
    decision, reason, notes = _decide(ing.ref, outcomes)
    hosts = tuple(sorted({r["host"] for r in routes}))
    return Translation(ing.ref, ing.key, decision, reason, tuple(routes), build_policies(ing, outcomes), tuple(tls), tuple(notes), _fates(outcomes), spec, hosts)
