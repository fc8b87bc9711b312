"""``--format manifests``: the program's phases as plain Kubernetes YAML and gcloud scripts.

``write(plan, out_dir)`` writes ``out_dir/{build,cutover,retire}/``:

- ``<namespace>.<Kind>.yaml`` -- every Kubernetes object the Pulumi program applies in that
  phase (phases are cumulative, as in the program), one file per namespace and kind, objects
  sorted by name; cluster-scoped objects (Namespaces) in ``_cluster.<Kind>.yaml``; with several
  clusters one sub-directory per cluster. Service changes are the server-side-apply patches
  (``kubectl apply --server-side``; retire needs ``--force-conflicts``, the program's
  ``pulumi.com/patchForce``).
- ``gcloud.sh`` -- the GCP resources that phase *adds* (addresses, Cloud Armor, certificates;
  DNS records at cutover), every value shell-quoted with :func:`shlex.quote`.

The objects are built from the same ``program.json`` records as the program
(:func:`planner.render.pulumi.program_data`), and ``tests/test_manifests.py`` checks them against
what the program registers under the Pulumi mocks, object for object. YAML comes from
``yaml.safe_dump``, so a hostile name or host is only ever a quoted scalar.
"""
from __future__ import annotations

import json
import shlex
from pathlib import Path

import yaml

from planner.model import PlannerError
from planner.render.pulumi import GATEWAY_API, program_data, resource_name

PHASES = ("build", "cutover", "retire")
MANAGED_BY = {"app.kubernetes.io/managed-by": "planner"}
EXTERNAL_DNS = "external-dns.alpha.kubernetes.io/hostname"
PATCH_FORCE = "pulumi.com/patchForce"


def _meta(item: dict, annotations: dict | None = None) -> dict:
    m = {"name": item["name"], "namespace": item["namespace"], "labels": dict(MANAGED_BY)}
    if annotations:
        m["annotations"] = annotations
    return m


def _cr(api: str, kind: str, item: dict, spec: dict, annotations: dict | None = None) -> dict:
    return {"apiVersion": api, "kind": kind, "metadata": _meta(item, annotations), "spec": spec}


def _gateway(g: dict, step: int) -> dict:
    allowed = {"namespaces": {"from": "Selector", "selector": {"matchExpressions": [
        {"key": "kubernetes.io/metadata.name", "operator": "In", "values": g["route_namespaces"]}]}}}
    annotations = {}
    if g["certificate_map"]:
        annotations["networking.gke.io/certmap"] = g["certificate_map"]
    if g["external_dns_hosts"] and step >= 1:
        annotations[EXTERNAL_DNS] = ",".join(g["external_dns_hosts"])
    return _cr(GATEWAY_API, "Gateway", g, {
        "gatewayClassName": g["class"],
        "listeners": [{"name": lst["name"], "protocol": lst["protocol"], "port": lst["port"], "allowedRoutes": allowed} for lst in g["listeners"]],
        "addresses": [{"type": "NamedAddress", "value": g["address"]}],
    }, annotations)


def _backend(b: dict) -> dict:
    if b["kind"] == "GCPBackendPolicy":
        default = {}
        if b["security_policy"]:
            default["securityPolicy"] = b["security_policy"]
        if b["session_affinity"]:
            default["sessionAffinity"] = {"type": b["session_affinity"]}
        if b["timeout_sec"]:
            default["timeoutSec"] = b["timeout_sec"]
        return _cr("networking.gke.io/v1", "GCPBackendPolicy", b, {"default": default, "targetRef": {"group": "", "kind": "Service", "name": b["service"]}})
    spec = {}
    if b["security_policy"]:
        spec["securityPolicy"] = {"name": b["security_policy"]}
    if b["session_affinity"]:
        spec["sessionAffinity"] = {"affinityType": b["session_affinity"]}
    if b["timeout_sec"]:
        spec["timeoutSec"] = b["timeout_sec"]
    return _cr("cloud.google.com/v1", "BackendConfig", b, spec)


def _ingress(i: dict, step: int) -> dict:
    ip = "kubernetes.io/ingress.regional-static-ip-name" if i["internal"] else "kubernetes.io/ingress.global-static-ip-name"
    annotations = {ip: i["address"], "kubernetes.io/ingress.class": i["class"]}
    if i["managed_certificates"]:
        annotations["networking.gke.io/managed-certificates"] = ",".join(i["managed_certificates"])
    if i["frontend_config"]:
        annotations["networking.gke.io/v1beta1.FrontendConfig"] = i["frontend_config"]
    if i["external_dns_hosts"] and step >= 1:
        annotations[EXTERNAL_DNS] = ",".join(i["external_dns_hosts"])
    rules: dict = {}
    for x in i["rules"]:
        port = {"number": x["port"]} if isinstance(x["port"], int) else {"name": x["port"]}
        rules.setdefault(x["host"], []).append({"path": x["path"], "pathType": x["path_type"], "backend": {"service": {"name": x["service"], "port": port}}})
    spec = {"rules": [{"host": h, "http": {"paths": p}} if h else {"http": {"paths": p}} for h, p in rules.items()]}
    return {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": _meta(i, annotations), "spec": spec}


def service_patch(s: dict, step: int) -> dict | None:
    """The server-side-apply patch of a Service in phase ``step`` (None: nothing to apply).
    Mirrors the program; its ``pulumi.com/patchForce`` becomes ``--force-conflicts``."""
    annotations = dict(s["build_annotations"])
    spec: dict = {}
    if step >= 1:
        annotations.update(s["cutover_annotations"])
        if s["cutover_ports"]:
            spec["ports"] = [{"port": p["port"], "protocol": p["protocol"], "appProtocol": p["app_protocol"]} for p in s["cutover_ports"]]
    if step >= 2 and s["retire"]:
        for key in s["retire_drop_annotations"]:
            annotations.pop(key, None)
        spec["type"] = "ClusterIP"
        if s["retire_clear_source_ranges"]:
            spec["loadBalancerSourceRanges"] = []
    if not annotations and not spec:
        return None
    meta = {"name": s["name"], "namespace": s["namespace"]}
    if annotations:
        meta["annotations"] = annotations
    return {"apiVersion": "v1", "kind": "Service", "metadata": meta, "spec": spec}


def phase_objects(data: dict, phase: str) -> list[tuple[str, dict]]:
    """(cluster, object) for every Kubernetes object the program applies in ``phase``."""
    step = PHASES.index(phase)
    out: list[tuple[str, dict]] = []
    out += [(n["cluster"], {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": n["name"], "labels": dict(MANAGED_BY)}}) for n in data["namespaces"]]
    out += [(g["cluster"], _gateway(g, step)) for g in data["gateways"]]
    out += [(r["cluster"], _cr(GATEWAY_API, "HTTPRoute", r, {"parentRefs": r["parent_refs"], "hostnames": r["hostnames"], "rules": r["rules"]})) for r in data["http_routes"]]
    out += [(b["cluster"], _backend(b)) for b in data["backend_policies"] + data["backend_configs"]]
    out += [(c["cluster"], _cr("networking.gke.io/v1", "ManagedCertificate", c, {"domains": c["domains"]})) for c in data["managed_certificates"]]
    out += [(f["cluster"], _cr("networking.gke.io/v1beta1", "FrontendConfig", f, {"redirectToHttps": {"enabled": True, "responseCodeName": "MOVED_PERMANENTLY_DEFAULT"}})) for f in data["frontend_configs"]]
    out += [(i["cluster"], _ingress(i, step)) for i in data["ingresses"]]
    for s in data["service_patches"]:
        patch = service_patch(s, step)
        if patch is not None:
            out.append((s["cluster"], patch))
    return out


# --- gcloud -------------------------------------------------------------------------------------

def _cmd(*parts: object) -> str:
    return " ".join(p if isinstance(p, _Raw) else shlex.quote(str(p)) for p in parts)


class _Raw(str):
    """A shell fragment written by this module (a variable reference), never inventory text."""


PROJECT = _Raw('--project="$PROJECT"')


def _gcloud_build(data: dict) -> list[str]:
    lines = ["# static addresses"]
    for a in data["addresses"]:
        if a["global"]:
            lines.append(_cmd("gcloud", "compute", "addresses", "create", a["name"], "--global", PROJECT, f"--description=planner: address of {a['entrypoint']}"))
        else:
            lines.append(_cmd("gcloud", "compute", "addresses", "create", a["name"], f"--region={a['region']}", "--purpose=SHARED_LOADBALANCER_VIP",
                              _Raw('${SUBNETWORK:+--subnet="$SUBNETWORK"}'), PROJECT, f"--description=planner: address of {a['entrypoint']}"))
    lines.append("# Cloud Armor: loadBalancerSourceRanges as allow rules, default deny")
    for p in data["security_policies"]:
        lines.append(_cmd("gcloud", "compute", "security-policies", "create", p["name"], f"--description={p['description']}", PROJECT))
        for r in p["rules"]:
            action = "deny-403" if r["action"] == "deny(403)" else r["action"]
            verb = "update" if r["ranges"] == ["*"] else "create"
            args = [] if verb == "update" else [f"--src-ip-ranges={','.join(r['ranges'])}"]
            lines.append(_cmd("gcloud", "compute", "security-policies", "rules", verb, r["priority"], f"--security-policy={p['name']}", *args,
                              f"--action={action}", f"--description={r['description']}", PROJECT))
    lines.append("# Certificate Manager (Gateway): certificates, one map per Gateway, one entry per host")
    for c in data["certificates"]:
        lines.append(_cmd("gcloud", "certificate-manager", "certificates", "create", c["name"], f"--domains={','.join(c['domains'])}", PROJECT))
    for m in data["certificate_maps"]:
        lines.append(_cmd("gcloud", "certificate-manager", "maps", "create", m["name"], f"--description={m['description']}", PROJECT))
    certs = {c["key"]: c["name"] for c in data["certificates"]}
    maps = {m["key"]: m["name"] for m in data["certificate_maps"]}
    for e in data["certificate_map_entries"]:
        lines.append(_cmd("gcloud", "certificate-manager", "maps", "entries", "create", e["name"], f"--map={maps[e['map']]}",
                          f"--hostname={e['hostname']}", f"--certificates={certs[e['certificate']]}", PROJECT))
    return lines


def _gcloud_cutover(data: dict) -> list[str]:
    lines = ["# DNS: A records at the new addresses (needs DNS_ZONE / DNS_ZONE_INTERNAL; external-dns hosts are left to external-dns)"]
    addr = {a["key"]: a for a in data["addresses"]}
    for d in data["dns"]:
        if d["external_dns"] or d["conflict"]:
            continue
        a = addr[d["address_key"]]
        where = ["--global"] if a["global"] else [f"--region={a['region']}"]
        var = "DNS_ZONE_INTERNAL" if d["internal"] else "DNS_ZONE"
        ip = "\"$(" + _cmd("gcloud", "compute", "addresses", "describe", a["name"], *where, PROJECT, "--format=value(address)") + ")\""
        verb = "update" if d["old_addresses"] else "create"  # a record that exists today is updated in place
        lines.append(f'if [ -n "${{{var}:-}}" ]; then ' + _cmd("gcloud", "dns", "record-sets", verb, d["host"] + ".", _Raw(f'--zone="${var}"'),
                                                                "--type=A", "--ttl=300", _Raw("--rrdatas=" + ip), PROJECT) + "; fi")
    return lines


def gcloud_script(data: dict, phase: str, project: str | None) -> str:
    head = ["#!/bin/sh", f"# planner: GCP resources the {phase} phase adds (the Pulumi program's gcp.* resources)",
            "set -eu",
            f"PROJECT=\"${{PROJECT:-{_shell_default(project)}}}\"" if _shell_default(project)
            else ': "${PROJECT:?set PROJECT to the GCP project of the plan}"']
    body = {"build": _gcloud_build, "cutover": _gcloud_cutover}.get(phase, lambda d: ["# nothing: retire changes only Kubernetes Services"])(data)
    return "\n".join(head + body) + "\n"


def _shell_default(project: str | None) -> str:
    # inside double quotes only: keep [A-Za-z0-9-] (GCP project ids), drop anything else
    return "".join(ch for ch in (project or "") if ch.isalnum() or ch == "-")


# --- files --------------------------------------------------------------------------------------

def _dump(objs: list[dict]) -> str:
    return "".join("---\n" + yaml.safe_dump(o, sort_keys=True, default_flow_style=False, allow_unicode=True) for o in objs)


def files(plan: dict) -> dict[str, str]:
    """Relative path -> text, for every file ``write`` produces (pure, deterministic)."""
    data = program_data(plan)
    multi = len(data["clusters"]) > 1
    projects = sorted({t["project"] for t in data.get("targets", []) if t.get("project")})
    out: dict[str, str] = {}
    for phase in PHASES:
        groups: dict[str, list[dict]] = {}
        for cluster, obj in phase_objects(data, phase):
            ns = obj["metadata"].get("namespace")
            # file names from inventory strings are made safe (resource_name) and unique (hash)
            name = f"{resource_name(ns) if ns else '_cluster'}.{obj['kind']}.yaml"
            path = f"{phase}/{resource_name(cluster) + '/' if multi else ''}{name}"
            groups.setdefault(path, []).append(obj)
        for path, objs in sorted(groups.items()):
            out[path] = _dump(sorted(objs, key=lambda o: (o["metadata"]["name"], json.dumps(o, sort_keys=True))))
        out[f"{phase}/gcloud.sh"] = gcloud_script(data, phase, projects[0] if len(projects) == 1 else None)
    return out


def write(plan: dict, out_dir: Path) -> Path:
    out_dir = Path(out_dir)
    try:
        written = files(plan)
    except (KeyError, TypeError, AttributeError) as exc:
        raise PlannerError(f"plan: not a plan the manifests renderer can read ({type(exc).__name__}: {exc}); regenerate it with planner analyze") from None
    try:
        for phase in PHASES:  # a file of an earlier run that this plan no longer has must not be applied
            for old in sorted((out_dir / phase).rglob("*")) if (out_dir / phase).is_dir() else []:
                if old.is_file() and (old.suffix == ".yaml" or old.name == "gcloud.sh") and old.relative_to(out_dir).as_posix() not in written:
                    old.unlink()
        for rel, text in written.items():
            path = out_dir / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise PlannerError(f"{out_dir}: cannot write manifests: {exc.strerror or exc}") from None
    return out_dir
