"""The Pulumi program: a standalone Pulumi Python project generated from the plan.

``write(plan, out_dir)`` writes into ``out_dir``:

- ``program.json``  every value that comes from the plan (names, namespaces, hosts, ranges), as
  data. This module turns the plan into resource-shaped records; it never decides anything the
  plan did not decide.
- ``__main__.py``   the program, rendered from ``templates/pulumi/__main__.py.j2``. It contains
  no inventory string at all: it loads ``program.json`` and runs one data-driven loop per
  resource type, so an injection payload in a name or host can only ever be a string value.
- ``Pulumi.yaml``, ``requirements.txt``, ``README.md``.

The program is phased (stack config ``planner:phase`` = build | cutover | retire); see
``docs/pulumi.md``.
"""
from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

from planner.model import PlannerError
from planner.render.jsonplan import json_bytes

PROGRAM_DATA = "program.json"
DATA_FORMAT = 1
#: Cloud Armor: at most 10 IP ranges per basic (SRC_IPS_V1) match.
ARMOR_RANGES_PER_RULE = 10
ARMOR_FIRST_PRIORITY = 1000
ARMOR_DEFAULT_PRIORITY = 2147483647
#: GKE ManagedCertificate limits.
MANAGED_CERT_MAX_DOMAINS = 100
MANAGED_CERTS_PER_INGRESS = 15
GATEWAY_API = "gateway.networking.k8s.io/v1"

_SLUG = re.compile(r"[^a-z0-9-]+")
_DASHES = re.compile(r"-{2,}")
# exactly the names resource_name() returns unchanged (lower-case, starts with a letter, no
# leading, trailing or doubled "-"): checked first, as most parts are already safe
_SAFE = re.compile(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*")
_NEG_ANNOTATION = json.dumps({"ingress": True}, sort_keys=True)


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]


def resource_name(*parts: str, limit: int = 63) -> str:
    """A GCP / Kubernetes-label-safe name (``[a-z]([-a-z0-9]*[a-z0-9])?``, <= ``limit``).

    The readable slug is kept when the parts are already safe; otherwise (or when too long) a
    short hash of the original parts is appended, so distinct inputs never collide.
    """
    raw = "-".join(parts)
    if len(raw) <= limit and _SAFE.fullmatch(raw):
        return raw
    slug = _SLUG.sub("-", raw.lower())
    slug = _DASHES.sub("-", slug).strip("-")
    if not slug or not slug[0].isalpha():
        slug = "p-" + slug if slug else "p"
    if slug == raw and len(slug) <= limit:
        return slug
    suffix = _digest(raw)
    head = slug[: limit - len(suffix) - 1].rstrip("-")
    return f"{head}-{suffix}"


def _key(*parts: object) -> str:
    """Pulumi logical name: unique per resource type, readable."""
    return "/".join(map(str, parts))


def _chunks(items: list, size: int) -> list[list]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def _cert_groups(ep: dict, tls_hosts: list[str]) -> list[dict]:
    """Certificates of an entrypoint: the plan's grouping (``entrypoints[].certificates``) when it
    has one, else one certificate per block of at most 100 hosts. Only ``tls_hosts`` are kept."""
    wanted = set(tls_hosts)
    planned = ep.get("certificates")
    if planned:
        groups = [{"name": c["name"], "hosts": sorted(h for h in c["hosts"] if h in wanted)} for c in planned]
        covered = {h for g in groups for h in g["hosts"]}
        rest = sorted(wanted - covered)
        groups = [g for g in groups if g["hosts"]]
    else:
        rest = sorted(wanted)
        groups = []
    for chunk in _chunks(rest, MANAGED_CERT_MAX_DOMAINS):
        groups.append({"name": f"{ep['name']}-cert-{len(groups) + 1}", "hosts": chunk})
    return groups


def program_data(plan: dict) -> dict:
    """Turn the plan into the records the program loops over (pure; sorted; JSON-safe)."""
    strategy = plan["inputs"]["strategy"]
    multi = len(plan.get("clusters", [])) > 1
    services = {(s["cluster"], s["namespace"], s["name"]): s for s in plan["services"]}
    consolidated = sorted(k for k, s in services.items() if s["decision"] == "consolidate")

    addresses, namespaces, gateways, http_routes = [], set(), [], []
    ingresses, managed_certs, backend_objs, armor = [], [], [], []
    cert_maps, certs, cert_entries, dns, limitations = [], [], [], [], []
    used_clusters: set[str] = set()
    routed_ports: dict[tuple, set] = {}
    route_names: set[tuple] = set()
    ep_by_name: dict[str, dict] = {}

    def limit(obj: str, code: str, message: str) -> None:
        limitations.append({"object": obj, "code": code, "message": message})

    for ep in sorted(plan["entrypoints"], key=lambda e: (e["cluster"], e["name"])):
        cl, name, internal = ep["cluster"], ep["name"], ep["internal"]
        ep_key = _key(cl, name)
        ep_by_name[name] = {"key": ep_key, "internal": internal}
        used_clusters.add(cl)
        addr = ep["address"]
        addresses.append({"key": ep_key, "cluster": cl, "entrypoint": name, "name": addr["name"], "global": bool(addr["global"]), "region": addr.get("region"), "internal": internal})
        for r in ep["routes"]:
            if r.get("service") is not None and r.get("port") is not None:
                routed_ports.setdefault((cl, r["namespace"], r["service"]), set()).add(r["port"])
        tls_hosts = sorted(ep["tls_hosts"])
        if tls_hosts and internal:
            limit(f"{ep['kind']} {name}", "INTERNAL_HTTP_ONLY",
                  f"internal {ep['kind']} {name} is created with HTTP only: Google-managed certificates for "
                  f"{'gke-l7-rilb through a certificate map' if ep['kind'] == 'Gateway' else 'gce-internal Ingress (ManagedCertificate)'} "
                  f"are not supported; hosts {', '.join(tls_hosts)} need a pre-shared regional certificate or a Secret added by hand")
            tls_hosts = []
        if ep["kind"] == "Gateway":
            namespaces.add((cl, ep["namespace"]))
            certmap = None
            if tls_hosts:
                certmap = resource_name(name, "certmap")
                cert_maps.append({"key": ep_key, "name": certmap, "description": f"planner: TLS hosts of Gateway {name}"})
                for group in _cert_groups(ep, tls_hosts):
                    cert_key = _key(cl, name, group["name"])
                    certs.append({"key": cert_key, "name": resource_name(group["name"]), "domains": group["hosts"]})
                    for host in group["hosts"]:
                        cert_entries.append({"key": _key(cl, name, host), "name": resource_name("planner", host, "entry"), "map": ep_key, "hostname": host, "certificate": cert_key})
            listeners = [dict(lst) for lst in ep["listeners"] if lst["protocol"] == "HTTP" or tls_hosts]
            by_service: dict[tuple, dict] = {}
            for r in ep["routes"]:
                if r.get("service") is None or not isinstance(r.get("port"), int):
                    limit(f"route {r.get('host')}{r['path']}", "ROUTE_NOT_RENDERED", f"route to service {r.get('service')!r} port {r.get('port')!r} has no numeric service port; add it to an HTTPRoute by hand")
                    continue
                # one HTTPRoute per plan route name (the service's name; a folded Ingress rule keeps its own)
                group_key = (r["namespace"], r.get("name") or r["service"])
                by_service.setdefault(group_key, {}).setdefault(r["host"], set()).add((r["path"], r["service"], r["port"]))
            route_namespaces = sorted({ns for ns, _ in by_service})
            gateways.append({
                "key": ep_key, "cluster": cl, "name": name, "namespace": ep["namespace"], "class": ep["class"],
                "internal": internal, "address": addr["name"], "address_key": ep_key,
                "listeners": listeners, "route_namespaces": route_namespaces,
                "certificate_map": certmap, "certificate_map_key": ep_key if certmap else None,
            })
            for (ns, route_name), hosts in sorted(by_service.items()):
                # hosts that share the same rules share one HTTPRoute
                groups: dict[tuple, list] = {}
                for host, rules in sorted(hosts.items(), key=lambda kv: (kv[0] is None, kv[0] or "")):
                    groups.setdefault(tuple(sorted(rules)), []).append(host)
                for i, (rules, group_hosts) in enumerate(sorted(groups.items(), key=lambda kv: kv[1][0] or "")):
                    rname = resource_name("planner", route_name) if len(groups) == 1 else resource_name("planner", route_name, str(i + 1))
                    if (cl, ns, rname) in route_names:  # e.g. a folded Ingress rule named like a service
                        rname = resource_name("planner", route_name, "r" + _digest(repr((name, group_hosts))))
                    route_names.add((cl, ns, rname))
                    http_routes.append({
                        "key": _key(cl, ns, rname), "cluster": cl, "name": rname, "namespace": ns,
                        "gateway": {"name": name, "namespace": ep["namespace"], "key": ep_key},
                        "hostnames": [h for h in group_hosts if h is not None],
                        "rules": [{"path": p, "service": svc, "port": port} for p, svc, port in rules],
                    })
        else:  # Ingress
            cert_names = []
            groups = _cert_groups(ep, tls_hosts)
            domain_chunks = [g["hosts"] for g in groups]
            if len(domain_chunks) > MANAGED_CERTS_PER_INGRESS:
                left = [h for c in domain_chunks[MANAGED_CERTS_PER_INGRESS:] for h in c]
                limit(f"Ingress {name}", "MANAGED_CERT_LIMIT", f"an Ingress takes at most {MANAGED_CERTS_PER_INGRESS} ManagedCertificates of {MANAGED_CERT_MAX_DOMAINS} domains; {len(left)} host(s) get no certificate: {', '.join(left)}")
                domain_chunks = domain_chunks[:MANAGED_CERTS_PER_INGRESS]
            if len(domain_chunks) > 1:
                limit(f"Ingress {name}", "MANAGED_CERT_SPLIT", f"{len(tls_hosts)} TLS hosts split over {len(domain_chunks)} ManagedCertificates (at most {MANAGED_CERT_MAX_DOMAINS} domains each)")
            for group, chunk in zip(groups, domain_chunks):
                mc = resource_name(group["name"])
                cert_names.append(mc)
                managed_certs.append({"key": _key(cl, ep["namespace"], mc), "cluster": cl, "name": mc, "namespace": ep["namespace"], "domains": chunk})
            rules = []
            for r in ep["routes"]:
                if r.get("service") is None or r.get("port") is None:
                    limit(f"route {r.get('host')}{r['path']}", "ROUTE_NOT_RENDERED", f"route to service {r.get('service')!r} has no port; add it to the Ingress by hand")
                    continue
                rules.append({"host": r["host"], "path": r["path"], "service": r["service"], "port": r["port"]})
            rules.sort(key=lambda r: (r["host"] or "", r["path"], r["service"], str(r["port"])))
            ingresses.append({
                "key": ep_key, "cluster": cl, "name": name, "namespace": ep["namespace"], "class": ep["class"],
                "internal": internal, "address": addr["name"], "address_key": ep_key,
                "managed_certificates": cert_names, "rules": rules,
            })

    # per consolidated service: security policy, backend policy/config, Service patch
    patches = []
    eps_by_name = {e["name"]: e for e in plan["entrypoints"]}
    for key in consolidated:
        s = services[key]
        cl, ns, svc = key
        pol = s.get("policies") or {}
        ep = eps_by_name.get(s["entrypoint"])
        if ep is None:
            limit(f"Service {cl}/{ns}/{svc}", "ENTRYPOINT_MISSING", f"consolidated into {s['entrypoint']!r}, which is not among the plan's entrypoints; nothing rendered for it")
            continue
        used_clusters.add(cl)
        internal = ep["internal"]
        ranges = sorted(pol.get("source_ranges") or [])
        armor_name = None
        if ranges and internal:
            limit(f"Service {cl}/{ns}/{svc}", "SOURCE_RANGES_INTERNAL",
                  f"loadBalancerSourceRanges {', '.join(ranges)} cannot be enforced by a Cloud Armor backend policy on an internal "
                  f"{ep['kind']}; restrict access by hand (firewall on the clients' side) before cutover")
        elif ranges:
            armor_name = resource_name("planner", *( [cl] if multi else []), ns, svc)
            rules = [{"priority": ARMOR_FIRST_PRIORITY + i, "action": "allow", "ranges": chunk, "description": "allow loadBalancerSourceRanges"} for i, chunk in enumerate(_chunks(ranges, ARMOR_RANGES_PER_RULE))]
            rules.append({"priority": ARMOR_DEFAULT_PRIORITY, "action": "deny(403)", "ranges": ["*"], "description": "default deny"})
            armor.append({"key": _key(cl, ns, svc), "name": armor_name, "description": f"planner: loadBalancerSourceRanges of Service {ns}/{svc}", "rules": rules})
        affinity = pol.get("session_affinity")
        timeout = pol.get("timeout_sec")
        config_name = None
        if armor_name or affinity or timeout:
            config_name = resource_name("planner", svc)
            backend_objs.append({
                "key": _key(cl, ns, config_name), "cluster": cl, "name": config_name, "namespace": ns, "service": svc,
                "kind": "GCPBackendPolicy" if ep["kind"] == "Gateway" else "BackendConfig",
                "security_policy": armor_name, "security_policy_key": _key(cl, ns, svc) if armor_name else None,
                "session_affinity": affinity, "timeout_sec": timeout,
            })
        build_ann: dict[str, str] = {}
        cutover_ann: dict[str, str] = {}
        if ep["kind"] == "Ingress":
            # Container-native load balancing (NEGs): the Ingress reaches the Pods directly, so it
            # keeps working when retire turns the Service into a ClusterIP (no NodePort left).
            build_ann["cloud.google.com/neg"] = _NEG_ANNOTATION
        if config_name and ep["kind"] == "Ingress":
            # Added at build, not cutover: the new Ingress serves as soon as it exists, and without
            # this annotation its backend would run without the Cloud Armor policy.
            build_ann["cloud.google.com/backend-config"] = json.dumps({"default": config_name}, sort_keys=True)
        want = {"HTTP2": "kubernetes.io/h2c", "HTTPS": "HTTPS"}.get(pol.get("app_protocol") or "")
        ports, force, ingress_protocols = [], False, {}
        if want:
            for p in sorted(s["ports"], key=lambda p: (p["port"], p["protocol"])):
                if p["port"] in routed_ports.get(key, set()) and p.get("app_protocol") != want:
                    ports.append({"port": p["port"], "protocol": p["protocol"], "app_protocol": want})
                    force = force or p.get("app_protocol") is not None
                    if ep["kind"] == "Ingress" and p.get("name"):
                        ingress_protocols[p["name"]] = pol["app_protocol"]
        if ingress_protocols:
            cutover_ann["cloud.google.com/app-protocols"] = json.dumps(ingress_protocols, sort_keys=True)
        patches.append({
            "key": _key(cl, ns, svc), "cluster": cl, "namespace": ns, "name": svc,
            "build_annotations": build_ann, "cutover_annotations": cutover_ann,
            "cutover_ports": ports, "cutover_force": force, "retire": True,
            # the API server refuses loadBalancerSourceRanges on a ClusterIP Service (Forbidden);
            # Cloud Armor enforces them on the new path since build
            "retire_clear_source_ranges": bool(ranges),
        })

    host_count: dict[str, int] = {}
    for d in plan.get("dns_changes", []):
        host_count[d["host"]] = host_count.get(d["host"], 0) + 1
    for d in sorted(plan.get("dns_changes", []), key=lambda d: (d["host"], d["entrypoint"])):
        ep = ep_by_name.get(d["entrypoint"])
        conflict = host_count[d["host"]] > 1
        if conflict:
            limit(f"host {d['host']}", "DNS_HOST_CONFLICT", f"host {d['host']} is routed by several entrypoints; its A record is left to you (listed under manual_dns_changes)")
        if ep is None:
            limit(f"host {d['host']}", "ENTRYPOINT_MISSING", f"DNS change names entrypoint {d['entrypoint']!r}, which the plan does not create")
            continue
        dns.append({"key": _key(d["entrypoint"], d["host"]), "host": d["host"], "entrypoint": d["entrypoint"], "address_key": ep["key"], "internal": ep["internal"], "conflict": conflict, "old_addresses": sorted(d.get("old_addresses", []))})

    folded = []
    for x in sorted(plan.get("existing_entrypoints", []), key=lambda x: (x["cluster"], x["namespace"], x["name"])):
        if x.get("decision") == "fold":
            folded.append({"cluster": x["cluster"], "namespace": x["namespace"], "name": x["name"], "kind": x["kind"], "folded_into": x.get("folded_into")})

    return {
        "format": DATA_FORMAT,
        "folded": folded,
        "generator": dict(plan.get("generator", {})),
        "strategy": strategy,
        "clusters": sorted(used_clusters),
        "addresses": addresses,
        "namespaces": [{"key": _key(c, n), "cluster": c, "name": n} for c, n in sorted(namespaces)],
        "security_policies": sorted(armor, key=lambda r: r["key"]),
        "certificate_maps": cert_maps,
        "certificates": sorted(certs, key=lambda r: r["key"]),
        "certificate_map_entries": sorted(cert_entries, key=lambda r: r["key"]),
        "gateways": gateways,
        "http_routes": sorted(http_routes, key=lambda r: r["key"]),
        "ingresses": ingresses,
        "managed_certificates": sorted(managed_certs, key=lambda r: r["key"]),
        "backend_policies": sorted((b for b in backend_objs if b["kind"] == "GCPBackendPolicy"), key=lambda r: r["key"]),
        "backend_configs": sorted((b for b in backend_objs if b["kind"] == "BackendConfig"), key=lambda r: r["key"]),
        "service_patches": sorted(patches, key=lambda r: r["key"]),
        "dns": dns,
        "limitations": sorted({(x["object"], x["code"], x["message"]): x for x in limitations}.values(), key=lambda r: (r["object"], r["code"], r["message"])),
    }


def _templates():
    import jinja2

    from planner.resources import templates_dir

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir() / "pulumi")),
        autoescape=False,  # Python/YAML output; no inventory string is ever passed to these templates
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )


def write(plan: dict, out_dir: Path) -> Path:
    """Write the Pulumi project for ``plan`` into ``out_dir`` and return ``out_dir``."""
    out_dir = Path(out_dir)
    try:
        data = program_data(plan)
    except (KeyError, TypeError, AttributeError) as exc:
        raise PlannerError(f"plan: not a plan the Pulumi renderer can read ({type(exc).__name__}: {exc}); regenerate it with planner analyze") from None
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise PlannerError(f"{out_dir}: cannot create output directory: {exc.strerror or exc}") from None
    env = _templates()
    # Only renderer-controlled values reach the templates: counts, the data file's name, versions.
    context = {
        "data_file": PROGRAM_DATA,
        "generator_version": str(data["generator"].get("version", "")),
        "strategy": data["strategy"],
        "counts": {k: len(v) for k, v in sorted(data.items()) if isinstance(v, list)},
    }
    if not re.fullmatch(r"[0-9A-Za-z.+-]*", context["generator_version"]) or data["strategy"] not in ("gateway", "ingress"):
        raise PlannerError(f"plan: unexpected generator version or strategy {context['generator_version']!r}/{data['strategy']!r}")
    files = {
        # = (json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False) + "\n").encode(), faster
        PROGRAM_DATA: json_bytes(data, indent=1),
        "__main__.py": env.get_template("__main__.py.j2").render(**context),
        "Pulumi.yaml": env.get_template("Pulumi.yaml.j2").render(**context),
        "requirements.txt": env.get_template("requirements.txt.j2").render(**context),
    }
    for name, text in files.items():
        (out_dir / name).write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return out_dir
