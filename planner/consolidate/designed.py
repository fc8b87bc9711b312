"""Host/path routes the user designed (``--routes FILE``, ``planner.io/routes``), applied to the
services they name, and the checks only a finished plan can make.

A service with designed routes is routed by them instead of ``/`` on its external-dns or
generated host. Each designed route still passes every rule (the service's verdict decides
whether it moves at all), claims its host and path like any route (first claim wins), and:

- a rewrite cannot be expressed by a GKE Ingress: under ``--strategy ingress`` that is an error;
  under ``auto`` the Ingress design keeps the service with a ``block`` note, so the Gateway wins;
- on the chosen plan, a designed route whose service does not move is an error naming the file
  and line, and so is a host served by an internal and an external entrypoint at once.

Hosts claimed by several services with no designed routes keep the first-claim rule; the
losers get an ``info`` note proposing a path split as a ready ``--routes`` snippet.
"""
from __future__ import annotations

from collections import defaultdict

from planner.consolidate.entries import Entry
from planner.model import BLOCK, INFO, DesignedRoute, Inventory, Note, PlannerError

REWRITE_INGRESS = ("ROUTES_REWRITE_INGRESS", "a designed route rewrites its path ({where}); a GKE Ingress cannot rewrite paths, so under the Ingress strategy the service stays (the Gateway strategy can: URLRewrite)")


def by_service(inv: Inventory) -> dict[tuple, tuple[DesignedRoute, ...]]:
    """Designed routes per service key, in file order."""
    out: dict[tuple, list[DesignedRoute]] = defaultdict(list)
    for r in inv.designed_routes:
        out[r.service].append(r)
    return {k: tuple(v) for k, v in out.items()}


def ingress_blocker(e: Entry, routes: tuple[DesignedRoute, ...], requested: str) -> tuple[str, str] | None:
    """Why ``e`` cannot take its designed routes on a GKE Ingress (None: it can). An explicit
    ``--strategy ingress`` with a rewrite is the user's error, not a reason to keep."""
    if e.slot.kind != "Ingress":
        return None
    rewrite = next((r for r in routes if r.rewrite is not None), None)
    if rewrite is None:
        return None
    if requested == "ingress":
        raise PlannerError(f"{rewrite.where}: rewrite {rewrite.rewrite} cannot be expressed by a GKE Ingress (--strategy ingress); drop the rewrite or use --strategy gateway")
    return (REWRITE_INGRESS[0], REWRITE_INGRESS[1].format(where=rewrite.where))


def free_routes(e: Entry, routes: tuple[DesignedRoute, ...], claims: dict, notes: list[Note]) -> list[DesignedRoute]:
    """The designed routes of ``e`` whose host and path nobody else holds (a host already on
    ``e``'s entrypoint with other paths is shared; anywhere else it is a collision)."""
    free = []
    for r in routes:
        c = claims.get(r.host)
        if c is not None:
            visibility_clash(r.host, c, e, r.where)
        if c is None or (c["entrypoint"] == e.slot.name and r.path not in c["paths"]):
            free.append(r)
            continue
        where = c["entrypoint"] or "its existing entrypoint"
        owner = c["paths"].get(r.path, c["owner"])
        notes.append(Note(BLOCK, e.ref, "ROUTE_COLLISION", f"designed route {r.host}{r.path} ({r.where}) is already routed to {owner} on {where}; not routed here"))
    return free


def claim(e: Entry, routes: list[DesignedRoute], claims: dict) -> None:
    for r in routes:
        c = claims.setdefault(r.host, {"entrypoint": e.slot.name, "owner": e.ref, "paths": {}, "internal": e.internal, "where": r.where})
        c["paths"][r.path] = e.ref


def _side(internal: bool) -> str:
    return "internal" if internal else "external"


def visibility_clash(host: str, c: dict, e: Entry, where: str | None) -> None:
    """A host that a new entrypoint of the other visibility already serves, where a designed
    route is involved (``where``: the entrant's, or the claim's), is the user's error: internal
    and external services never share a host (and so never one DNS name)."""
    if c.get("internal") is None or c["internal"] == e.internal:
        return
    where = where or c.get("where")
    if where is None:
        return
    raise PlannerError(f"{where}: host {host} is served by the {_side(c['internal'])} {c['owner']} and would also route to the {_side(e.internal)} {e.ref}; internal and external services never share a host")


def split_suggestions(contested: dict[str, list[str]], multi: bool, notes: list[Note]) -> None:
    """One ``info`` note per host several services of one entrypoint claim (``contested``:
    host -> service refs, the winner first): a ready ``--routes`` snippet that puts each on its
    own path of that host (prefix stripped, as the service saw ``/`` before)."""
    for host, refs in sorted(contested.items()):
        items = []
        for ref in refs:
            cluster, ns, name = ref.split(" ", 1)[1].split("/")
            service = f"{cluster}/{ns}/{name}" if multi else f"{ns}/{name}"
            items.append(f"{{host: {host}, path: /{name}, service: {service}, rewrite: /}}")
        notes.append(Note(INFO, f"host {host}", "HOST_PATH_SPLIT_SUGGESTED",
                          f"{', '.join(refs)} all claim {host}; only the first is routed. To serve every one of them on this host, split it by path: save this as a file and pass --routes FILE (edit the paths to taste): routes: [{', '.join(items)}]"))


def check_chosen(plan: dict, inv: Inventory) -> None:
    """The designed routes against the chosen plan: every one routed, no host both internal
    and external. Raises the first problem as a one-line error naming the route's file/line."""
    if not inv.designed_routes:
        return
    decisions = {(s["cluster"], s["namespace"], s["name"]): s for s in plan["services"]}
    routed = {(ep["cluster"], r["host"], r["path"]) for ep in plan["entrypoints"] for r in ep["routes"] if r.get("source") in ("routes-file", "annotation")}
    for r in inv.designed_routes:
        row = decisions.get(r.service)
        if row is not None and row["decision"] != "consolidate":
            code, message = row["reasons"][0]["code"], row["reasons"][0]["message"]
            raise PlannerError(f"{r.where}: service {'/'.join(r.service)} is not moving ({code}: {message[:160]}); remove the route, or fix what keeps it")
        if (r.service[0], r.host, r.path) not in routed:
            raise PlannerError(f"{r.where}: route {r.host}{r.path} could not be placed (see the ROUTE_COLLISION note)")
    _check_visibility(plan, inv)


def _check_visibility(plan: dict, inv: Inventory) -> None:
    sides: dict[str, dict[bool, str]] = defaultdict(dict)
    for ep in plan["entrypoints"]:
        for r in ep["routes"]:
            if r.get("host"):
                sides[r["host"]].setdefault(ep["internal"], f"{r['namespace']}/{r['service']} on {ep['kind']} {ep['name']}")
    for r in inv.designed_routes:
        got = sides.get(r.host, {})
        if len(got) == 2:
            raise PlannerError(f"{r.where}: host {r.host} would be served by the external {got[False]} and the internal {got[True]}; internal and external services never share a host")
