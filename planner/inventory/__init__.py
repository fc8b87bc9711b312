"""Readers: files, directories and stdin → one normalised :class:`Inventory`.

``read_inventory(paths, cluster)`` is the one entry point the CLI uses for a single cluster.
"""
from __future__ import annotations

from collections import Counter

from planner.inventory.kube import parse_ingress, parse_service
from planner.inventory.loader import expand_paths, iter_objects
from planner.model import INFO, WARN, Cluster, Inventory, Note, PlannerError

#: Kinds planner reads; every other kind is counted and reported in one info note.
USED_KINDS = ("Service", "Ingress")


def _kind_of(doc: dict) -> str:
    kind = doc.get("kind")
    return kind if isinstance(kind, str) and kind else "<no kind>"


def read_inventory(paths: list[str], cluster: Cluster, inventory: Inventory | None = None) -> Inventory:
    """Read ``paths`` as the objects of ``cluster`` into ``inventory`` (a new one by default)."""
    inv = inventory if inventory is not None else Inventory()
    inv.clusters.setdefault(cluster.name, cluster)
    files = expand_paths(paths)
    counts: Counter[str] = Counter(inv.kind_counts)
    seen_svc = {s.key: s for s in inv.services}
    seen_ing = {i.key: i for i in inv.ingresses}
    unused: Counter[str] = Counter()
    for path in files:
        inv.files.append(path)
        for raw in iter_objects(path):
            if not isinstance(raw.doc, dict):
                inv.notes.append(Note(WARN, str(raw.source), "NOT_AN_OBJECT", "List item is not an object; skipped"))
                counts["<not an object>"] += 1
                continue
            kind = _kind_of(raw.doc)
            counts[kind] += 1
            if kind == "Service":
                svc, notes = parse_service(raw.doc, cluster.name, raw.source)
                inv.notes.extend(notes)
                if svc is None:
                    continue
                prev = seen_svc.get(svc.key)
                if prev is not None:
                    if prev == svc and dict(prev.annotations) == dict(svc.annotations) and dict(prev.labels) == dict(svc.labels):
                        inv.notes.append(Note(INFO, svc.ref, "DUPLICATE_IDENTICAL", f"read again, identical, from {svc.source}; counted once"))
                        continue
                    raise PlannerError(
                        f"{svc.source}: Service {svc.namespace}/{svc.name} (cluster {svc.cluster}) is also defined, differently, in {prev.source}"
                    )
                seen_svc[svc.key] = svc
                inv.services.append(svc)
            elif kind == "Ingress":
                ing, notes = parse_ingress(raw.doc, cluster.name, raw.source)
                inv.notes.extend(notes)
                if ing is None:
                    continue
                prev = seen_ing.get(ing.key)
                if prev is not None:
                    if prev == ing:
                        continue
                    raise PlannerError(
                        f"{ing.source}: Ingress {ing.namespace}/{ing.name} (cluster {ing.cluster}) is also defined, differently, in {prev.source}"
                    )
                seen_ing[ing.key] = ing
                inv.ingresses.append(ing)
            else:
                unused[kind] += 1
    for kind, n in sorted(unused.items()):
        inv.notes.append(Note(INFO, f"cluster {cluster.name}", "KIND_NOT_USED", f"{n} {kind} object(s) read; planner does not price this kind"))
    non_lb = Counter(s.type for s in inv.services if s.cluster == cluster.name and s.type != "LoadBalancer")
    for stype, n in sorted(non_lb.items()):
        inv.notes.append(Note(INFO, f"cluster {cluster.name}", "SERVICE_NOT_LOAD_BALANCER", f"{n} {stype} Service(s) read; they buy no load balancer"))
    inv.kind_counts = dict(sorted(counts.items()))
    inv.services.sort(key=lambda s: s.key)
    inv.ingresses.sort(key=lambda i: i.key)
    return inv
