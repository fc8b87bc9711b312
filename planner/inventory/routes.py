"""Host/path routes the user designs: ``--routes FILE`` and the ``planner.io/routes`` annotation.

A routes file puts several Services under one host, split by path::

    routes:
      - host: api.example.com
        path: /orders          # PathPrefix; `exact: true` for Exact
        service: shop/orders   # namespace/name, or cluster/namespace/name in a fleet
        port: 80               # optional when the Service has one HTTP port
        rewrite: /             # optional: strip the prefix (URLRewrite ReplacePrefixMatch)

The same design can live beside the app, on the Service itself::

    planner.io/routes: "api.example.com/orders, api.example.com/v2/orders"
    planner.io/rewrite: "/"

What can be checked from the files alone is checked here, each problem one line naming the file
and line (``PlannerError``, exit 2): the shape, host and path syntax (the Gateway API's own rules
for ``Exact`` / ``PathPrefix`` values), a rewrite on an ``exact`` route, two routes with the same
host and path, and a route to a Service that is not in the inventory. Whether the Service moves,
and whether a route mixes internal and external services on one host, is decided by the
consolidation stage, which names the same ``where``.

Precedence: the routes file over annotations (a Service named in the file keeps none of its
annotation's routes, with an info note), annotations over external-dns and generated hosts.
"""
from __future__ import annotations

import re

from planner.inventory.loader import load_config
from planner.model import INFO, WARN, DesignedRoute, Inventory, Note, PlannerError, Service, path_problem

ROUTES_ANNOTATION = "planner.io/routes"
REWRITE_ANNOTATION = "planner.io/rewrite"
FILE_KEYS = ("host", "path", "exact", "service", "port", "rewrite")
#: A DNS name (lower case, no wildcard: a designed route names one host).
_HOST = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]([a-z0-9-]{0,61}[a-z0-9])?$")
def _service_key(text: str, default_cluster: str | None, clusters: list[str], where: str) -> tuple[str, str, str]:
    parts = text.split("/")
    if len(parts) == 2 and default_cluster:
        return (default_cluster, parts[0], parts[1])
    if len(parts) == 2 and len(clusters) == 1:
        return (clusters[0], parts[0], parts[1])
    if len(parts) == 3:
        return (parts[0], parts[1], parts[2])
    form = "cluster/namespace/name (several clusters are read)" if len(parts) == 2 else "namespace/name or cluster/namespace/name"
    raise PlannerError(f"{where}: service {text[:80]!r} must be {form}")


def _http_port(svc: Service, port, where: str) -> int | None:
    """The port the route targets: the one given (it must be one of the Service's ports), or
    None to let the planner route to its primary HTTP port."""
    if port is None:
        return None
    if isinstance(port, bool) or not isinstance(port, int):
        raise PlannerError(f"{where}: port must be a number")
    if port not in {p.port for p in svc.ports}:
        listed = ", ".join(str(p.port) for p in svc.ports)
        raise PlannerError(f"{where}: {svc.ref} has no port {port} (it has {listed})")
    return port


def _route(host, path, exact, rewrite, where: str) -> tuple[str, str, bool, str | None]:
    """Check one route's host, path and rewrite; returns them normalised."""
    if not isinstance(host, str) or not _HOST.match(host.strip().lower().rstrip(".")):
        raise PlannerError(f"{where}: host {str(host)[:80]!r} is not a DNS name")
    if not isinstance(path, str):
        raise PlannerError(f"{where}: path must be a string starting with '/'")
    problem = path_problem(path)
    if problem:
        raise PlannerError(f"{where}: path {path[:80]!r} {problem}")
    if not isinstance(exact, bool):
        raise PlannerError(f"{where}: exact must be true or false")
    if rewrite is not None:
        if not isinstance(rewrite, str) or path_problem(rewrite):
            raise PlannerError(f"{where}: rewrite {str(rewrite)[:80]!r} must be an absolute path Gateway API accepts")
        if exact:
            raise PlannerError(f"{where}: rewrite needs a prefix route (Gateway API's ReplacePrefixMatch only applies to PathPrefix matches); drop exact: true or the rewrite")
    return host.strip().lower().rstrip("."), path, exact, rewrite


def read_routes_file(path: str, inv: Inventory, default_cluster: str | None = None) -> None:
    """Add the routes of ``path`` to ``inv.designed_routes`` (after every inventory is read)."""
    doc, lines = load_config(path)
    if not isinstance(doc, dict) or set(doc) != {"routes"} or not isinstance(doc["routes"], list):
        raise PlannerError(f"{path}:{lines[()]}: a routes file is a mapping with one key, 'routes', holding a list of routes")
    by_key = {s.key: s for s in inv.load_balancers}
    clusters = sorted(inv.clusters)
    for i, entry in enumerate(doc["routes"]):
        where = f"{path}:{lines.get(('routes', i), lines[()])}"
        if not isinstance(entry, dict):
            raise PlannerError(f"{where}: routes[{i}] must be a mapping with host, path and service")
        unknown = sorted(str(k) for k in entry if k not in FILE_KEYS)
        if unknown:
            raise PlannerError(f"{where}: routes[{i}]: unknown key {unknown[0][:40]!r} (allowed: {', '.join(FILE_KEYS)})")
        missing = [k for k in ("host", "path", "service") if k not in entry]
        if missing:
            raise PlannerError(f"{where}: routes[{i}]: missing {missing[0]!r}")
        host, rpath, exact, rewrite = _route(entry["host"], entry["path"], entry.get("exact", False), entry.get("rewrite"), where)
        if not isinstance(entry["service"], str):
            raise PlannerError(f"{where}: service must be namespace/name")
        key = _service_key(entry["service"], default_cluster, clusters, where)
        svc = by_key.get(key)
        if svc is None:
            raise PlannerError(f"{where}: service {'/'.join(key)} is not a LoadBalancer Service in the inventory")
        port = _http_port(svc, entry.get("port"), where)
        inv.designed_routes.append(DesignedRoute(host, rpath, exact, key, port, rewrite, "routes-file", where))
    check_unique(inv.designed_routes)


def _annotation_routes(svc: Service) -> list[DesignedRoute]:
    """``planner.io/routes`` of one Service: comma-separated ``host/path`` items."""
    where = f"{svc.ref} ({svc.source}) annotation {ROUTES_ANNOTATION}"
    rewrite = svc.annotations.get(REWRITE_ANNOTATION)
    rewrite = rewrite.strip() if isinstance(rewrite, str) else None
    out = []
    for item in svc.annotations[ROUTES_ANNOTATION].split(","):
        item = item.strip()
        if not item:
            continue
        host, slash, rest = item.partition("/")
        host, rpath, exact, rw = _route(host, "/" + rest if slash else "/", False, rewrite or None, where)
        out.append(DesignedRoute(host, rpath, exact, svc.key, None, rw, "annotation", where))
    if not out:
        raise PlannerError(f"{where}: no host/path in {svc.annotations[ROUTES_ANNOTATION][:80]!r}")
    return out


def add_annotation_routes(inv: Inventory) -> None:
    """Routes from ``planner.io/routes`` annotations, for Services the routes file does not
    name (the file wins: such an annotation is noted and not used)."""
    in_file = {r.service for r in inv.designed_routes}
    for svc in inv.load_balancers:
        if ROUTES_ANNOTATION not in svc.annotations:
            if REWRITE_ANNOTATION in svc.annotations:
                inv.notes.append(Note(WARN, svc.ref, "ROUTES_REWRITE_UNUSED", f"{REWRITE_ANNOTATION} is set without {ROUTES_ANNOTATION}; there is no designed route to rewrite, so it is not used"))
            continue
        if svc.key in in_file:
            inv.notes.append(Note(INFO, svc.ref, "ROUTES_FILE_WINS", f"the routes file names this service, so its {ROUTES_ANNOTATION} annotation is not used"))
            continue
        inv.designed_routes.extend(_annotation_routes(svc))
    check_unique(inv.designed_routes)


def check_unique(routes: list[DesignedRoute]) -> None:
    """Two designed routes with the same host and path (and match type) are an error."""
    seen: dict[tuple, DesignedRoute] = {}
    for r in routes:
        k = (r.host, r.path, r.exact)  # one DNS name, one owner of each path, across clusters too
        first = seen.setdefault(k, r)
        if first is not r:
            raise PlannerError(f"{r.where}: host {r.host} path {r.path} is already routed by {first.where}")
