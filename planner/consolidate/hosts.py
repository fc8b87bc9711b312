"""Step 4, candidate design: each moving service claims its hosts on its entrypoint.

First claim wins (existing entrypoints, then services by cluster/namespace/name); a service
with no free host, a wildcard TLS host or a full certificate budget is kept with the reason.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from planner.consolidate import certificates, designed
from planner.consolidate.entries import Entry, evolve, keep
from planner.consolidate.evaluate import Evaluator
from planner.consolidate.existing import Claims
from planner.consolidate.strategies import Slot
from planner.model import BLOCK, WARN, Note


@dataclass
class Design:
    """The entrypoints the moving services fill: slot by name, members in entries' order."""

    slots: dict[str, Slot]
    members: dict[str, list[Entry]]
    nginx: object = None  # nginx.NginxPlan (--migrate-ingress-nginx), else None


def _free_hosts(e: Entry, hosts: list[str], claims: Claims, notes: list[Note]) -> list[str]:
    free = []
    for h in hosts:
        c = claims.get(h)
        if c is None:
            free.append(h)
            continue
        where = c["entrypoint"] or "its existing entrypoint"
        if c["entrypoint"] == e.slot.name and "/" not in c["paths"]:
            free.append(h)
            continue
        notes.append(Note(WARN, c["owner"], "ROUTE_COLLISION", f"host {h} path / is also claimed by {e.ref}; it stays with {c['owner']} on {where} (first claim wins: existing entrypoints, then services by cluster/namespace/name)"))
        notes.append(Note(WARN, e.ref, "ROUTE_COLLISION", f"host {h} path / is already routed to {c['owner']} on {where}; not routed here"))
    return free


def _tls_blocker(e: Entry, free: list[str], tls_count: dict[str, int], notes: list[Note]) -> tuple[str, str] | None:
    """Why ``e``'s TLS hosts cannot go on its entrypoint (None: they can)."""
    if not e.policies.get("tls"):
        return None
    wild = [h for h in free if h.startswith("*.")]
    if wild:
        return ("TLS_WILDCARD", f"TLS host(s) {', '.join(wild)}: a Google-managed certificate for a wildcard needs DNS authorization (Certificate Manager) or is not available (ManagedCertificate), which planner does not set up; kept")
    slot = e.slot
    long = [h for h in free if len(h) > certificates.MAX_MANAGED_CERT_DOMAIN]
    if long and slot.kind == "Ingress":
        return ("TLS_DOMAIN_TOO_LONG", f"TLS host {long[0][:80]} is longer than {certificates.MAX_MANAGED_CERT_DOMAIN} characters, which a GKE ManagedCertificate refuses; without a certificate HTTPS would break, so it stays (the Gateway strategy uses Certificate Manager)")
    cap = certificates.host_capacity(slot.kind)
    if cap is not None and tls_count[slot.name] + len(free) > cap:
        message = f"{slot.kind} {slot.name} already carries {tls_count[slot.name]} TLS hosts; {len(free)} more would exceed {certificates.MAX_CERTS_PER_INGRESS} certificates x {certificates.MAX_DOMAINS_PER_CERT} domains"
        notes.append(Note(BLOCK, e.ref, "TLS_CERT_LIMIT", message + "; kept on its own load balancer"))
        return ("TLS_CERT_LIMIT", message)
    return None


def _routed(e: Entry, free: list[str], ev: Evaluator, paths: tuple = ()) -> Entry:
    """``e`` routed by ``free`` on its entrypoint (by its designed ``paths`` when it has
    them), its rule notes as further reasons (they become plan notes once the move is final:
    ``assemble.service_rows``)."""
    return evolve(e, hosts=tuple(free), reasons=ev.routed_reasons(e, bool(paths)), designed=tuple(paths))


def _by_design(e: Entry, routes: tuple, claims: Claims, ev: Evaluator, tls_count: dict[str, int], notes: list[Note]) -> Entry:
    """``e`` routed by its designed routes, or kept with the reason."""
    blocker = designed.ingress_blocker(e, routes, ev.opts.strategy)
    if blocker:
        notes.append(Note(BLOCK, e.ref, *blocker))
        return keep(e, *blocker)
    free = designed.free_routes(e, routes, claims, notes)
    if not free:
        return keep(e, "ROUTE_COLLISION", f"every designed route of this service ({', '.join(r.host + r.path for r in routes)}) is already routed elsewhere (see the ROUTE_COLLISION notes)")
    hosts = sorted({r.host for r in free})
    blocker = _tls_blocker(e, hosts, tls_count, notes)
    if blocker:
        return keep(e, *blocker)
    designed.claim(e, free, claims)
    return _routed(e, hosts, ev, tuple(free))


def _by_host(e: Entry, claims: Claims, ev: Evaluator, tls_count: dict[str, int], notes: list[Note], contested: dict[str, list[str]]) -> Entry:
    """``e`` routed by ``/`` on its free hosts, or kept with the reason."""
    hosts = ev.hosts(e.svc, notes)
    if not hosts:
        return keep(e, "NO_VALID_HOST", "no valid DNS name to route to it")
    for h in hosts:  # another service of this entrypoint holds it: a path split would serve both
        c = claims.get(h)
        if c is not None:
            designed.visibility_clash(h, c, e, None)
        if c is not None and c["entrypoint"] == e.slot.name and c["paths"].get("/", "").startswith("Service "):
            contested.setdefault(h, [c["paths"]["/"]]).append(e.ref)
    free = _free_hosts(e, hosts, claims, notes)
    if not free:
        return keep(e, "ROUTE_COLLISION", f"every host of this service ({', '.join(hosts)}) is already routed elsewhere (see the ROUTE_COLLISION notes); kept until the hostnames are made unique")
    blocker = _tls_blocker(e, free, tls_count, notes)
    if blocker:
        return keep(e, *blocker)
    for h in free:
        c = claims.setdefault(h, {"entrypoint": e.slot.name, "owner": e.ref, "paths": {}, "internal": e.internal})
        c["paths"]["/"] = e.ref
    return _routed(e, free, ev)


def claim_hosts(entries: list[Entry], claims: Claims, ev: Evaluator, notes: list[Note]) -> tuple[list[Entry], Design]:
    """``entries`` with each moving one routed by its designed routes or free hosts, or kept;
    the design they fill. Hosts several services claim get a path-split suggestion."""
    design = Design({}, defaultdict(list))
    tls_count: dict[str, int] = defaultdict(int)
    contested: dict[str, list[str]] = {}
    out: list[Entry] = []
    for e in entries:
        if e.moving:
            routes = ev.designed_routes(e.svc)
            e = _by_design(e, routes, claims, ev, tls_count, notes) if routes else _by_host(e, claims, ev, tls_count, notes, contested)
        if e.moving:
            if e.policies.get("tls"):
                tls_count[e.slot.name] += len(e.hosts)
            design.slots[e.slot.name] = e.slot
            design.members[e.slot.name].append(e)
        out.append(e)
    designed.split_suggestions(contested, len(ev.inv.clusters) > 1, notes)
    return out, design
