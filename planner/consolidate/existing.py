"""Existing entrypoints: who already routes to which Service, and which GKE Ingresses fold.

An existing GKE Ingress (class ``gce`` / ``gce-internal``) is a load balancer of its own. Under
the ``gateway`` strategy it is *folded* by default: its host/path rules become routes on the
new Gateway of its cluster and visibility, its forwarding rules are priced as retired, and the
retire phase deletes it (a manual ``kubectl delete ingress``, listed in the runbook). It is
kept, with a reason, when folding would change behaviour planner cannot carry over.
"""
from __future__ import annotations

from collections import defaultdict

from planner.model import Ingress, Inventory

GKE_CLASSES = {"gce": False, "gce-internal": True}  # class -> internal
#: Ingress annotations whose behaviour a plain HTTPRoute does not carry.
UNSUPPORTED_ANNOTATIONS = (
    "networking.gke.io/v1beta1.FrontendConfig",
    "ingress.gcp.kubernetes.io/pre-shared-cert",
    "networking.gke.io/managed-certificates",
    "kubernetes.io/ingress.allow-http",
)
STATIC_IP_ANNOTATIONS = ("kubernetes.io/ingress.global-static-ip-name", "kubernetes.io/ingress.regional-static-ip-name")


def routed_by(inv: Inventory) -> dict[tuple[str, str, str], list[str]]:
    """Service key -> sorted refs of existing Ingresses / HTTPRoutes that route to it."""
    out: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    for ing in inv.ingresses:
        names = {p.service for p in ing.paths if p.service} | ({ing.default_backend} if ing.default_backend else set())
        for name in names:
            out[(ing.cluster, ing.namespace, name)].add(ing.ref)
    for r in inv.routes:
        for b in getattr(r, "backends", ()) or ():
            out[(r.cluster, b.namespace or r.namespace, b.service)].add(r.ref)
    return {k: sorted(v) for k, v in out.items()}


def fold_blocker(ing: Ingress, strategy: str, fold_enabled: bool) -> tuple[str, str] | None:
    """Why ``ing`` cannot be folded into a new Gateway (code, message), or None."""
    if ing.ingress_class not in GKE_CLASSES:
        return ("INGRESS_NOT_PRICED", f"ingress class {ing.ingress_class!r} is served by an in-cluster controller behind its own LoadBalancer Service; left as it is")
    if strategy != "gateway":
        return ("FOLD_NOT_GATEWAY", f"strategy {strategy}: existing Ingresses are left as they are (only a Gateway can take routes from several namespaces)")
    if not fold_enabled:
        return ("FOLD_DISABLED", "--no-fold-ingresses: existing GKE Ingresses are left as they are")
    if ing.default_backend or any(not p.host for p in ing.paths):
        return ("FOLD_HOSTLESS", "has a default backend or a rule without a host; on a shared Gateway it would catch every other host's traffic")
    if not ing.paths:
        return ("FOLD_HOSTLESS", "has no host rules to fold")
    if GKE_CLASSES[ing.ingress_class] and ing.has_tls:
        return ("INTERNAL_TLS", "internal Ingress with TLS: Google-managed certificates are not available on the internal Gateway (gke-l7-rilb), and planner does not drop TLS; left as it is")
    backends: dict[tuple[str | None, str], set] = defaultdict(set)
    for p in ing.paths:
        backends[(p.host, p.path)].add((p.service, p.port))
    clash = sorted(f"{h}{path}" for (h, path), b in backends.items() if len(b) > 1)
    if clash:
        return ("FOLD_HOST_COLLISION", f"host/path {', '.join(clash)} is routed to more than one backend within this Ingress; which one GKE serves is not something planner can carry over")
    odd = sorted(a for a in ing.annotations if a in UNSUPPORTED_ANNOTATIONS)
    if odd:
        return ("FOLD_UNSUPPORTED_ANNOTATION", f"annotation(s) {', '.join(odd)} configure behaviour an HTTPRoute does not carry; left as it is")
    return None


def static_ip(ing: Ingress) -> str | None:
    for a in STATIC_IP_ANNOTATIONS:
        v = ing.annotations.get(a, "").strip()
        if v:
            return v
    return None
