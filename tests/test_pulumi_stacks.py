"""One stack per cluster (stack config planner:cluster), under the Pulumi mocks.

On the bundled two-cluster fleet (examples/fleet.yaml): each cluster's stack registers exactly
its cluster's resources (counts, types, names asserted), the two stacks together register
exactly what the all-in-one stack registers (same names, same inputs) and no resource is in
both; every Kubernetes object stays valid under the CRDs. An unknown cluster, a plan over several
projects without planner:cluster and the wrong project of a cluster's stack are refused with one
clear message; a host on certificates of two clusters gets its DNS authorisation once.
"""
from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from planner.cli import main
from planner.render import jsonplan
from planner.render import pulumi as render_pulumi

import crd_validate
import pulumi_harness
from pulumi_harness import run_program
from test_crds import k8s_objects

FLEET = Path(__file__).resolve().parent.parent / "examples" / "fleet.yaml"
PHASES = ("build", "cutover", "retire")
CONTEXTS = {"planner:context-prod": "gke_prod", "planner:context-staging": "gke_staging"}
CONFIG = {"gcp:project": "acme-prod", "planner:dns-zone": "public", "planner:dns-zone-internal": "private", **CONTEXTS}
PROVIDER = "pulumi:providers:kubernetes"
AUTH = "gcp:certificatemanager/dnsAuthorization:DnsAuthorization"
CERT = "gcp:certificatemanager/certificate:Certificate"
DNS = "gcp:dns/recordSet:RecordSet"

# what each stack registers, per phase (the cutover adds the DNS records of its own hosts)
EXPECTED = {
    ("build", "prod"): {"gcp:certificatemanager/certificate:Certificate": 1, "gcp:certificatemanager/certificateMap:CertificateMap": 1,
                        "gcp:certificatemanager/certificateMapEntry:CertificateMapEntry": 5, "gcp:compute/globalAddress:GlobalAddress": 1,
                        "gcp:compute/securityPolicy:SecurityPolicy": 1, "kubernetes:core/v1:Namespace": 1,
                        "kubernetes:gateway.networking.k8s.io/v1:Gateway": 1, "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute": 14,
                        "kubernetes:networking.gke.io/v1:GCPBackendPolicy": 4, PROVIDER: 1},
    ("build", "staging"): {"gcp:compute/globalAddress:GlobalAddress": 1, "kubernetes:core/v1:Namespace": 1,
                           "kubernetes:gateway.networking.k8s.io/v1:Gateway": 1, "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute": 2, PROVIDER: 1},
}


@pytest.fixture(scope="module")
def fleet(tmp_path_factory):
    out = tmp_path_factory.mktemp("fleet")
    assert main(["analyze", "--fleet", str(FLEET), "--strategy", "gateway", "--out", str(out)]) == 0
    return out / "pulumi", jsonplan.load(out / "plan.json")


@pytest.fixture(scope="module")
def runs(fleet):
    """phase -> {None: the all-in-one stack, "prod": ..., "staging": ...}."""
    program, _ = fleet
    pulumi_harness.MOCKS.zones = {"public": "acme-demo.com.", "private": "internal.example."}
    try:
        return {phase: {cluster: run_program(program, {**CONFIG, "planner:phase": phase, **({"planner:cluster": cluster} if cluster else {})})
                        for cluster in (None, "prod", "staging")}
                for phase in PHASES}
    finally:
        pulumi_harness.MOCKS.zones = {}


def _by_urn(run) -> dict:
    """(type, Pulumi name) -> inputs; each registered once within a stack."""
    out = {}
    for r in run.resources:
        assert (r.typ, r.name) not in out, f"{r.typ} {r.name} registered twice"
        inputs = {k: v for k, v in r.inputs.items() if not (r.typ == PROVIDER and k == "kubeconfig")}  # the run's temporary file
        out[r.typ, r.name] = (inputs, r.provider)
    return out


@pytest.mark.parametrize("phase", PHASES)
def test_the_cluster_stacks_together_are_the_all_in_one_stack(runs, phase):
    whole = _by_urn(runs[phase][None])
    prod, staging = _by_urn(runs[phase]["prod"]), _by_urn(runs[phase]["staging"])
    assert not set(prod) & set(staging)  # no resource in both stacks
    assert {**prod, **staging} == whole  # same resources, same inputs, same providers
    assert len(prod) + len(staging) == len(whole)


@pytest.mark.parametrize("phase", ["build"])
@pytest.mark.parametrize("cluster", ["prod", "staging"])
def test_a_cluster_stack_registers_exactly_its_cluster(runs, fleet, phase, cluster):
    _, plan = fleet
    run = runs[phase][cluster]
    assert run.counts() == EXPECTED[phase, cluster]
    assert [r.name for r in run.of_type(PROVIDER)] == [f"k8s-{cluster}"]
    assert {r.provider.split("::")[-2] for r in run.resources if r.typ.startswith("kubernetes:")} == {f"k8s-{cluster}"}
    gateways = sorted(r.inputs["metadata"]["name"] for r in run.kind("Gateway"))
    assert gateways == sorted(ep["name"] for ep in plan["entrypoints"] if ep["cluster"] == cluster)
    routes = {r.name.split("/")[0] for r in run.kind("HTTPRoute")}
    assert routes == {cluster}
    assert set(run.exports["entrypoint_addresses"]) == {ep["name"] for ep in plan["entrypoints"] if ep["cluster"] == cluster}


def test_retire_patches_only_the_stacks_cluster(runs, fleet):
    _, plan = fleet
    for cluster in ("prod", "staging"):
        patched = {(r.inputs["metadata"]["namespace"], r.inputs["metadata"]["name"]) for r in runs["retire"][cluster].kind("Service")}
        assert patched == {(s["namespace"], s["name"]) for s in plan["services"] if s["decision"] == "consolidate" and s["cluster"] == cluster}
        assert patched
    steps = {c: runs["retire"][c].exports["manual_retire_steps"] for c in ("prod", "staging")}
    assert sorted(steps["prod"] + steps["staging"]) == sorted(runs["retire"][None].exports["manual_retire_steps"])


def test_dns_records_follow_their_entrypoints_cluster(runs):
    cutover = runs["cutover"]
    hosts = {c: {d["host"] for d in cutover[c].exports["dns_changes"]} for c in (None, "prod", "staging")}
    assert hosts["staging"] == {"cart.staging.acme-demo.com", "shop.staging.acme-demo.com"}
    assert hosts["prod"] | hosts["staging"] == hosts[None] and not hosts["prod"] & hosts["staging"]
    assert {e["entrypoint"] for e in cutover["staging"].exports["dns_changes"]} == {"staging-planner-external"}


@pytest.mark.parametrize("phase", PHASES)
def test_every_object_of_a_cluster_stack_is_valid(runs, phase):
    for cluster in ("prod", "staging"):
        objs = k8s_objects(runs[phase][cluster])
        assert objs and [e for o in objs for e in crd_validate.errors(o)] == []


def test_unknown_cluster_is_refused_with_the_known_ones(fleet):
    program, _ = fleet
    with pytest.raises(Exception) as err:
        run_program(program, {**CONFIG, "planner:cluster": "qa"})
    message = "planner:cluster is 'qa', which is not a cluster of this program (a cluster with nothing to change has none); its clusters are: prod, staging"
    assert message in str(err.value) and ("error", message) in err.value.logs
    assert pulumi_harness.MOCKS.resources == []


def test_a_cluster_stack_needs_only_its_own_context(fleet):
    program, _ = fleet
    ambient = {"apiVersion": "v1", "kind": "Config", "current-context": "s", "contexts": [{"name": "s", "context": {"cluster": "staging", "user": "u"}}]}
    run = run_program(program, {"gcp:project": "acme-prod", "planner:cluster": "staging"}, ambient)  # no planner:context-*: the ambient one, checked
    assert ("info", "cluster staging: using the current kubeconfig context 's' (set planner:context-staging to pin it)") in run.logs
    assert [r.inputs.get("context") for r in run.of_type(PROVIDER)] == [None]
    wrong = {"apiVersion": "v1", "kind": "Config", "current-context": "c", "contexts": [{"name": "c", "context": {"cluster": "prod", "user": "u"}}]}
    with pytest.raises(Exception, match="kubeconfig context 'c' points at cluster 'prod', but this plan is for cluster staging"):
        run_program(program, {"gcp:project": "acme-prod", "planner:cluster": "staging"}, wrong)


def test_the_all_in_one_stack_of_several_clusters_says_how_to_split(runs):
    assert ("info", "this stack manages every cluster of the plan (prod, staging); for one stack per cluster, set planner:cluster") in runs["build"][None].logs
    assert not any("manages every cluster" in m for _, m in runs["build"]["prod"].logs)


# --- clusters in several projects ---------------------------------------------------------------

@pytest.fixture(scope="module")
def two_projects(fleet, tmp_path_factory):
    _, plan = fleet
    p = copy.deepcopy(plan)
    for c in p["clusters"]:
        c["project"] = f"acme-{c['name']}"
    return render_pulumi.write(p, tmp_path_factory.mktemp("projects") / "p")


def test_one_stack_for_clusters_of_several_projects_is_refused(two_projects):
    with pytest.raises(Exception) as err:
        run_program(two_projects, {**CONTEXTS, "gcp:project": "acme-prod"})
    message = ("the plan's clusters are in several projects, and one stack puts every GCP resource in gcp:project: "
               "make one stack per cluster and set planner:cluster to one of: prod, staging")
    assert message in str(err.value) and ("error", message) in err.value.logs
    assert pulumi_harness.MOCKS.resources == []


def test_a_cluster_stack_must_use_its_clusters_project(two_projects):
    run = run_program(two_projects, {"gcp:project": "acme-staging", "planner:cluster": "staging"}, _gke_kubeconfig("staging"))
    assert {r.inputs.get("project") for r in run.resources if r.typ.startswith("gcp:")} == {"acme-staging"}
    with pytest.raises(Exception, match="gcp:project is 'acme-prod' but this plan is for project acme-staging"):
        run_program(two_projects, {"gcp:project": "acme-prod", "planner:cluster": "staging"}, _gke_kubeconfig("staging"))


def _gke_kubeconfig(cluster: str) -> dict:
    name = f"gke_acme-{cluster}_us-central1_{cluster}"
    return {"apiVersion": "v1", "kind": "Config", "current-context": name, "contexts": [{"name": name, "context": {"cluster": name, "user": "u"}}]}


# --- a TLS host on certificates of two clusters: one DNS authorisation ------------------------------

def _shared_host_plan(plan: dict, projects: dict | None = None, prod_in_zone: bool = True) -> dict:
    """The fleet's plan with pay.acme-demo.com also a TLS host of the staging Gateway (and only
    acme-demo.com hosts on prod's certificate, so both are in the zone)."""
    p = copy.deepcopy(plan)
    prod = next(e for e in p["entrypoints"] if e["cluster"] == "prod")
    if prod_in_zone:
        prod["tls_hosts"] = [h for h in prod["tls_hosts"] if h.endswith(".acme-demo.com")]
        for c in prod["certificates"]:
            c["hosts"] = [h for h in c["hosts"] if h.endswith(".acme-demo.com")]
    staging = next(e for e in p["entrypoints"] if e["cluster"] == "staging")
    staging["tls_hosts"] = ["pay.acme-demo.com"]
    staging["listeners"] = copy.deepcopy(prod["listeners"])
    staging["certificates"] = [{"hosts": ["pay.acme-demo.com"], "kind": "CertificateManager", "name": "staging-planner-external-cert-1", "namespace": staging["namespace"]}]
    staging["routes"].append(dict(staging["routes"][0], host="pay.acme-demo.com"))
    for c in p["clusters"]:
        c["project"] = (projects or {}).get(c["name"], c.get("project"))
    return p


@pytest.fixture()
def zone():
    pulumi_harness.MOCKS.zones = {"public": "acme-demo.com."}
    yield
    pulumi_harness.MOCKS.zones = {}


def test_a_shared_host_is_dns_authorised_once(fleet, tmp_path, zone):
    _, plan = fleet
    program = render_pulumi.write(_shared_host_plan(plan), tmp_path / "p")
    data = json.loads((program / "program.json").read_text())
    assert sum(a["domain"] == "pay.acme-demo.com" for c in data["certificates"] for a in c["dns_authorizations"]) == 2
    runs = {c: run_program(program, {**CONFIG, **({"planner:cluster": c} if c else {})}) for c in (None, "prod", "staging")}
    for cluster in (None, "prod"):
        auths = [r.inputs["name"] for r in runs[cluster].of_type(AUTH)]
        assert len(auths) == len(set(auths)) == 4  # prod's four hosts, pay.acme-demo.com once
    assert runs["staging"].of_type(AUTH) == [] and not [r for r in runs["staging"].of_type(DNS) if r.inputs["type"] == "CNAME"]
    (cert,) = runs["staging"].of_type(CERT)
    name = render_pulumi.resource_name("planner", "pay.acme-demo.com", "auth")
    assert cert.inputs["managed"]["dnsAuthorizations"] == [f"projects/acme-prod/locations/global/dnsAuthorizations/{name}"]
    assert ("info", f"certificate staging-planner-external-cert-1: the DNS authorisation of pay.acme-demo.com is created by the stack of cluster prod (run its build first)") in runs["staging"].logs
    # in the all-in-one stack the second certificate uses the first one's authorisation
    staging_cert = runs[None].named(CERT, "staging/staging-planner-external/staging-planner-external-cert-1")
    assert staging_cert.inputs["managed"]["dnsAuthorizations"] == ["prod/prod-planner-external/auth/pay.acme-demo.com-id"]  # the mocks' id of prod's


def test_a_shared_host_in_another_project_is_load_balancer_authorised(fleet, tmp_path, zone):
    _, plan = fleet
    program = render_pulumi.write(_shared_host_plan(plan, {"prod": "acme-prod", "staging": "acme-staging"}), tmp_path / "p")
    run = run_program(program, {"gcp:project": "acme-staging", "planner:dns-zone": "public", "planner:cluster": "staging"}, _gke_kubeconfig("staging"))
    (cert,) = run.of_type(CERT)
    assert run.of_type(AUTH) == [] and "dnsAuthorizations" not in cert.inputs["managed"]
    assert any("belongs to another project's stack; it is authorised through the load balancer" in m for _, m in run.logs)


def test_a_shared_host_is_authorised_by_the_first_certificate_that_uses_dns(fleet, tmp_path, zone):
    _, plan = fleet  # prod's certificate also has a host outside the zone: load-balancer authorised
    program = render_pulumi.write(_shared_host_plan(plan, prod_in_zone=False), tmp_path / "p")
    runs = {c: run_program(program, {**CONFIG, **({"planner:cluster": c} if c else {})}) for c in (None, "prod", "staging")}
    assert runs["prod"].of_type(AUTH) == []
    for cluster in (None, "staging"):
        assert [r.inputs["domain"] for r in runs[cluster].of_type(AUTH)] == ["pay.acme-demo.com"]
        cert = runs[cluster].named(CERT, "staging/staging-planner-external/staging-planner-external-cert-1")
        assert cert.inputs["managed"]["dnsAuthorizations"] == ["staging/staging-planner-external/auth/pay.acme-demo.com-id"]


def test_the_benchs_one_stack_copy_registers_the_cluster_stacks_resources(two_projects):
    """bench/run.py times a plan over several projects as one stack on a copy that names no
    project: the same resources as its cluster stacks (GCP projects aside)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("bench_run", Path(__file__).resolve().parent.parent / "bench" / "run.py")
    bench_run = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench_run)
    copy_dir, project = bench_run._all_in_one_copy(two_projects)
    assert copy_dir != two_projects and project == "acme-prod"
    assert [t["project"] for t in json.loads((copy_dir / "program.json").read_text())["targets"]] == [None, None]

    def resources(run):
        return {k: ({n: v for n, v in inputs.items() if n != "project"}, provider) for k, (inputs, provider) in _by_urn(run).items()}

    whole = resources(run_program(copy_dir, {**CONTEXTS, "gcp:project": project, "planner:phase": "retire"}))
    union = {}
    for cluster in ("prod", "staging"):
        run = run_program(two_projects, {**CONTEXTS, "gcp:project": f"acme-{cluster}", "planner:cluster": cluster, "planner:phase": "retire"})
        union.update(resources(run))
    assert union == whole and len(whole) > 20
