"""Which Ingresses ingress-nginx serves, through which controller Service(s), per cluster.

An Ingress is ingress-nginx's when its class (``spec.ingressClassName`` or the legacy
``kubernetes.io/ingress.class``) is ``nginx`` or names an IngressClass whose controller is
``k8s.io/ingress-nginx``; a class-less Ingress is when the cluster's default IngressClass
(``ingressclass.kubernetes.io/is-default-class: "true"``) is ingress-nginx. A class whose
IngressClass belongs to F5 NGINX Ingress Controller (``nginx.org/ingress-controller``), or an
Ingress carrying ``nginx.org/*`` annotations, is F5's: reported, never translated.

The controller's Services are found by label or selector (``app.kubernetes.io/name:
ingress-nginx`` + ``app.kubernetes.io/component: controller``; the old chart's ``app:
nginx-ingress``); a release's ``-internal`` twin (an internal load balancer) decides the
visibility of the Ingresses it serves. IngressClass objects are parsed by
:func:`parse_ingress_class` (the inventory reader must call it for kind IngressClass).
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Iterable, Mapping

from planner.model import INFO, WARN, Ingress, Note, Service, Source

NGINX_CONTROLLER = "k8s.io/ingress-nginx"
F5_CONTROLLER = "nginx.org/ingress-controller"
DEFAULT_CLASS_ANNOTATION = "ingressclass.kubernetes.io/is-default-class"
LEGACY_CLASS_ANNOTATION = "kubernetes.io/ingress.class"
INTERNAL_ANNOTATIONS = {
    "networking.gke.io/load-balancer-type": ("internal",),
    "cloud.google.com/load-balancer-type": ("internal",),
    "service.beta.kubernetes.io/aws-load-balancer-internal": ("true", "0.0.0.0/0"),
    "service.beta.kubernetes.io/aws-load-balancer-scheme": ("internal",),
    "service.beta.kubernetes.io/azure-load-balancer-internal": ("true",),
}


@dataclass(frozen=True)
class IngressClass:
    KIND = "IngressClass"
    cluster: str
    name: str
    controller: str
    is_default: bool
    source: Source
    labels: Mapping[str, str] = field(default_factory=dict, compare=False, hash=False)

    @property
    def ref(self) -> str:
        return f"IngressClass {self.cluster}/{self.name}"

    @property
    def namespace(self) -> str:  # cluster-scoped; for the reader's duplicate check
        return ""

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.cluster, "", self.name)


def parse_ingress_class(doc: dict, cluster: str, source: Source) -> tuple[IngressClass | None, list[Note]]:
    """A ``networking.k8s.io/v1`` IngressClass, or None with the note saying why."""
    meta = doc.get("metadata") if isinstance(doc.get("metadata"), dict) else {}
    name = meta.get("name") if isinstance(meta.get("name"), str) and meta.get("name") else None
    if name is None:
        return None, [Note(WARN, f"IngressClass <unnamed> ({source})", "MISSING_NAME", "IngressClass has no metadata.name; left out")]
    spec = doc.get("spec") if isinstance(doc.get("spec"), dict) else {}
    controller = spec.get("controller") if isinstance(spec.get("controller"), str) else ""
    ann = meta.get("annotations") if isinstance(meta.get("annotations"), dict) else {}
    labels = meta.get("labels") if isinstance(meta.get("labels"), dict) else {}
    is_default = str(ann.get(DEFAULT_CLASS_ANNOTATION, "")).strip().lower() == "true"
    return IngressClass(cluster, name, controller, is_default, source, {str(k): str(v) for k, v in labels.items()}), []


def is_controller_service(svc: Service) -> bool:
    """An ingress-nginx controller's load balancer (not its admission webhook)."""
    if svc.type not in ("LoadBalancer", "NodePort"):
        return False
    for m in (svc.labels, svc.selector):
        name = m.get("app.kubernetes.io/name") or m.get("app")
        if name in ("ingress-nginx", "nginx-ingress") and m.get("app.kubernetes.io/component", m.get("component", "controller")) == "controller":
            return True
    return False


def is_internal(svc: Service) -> bool:
    return any(svc.annotations.get(k, "").strip().lower() in vals for k, vals in INTERNAL_ANNOTATIONS.items())


def _instance(labels: Mapping[str, str]) -> str:
    return labels.get("app.kubernetes.io/instance") or labels.get("release") or ""


@dataclass(frozen=True)
class Controller:
    """One controller load-balancer Service of ingress-nginx."""

    ref: str
    key: tuple[str, str, str]
    instance: str
    internal: bool


@dataclass(frozen=True)
class NginxCluster:
    """ingress-nginx in one cluster: its classes, controllers and the Ingresses they serve."""

    cluster: str
    classes: tuple[str, ...]  # class names ingress-nginx serves
    default_is_nginx: bool
    controllers: tuple[Controller, ...]
    ingresses: tuple[tuple[str, str, str], ...]  # keys of ingress-nginx Ingresses
    f5_ingresses: tuple[tuple[str, str, str], ...]
    serves: Mapping[tuple[str, str, str], tuple[str, ...]]  # ingress key -> controller refs
    notes: tuple[Note, ...]

    @property
    def runs_nginx(self) -> bool:
        return bool(self.controllers or self.ingresses)

    def internal(self, ing: Ingress) -> bool:
        """Every controller serving it is internal (unknown controller: external)."""
        refs = self.serves.get(ing.key, ())
        ctl = {c.ref: c for c in self.controllers}
        return bool(refs) and all(ctl[r].internal for r in refs)


def class_controller(ing: Ingress, classes: dict[str, IngressClass], default: IngressClass | None) -> tuple[str | None, str]:
    """(class name, its controller) of an Ingress: the class it names, else the cluster's
    default class; a class ``nginx`` without an IngressClass object is taken as ingress-nginx."""
    explicit = bool(ing.annotations.get(LEGACY_CLASS_ANNOTATION)) or not ing.class_unset
    name = ing.ingress_class if explicit else (default.name if default else None)
    if name is None:
        return None, ""
    ic = classes.get(name)
    return name, ic.controller if ic else (NGINX_CONTROLLER if name == "nginx" else "")


def classify(ing: Ingress, classes: dict[str, IngressClass], default: IngressClass | None) -> str:
    """``nginx`` | ``f5`` | ``other`` for one Ingress."""
    _, controller = class_controller(ing, classes, default)
    if controller == F5_CONTROLLER or (controller == NGINX_CONTROLLER and any(a.startswith("nginx.org/") for a in ing.annotations)):
        return "f5"
    return "nginx" if controller == NGINX_CONTROLLER else "other"


def _serving(classes: dict[str, IngressClass], controllers: list[Controller]) -> dict[str, tuple[str, ...]]:
    """Class name → refs of the controller Services serving it (by release instance label;
    a single release serves every ingress-nginx class)."""
    by_instance: dict[str, list[str]] = defaultdict(list)
    for c in controllers:
        by_instance[c.instance].append(c.ref)
    out: dict[str, tuple[str, ...]] = {}
    names = {n for n, ic in classes.items() if ic.controller == NGINX_CONTROLLER} | {"nginx"}
    for name in sorted(names):
        inst = _instance(classes[name].labels) if name in classes else ""
        if inst in by_instance:
            out[name] = tuple(sorted(by_instance[inst]))
        elif len(by_instance) == 1:
            out[name] = tuple(sorted(next(iter(by_instance.values()))))
    return out


def detect_cluster(cluster: str, ingresses: Iterable[Ingress], services: Iterable[Service], ingress_classes: Iterable[IngressClass] = ()) -> NginxCluster:
    """ingress-nginx's footprint in ``cluster`` (see the module docstring)."""
    classes = {c.name: c for c in ingress_classes if c.cluster == cluster}
    defaults = [c for c in classes.values() if c.is_default]
    default = defaults[0] if len(defaults) == 1 else None
    controllers = sorted((Controller(s.ref, s.key, _instance(s.labels) or _instance(s.selector), is_internal(s)) for s in services if s.cluster == cluster and is_controller_service(s)), key=lambda c: c.key)
    serving = _serving(classes, controllers)
    nginx, f5, notes = [], [], []
    serves: dict[tuple, tuple[str, ...]] = {}
    for ing in sorted((i for i in ingresses if i.cluster == cluster), key=lambda i: i.key):
        kind = classify(ing, classes, default)
        if kind == "f5":
            f5.append(ing.key)
            notes.append(Note(INFO, ing.ref, "NGINX_F5_CONTROLLER", f"nginx.org/* annotations ({', '.join(sorted(a for a in ing.annotations if a.startswith('nginx.org/')))}): served by F5 NGINX Ingress Controller, which is not retired; not translated"))
        elif kind == "nginx":
            nginx.append(ing.key)
            serves[ing.key] = serving.get(class_controller(ing, classes, default)[0] or "", ())
            notes.extend(_visibility_notes(ing, serves[ing.key], controllers))
    if nginx and not controllers:
        notes.append(Note(WARN, f"cluster {cluster}", "NGINX_CONTROLLER_NOT_FOUND", f"{len(nginx)} ingress-nginx Ingress(es) but no controller Service in the inventory; its load balancer cannot be priced or retired"))
    classes_served = tuple(sorted(n for n in serving) if controllers else sorted({n for n, c in classes.items() if c.controller == NGINX_CONTROLLER}))
    return NginxCluster(cluster, classes_served, bool(default and default.controller == NGINX_CONTROLLER), tuple(controllers), tuple(nginx), tuple(f5), serves, tuple(notes))


def _visibility_notes(ing: Ingress, refs: tuple[str, ...], controllers: list[Controller]) -> list[Note]:
    internal = {c.ref: c.internal for c in controllers}
    kinds = {internal[r] for r in refs}
    if kinds == {True, False}:
        return [Note(WARN, ing.ref, "NGINX_MIXED_VISIBILITY", f"served by external and internal controller Services ({', '.join(refs)}); it moves to the external Gateway, so internal clients reach it at the external address")]
    return []


def detect(ingresses: Iterable[Ingress], services: Iterable[Service], ingress_classes: Iterable[IngressClass] = (), clusters: Iterable[str] = ()) -> dict[str, NginxCluster]:
    """:func:`detect_cluster` for every cluster named or seen, by name."""
    ingresses, services, ingress_classes = list(ingresses), list(services), list(ingress_classes)
    names = set(clusters) | {i.cluster for i in ingresses} | {s.cluster for s in services}
    return {c: detect_cluster(c, ingresses, services, ingress_classes) for c in sorted(names)}


@dataclass(frozen=True)
class Retirement:
    """Whether the program may patch a controller Service (retire phase) and, if not, why."""

    controller: str
    key: tuple[str, str, str]
    retire: bool
    reason: str
    staying: tuple[str, ...] = ()  # refs of Ingresses it still serves


def retirements(nc: NginxCluster, translations: Iterable) -> list[Retirement]:
    """A controller Service retires only when every Ingress it serves migrates (and none of its
    classes' Ingresses is unassigned); otherwise it stays, naming the Ingresses that keep it."""
    moved = {t.key for t in translations if t.migrates}
    refs_of = {t.key: t.ingress for t in translations}
    unassigned = [k for k in nc.ingresses if not nc.serves.get(k)]
    out: list[Retirement] = []
    for c in nc.controllers:
        served = [k for k, refs in nc.serves.items() if c.ref in refs]
        staying = tuple(sorted(refs_of.get(k, f"Ingress {'/'.join(k)}") for k in served if k not in moved))
        if staying:
            out.append(Retirement(c.ref, c.key, False, f"still serves {len(staying)} Ingress(es) that stay on ingress-nginx", staying))
        elif unassigned:
            out.append(Retirement(c.ref, c.key, False, f"{len(unassigned)} ingress-nginx Ingress(es) could not be tied to a controller; it may serve them"))
        else:
            out.append(Retirement(c.ref, c.key, True, f"every Ingress it serves ({len(served)}) moves to the Gateway"))
    return out
