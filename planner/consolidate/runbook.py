"""The runbook: each phase of DESIGN.md §4 with its exact commands and what changes in it,
computed from the plan at hand (names and counts of the resources)."""
from __future__ import annotations

import heapq
from dataclasses import dataclass, field


def _names(items: list[str], limit: int = 30) -> str:
    """The first ``limit`` of ``items`` in order, and how many more (the smallest found without
    sorting the rest: a plan's DNS records and moves run to 100,000s)."""
    if len(items) <= limit:
        return ", ".join(sorted(items))
    return ", ".join(heapq.nsmallest(limit, items)) + f" and {len(items) - limit} more"


def _plural(n: int, word: str) -> str:
    if n == 1:
        return f"{n} {word}"
    if word.endswith(("s", "sh", "ch", "x")):
        return f"{n} {word}es"
    if word.endswith("y") and word[-2:-1] not in "aeiou":
        return f"{n} {word[:-1]}ies"
    return f"{n} {word}s"


@dataclass
class _Moves:
    """What the runbook names of the moving services, gathered in one pass over their rows."""

    names: list[str] = field(default_factory=list)  # cluster/namespace/name
    armor: list[str] = field(default_factory=list)  # namespace/name with source ranges
    affinity: list[str] = field(default_factory=list)
    timeouts: list[str] = field(default_factory=list)  # "namespace/name (Ns)"
    grpc: list[str] = field(default_factory=list)
    pinned: list[str] = field(default_factory=list)  # "namespace/name (ip)"
    rules: int = 0  # forwarding rules they hold


def _moves(services: list[dict]) -> _Moves:
    m = _Moves()
    for s in services:
        if s["decision"] != "consolidate":
            continue
        p, ns_name = s["policies"], f"{s['namespace']}/{s['name']}"
        m.names.append(f"{s['cluster']}/{ns_name}")
        m.rules += s["forwarding_rules"]
        if p.get("source_ranges"):
            m.armor.append(ns_name)
        if p.get("session_affinity"):
            m.affinity.append(ns_name)
        if p.get("timeout_sec"):
            m.timeouts.append(f"{ns_name} ({p['timeout_sec']}s)")
        if p.get("app_protocol") == "HTTP2":
            m.grpc.append(ns_name)
        if s.get("load_balancer_ip"):
            m.pinned.append(f"{ns_name} ({s['load_balancer_ip']})")
    return m


def runbook(plan: dict) -> list[dict]:
    eps = plan["entrypoints"]
    moves = _moves(plan["services"])
    folded = [x for x in plan["existing_entrypoints"] if x.get("decision") == "fold"]
    projects = sorted({c["project"] for c in plan["clusters"]}) or ["<project-id>"]
    internal_regions = sorted({ep["address"]["region"] for ep in eps if ep["internal"] and ep["address"]["region"]})

    build_cmds = ["pulumi stack init <stack>  # once"]
    build_cmds += [f"pulumi config set gcp:project {p}" for p in projects]
    for region in internal_regions:
        build_cmds.append(
            f"gcloud compute networks subnets create proxy-only-{region} --purpose=REGIONAL_MANAGED_PROXY --role=ACTIVE "
            f"--region={region} --network=<vpc-network> --range=<unused /23 CIDR>  # once per region and network, skip if it exists"
        )
    build_cmds += ["pulumi config set planner:phase build", "pulumi preview", "pulumi up"]
    build_changes = []
    if eps:
        build_changes.append(f"create {_plural(len(eps), 'static address')}: {_names([ep['address']['name'] for ep in eps])}")
        build_changes.append("create " + _plural(len(eps), "entrypoint") + ": " + _names([f"{ep['kind']} {ep['namespace']}/{ep['name']} (class {ep['class']}, {_plural(len(ep['routes']), 'route')})" for ep in eps]))
        certs = [c for ep in eps for c in ep.get("certificates", []) if c.get("kind") != "Secret"]
        if certs:
            build_changes.append(f"create {_plural(len(certs), 'managed certificate')}: " + _names([f"{c['name']} ({_plural(len(c['hosts']), 'host')})" for c in certs]))
        if moves.armor:
            build_changes.append(f"create {_plural(len(moves.armor), 'Cloud Armor security policy')} (allow listed ranges, deny the rest) for: {_names(moves.armor)}")
        if moves.affinity:
            build_changes.append(f"set CLIENT_IP session affinity for: {_names(moves.affinity)}")
        if moves.timeouts:
            build_changes.append(f"set backend timeouts for: {_names(moves.timeouts)}")
        build_changes.append("no existing Service, Ingress or load balancer changes")
    else:
        build_changes.append("nothing to build: no service moves")

    cut_cmds = ["pulumi config set planner:dns-zone <managed-zone>  # optional: without it, change the records below by hand",
                "pulumi config set planner:phase cutover", "pulumi preview", "pulumi up"]
    cut_changes = [f"{_plural(len(plan['dns_changes']), 'DNS record')} point at the new entrypoints: "
                   + (_names([f"{d['host']} -> {d['entrypoint']}" for d in plan["dns_changes"]]) or "none")]
    if moves.grpc:
        cut_changes.append(f"appProtocol kubernetes.io/h2c set on the gRPC port of: {_names(moves.grpc)}")
    if moves.pinned:
        cut_changes.append(f"clients pinned to old IPs must switch to DNS: {_names(moves.pinned)}")
    cut_changes.append("old load balancers keep serving until DNS TTLs expire")

    retire_cmds = ["pulumi config set planner:phase retire", "pulumi preview", "pulumi up"]
    for x in folded:
        retire_cmds.append(f"kubectl --context {x['cluster']} -n {x['namespace']} delete ingress {x['name']}  # folded into {x.get('folded_into')}; run after its hosts resolve to the new address")
    retire_changes = [f"patch {_plural(len(moves.names), 'Service')} from LoadBalancer to ClusterIP (server-side apply, never deleted): "
                      + (_names(moves.names) or "none"),
                      f"GKE releases their {_plural(moves.rules, 'forwarding rule')} and external IPs"]
    if folded:
        retire_changes.append(f"delete {_plural(len(folded), 'folded Ingress')} ({_plural(sum(x['forwarding_rules'] for x in folded), 'forwarding rule')}): "
                              + _names([f"{x['cluster']}/{x['namespace']}/{x['name']}" for x in folded]))
    _nginx_steps(plan.get("nginx_migration") or [], build_changes, retire_cmds, retire_changes)
    return [
        {"phase": "build", "title": "Build the new entrypoints beside the old load balancers", "commands": build_cmds, "changes": build_changes},
        {"phase": "cutover", "title": "Point DNS at the new entrypoints", "commands": cut_cmds, "changes": cut_changes},
        {"phase": "retire", "title": "Retire the old load balancers (Services patched to ClusterIP, never deleted)", "commands": retire_cmds, "changes": retire_changes},
    ]


def _nginx_steps(rows: list[dict], build_changes: list[str], retire_cmds: list[str], retire_changes: list[str]) -> None:
    """--migrate-ingress-nginx: the migrated Ingresses' routes at build; at retire the controller
    Service patched (only when every Ingress it serves moved), then the manual steps once traffic
    moved: delete the migrated Ingresses, scale the controller down, ``helm uninstall``."""
    for row in rows:
        moved = [i for i in row["ingresses"] if i["decision"] == "migrate"]
        cl = row["cluster"]
        if moved:
            build_changes.append(f"cluster {cl}: HTTPRoutes for {_plural(len(moved), 'ingress-nginx Ingress')} ({_names([i['ref'].split('/', 1)[1] for i in moved])}); ingress-nginx keeps serving them until DNS moves")
        for c in row.get("controllers") or []:
            ns, name = c["ref"].split("/", 2)[1:]
            if not c["retire"]:
                retire_changes.append(f"ingress-nginx controller {cl}/{ns}/{name} stays (its load balancer too): {c['reason']}: {_names(c['staying']) or 'see the notes'}")
                continue
            retire_changes.append(f"patch ingress-nginx controller Service {cl}/{ns}/{name} to ClusterIP (last: every Ingress it serves moved); its Deployment and the Ingresses are not deleted by the program")
            for i in moved:
                ins, iname = i["ref"].split("/", 2)[1:]
                retire_cmds.append(f"kubectl --context {cl} -n {ins} delete ingress {iname}  # migrated to {i.get('entrypoint')}; run after its hosts resolve to the new address")
            retire_cmds.append(f"kubectl --context {cl} -n {ns} scale deployment -l app.kubernetes.io/name=ingress-nginx,app.kubernetes.io/component=controller --replicas=0  # ingress-nginx controller, once no traffic reaches it")
            retire_cmds.append(f"helm --kube-context {cl} -n {ns} uninstall {c.get('release') or '<release>'}  # ingress-nginx (end of maintenance March 2026), after the scale-down showed nothing breaks")
