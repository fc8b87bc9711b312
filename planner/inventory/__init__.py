"""Readers: files, directories and stdin → one normalised :class:`Inventory`.

``read_inventory(paths, cluster)`` reads one cluster's files; calling it again with the same
``inventory`` adds another cluster (that is what ``--fleet`` does, see ``fleet.py``). Other
sources add to the same Inventory: ``usage.read_usage`` (traffic), ``gcloud.read_forwarding_rules``
(the cloud's own listing). ``planner collect`` (``collect.py``) writes files this module reads.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import replace
from operator import attrgetter
from pathlib import Path

from planner.inventory.kube import (
    parse_backend_config,
    parse_gateway,
    parse_httproute,
    parse_ingress,
    parse_istio_gateway,
    parse_service,
    service_fast,
)
from planner.inventory.loader import expand_paths, iter_object_pairs
from planner.model import INFO, WARN, Cluster, Inventory, Note, PlannerError

#: How an Istio Gateway is counted (``_kind_of``: a used kind from a foreign group).
ISTIO_GATEWAY = "Gateway (networking.istio.io)"
#: Kinds planner reads; every other kind is counted and reported in one info note per cluster.
USED_KINDS = ("Service", "Ingress", "Gateway", "HTTPRoute", ISTIO_GATEWAY, "BackendConfig")
#: Note codes that mean "this object was read but could not be used": the CLI lists them.
UNUSABLE_OBJECT_CODES = frozenset({
    "MISSING_NAME", "UNKNOWN_SERVICE_TYPE", "NO_PORTS", "BAD_PORT", "NOT_AN_OBJECT", "NO_KIND",
    "GATEWAY_NO_CLASS", "GATEWAY_NO_LISTENERS", "BAD_LISTENER", "ROUTE_NO_PARENT",
})

#: apiVersion groups accepted for each used kind ("" = the core group, ``v1``).
KIND_GROUPS = {
    "Service": ("",),
    "Ingress": ("networking.k8s.io", "extensions"),
    "Gateway": ("gateway.networking.k8s.io",),
    "HTTPRoute": ("gateway.networking.k8s.io",),
    "BackendConfig": ("cloud.google.com",),
}

PARSERS = {
    "Service": parse_service, "Ingress": parse_ingress, "Gateway": parse_gateway, "HTTPRoute": parse_httproute,
    ISTIO_GATEWAY: parse_istio_gateway, "BackendConfig": parse_backend_config,
}
COLLECTIONS = {
    "Service": "services", "Ingress": "ingresses", "Gateway": "gateways", "HTTPRoute": "routes",
    ISTIO_GATEWAY: "mesh_gateways", "BackendConfig": "backend_configs",
}


def _kind_of(doc: dict) -> str:
    """The kind as counted in ``summary.objects_read``. A used kind from a foreign API group
    (a Knative ``Service``, an Istio ``Gateway``) is counted as ``Kind (group)``, never parsed."""
    kind = doc.get("kind")
    if not isinstance(kind, str) or not kind:
        return "<no kind>"
    kind = kind[:100]
    if kind in KIND_GROUPS:
        api = doc.get("apiVersion")
        if isinstance(api, str) and api:
            group = api.rsplit("/", 1)[0] if "/" in api else ""
            if group not in KIND_GROUPS[kind]:
                return f"{kind} ({group[:100]})"
    return kind


def _same(a, b) -> bool:
    """Two reads of one object are the same when every field but where it was read agrees."""
    if replace(b, source=a.source) != a:
        return False
    return all(dict(getattr(a, f, {}) or {}) == dict(getattr(b, f, {}) or {}) for f in ("annotations", "labels", "selector"))


def read_inventory(paths: list[str], cluster: Cluster, inventory: Inventory | None = None, *, sort: bool = True) -> Inventory:
    """Read ``paths`` as the objects of ``cluster`` into ``inventory`` (a new one by default).

    ``sort=False`` leaves the collections in read order (a caller adding many clusters sorts
    once at the end with :func:`sort_inventory`: sorting after each cluster is quadratic)."""
    inv = inventory if inventory is not None else Inventory()
    # a cluster not yet in the inventory owns none of its objects: nothing to look up or count
    fresh = cluster.name not in inv.clusters
    start = len(inv.services)
    if cluster.name in inv.clusters and inv.clusters[cluster.name] != cluster:
        raise PlannerError(f"cluster {cluster.name!r} is given twice with different project/region")
    inv.clusters.setdefault(cluster.name, cluster)
    counts: Counter[str] = Counter(inv.kind_counts)
    seen = {kind: {} if fresh else {o.key: o for o in getattr(inv, attr)} for kind, attr in COLLECTIONS.items()}
    unused: Counter[str] = Counter()
    name = cluster.name
    seen_services = seen["Service"]
    services = inv.services
    for item in paths:
        files = expand_paths([item])
        kinded = 0
        for path in files:
            inv.files.append(path)
            n_services = 0  # core v1 Services, counted here rather than one by one in counts
            for doc, source in iter_object_pairs(path):
                if not isinstance(doc, dict):
                    inv.notes.append(Note(WARN, str(source), "NOT_AN_OBJECT", "List item is not an object; skipped"))
                    counts["<not an object>"] += 1
                    continue
                # fast path: a v1 Service (most objects), parsed without a note
                if doc.get("kind") == "Service" and doc.get("apiVersion") == "v1":
                    n_services += 1
                    obj = service_fast(doc, name, source)
                    if obj is not None:
                        key = (name, obj.namespace, obj.name)
                        if key not in seen_services:
                            seen_services[key] = obj
                            services.append(obj)
                            continue
                    kind = "Service"
                else:
                    kind = _kind_of(doc)
                    counts[kind] += 1
                    if kind == "<no kind>":
                        inv.notes.append(Note(WARN, str(source), "NO_KIND", "document has no 'kind'; not a Kubernetes object, skipped"))
                        continue
                    kinded += 1
                    if kind not in PARSERS:
                        unused[kind] += 1
                        continue
                obj, notes = PARSERS[kind](doc, name, source)
                inv.notes.extend(notes)
                if obj is None:
                    continue
                prev = seen[kind].get(obj.key)
                if prev is not None:
                    if _same(prev, obj):
                        inv.notes.append(Note(INFO, obj.ref, "DUPLICATE_IDENTICAL", f"read again, identical, from {obj.source}; counted once"))
                        continue
                    raise PlannerError(
                        f"{obj.source}: {kind} {obj.namespace}/{obj.name} (cluster {obj.cluster}) is also defined, differently, in {prev.source}"
                    )
                seen[kind][obj.key] = obj
                getattr(inv, COLLECTIONS[kind]).append(obj)
            if n_services:
                counts["Service"] += n_services
                kinded += n_services
        if item != "-" and Path(item).is_dir() and kinded == 0:
            raise PlannerError(f"{item}: directory holds no Kubernetes objects ({len(files)} file(s) read)")
    for kind, n in sorted(unused.items()):
        inv.notes.append(Note(INFO, f"cluster {cluster.name}", "KIND_NOT_USED", f"{n} {kind} object(s) read; planner does not price this kind"))
    if fresh:  # every Service from start on is this cluster's
        non_lb = Counter(map(_TYPE, inv.services[start:]))
        non_lb.pop("LoadBalancer", None)
    else:
        non_lb = Counter(s.type for s in inv.services if s.cluster == cluster.name and s.type != "LoadBalancer")
    for stype, n in sorted(non_lb.items()):
        inv.notes.append(Note(INFO, f"cluster {cluster.name}", "SERVICE_NOT_LOAD_BALANCER", f"{n} {stype} Service(s) read; they buy no load balancer"))
    _note_dangling_routes(inv, cluster.name)
    inv.kind_counts = dict(sorted(counts.items()))
    if sort:
        sort_inventory(inv)
    return inv


_KEY = attrgetter("cluster", "namespace", "name")
_TYPE = attrgetter("type")


def sort_inventory(inv: Inventory) -> None:
    """Sort every collection by key (cluster, namespace, name): the order planner emits."""
    for attr in COLLECTIONS.values():
        getattr(inv, attr).sort(key=_KEY)  # == o.key, built in C


def _note_dangling_routes(inv: Inventory, cluster: str) -> None:
    gws = {f"{g.namespace}/{g.name}" for g in inv.gateways if g.cluster == cluster}
    for r in inv.routes:
        if r.cluster != cluster:
            continue
        missing = [p for p in r.parents if p not in gws]
        if not r.parents:
            inv.notes.append(Note(WARN, r.ref, "ROUTE_NO_PARENT", f"HTTPRoute names no parent Gateway ({r.source}); not attached to any entrypoint"))
        elif missing:
            inv.notes.append(Note(INFO, r.ref, "ROUTE_PARENT_NOT_IN_INVENTORY", f"parent Gateway(s) {', '.join(missing)} not in the inventory ({r.source})"))


__all__ = ["UNUSABLE_OBJECT_CODES", "USED_KINDS", "read_inventory"]
