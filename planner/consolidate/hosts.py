"""Step 4, candidate design: each moving service claims its hosts on its entrypoint.

First claim wins (existing entrypoints, then services by cluster/namespace/name); a service
with no free host, a wildcard TLS host or a full certificate budget is kept with the reason.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from planner.consolidate import certificates
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
    cap = certificates.host_capacity(slot.kind)
    if cap is not None and tls_count[slot.name] + len(free) > cap:
        message = f"{slot.kind} {slot.name} already carries {tls_count[slot.name]} TLS hosts; {len(free)} more would exceed {certificates.MAX_CERTS_PER_INGRESS} certificates x {certificates.MAX_DOMAINS_PER_CERT} domains"
        notes.append(Note(BLOCK, e.ref, "TLS_CERT_LIMIT", message + "; kept on its own load balancer"))
        return ("TLS_CERT_LIMIT", message)
    return None


def _routed(e: Entry, free: list[str]) -> Entry:
    """``e`` routed by ``free`` on its entrypoint, its rule notes as further reasons (they
    become plan notes once the move is final: ``assemble.service_rows``)."""
    vis = "internal" if e.internal else "external"
    reasons = [("HTTP_CONSOLIDATE", f"HTTP(S)/gRPC on port(s) {', '.join(str(p.port) for p in e.svc.ports)}: routed by host through the {vis} {e.slot.kind} {e.slot.name}")]
    reasons.extend((code, message) for _, code, message in e.verdict.notes)
    return evolve(e, hosts=tuple(free), reasons=tuple(reasons))


def claim_hosts(entries: list[Entry], claims: Claims, ev: Evaluator, notes: list[Note]) -> tuple[list[Entry], Design]:
    """``entries`` with each moving one routed by its free hosts or kept; the design they fill."""
    design = Design({}, defaultdict(list))
    tls_count: dict[str, int] = defaultdict(int)
    out: list[Entry] = []
    for e in entries:
        if not e.moving:
            out.append(e)
            continue
        hosts = ev.hosts(e.svc, notes)
        if not hosts:
            out.append(keep(e, "NO_VALID_HOST", "no valid DNS name to route to it"))
            continue
        free = _free_hosts(e, hosts, claims, notes)
        if not free:
            out.append(keep(e, "ROUTE_COLLISION", f"every host of this service ({', '.join(hosts)}) is already routed elsewhere (see the ROUTE_COLLISION notes); kept until the hostnames are made unique"))
            continue
        blocker = _tls_blocker(e, free, tls_count, notes)
        if blocker:
            out.append(keep(e, *blocker))
            continue
        if e.policies.get("tls"):
            tls_count[e.slot.name] += len(free)
        for h in free:
            c = claims.setdefault(h, {"entrypoint": e.slot.name, "owner": e.ref, "paths": {}})
            c["paths"]["/"] = e.ref
        e = _routed(e, free)
        design.slots[e.slot.name] = e.slot
        design.members[e.slot.name].append(e)
        out.append(e)
    return out, design
