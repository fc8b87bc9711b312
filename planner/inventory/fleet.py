"""``--fleet FILE``: several clusters read into ONE Inventory, so pools are shared the way the
cloud bills them (two GKE clusters in one project and region share the first-5 charge).

Format (YAML or JSON)::

    clusters:
      - name: prod                 # unique; becomes Service.cluster
        cloud: gcp                 # gcp | aws | azure (the clouds planner prices)
        project: acme-prod
        region: us-central1
        inventory: [prod/]         # files or directories, relative to the fleet file
        usage: prod-usage.csv      # optional; relative to the fleet file
        namespace: shop            # optional; for manifests that name no namespace (--namespace)
        migrate_ingress_nginx: true  # optional (default false): as --migrate-ingress-nginx, for this cluster

The file is validated strictly: unknown keys, missing fields, a bad cloud, a duplicate name are
errors naming the file, line and cluster entry.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from planner.inventory import check_namespace, read_inventory, reading_ahead, sort_inventory
from planner.inventory.loader import load_config
from planner.model import Cluster, Inventory, PlannerError

#: Clouds a fleet entry may name: the clouds planner has a pricer for (planner/pricers PRICERS).
SUPPORTED_CLOUDS = ("aws", "azure", "gcp")
REQUIRED = ("name", "cloud", "project", "region", "inventory")
OPTIONAL = ("usage", "namespace", "routes", "migrate_ingress_nginx")
_NAME = re.compile(r"^[a-z0-9]([a-z0-9._-]{0,61}[a-z0-9])?$")
_REGION = re.compile(r"^[a-z][a-z0-9-]{1,40}[a-z0-9]$")  # us-central1, us-east-1, westeurope


@dataclass(frozen=True)
class FleetCluster:
    cluster: Cluster
    inventory: tuple[str, ...]
    usage: str | None
    line: int
    namespace: str | None = None  # of objects that name none (else "default", noted)
    routes: str | None = None  # designed host/path routes of this cluster (a --routes file)
    migrate_ingress_nginx: bool = False


def parse_fleet(path: str) -> list[FleetCluster]:
    doc, lines = load_config(path)
    if not isinstance(doc, dict):
        raise PlannerError(f"{path}:{lines[()]}: a fleet file is a mapping with a 'clusters' list")
    extra = sorted(str(k) for k in doc if k != "clusters")
    if extra:
        raise PlannerError(f"{path}:{lines.get((extra[0],), lines[()])}: unknown key {extra[0]!r} (allowed: clusters)")
    clusters = doc.get("clusters")
    if not isinstance(clusters, list) or not clusters:
        raise PlannerError(f"{path}:{lines.get(('clusters',), lines[()])}: 'clusters' must be a non-empty list")
    base = Path(path).parent
    out: list[FleetCluster] = []
    names: dict[str, int] = {}
    for i, entry in enumerate(clusters):
        line = lines.get(("clusters", i), lines[()])
        label = f"clusters[{i}]"
        if not isinstance(entry, dict):
            raise PlannerError(f"{path}:{line}: {label} must be a mapping with {', '.join(REQUIRED)}")
        if isinstance(entry.get("name"), str):
            label += f" ({entry['name'][:60]})"
        for key in entry:
            if key not in REQUIRED + OPTIONAL:
                kl = lines.get(("clusters", i, key), line)
                raise PlannerError(f"{path}:{kl}: {label}: unknown key {str(key)[:60]!r} (allowed: {', '.join(REQUIRED + OPTIONAL)})")
        for key in REQUIRED:
            if key not in entry:
                raise PlannerError(f"{path}:{line}: {label}: missing {key!r}")
        for key in ("name", "cloud", "project", "region"):
            if not isinstance(entry[key], str) or not entry[key]:
                raise PlannerError(f"{path}:{lines.get(('clusters', i, key), line)}: {label}: {key!r} must be a non-empty string")
        name = entry["name"]
        if not _NAME.match(name):
            raise PlannerError(f"{path}:{lines.get(('clusters', i, 'name'), line)}: {label}: name must be lowercase letters, digits, '-', '.', '_' (at most 63)")
        if name in names:
            raise PlannerError(f"{path}:{line}: {label}: cluster name {name!r} already used at line {names[name]}")
        names[name] = line
        if entry["cloud"] not in SUPPORTED_CLOUDS:
            raise PlannerError(f"{path}:{lines.get(('clusters', i, 'cloud'), line)}: {label}: cloud {entry['cloud'][:30]!r} is not supported (supported: {', '.join(SUPPORTED_CLOUDS)})")
        if not _REGION.match(entry["region"]):
            raise PlannerError(f"{path}:{lines.get(('clusters', i, 'region'), line)}: {label}: region {entry['region'][:40]!r} is not a region name like us-central1, us-east-1 or westeurope")
        inv = entry["inventory"]
        if isinstance(inv, str):
            inv = [inv]
        if not isinstance(inv, list) or not inv or not all(isinstance(p, str) and p for p in inv):
            raise PlannerError(f"{path}:{lines.get(('clusters', i, 'inventory'), line)}: {label}: 'inventory' must be a path or a non-empty list of paths")
        usage = entry.get("usage")
        if usage is not None and (not isinstance(usage, str) or not usage):
            raise PlannerError(f"{path}:{lines.get(('clusters', i, 'usage'), line)}: {label}: 'usage' must be a path")
        routes = entry.get("routes")
        if routes is not None and (not isinstance(routes, str) or not routes):
            raise PlannerError(f"{path}:{lines.get(('clusters', i, 'routes'), line)}: {label}: 'routes' must be a path")
        namespace = check_namespace(entry.get("namespace"), f"{path}:{lines.get(('clusters', i, 'namespace'), line)}: {label}")
        nginx = entry.get("migrate_ingress_nginx", False)
        if not isinstance(nginx, bool):
            raise PlannerError(f"{path}:{lines.get(('clusters', i, 'migrate_ingress_nginx'), line)}: {label}: 'migrate_ingress_nginx' must be true or false")
        out.append(
            FleetCluster(
                cluster=Cluster(name=name, cloud=entry["cloud"], project=entry["project"], region=entry["region"]),
                inventory=tuple(str(base / p) if p != "-" else p for p in inv),
                usage=str(base / usage) if usage else None,
                line=line,
                namespace=namespace,
                routes=str(base / routes) if routes else None,
                migrate_ingress_nginx=nginx,
            )
        )
    return out


def read_fleet(path: str, inventory: Inventory | None = None) -> tuple[Inventory, list[FleetCluster]]:
    """Read every cluster of the fleet file into one Inventory (usage files are left to the
    caller, which reads them once every cluster's objects are known)."""
    fleet = parse_fleet(path)
    inv = inventory if inventory is not None else Inventory()
    with reading_ahead([(list(fc.inventory), fc.cluster.name) for fc in fleet]) as ahead:  # the second core
        for fc in fleet:
            read_inventory(list(fc.inventory), fc.cluster, inv, sort=False, namespace=fc.namespace, ahead=ahead)
            if fc.migrate_ingress_nginx:
                inv.nginx_clusters.add(fc.cluster.name)
    sort_inventory(inv)  # once, not after each cluster (quadratic at hundreds of clusters)
    return inv, fleet
