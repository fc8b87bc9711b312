"""Small builders for consolidation tests: Services, Ingresses and Inventories in code."""
from __future__ import annotations

from decimal import Decimal

from planner.model import Cluster, Ingress, IngressPath, Inventory, Port, Service, Source, Usage

INTERNAL = {"networking.gke.io/load-balancer-type": "Internal"}
DNS = "external-dns.alpha.kubernetes.io/hostname"


def svc(name="web", ports=((80, "TCP", "http"),), *, ns="default", cluster="main", ann=None, labels=None, stype="LoadBalancer", **kw) -> Service:
    plist = []
    for p in ports:
        port, proto = p[0], p[1]
        pname = p[2] if len(p) > 2 else None
        app = p[3] if len(p) > 3 else None
        plist.append(Port(port=port, protocol=proto, name=pname, app_protocol=app))
    return Service(cluster=cluster, namespace=ns, name=name, type=stype, ports=tuple(plist), source=Source("test.yaml", 1), annotations=dict(ann or {}), labels=dict(labels or {}), **kw)


def ingress(name="legacy", *, ns="default", cluster="main", cls="gce", rules=(("www.example.org", "/", "web", 80),), tls_hosts=(), ann=None, default_backend=None) -> Ingress:
    paths = tuple(IngressPath(host=h, path=p, service=s, port=port) for h, p, s, port in rules)
    return Ingress(cluster=cluster, namespace=ns, name=name, ingress_class=cls, paths=paths, tls_hosts=tuple(tls_hosts), has_tls=bool(tls_hosts), source=Source("test.yaml", 1), default_backend=default_backend, annotations=dict(ann or {}))


def inventory(*objs, clusters=("main",), region="us-central1", project="p", usage=None) -> Inventory:
    inv = Inventory(clusters={c: Cluster(name=c, project=project, region=region) for c in clusters})
    for o in objs:
        (inv.services if isinstance(o, Service) else inv.ingresses).append(o)
    inv.services.sort(key=lambda s: s.key)
    inv.ingresses.sort(key=lambda i: i.key)
    inv.kind_counts = {"Service": len(inv.services), "Ingress": len(inv.ingresses)}
    for key, (gin, gout) in (usage or {}).items():
        inv.usage[key] = Usage(Decimal(str(gin)), Decimal(str(gout)))
    return inv


def plan(*objs, usage=None, region="us-central1", clusters=("main",), **opts) -> dict:
    from planner.consolidate import Options, build_plan
    from planner.render.jsonplan import validate

    from planner.consolidate.checks import money_problems

    p = build_plan(inventory(*objs, usage=usage, region=region, clusters=clusters), Options(**opts))
    validate(p)
    assert money_problems(p) == []  # summary = entries = components, for every plan built here
    return p


def by_name(plan: dict) -> dict[str, dict]:
    return {s["name"]: s for s in plan["services"]}


def codes(plan: dict, obj_suffix: str | None = None) -> set[tuple[str, str]]:
    return {(n["level"], n["code"]) for n in plan["notes"] if obj_suffix is None or n["object"].endswith(obj_suffix)}
