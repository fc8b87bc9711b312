"""What needs every nginx Ingress of a cluster at once (``translate_all``):

- ``use-regex`` on one Ingress makes nginx match every path of that host as a regex
  (``NGINX_REGEX_HOST``);
- a canary Ingress merges into its primary's rule (weighted ``backends``, header routes);
  a canary without one primary keeps (``NGINX_CANARY_NO_PRIMARY``);
- a Cloud Armor policy, timeout or affinity attaches to a backend Service, not a path: a
  backend reached through Ingresses with different settings keeps all but the first
  (``NGINX_POLICY_CONFLICT``);
- a host moves as a unit (its DNS name moves to the Gateway): when one Ingress of the host
  stays, every Ingress of that host stays (``NGINX_HOST_SPLIT``): a kept canary keeps its
  primary and the other way round.
"""
from __future__ import annotations

import dataclasses
from collections import defaultdict
from typing import Callable, Iterable

from planner.model import BLOCK, INFO, Ingress, Note, Service
from planner.nginx.translate import DEFAULT_GATEWAY_CLASS, KEEP, BackendPolicy, Translation, translate_ingress

RouteKey = tuple[str, str | None, str, str]  # cluster, host, path, path_type


def keep(tr: Translation, code: str, message: str) -> Translation:
    """``tr`` kept with a block note ``code`` (the first reason stays the reason)."""
    notes = [*tr.notes, Note(BLOCK, tr.ingress, code, message)]
    reason = tr.reason or ("NGINX_UNTRANSLATABLE", f"stays on ingress-nginx: {message}")
    if tr.decision != KEEP:
        notes.append(Note(INFO, tr.ingress, "NGINX_UNTRANSLATABLE", f"kept: {code} blocks the move"))
    return dataclasses.replace(tr, decision=KEEP, reason=reason, notes=tuple(notes))


def _rkey(cluster: str, r: dict) -> RouteKey:
    return (cluster, r["host"], r["path"], r["path_type"])


def spread_regex(trs: dict, ingresses: dict) -> None:
    """Every Ingress sharing a host with a use-regex Ingress keeps (nginx regexes the host)."""
    regex_hosts: dict[tuple[str, str], str] = {}
    for key, ing in sorted(ingresses.items()):
        if ing.annotations.get("nginx.ingress.kubernetes.io/use-regex", "").strip().lower() == "true":
            for p in ing.paths:
                if p.host:
                    regex_hosts.setdefault((ing.cluster, p.host), ing.ref)
    for key, tr in trs.items():
        hit = sorted({(h, regex_hosts[(key[0], h)]) for h in tr.hosts if (key[0], h) in regex_hosts and regex_hosts[(key[0], h)] != tr.ingress})
        if hit:
            trs[key] = keep(tr, "NGINX_REGEX_HOST", f"host {hit[0][0]} has use-regex on {hit[0][1]}; nginx then matches this Ingress's paths as case-insensitive regexes too")


def _primary_of(cluster: str, canary: Translation, primaries: dict[RouteKey, tuple]) -> tuple | None:
    keys = {_rkey(cluster, r) for r in canary.routes}
    hits = {primaries[k] for k in keys if k in primaries}
    return min(hits) if len(hits) == 1 and all(k in primaries for k in keys) else None


def _weighted(route: dict, primary_share: int, canary_route: dict, weight: int) -> dict:
    return {**route, "backends": [{"service": route["service"], "port": route["port"], "weight": primary_share},
                                   {"service": canary_route["service"], "port": canary_route["port"], "weight": weight}]}


def _merged_routes(primary: Translation, canary: Translation, cluster: str) -> list[dict]:
    spec = canary.canary
    by_key = {_rkey(cluster, r): r for r in canary.routes}
    out: list[dict] = []
    for r in primary.routes:
        c = by_key.get(_rkey(cluster, r))
        if c is None or r.get("headers") or r.get("redirect"):
            out.append(r)
            continue
        out.append(_weighted(r, spec.total - spec.weight, c, spec.weight) if spec.weight else r)
        if spec.header:
            out.append({**r, "headers": [{"name": spec.header, "value": spec.header_value or "always"}], "service": c["service"], "port": c["port"], "backends": None})
            if not spec.header_value and spec.weight:
                out.append({**r, "headers": [{"name": spec.header, "value": "never"}], "backends": None})
    for i, r in enumerate(out):
        if r.get("backends") is None:
            r.pop("backends", None)
        r["name"] = f"{primary.key[2]}-{i + 1}"
    return out


def merge_canaries(trs: dict) -> None:
    """Fold each migrating canary into its primary (same cluster, host, path, path type)."""
    primaries: dict[RouteKey, tuple] = {}
    for key, tr in sorted(trs.items()):
        if tr.canary is None:
            for r in tr.routes:
                primaries.setdefault(_rkey(key[0], r), key)
    taken: set[tuple] = set()
    for key, tr in sorted(trs.items()):
        if tr.canary is None:
            continue
        pkey = _primary_of(key[0], tr, primaries)
        if pkey is None or pkey in taken or trs[pkey].key[1] != key[1]:
            why = "no primary Ingress routes all its host/paths" if pkey is None else "its primary already has a canary" if pkey in taken else "its primary is in another namespace"
            trs[key] = keep(tr, "NGINX_CANARY_NO_PRIMARY", f"canary Ingress: {why}")
            continue
        if tr.decision == KEEP or trs[pkey].decision == KEEP:
            continue  # propagate_canary_keeps decides
        taken.add(pkey)
        primary = trs[pkey]
        extra = tuple(BackendPolicy(key[1], r["service"], dict(primary.policies[0].policy) if primary.policies else {}) for r in tr.routes)
        policies = tuple(sorted({(p.namespace, p.service): p for p in (*primary.policies, *extra)}.values(), key=lambda p: (p.namespace, p.service)))
        trs[pkey] = dataclasses.replace(primary, routes=tuple(_merged_routes(primary, tr, key[0])), policies=policies,
                                        notes=(*primary.notes, Note(INFO, primary.ingress, "NGINX_CANARY", f"canary {tr.ingress} merged into this Ingress's routes")))
        trs[key] = dataclasses.replace(tr, routes=(), policies=(), notes=(*tr.notes, Note(INFO, tr.ingress, "NGINX_CANARY", f"routes merged into its primary {primary.ingress}")))


def _find(parent: dict, x):
    while parent[x] != x:
        parent[x] = parent[parent[x]]
        x = parent[x]
    return x


def host_units(trs: dict) -> None:
    """Ingresses linked by shared hosts (transitively) move together: when one of a linked set
    stays, all stay. Union-find over (cluster, host), linear in routes."""
    parent: dict = {}
    for key, tr in trs.items():
        nodes = [(key[0], h) for h in tr.hosts]
        for n in nodes:
            parent.setdefault(n, n)
        for n in nodes[1:]:
            parent[_find(parent, n)] = _find(parent, nodes[0])
    kept_by_root: dict = {}
    for key, tr in sorted(trs.items()):
        if tr.decision == KEEP:
            for h in tr.hosts:
                kept_by_root.setdefault(_find(parent, (key[0], h)), (h, tr.ingress))
    for key, tr in sorted(trs.items()):
        if tr.decision == KEEP or not tr.hosts:
            continue
        hit = kept_by_root.get(_find(parent, (key[0], tr.hosts[0])))
        if hit:
            trs[key] = keep(tr, "NGINX_HOST_SPLIT", f"host {hit[0]} (linked to this Ingress's hosts) is also served by {hit[1]}, which stays on ingress-nginx")


def route_clashes(trs: dict) -> None:
    """The same host, path and path type in two (non-canary) Ingresses: nginx serves one of
    them by its own precedence; planner keeps both rather than guess which."""
    owners: dict[RouteKey, list] = defaultdict(list)
    for key, tr in sorted(trs.items()):
        if tr.canary is None:
            for r in tr.routes:
                if not r.get("headers") and key not in owners[_rkey(key[0], r)]:
                    owners[_rkey(key[0], r)].append(key)
    for rkey, keys in sorted(owners.items(), key=lambda kv: str(kv[0])):
        if len(keys) > 1:
            for key in keys:
                others = ", ".join(trs[k].ingress for k in keys if k != key)
                if all(n.code != "NGINX_ROUTE_CLASH" for n in trs[key].notes):
                    trs[key] = keep(trs[key], "NGINX_ROUTE_CLASH", f"{rkey[1]}{rkey[2]} is also routed by {others}; which one nginx serves is its own precedence, not something planner carries over")


def policy_conflicts(trs: dict) -> None:
    """A backend Service reached with different policies: the first Ingress keeps it."""
    first: dict[tuple, tuple[dict, str]] = {}
    for key, tr in sorted(trs.items()):
        if tr.decision == KEEP:
            continue
        for p in tr.policies:
            bkey = (key[0], p.namespace, p.service)
            seen = first.setdefault(bkey, (dict(p.policy), tr.ingress))
            if seen[0] != dict(p.policy):
                trs[key] = keep(tr, "NGINX_POLICY_CONFLICT", f"backend Service {p.namespace}/{p.service} is reached through {seen[1]} with other settings ({_diff(seen[0], dict(p.policy))}); a Gateway sets them per Service, not per path")
                break


def _diff(a: dict, b: dict) -> str:
    return ", ".join(k for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k))


def translate_all(ingresses: Iterable[Ingress], services: Iterable[Service], *, gateway_class: str = DEFAULT_GATEWAY_CLASS,
                  internal: Callable[[Ingress], bool] = lambda ing: False, deny_ranges_supported: bool = False) -> list[Translation]:
    """Every nginx Ingress translated, then merged and checked across Ingresses (module doc)."""
    by_ns: dict[tuple[str, str], dict[str, Service]] = defaultdict(dict)
    for s in services:
        by_ns[(s.cluster, s.namespace)][s.name] = s
    ings = {i.key: i for i in ingresses}
    trs = {k: translate_ingress(i, by_ns.get((i.cluster, i.namespace), {}), gateway_class=gateway_class, internal=internal(i), deny_ranges_supported=deny_ranges_supported) for k, i in sorted(ings.items())}
    spread_regex(trs, ings)
    route_clashes(trs)
    merge_canaries(trs)
    policy_conflicts(trs)
    host_units(trs)
    return [trs[k] for k in sorted(trs)]

