"""``planner collect``: read a live cluster through the official ``kubernetes`` client and the
user's kubeconfig, and write an inventory file ``planner analyze`` reads.

What is read (cluster-wide lists, paginated): Services, Ingresses (networking.k8s.io/v1),
Gateways and HTTPRoutes (gateway.networking.k8s.io/v1 through CustomObjectsApi; when the CRDs
are absent or forbidden that is a note, not an error) and the nodes' region label
(``topology.kubernetes.io/region``). Responses are kept as the server sent them (raw JSON, not
round-tripped through the client's models) minus ``metadata.managedFields``.

Output: one kubectl-style ``List`` (JSON) per cluster; with ``--all-contexts`` a directory with
one List per context plus ``fleet.yaml`` naming them with project and region.
"""
from __future__ import annotations

import json
import os
import re
import sys
from collections import Counter
from pathlib import Path

import yaml

from planner.model import PlannerError

PAGE = 500
TIMEOUT_S = 15
REGION_LABELS = ("topology.kubernetes.io/region", "failure-domain.beta.kubernetes.io/region")
_GKE_CONTEXT = re.compile(r"^gke_([a-z][a-z0-9-]{4,61}[a-z0-9])_([a-z]+-[a-z]+[0-9]+)(-[a-z])?_(.+)$")


def add_parser(sub) -> None:
    p = sub.add_parser(
        "collect",
        help="read Services, Ingresses, Gateways and HTTPRoutes from live clusters into an inventory file",
        description="Read Services, Ingresses, Gateways/HTTPRoutes and node region labels through your kubeconfig and "
        "write an inventory analyze reads. One context: a kubectl-style List (JSON). --all-contexts: a directory "
        "with one List per context and a fleet.yaml for 'planner analyze --fleet'.",
    )
    which = p.add_mutually_exclusive_group()
    which.add_argument("--context", default=None, metavar="NAME", help="kubeconfig context to read (default: the current context)")
    which.add_argument("--all-contexts", action="store_true", help="read every context of the kubeconfig; --output is then a directory")
    p.add_argument("--kubeconfig", default=None, metavar="FILE", help="kubeconfig file (default: $KUBECONFIG or ~/.kube/config)")
    p.add_argument("--output", default=None, metavar="FILE", help="where to write (default: inventory.json, or inventory/ with --all-contexts; - for stdout)")
    p.add_argument("--project", default=None, metavar="ID", help="GCP project for contexts whose name does not say it (GKE contexts are gke_<project>_<location>_<cluster>)")


def _kubeconfig_path(arg: str | None) -> str:
    path = arg or (os.environ.get("KUBECONFIG", "").split(os.pathsep)[0] or None) or str(Path.home() / ".kube" / "config")
    if not Path(path).is_file():
        raise PlannerError(f"{path}: kubeconfig not found (pass --kubeconfig or set KUBECONFIG)")
    return path


def _contexts(kubeconfig: str) -> tuple[list[str], str | None]:
    from kubernetes.config.config_exception import ConfigException
    from kubernetes.config.kube_config import list_kube_config_contexts

    try:
        contexts, active = list_kube_config_contexts(config_file=kubeconfig)
    except ConfigException as exc:
        raise PlannerError(f"{kubeconfig}: {' '.join(str(exc).split())[:200]}") from None
    except (yaml.YAMLError, OSError, TypeError, AttributeError) as exc:
        raise PlannerError(f"{kubeconfig}: not a readable kubeconfig ({type(exc).__name__})") from None
    names = sorted(c["name"] for c in contexts if isinstance(c, dict) and isinstance(c.get("name"), str))
    return names, (active or {}).get("name") if isinstance(active, dict) else None


def _client(kubeconfig: str, context: str):
    from kubernetes.client import Configuration
    from kubernetes.config.config_exception import ConfigException
    from kubernetes.config.kube_config import new_client_from_config

    conf = Configuration()
    conf.retries = 0
    try:
        return new_client_from_config(config_file=kubeconfig, context=context, persist_config=False, client_configuration=conf)
    except ConfigException as exc:
        raise PlannerError(f"{kubeconfig}: context {context}: {' '.join(str(exc).split())[:200]}") from None


def _listers(api_client) -> dict:
    """Cluster-wide list calls of the official client, by resource."""
    from kubernetes.client import CoreV1Api, CustomObjectsApi, NetworkingV1Api

    core, net, custom = CoreV1Api(api_client), NetworkingV1Api(api_client), CustomObjectsApi(api_client)
    return {
        "Service": core.list_service_for_all_namespaces,
        "Ingress": net.list_ingress_for_all_namespaces,
        "Gateway": lambda **kw: custom.list_cluster_custom_object("gateway.networking.k8s.io", "v1", "gateways", **kw),
        "HTTPRoute": lambda **kw: custom.list_cluster_custom_object("gateway.networking.k8s.io", "v1", "httproutes", **kw),
        "Node": core.list_node,
    }


def _fetch(lister, context: str, host: str, what: str) -> list[dict] | None:
    """Every item of one cluster-wide list (paginated), as the server sent it. None when the
    API answers 404 (resource type not installed) or 403 (not allowed); those become notes."""
    from kubernetes.client.exceptions import ApiException
    from urllib3.exceptions import HTTPError

    items: list[dict] = []
    cont = None
    while True:
        kwargs = {"limit": PAGE, "_preload_content": False, "_request_timeout": TIMEOUT_S}
        if cont:
            kwargs["_continue"] = cont
        try:
            resp = lister(**kwargs)
            body = resp.data
        except ApiException as exc:
            if exc.status in (403, 404):
                return None
            raise PlannerError(f"context {context}: {host}: listing {what}: HTTP {exc.status} {' '.join(str(exc.reason).split())[:80]}") from None
        except (HTTPError, OSError) as exc:
            reason = getattr(exc, "reason", None) or exc
            raise PlannerError(f"context {context}: cannot reach {host}: {' '.join(str(reason).split())[:160]}") from None
        try:
            data = json.loads(body)
        except (ValueError, RecursionError):
            raise PlannerError(f"context {context}: {host}: listing {what}: response is not JSON") from None
        if not isinstance(data, dict) or not isinstance(data.get("items") or [], list):
            raise PlannerError(f"context {context}: {host}: listing {what}: response is not a list")
        items.extend(i for i in data.get("items") or [] if isinstance(i, dict))
        meta = data.get("metadata") if isinstance(data.get("metadata"), dict) else {}
        cont = meta.get("continue") if isinstance(meta.get("continue"), str) and meta.get("continue") else None
        if not cont:
            return items


RESOURCES = (
    # (kind, apiVersion written, required)
    ("Service", "v1", True),
    ("Ingress", "networking.k8s.io/v1", True),
    ("Gateway", "gateway.networking.k8s.io/v1", False),
    ("HTTPRoute", "gateway.networking.k8s.io/v1", False),
)


def collect_context(kubeconfig: str, context: str) -> tuple[dict, str | None, list[str]]:
    """(kubectl-style List, region from node labels or None, notes) for one context."""
    api = _client(kubeconfig, context)
    host = api.configuration.host
    listers = _listers(api)
    notes: list[str] = []
    out: list[dict] = []
    try:
        for kind, api_version, required in RESOURCES:
            items = _fetch(listers[kind], context, host, kind)
            if items is None:
                if required:
                    raise PlannerError(f"context {context}: {host}: listing {kind}: not found or forbidden (HTTP 403/404)")
                notes.append(f"context {context}: {kind} objects not read (403/404: Gateway API CRDs absent or not allowed)")
                continue
            for item in items:
                obj = dict(item)
                obj["apiVersion"] = api_version
                obj["kind"] = kind
                meta = obj.get("metadata")
                if isinstance(meta, dict):
                    obj["metadata"] = {k: v for k, v in meta.items() if k != "managedFields"}
                out.append(obj)
        nodes = _fetch(listers["Node"], context, host, "Node")
    finally:
        api.close()
    regions: Counter[str] = Counter()
    for n in nodes or []:
        labels = (n.get("metadata") or {}).get("labels") if isinstance(n.get("metadata"), dict) else None
        if isinstance(labels, dict):
            for lab in REGION_LABELS:
                if isinstance(labels.get(lab), str) and labels[lab]:
                    regions[labels[lab]] += 1
                    break
    if nodes is None:
        notes.append(f"context {context}: nodes not readable (403/404); region unknown from labels")
    region = sorted(regions.items(), key=lambda kv: (-kv[1], kv[0]))[0][0] if regions else None
    if len(regions) > 1:
        notes.append(f"context {context}: nodes span regions {', '.join(sorted(regions))}; using {region}")
    out.sort(key=lambda o: (o["kind"], str((o.get("metadata") or {}).get("namespace", "")), str((o.get("metadata") or {}).get("name", ""))))
    return {"apiVersion": "v1", "kind": "List", "metadata": {"resourceVersion": ""}, "items": out}, region, notes


def _cluster_name(context: str, used: set[str]) -> str:
    m = _GKE_CONTEXT.match(context)
    base = m.group(4) if m else context
    name = re.sub(r"[^a-z0-9._-]+", "-", base.lower()).strip("-._")[:63] or "cluster"
    cand, i = name, 2
    while cand in used:
        cand = f"{name[:59]}-{i}"
        i += 1
    used.add(cand)
    return cand


def _project_region(context: str, node_region: str | None, project_arg: str | None) -> tuple[str, str]:
    m = _GKE_CONTEXT.match(context)
    project = m.group(1) if m else project_arg
    if not project:
        raise PlannerError(f"context {context}: cannot tell its GCP project (not a gke_<project>_<location>_<cluster> context); pass --project")
    region = node_region or (m.group(2) if m else None)
    if not region:
        raise PlannerError(f"context {context}: no node has a {REGION_LABELS[0]} label and the context name gives no location")
    return project, region


def _write(path: str, text: str) -> None:
    if path == "-":
        sys.stdout.write(text)
        return
    try:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        Path(path).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise PlannerError(f"{path}: cannot write: {exc.strerror or exc}") from None


def run(args) -> int:
    kubeconfig = _kubeconfig_path(args.kubeconfig)
    names, active = _contexts(kubeconfig)
    if not names:
        raise PlannerError(f"{kubeconfig}: no contexts")
    if args.all_contexts:
        out_dir = Path(args.output or "inventory")
        if str(out_dir) == "-":
            raise PlannerError("--all-contexts writes a directory; --output - is not possible")
        used: set[str] = set()
        entries = []
        for ctx in names:
            lst, region, notes = collect_context(kubeconfig, ctx)
            project, region = _project_region(ctx, region, args.project)
            name = _cluster_name(ctx, used)
            _write(str(out_dir / f"{name}.json"), json.dumps(lst, indent=2, sort_keys=True) + "\n")
            entries.append({"name": name, "cloud": "gcp", "project": project, "region": region, "inventory": [f"{name}.json"]})
            for n in notes:
                print(f"note: {n}", file=sys.stderr)
            print(f"{ctx}: {len(lst['items'])} object(s) -> {out_dir / (name + '.json')} (project {project}, region {region})", file=sys.stderr)
        _write(str(out_dir / "fleet.yaml"), "# written by planner collect --all-contexts\n" + yaml.safe_dump({"clusters": entries}, sort_keys=False))
        print(f"wrote fleet: {out_dir / 'fleet.yaml'}  (planner analyze --fleet {out_dir / 'fleet.yaml'})", file=sys.stderr)
        return 0
    ctx = args.context or active
    if ctx is None:
        raise PlannerError(f"{kubeconfig}: no current context; pass --context (have: {', '.join(names)[:200]})")
    if ctx not in names:
        raise PlannerError(f"{kubeconfig}: no context {ctx[:80]!r} (have: {', '.join(names)[:200]})")
    lst, region, notes = collect_context(kubeconfig, ctx)
    out = args.output or "inventory.json"
    _write(out, json.dumps(lst, indent=2, sort_keys=True) + "\n")
    for n in notes:
        print(f"note: {n}", file=sys.stderr)
    m = _GKE_CONTEXT.match(ctx)
    hint = f" --project {m.group(1)}" if m else ""
    hint += f" --region {region}" if region else ""
    print(f"{ctx}: {len(lst['items'])} object(s) -> {out}  (planner analyze {out}{hint})", file=sys.stderr)
    return 0
