"""Readers: files, directories and stdin → one normalised :class:`Inventory`.

``read_inventory(paths, cluster)`` reads one cluster's files; calling it again with the same
``inventory`` adds another cluster (that is what ``--fleet`` does, see ``fleet.py``). Other
sources add to the same Inventory: ``usage.read_usage`` (traffic), ``gcloud.read_forwarding_rules``
(the cloud's own listing). ``planner collect`` (``collect.py``) writes files this module reads.
"""
from __future__ import annotations

import re
from collections import Counter
from contextlib import contextmanager
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
)
from planner.inventory.ahead import ReadAhead, read_ahead
from planner.inventory.entries import DEFAULT_NAMESPACE, namespace_missing, parse_file, parse_for_worker, unpack
from planner.inventory.loader import expand_paths
from planner.model import INFO, WARN, Cluster, Inventory, Note, PlannerError, Service
from planner.nginx.detect import parse_ingress_class

#: How an Istio Gateway is counted (``_kind_of``: a used kind from a foreign group).
ISTIO_GATEWAY = "Gateway (networking.istio.io)"
#: Kinds planner reads; every other kind is counted and reported in one info note per cluster.
USED_KINDS = ("Service", "Ingress", "Gateway", "HTTPRoute", ISTIO_GATEWAY, "BackendConfig")
#: Note codes that mean "this object was read but could not be used": the CLI lists them.
UNUSABLE_OBJECT_CODES = frozenset({
    "MISSING_NAME", "UNKNOWN_SERVICE_TYPE", "NO_PORTS", "BAD_PORT", "NOT_AN_OBJECT", "NO_KIND",
    "GATEWAY_NO_CLASS", "GATEWAY_NO_LISTENERS", "BAD_LISTENER", "ROUTE_NO_PARENT", "LB_NOT_PRICED",
})

#: apiVersion groups accepted for each used kind ("" = the core group, ``v1``).
KIND_GROUPS = {
    "Service": ("",),
    "Ingress": ("networking.k8s.io", "extensions"),
    "Gateway": ("gateway.networking.k8s.io",),
    "HTTPRoute": ("gateway.networking.k8s.io",),
    "BackendConfig": ("cloud.google.com",),
}

#: Kinds (kind, API group) that make load balancers planner does not price: each object is a
#: ``warn LB_NOT_PRICED`` note naming it (not ``KIND_NOT_USED``), so the totals' gap is visible.
UNPRICED_LB_KINDS = {
    ("MultiClusterIngress", "networking.gke.io"): "a GKE multi-cluster Ingress: one global external Application Load Balancer in the config cluster's project",
    ("MultiClusterService", "networking.gke.io"): "the backend of a GKE multi-cluster Ingress (its load balancer is the MultiClusterIngress's)",
    ("Gateway", "networking.x-k8s.io"): "a Gateway of the old Gateway API group (networking.x-k8s.io, v1alpha1); its controller may run a load balancer",
}

#: Fields of the model that come from ``status`` (the server): two copies of one object that
#: differ only there are one object (their addresses merged). Everything else the server sets
#: (uid, resourceVersion, managedFields, clusterIP, nodePort, the last-applied annotation...) is
#: never read into the model at all.
SERVER_FIELDS = {"Service": ("status_addresses",), "Ingress": ("status_addresses",), "Gateway": ("addresses",)}
#: Kinds whose SERVER_FIELDS also hold what the user set (a Gateway's ``addresses``: spec and
#: status): two reads agree only when one's addresses contain the other's (a manifest and the
#: live object), not when each names an address the other lacks.
_MIXED_SERVER_FIELDS = frozenset({"Gateway"})
#: A Kubernetes namespace name (RFC 1123 label).
NAMESPACE_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")

PARSERS = {
    "Service": parse_service, "Ingress": parse_ingress, "Gateway": parse_gateway, "HTTPRoute": parse_httproute,
    ISTIO_GATEWAY: parse_istio_gateway, "BackendConfig": parse_backend_config,
    "IngressClass": parse_ingress_class,
}
COLLECTIONS = {
    "Service": "services", "Ingress": "ingresses", "Gateway": "gateways", "HTTPRoute": "routes",
    ISTIO_GATEWAY: "mesh_gateways", "BackendConfig": "backend_configs",
    "IngressClass": "ingress_classes",
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


def _group(doc: dict) -> str:
    api = doc.get("apiVersion")
    return api.rsplit("/", 1)[0] if isinstance(api, str) and "/" in api else ""


def _server_diff(a, b) -> tuple[str, ...]:
    """The server-set fields (SERVER_FIELDS) in which two reads of one object differ."""
    return tuple(f for f in SERVER_FIELDS.get(a.KIND, ()) if getattr(a, f) != getattr(b, f))


def _same(a, b) -> bool:
    """Two reads of one object are the same when every field but where it was read, and what
    the server set, agrees."""
    server = {f: getattr(a, f) for f in SERVER_FIELDS.get(a.KIND, ())}
    if replace(b, source=a.source, **server) != a:
        return False
    if a.KIND in _MIXED_SERVER_FIELDS:
        for f in server:
            x, y = set(getattr(a, f)), set(getattr(b, f))
            if not (x <= y or y <= x):
                return False
    return all(dict(getattr(a, f, {}) or {}) == dict(getattr(b, f, {}) or {}) for f in ("annotations", "labels", "selector"))


def _merged(a, b):
    """``a`` with the union of both reads' server-set addresses."""
    return replace(a, **{f: tuple(sorted(set(getattr(a, f)) | set(getattr(b, f)))) for f in _server_diff(a, b)})


def check_namespace(namespace: str | None, where: str) -> str | None:
    """``namespace`` when it is a Kubernetes namespace name (or None); else a one-line error."""
    if namespace is not None and not (isinstance(namespace, str) and NAMESPACE_NAME.match(namespace)):
        raise PlannerError(f"{where}: namespace {str(namespace)[:70]!r} is not a namespace name (lowercase letters, digits and '-', at most 63)")
    return namespace


def _unpriced_lb(doc: dict, cluster: str, namespace: str | None, source) -> Note | None:
    """The ``LB_NOT_PRICED`` note for an object of UNPRICED_LB_KINDS, else None."""
    what = UNPRICED_LB_KINDS.get((doc.get("kind"), _group(doc)))
    if what is None:
        return None
    meta = doc.get("metadata") if isinstance(doc.get("metadata"), dict) else {}
    name = meta.get("name") if isinstance(meta.get("name"), str) and meta.get("name") else "<unnamed>"
    ns = meta.get("namespace") if isinstance(meta.get("namespace"), str) and meta.get("namespace") else namespace or DEFAULT_NAMESPACE
    ref = f"{doc['kind'][:100]} {cluster}/{ns[:100]}/{name[:100]}"
    return Note(WARN, ref, "LB_NOT_PRICED", f"{what} ({source}); planner does not price it: its charges are not in the totals")


def _defaulted_note(obj) -> Note:
    return Note(INFO, obj.ref, "NAMESPACE_DEFAULTED", f"no metadata.namespace ({obj.source}); assumed {DEFAULT_NAMESPACE!r} (pass --namespace, or namespace: in the fleet file, if it is installed elsewhere)")


def read_inventory(paths: list[str], cluster: Cluster, inventory: Inventory | None = None, *, sort: bool = True, namespace: str | None = None,
                   ahead: ReadAhead | None = None) -> Inventory:
    """Read ``paths`` as the objects of ``cluster`` into ``inventory`` (a new one by default).

    ``namespace`` (``--namespace``) is the namespace of objects that name none; without it they
    are in ``default``, each with an ``info NAMESPACE_DEFAULTED`` note.
    ``sort=False`` leaves the collections in read order (a caller adding many clusters sorts
    once at the end with :func:`sort_inventory`: sorting after each cluster is quadratic).
    ``ahead``: files a forked worker parses (:func:`start_read_ahead`); the others, and without
    it all, are parsed here."""
    inv = inventory if inventory is not None else Inventory()
    read = _ClusterRead(inv, cluster, namespace)
    for item in paths:
        files = expand_paths([item])
        kinded = 0
        for path in files:
            kinded += read.add_file(path, ahead)
        if item != "-" and Path(item).is_dir() and kinded == 0:
            raise PlannerError(f"{item}: directory holds no Kubernetes objects ({len(files)} file(s) read)")
    read.finish()
    if sort:
        sort_inventory(inv)
    return inv


class _ClusterRead:
    """One cluster's files being added to an Inventory: what is counted and seen so far."""

    def __init__(self, inv: Inventory, cluster: Cluster, namespace: str | None):
        if cluster.name in inv.clusters and inv.clusters[cluster.name] != cluster:
            raise PlannerError(f"cluster {cluster.name!r} is given twice with different project/region")
        self.inv, self.name, self.namespace = inv, cluster.name, namespace
        # a cluster not yet in the inventory owns none of its objects: nothing to look up or count
        self.fresh = cluster.name not in inv.clusters
        self.start = len(inv.services)
        inv.clusters.setdefault(cluster.name, cluster)
        self.counts: Counter[str] = Counter(inv.kind_counts)
        self.unused: Counter[str] = Counter()  # kinds planner does not read
        # key -> index in its collection (a duplicate may replace the first read: addresses merged)
        self.seen = {kind: {} if self.fresh else {o.key: i for i, o in enumerate(getattr(inv, attr))} for kind, attr in COLLECTIONS.items()}

    def add_file(self, path: str, ahead: ReadAhead | None) -> int:
        """Add one file's objects (read ahead by the worker, or parsed here); the number of
        Kubernetes objects in it. An error that stopped the parse is raised after the
        objects before it are added, as a read object by object would."""
        self.inv.files.append(path)
        entries = ahead.take(path, self.name) if ahead is not None else None
        error = None
        if entries is None:
            entries, error = parse_file(path, self.name)
        kinded = 0
        for entry in entries:
            kinded += self._add_run(entry) if type(entry) is list else self._add_document(*entry)
        if error is not None:
            raise error
        return kinded

    def _add_run(self, run: list[Service]) -> int:
        """Add a run of Service rows: all at once when no key in it is read yet (the usual
        case), else one by one (a duplicate is merged or refused by _add_row)."""
        services, seen = self.inv.services, self.seen["Service"]
        keys = dict(zip(map(_KEY, run), range(len(services), len(services) + len(run))))
        if len(keys) == len(run) and seen.keys().isdisjoint(keys):
            seen.update(keys)
            services.extend(run)
        else:
            for svc in run:
                if not _append_new(seen, services, svc):
                    _add_row(self.inv, seen, "Service", svc, False)
        self.counts["Service"] += len(run)
        return len(run)

    def _add_document(self, doc, source) -> int:
        """Add one object by the full path (or its note); 1 when it is a Kubernetes object."""
        inv = self.inv
        if not isinstance(doc, dict):
            inv.notes.append(Note(WARN, str(source), "NOT_AN_OBJECT", "List item is not an object; skipped"))
            self.counts["<not an object>"] += 1
            return 0
        kind = "Service" if doc.get("kind") == "Service" and doc.get("apiVersion") == "v1" else _kind_of(doc)
        self.counts[kind] += 1
        if kind == "<no kind>":
            inv.notes.append(Note(WARN, str(source), "NO_KIND", "document has no 'kind'; not a Kubernetes object, skipped"))
            return 0
        if kind not in PARSERS:
            note = _unpriced_lb(doc, self.name, self.namespace, source)
            if note is None:
                self.unused[kind] += 1
            else:
                inv.notes.append(note)
            return 1
        _add_object(inv, self.seen[kind], kind, doc, self.name, source, self.namespace)
        return 1

    def finish(self) -> None:
        """The cluster's notes on what was read but not used, and its kind counts."""
        inv, name = self.inv, self.name
        for kind, n in sorted(self.unused.items()):
            inv.notes.append(Note(INFO, f"cluster {name}", "KIND_NOT_USED", f"{n} {kind} object(s) read; planner does not price this kind"))
        classes = sorted(ic.name for ic in inv.ingress_classes if ic.cluster == name)
        if classes:
            inv.notes.append(Note(INFO, f"cluster {name}", "INGRESS_CLASS_READ", f"{len(classes)} IngressClass object(s) read ({', '.join(classes[:10])}): they tell which controller serves an Ingress without a class (the default class) and which classes are ingress-nginx's; not load balancers themselves"))
        for stype, n in sorted(self._non_lb_counts().items()):
            inv.notes.append(Note(INFO, f"cluster {name}", "SERVICE_NOT_LOAD_BALANCER", f"{n} {stype} Service(s) read; they buy no load balancer"))
        _note_dangling_routes(inv, name)
        inv.kind_counts = dict(sorted(self.counts.items()))

    def _non_lb_counts(self) -> Counter[str]:
        """The cluster's Services that are not LoadBalancers, by type."""
        if self.fresh:  # every Service from start on is this cluster's
            non_lb = Counter(map(_TYPE, self.inv.services[self.start:]))
            non_lb.pop("LoadBalancer", None)
            return non_lb
        return Counter(s.type for s in self.inv.services if s.cluster == self.name and s.type != "LoadBalancer")


def _append_new(seen: dict, collection: list, obj) -> bool:
    """Append ``obj`` when its key is not read yet (True); a duplicate is left to the caller."""
    if obj.key in seen:
        return False
    seen[obj.key] = len(collection)
    collection.append(obj)
    return True


def _add_object(inv: Inventory, seen: dict, kind: str, doc: dict, cluster: str, source, namespace: str | None) -> None:
    """Parse one object of a used kind (the full path) and add it, or its notes, to ``inv``.
    A second read of an object already seen is counted once when only server-set fields differ
    (``info DUPLICATE_IDENTICAL``); any other difference is an error naming both files."""
    defaulted = namespace_missing(doc)
    if defaulted and namespace:
        doc["metadata"]["namespace"] = namespace  # the parsers read it (routes' refs default to it)
    obj, notes = PARSERS[kind](doc, cluster, source)
    inv.notes.extend(notes)
    if obj is not None:
        _add_row(inv, seen, kind, obj, defaulted and not namespace)


def _add_row(inv: Inventory, seen: dict, kind: str, obj, note_default: bool) -> None:
    """Add a parsed object to its collection (see :func:`_add_object`); ``note_default``: its
    namespace was assumed (``info NAMESPACE_DEFAULTED``)."""
    collection = getattr(inv, COLLECTIONS[kind])
    at = seen.get(obj.key)
    if at is not None:
        prev = collection[at]
        if not _same(prev, obj):
            raise PlannerError(
                f"{obj.source}: {kind} {obj.namespace}/{obj.name} (cluster {obj.cluster}) is also defined, differently, in {prev.source}"
            )
        diff = _server_diff(prev, obj)
        if diff:
            collection[at] = _merged(prev, obj)
            inv.notes.append(Note(INFO, obj.ref, "DUPLICATE_IDENTICAL", f"read again from {obj.source}, identical but for server-set {', '.join(diff)}; counted once, addresses merged"))
        else:
            inv.notes.append(Note(INFO, obj.ref, "DUPLICATE_IDENTICAL", f"read again, identical, from {obj.source}; counted once"))
        return
    if note_default:
        inv.notes.append(_defaulted_note(obj))
    _append_new(seen, collection, obj)


def start_read_ahead(entries: list[tuple[list[str], str]]) -> ReadAhead | None:
    """A read-ahead worker for the files of ``entries`` ((inventory paths, cluster name), in
    reading order), or None when the input is small (see planner.inventory.ahead)."""
    tasks: list[tuple[str, str]] = []
    for paths, cluster in entries:
        for item in paths:
            if item == "-":
                continue
            try:
                files = expand_paths([item])
            except PlannerError:
                continue  # raised again in its place, when the reader comes to it
            tasks += [(f, cluster) for f in files]
    return read_ahead(tasks, parse_for_worker, unpack)


@contextmanager
def reading_ahead(entries: list[tuple[list[str], str]]):
    """:func:`start_read_ahead` for a ``with`` block: its worker (or None), stopped when the
    block ends, also on an error."""
    ahead = start_read_ahead(entries)
    try:
        yield ahead
    finally:
        if ahead is not None:
            ahead.close()


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


__all__ = ["DEFAULT_NAMESPACE", "UNUSABLE_OBJECT_CODES", "USED_KINDS", "check_namespace", "read_inventory"]
