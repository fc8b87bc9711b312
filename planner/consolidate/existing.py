"""Existing entrypoints: who already routes to which Service, and which GKE Ingresses fold.

An existing GKE Ingress (class ``gce`` / ``gce-internal``) is a load balancer of its own. Under
the ``gateway`` strategy it is *folded* by default: its host/path rules become routes on the
new Gateway of its cluster and visibility, its forwarding rules are priced as retired, and the
retire phase deletes it (a manual ``kubectl delete ingress``, listed in the runbook). It is
kept, with a reason, when folding would change behaviour planner cannot carry over.
"""
from __future__ import annotations

from collections import defaultdict

from planner.consolidate.entries import Entry, ExistingItem, evolve
from planner.consolidate.rules import valid_hostname
from planner.model import INFO, WARN, Ingress, Inventory, Note, path_problem

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
    bad_hosts = sorted({p.host for p in ing.paths if not valid_hostname(p.host.lower())})
    if bad_hosts:
        return ("FOLD_INVALID_HOST", f"host {bad_hosts[0][:80]!r} is not a valid DNS name; a Gateway listener or HTTPRoute cannot carry it, so the Ingress stays")
    odd_paths = sorted({(p.path, why) for p in ing.paths if (why := _fold_path_problem(p))})
    if odd_paths:
        path, why = odd_paths[0]
        return ("FOLD_PATH_INEXPRESSIBLE", f"path {path[:80]!r} {why}; Gateway API cannot express it exactly, so the Ingress stays")
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


def gateway_path(path: str, path_type: str | None) -> str:
    """A GKE Ingress path as the Gateway prefix it means: GKE's ``ImplementationSpecific``
    (and untyped) ``/*`` and ``/v1/*`` are the prefixes ``/`` and ``/v1``; any other path is
    itself (``Prefix`` / ``Exact`` never glob)."""
    if path_type in (None, "ImplementationSpecific") and (path == "/*" or path.endswith("/*")):
        return path[:-2] or "/"
    return path


def _fold_path_problem(p) -> str | None:
    """Why an Ingress path cannot become a Gateway API match (None: it can)."""
    return path_problem(gateway_path(p.path or "/", getattr(p, "path_type", None)))


def static_ip(ing: Ingress) -> str | None:
    for a in STATIC_IP_ANNOTATIONS:
        v = ing.annotations.get(a, "").strip()
        if v:
            return v
    return None


# --- step 3: fold existing Ingresses, claim the hosts they and HTTPRoutes serve ------------
#: host -> {"entrypoint": slot name | None, "owner": ref, "paths": {path: ref}}
Claims = dict


def _fold_target(ing: Ingress, slot, claims: Claims, strategy: str, fold_enabled: bool) -> tuple[str, str] | None:
    """Why ``ing`` does not fold into ``slot`` (None: it folds)."""
    internal = GKE_CLASSES.get(ing.ingress_class, False)
    blocker = fold_blocker(ing, strategy, fold_enabled)
    if blocker is None and slot is None:
        blocker = ("FOLD_NO_GATEWAY", f"no service in cluster {ing.cluster} moves to a new {'internal' if internal else 'external'} Gateway, so there is nothing to fold it into")
    if blocker is None:
        clash = sorted({(p.host, p.path, claims[p.host]["owner"]) for p in ing.paths if p.host in claims and (claims[p.host]["entrypoint"] != slot.name or p.path in claims[p.host]["paths"])})
        if clash:
            blocker = ("FOLD_HOST_COLLISION", "host/path " + ", ".join(f"{h}{path} (served by {owner})" for h, path, owner in clash) + " already taken; folding would make two entrypoints claim it")
    return blocker


def foreign_default_classes(inv: Inventory) -> dict:
    """Cluster -> its default IngressClass when that is not GKE's (e.g. ingress-nginx): a
    class-less Ingress there is that controller's, not a GKE Ingress."""
    out = {}
    for ic in getattr(inv, "ingress_classes", ()):
        if ic.is_default and ic.controller and not ic.controller.startswith("k8s.io/ingress-gce") and ic.name not in GKE_CLASSES:
            out[ic.cluster] = ic
    return out


def _fold_one(ing: Ingress, fp, slot, claims: Claims, strategy: str, fold_enabled: bool, blocker: tuple[str, str] | None = None) -> ExistingItem:
    blocker = blocker or _fold_target(ing, slot, claims, strategy, fold_enabled)
    target = slot.name if blocker is None else None
    for p in ing.paths:
        if p.host:
            c = claims.setdefault(p.host, {"entrypoint": target, "owner": ing.ref, "paths": {}})
            c["paths"].setdefault(p.path, ing.ref)
    if blocker is None:
        return ExistingItem(ing, fp, "fold", ("INGRESS_FOLDED", f"folded into Gateway {slot.name}: its {len(ing.paths)} rule(s) become HTTPRoutes there and its {fp.forwarding_rules if fp else 0} forwarding rule(s) are retired (kubectl delete ingress in the retire phase)"), slot)
    return ExistingItem(ing, fp, "keep", blocker)


def item_notes(items: list[ExistingItem], notes: list[Note]) -> None:
    """Each existing Ingress's decision as a note; a folded one's pinned static IP warned."""
    for item in items:
        ing = item.ing
        notes.append(Note(INFO, ing.ref, item.reason[0], item.reason[1]))
        ip = static_ip(ing) if item.decision == "fold" else None
        if ip:
            notes.append(Note(WARN, ing.ref, "PINNED_IP", f"static IP {ip} of this Ingress cannot move; the new address is static address {item.slot.name}-ip, assigned at build: clients pinned to it must move by DNS"))


def fold_ingresses(inv: Inventory, pricer, entries: list[Entry], strategy: str, fold_enabled: bool, current_fps: list, skip: frozenset = frozenset()) -> tuple[list[ExistingItem], Claims]:
    """Every existing Ingress folded or kept (their hosts are claimed first: they serve today);
    priced ones add their footprint to ``current_fps``. ``skip``: keys of ingress-nginx
    Ingresses the nginx step plans (``--migrate-ingress-nginx``), never folded here."""
    wanted = {(e.slot.cluster, e.slot.internal): e.slot for e in entries if e.moving}
    claims: Claims = {}
    items: list[ExistingItem] = []
    foreign = foreign_default_classes(inv)
    for ing in sorted(inv.ingresses, key=lambda i: i.key):
        if ing.key in skip:
            continue
        if getattr(ing, "class_unset", False) and ing.cluster in foreign:
            cls = foreign[ing.cluster]
            items.append(_fold_one(ing, None, None, claims, strategy, fold_enabled, ("INGRESS_NOT_PRICED", f"no ingress class: the cluster's default IngressClass {cls.name!r} (controller {cls.controller!r}) serves it, an in-cluster controller behind its own LoadBalancer Service; left as it is")))
            continue
        fp = pricer.ingress_footprint(ing, inv.clusters[ing.cluster], inv.usage.get(ing.key))
        if fp is not None:
            current_fps.append(fp)
        slot = wanted.get((ing.cluster, GKE_CLASSES.get(ing.ingress_class, False)))
        items.append(_fold_one(ing, fp, slot, claims, strategy, fold_enabled))
    return items, claims


def existing_gateways(inv: Inventory, pricer, notes: list[Note], current_fps: list) -> list[tuple]:
    """Existing Gateway API Gateways with their footprints: priced, always kept (issue 3)."""
    out: list[tuple] = []
    for gw in sorted(inv.gateways, key=lambda g: g.key):
        gfp = pricer.gateway_footprint(gw, inv.clusters[gw.cluster], inv.usage.get(gw.key))
        if gfp is not None:
            current_fps.append(gfp)
        else:
            notes.append(Note(INFO, gw.ref, "GATEWAY_NOT_PRICED", f"gateway class {gw.gateway_class!r} is not a GKE-managed load balancer class; not priced as a load balancer"))
        out.append((gw, gfp))
    return out


def claim_route_hosts(inv: Inventory, claims: Claims) -> None:
    """Hosts existing HTTPRoutes serve are claimed before any moved service's."""
    for r in sorted(inv.routes, key=lambda r: r.key):
        for h in getattr(r, "hostnames", ()) or ():
            c = claims.setdefault(h, {"entrypoint": None, "owner": r.ref, "paths": {}})
            for path in (getattr(r, "paths", ()) or ("/",)):
                c["paths"].setdefault(path, r.ref)


def release_empty_folds(items: list[ExistingItem], slots: dict) -> list[ExistingItem]:
    """A Gateway that ended up with no service keeps its would-be folded Ingresses as they are."""
    out = []
    for item in items:
        if item.decision == "fold" and item.slot.name not in slots:
            item = evolve(item, decision="keep", slot=None, reason=("FOLD_NO_GATEWAY", "every service bound for the new Gateway stayed, so there is nothing to fold it into"))
        out.append(item)
    return out


def folded_by_slot(items: list[ExistingItem]) -> dict[str, list[Ingress]]:
    out: dict[str, list[Ingress]] = defaultdict(list)
    for item in items:
        if item.decision == "fold":
            out[item.slot.name].append(item.ing)
    return out
