"""The program refuses the wrong target and handles DNS and certificates it does not own:
gcp:project and each cluster's kubeconfig context are checked in every phase (one clear error
at preview), the context in use is logged, internal addresses without planner:subnetwork warn,
generated hosts get no DNS record, external-dns hosts are handed to external-dns, existing
records are adopted, certificates are DNS-authorised when a zone is configured and cutover warns
while one is not ACTIVE. All under the Pulumi mocks, messages asserted."""
from __future__ import annotations


import pytest

from planner.render import pulumi as render_pulumi

import pulumi_harness
from pulumi_harness import run_program
from test_pulumi_routes import make_plan

GKE = "gke_acme-prod_us-central1_main"
PHASES = ("build", "cutover", "retire")
DNS = "gcp:dns/recordSet:RecordSet"
AUTH = "gcp:certificatemanager/dnsAuthorization:DnsAuthorization"
CERT = "gcp:certificatemanager/certificate:Certificate"


def kubeconfig(context="ctx", cluster=GKE, current="ctx"):
    return {"apiVersion": "v1", "kind": "Config", "current-context": current,
            "contexts": [{"name": context, "context": {"cluster": cluster, "user": "u"}}]}


@pytest.fixture()
def program(tmp_path):
    return render_pulumi.write(make_plan(), tmp_path / "p")


@pytest.mark.parametrize("phase", PHASES)
def test_wrong_project_is_refused_in_every_phase(program, phase):
    with pytest.raises(Exception) as err:
        run_program(program, {"gcp:project": "other-prod", "planner:phase": phase}, kubeconfig())
    message = ("gcp:project is 'other-prod' but this plan is for project acme-prod: "
               "run `pulumi config set gcp:project acme-prod` or regenerate the plan for this project")
    assert message in str(err.value)
    assert ("error", message) in err.value.logs
    assert pulumi_harness.MOCKS.resources == []  # refused before anything is registered


@pytest.mark.parametrize("phase", PHASES)
def test_kubeconfig_context_of_another_cluster_is_refused(program, phase):
    wrong = kubeconfig(cluster="gke_acme-prod_us-central1_staging")
    with pytest.raises(Exception, match=r"kubeconfig context 'ctx' points at cluster 'gke_acme-prod_us-central1_staging', but this plan is for cluster main \(gke_acme-prod_us-central1_main\)"):
        run_program(program, {"gcp:project": "acme-prod", "planner:phase": phase}, wrong)
    assert pulumi_harness.MOCKS.resources == []


def test_missing_context_is_refused(program):
    with pytest.raises(Exception, match="cluster main: kubeconfig context 'nope' not found; set planner:context-main"):
        run_program(program, {"gcp:project": "acme-prod", "planner:context-main": "nope"}, kubeconfig())


@pytest.mark.parametrize("cluster", [GKE, "main"])
def test_right_context_by_gke_name_or_cluster_name(program, cluster):
    run = run_program(program, {"gcp:project": "acme-prod"}, kubeconfig(cluster=cluster))
    assert ("info", "cluster main: using the current kubeconfig context 'ctx' (set planner:context-main to pin it)") in run.logs
    pinned = run_program(program, {"gcp:project": "acme-prod", "planner:context-main": "ctx"}, kubeconfig(cluster=cluster))
    assert not any("using the current kubeconfig context" in m for _, m in pinned.logs)
    assert pinned.of_type("pulumi:providers:kubernetes")[0].inputs["context"] == "ctx"


def test_plan_without_a_project_checks_only_the_cluster(tmp_path):
    plan = make_plan()
    plan["clusters"][0]["project"] = render_pulumi.PLACEHOLDER_PROJECT
    out = render_pulumi.write(plan, tmp_path / "p")
    run_program(out, {"gcp:project": "anything"}, kubeconfig(cluster="main"))
    with pytest.raises(Exception, match="but this plan is for cluster main: set planner:context-main"):
        run_program(out, {"gcp:project": "anything"}, kubeconfig(cluster="gke_x_y_other"))


def test_internal_address_without_subnetwork_warns(tmp_path):
    out = render_pulumi.write(make_plan(internal=True), tmp_path / "p")
    warn = ("warn", "planner:subnetwork is not set: internal addresses are taken from the region's default subnetwork; "
                    "set planner:subnetwork if the internal load balancers must live in another one")
    assert warn in run_program(out, {"gcp:project": "acme-prod"}).logs
    assert warn not in run_program(out, {"gcp:project": "acme-prod", "planner:subnetwork": "lb-subnet"}).logs
    ext = render_pulumi.write(make_plan(), tmp_path / "e")
    assert warn not in run_program(ext, {"gcp:project": "acme-prod"}).logs


# --- DNS ----------------------------------------------------------------------------------------

def _dns_plan(source, old=(), domain_given=None):
    plan = make_plan(routes=[{"host": "a.example.com", "path": "/", "service": "web", "port": 80, "source": source}])
    plan["dns_changes"] = [{"host": "a.example.com", "entrypoint": "planner-external", "old_addresses": list(old)}]
    if domain_given is not None:
        plan["inputs"]["domain_given"] = domain_given
    return plan


def _records(run):
    return {r.inputs["name"]: r.inputs["rrdatas"] for r in run.of_type(DNS)}


def test_generated_host_gets_no_record(tmp_path):
    out = render_pulumi.write(_dns_plan("generated"), tmp_path / "p")
    run = run_program(out, {"gcp:project": "acme-prod", "planner:phase": "cutover", "planner:dns-zone": "z"})
    assert _records(run) == {} and run.exports["dns_changes"] == [] and run.exports["manual_dns_changes"] == []
    (lim,) = run.exports["limitations"]
    assert (lim["object"], lim["code"]) == ("entrypoint planner-external", "DNS_GENERATED_HOSTS")
    assert lim["message"].startswith("1 host(s) were generated by planner") and "a.example.com" in lim["message"]
    # with --domain the user chose the names: the record is made
    out = render_pulumi.write(_dns_plan("generated", domain_given=True), tmp_path / "q")
    run = run_program(out, {"gcp:project": "acme-prod", "planner:phase": "cutover", "planner:dns-zone": "z"})
    assert list(_records(run)) == ["a.example.com."]


def test_external_dns_host_is_handed_to_external_dns(tmp_path):
    out = render_pulumi.write(_dns_plan("external-dns", old=["203.0.113.9"]), tmp_path / "p")
    runs = {ph: run_program(out, {"gcp:project": "acme-prod", "planner:phase": ph, "planner:dns-zone": "z"}) for ph in PHASES}
    for ph, run in runs.items():
        assert _records(run) == {}  # never a rival record to external-dns's
        (gw,) = run.kind("Gateway")
        ann = gw.inputs["metadata"].get("annotations", {})
        assert ann.get("external-dns.alpha.kubernetes.io/hostname") == (None if ph == "build" else "a.example.com")
    (change,) = runs["cutover"].exports["dns_changes"]
    assert (change["managed_by"], change["managed_zone"]) == ("external-dns", None)


def test_existing_record_is_adopted_at_build_and_moved_at_cutover(tmp_path):
    out = render_pulumi.write(_dns_plan("ingress", old=["203.0.113.9"]), tmp_path / "p")
    build = run_program(out, {"gcp:project": "acme-prod", "planner:phase": "build", "planner:dns-zone": "z"})
    assert _records(build) == {"a.example.com.": ["203.0.113.9"]}  # imported as it is
    cut = run_program(out, {"gcp:project": "acme-prod", "planner:phase": "cutover", "planner:dns-zone": "z"})
    ip = cut.exports["entrypoint_addresses"]["planner-external"]
    assert _records(cut) == {"a.example.com.": [ip]}
    source = (out / "__main__.py").read_text()
    assert 'import_=f"projects/{gcp_project}/managedZones/{zone}/rrsets/{d[\'host\']}./A"' in source
    # a host with no record today is created at cutover only
    out = render_pulumi.write(_dns_plan("ingress"), tmp_path / "q")
    assert _records(run_program(out, {"gcp:project": "acme-prod", "planner:phase": "build", "planner:dns-zone": "z"})) == {}


# --- certificates -------------------------------------------------------------------------------

@pytest.fixture()
def tls_program(tmp_path):
    plan = make_plan(routes=[{"host": h, "path": "/", "service": "web", "port": 80} for h in ("a.example.com", "b.example.com")],
                     tls=("a.example.com", "b.example.com"))
    yield render_pulumi.write(plan, tmp_path / "p")
    pulumi_harness.MOCKS.zones = {}
    pulumi_harness.MOCKS.certificate_state = "ACTIVE"


def test_certificates_are_dns_authorised_when_the_zone_holds_the_hosts(tls_program):
    pulumi_harness.MOCKS.zones = {"public": "example.com."}
    run = run_program(tls_program, {"gcp:project": "acme-prod", "planner:dns-zone": "public"})
    auths = sorted(r.inputs["domain"] for r in run.of_type(AUTH))
    assert auths == ["a.example.com", "b.example.com"]
    cnames = {r.inputs["name"]: (r.inputs["type"], r.inputs["managedZone"]) for r in run.of_type(DNS)}
    assert cnames == {"_acme-challenge.a.example.com.": ("CNAME", "public"), "_acme-challenge.b.example.com.": ("CNAME", "public")}
    (cert,) = run.of_type(CERT)
    assert len(cert.inputs["managed"]["dnsAuthorizations"]) == 2


def test_without_zone_or_outside_it_the_load_balancer_authorises(tls_program):
    run = run_program(tls_program, {"gcp:project": "acme-prod"})
    assert run.of_type(AUTH) == [] and "dnsAuthorizations" not in run.of_type(CERT)[0].inputs["managed"]
    pulumi_harness.MOCKS.zones = {"public": "other.org."}
    run = run_program(tls_program, {"gcp:project": "acme-prod", "planner:dns-zone": "public"})
    assert run.of_type(AUTH) == []
    assert any(level == "info" and "not every host is in zone public (other.org)" in m for level, m in run.logs)


def test_cutover_warns_loudly_while_a_certificate_is_not_active(tls_program):
    pulumi_harness.MOCKS.certificate_state = "PROVISIONING"
    build = run_program(tls_program, {"gcp:project": "acme-prod", "planner:phase": "build"})
    assert not any("CERTIFICATE NOT ACTIVE" in m for _, m in build.logs)
    cut = run_program(tls_program, {"gcp:project": "acme-prod", "planner:phase": "cutover"})
    (warn,) = [m for level, m in cut.logs if level == "warn" and "CERTIFICATE NOT ACTIVE" in m]
    assert warn.startswith("CERTIFICATE NOT ACTIVE: main/planner-external/planner-external-cert-1 (a.example.com, b.example.com) is PROVISIONING;")
    pulumi_harness.MOCKS.certificate_state = "ACTIVE"
    cut = run_program(tls_program, {"gcp:project": "acme-prod", "planner:phase": "cutover"})
    assert not any("CERTIFICATE NOT ACTIVE" in m for _, m in cut.logs)


def test_the_providers_own_kubeconfig_setting_is_the_one_checked(program):
    import yaml

    right = yaml.safe_dump(kubeconfig())
    wrong_file = kubeconfig(cluster="gke_acme-prod_us-central1_staging")
    run_program(program, {"gcp:project": "acme-prod", "kubernetes:kubeconfig": right}, wrong_file)
    with pytest.raises(Exception, match="points at cluster 'gke_acme-prod_us-central1_staging'"):
        run_program(program, {"gcp:project": "acme-prod", "kubernetes:kubeconfig": yaml.safe_dump(wrong_file)}, kubeconfig())
