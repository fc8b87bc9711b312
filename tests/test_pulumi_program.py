"""The generated Pulumi program, run in-process under Pulumi mocks for each phase.

Plans come from the CLI (`planner analyze --out DIR [--strategy ingress]`) on the bundled demo;
the program is the generated ``DIR/pulumi/__main__.py``, executed by tests/pulumi_harness.py.
"""
from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import pytest

from planner.cli import main
from planner.render import jsonplan
from planner.render import pulumi as render_pulumi

from pulumi_harness import run_program

GA = "gcp:compute/globalAddress:GlobalAddress"
ADDR = "gcp:compute/address:Address"
ARMOR = "gcp:compute/securityPolicy:SecurityPolicy"
CERT = "gcp:certificatemanager/certificate:Certificate"
CMAP = "gcp:certificatemanager/certificateMap:CertificateMap"
CENTRY = "gcp:certificatemanager/certificateMapEntry:CertificateMapEntry"
DNS = "gcp:dns/recordSet:RecordSet"
PROVIDER = "pulumi:providers:kubernetes"
NS = "kubernetes:core/v1:Namespace"
PATCH = "kubernetes:core/v1:ServicePatch"
INGRESS = "kubernetes:networking.k8s.io/v1:Ingress"
GATEWAY = "kubernetes:gateway.networking.k8s.io/v1:Gateway"
ROUTE = "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute"
GBP = "kubernetes:networking.gke.io/v1:GCPBackendPolicy"
MCERT = "kubernetes:networking.gke.io/v1:ManagedCertificate"
BCONF = "kubernetes:cloud.google.com/v1:BackendConfig"

PHASES = ("build", "cutover", "retire")
DNS_1123 = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
GCP_NAME = re.compile(r"^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$")
BASE_CONFIG = {"gcp:project": "acme-prod"}


def _analyze(tmp: Path, *args: str) -> Path:
    assert main(["analyze", "--out", str(tmp), *args]) == 0
    return tmp


@pytest.fixture(scope="module")
def gateway_out(tmp_path_factory) -> Path:
    # program mechanics: the internal group (kept NO_SAVINGS by default: 3 proxies cost more than
    # its 2 rules) moves too, so the internal Gateway is exercised
    return _analyze(tmp_path_factory.mktemp("gateway"), "--strategy", "gateway", "--consolidate-anyway")


@pytest.fixture(scope="module")
def ingress_out(tmp_path_factory) -> Path:
    return _analyze(tmp_path_factory.mktemp("ingress"), "--strategy", "ingress", "--consolidate-anyway")  # program mechanics: payments (saves $0.00) moves too


@pytest.fixture(scope="module")
def gateway_plan(gateway_out) -> dict:
    return jsonplan.load(gateway_out / "plan.json")


@pytest.fixture(scope="module")
def ingress_plan(ingress_out) -> dict:
    return jsonplan.load(ingress_out / "plan.json")


@pytest.fixture(scope="module")
def gw_runs(gateway_out) -> dict:
    """Gateway program per phase, with a public DNS zone configured."""
    runs = {ph: run_program(gateway_out / "pulumi", {**BASE_CONFIG, "planner:phase": ph, "planner:dns-zone": "acme-public"}) for ph in PHASES}
    runs["plan"] = jsonplan.load(gateway_out / "plan.json")
    return runs


@pytest.fixture(scope="module")
def ing_runs(ingress_out) -> dict:
    runs = {ph: run_program(ingress_out / "pulumi", {**BASE_CONFIG, "planner:phase": ph}) for ph in PHASES}
    runs["plan"] = jsonplan.load(ingress_out / "plan.json")
    return runs


def _count(run, typ) -> int:
    return len(run.of_type(typ))


def _ints(value):
    """Mocks hand numbers over as floats (the wire format); turn integral ones back into ints."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: _ints(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_ints(v) for v in value]
    return value


def _k8s(run, typ) -> dict[str, dict]:
    return {f"{r.inputs['metadata']['namespace']}/{r.inputs['metadata']['name']}": _ints(r.inputs) for r in run.of_type(typ)}


def _consolidated(plan) -> set[str]:
    return {f"{s['namespace']}/{s['name']}" for s in plan["services"] if s["decision"] == "consolidate"}


# --- the project on disk ---------------------------------------------------------------------

def test_project_files(gateway_out, gateway_plan):
    out = gateway_out / "pulumi"
    assert sorted(p.name for p in out.iterdir()) == ["Pulumi.yaml", "__main__.py", "program.json", "requirements.txt"]
    reqs = (out / "requirements.txt").read_text().split()
    assert reqs == ["pulumi>=3.100,<4", "pulumi-gcp>=7.0,<11", "pulumi-kubernetes>=4.0,<5"]
    assert "runtime:\n  name: python\n" in (out / "Pulumi.yaml").read_text()
    source = (out / "__main__.py").read_text()
    compile(source, "__main__.py", "exec")
    # no inventory string is spliced into the code: every name, namespace and host is data
    for s in gateway_plan["services"]:
        for text in [s["name"], *s["hosts"]]:
            assert text not in source, text
    assert json.loads((out / "program.json").read_text())["strategy"] == "gateway"


def test_root_pulumi_yaml_points_at_the_program():
    root = Path(__file__).resolve().parent.parent / "Pulumi.yaml"
    assert "main: reports/pulumi/" in root.read_text()


def test_byte_identical_for_the_same_plan(gateway_plan, tmp_path):
    a = render_pulumi.write(gateway_plan, tmp_path / "a")
    b = render_pulumi.write(copy.deepcopy(gateway_plan), tmp_path / "b")
    names = sorted(p.name for p in a.iterdir())
    assert names == sorted(p.name for p in b.iterdir())
    for n in names:
        assert (a / n).read_bytes() == (b / n).read_bytes(), n


def test_regenerated_from_plan_json_matches_cli_output(gateway_out, tmp_path):
    again = render_pulumi.write(jsonplan.load(gateway_out / "plan.json"), tmp_path / "p")
    for n in ("__main__.py", "program.json", "Pulumi.yaml", "requirements.txt"):
        assert (again / n).read_bytes() == (gateway_out / "pulumi" / n).read_bytes(), n


# --- gateway strategy --------------------------------------------------------------------------

def _expected_gateway(plan: dict) -> dict:
    """What the plan calls for, counted from the plan itself."""
    eps = plan["entrypoints"]
    ext = [ep for ep in eps if not ep["internal"]]
    by_name = {ep["name"]: ep for ep in eps}
    cons = [s for s in plan["services"] if s["decision"] == "consolidate"]
    armor = [s for s in cons if s["policies"]["source_ranges"] and not by_name[s["entrypoint"]]["internal"]]
    policies = [s for s in cons if s in armor or s["policies"]["session_affinity"] or s["policies"]["timeout_sec"]]
    return {
        PROVIDER: 1, GA: len(ext), ADDR: len(eps) - len(ext), ARMOR: len(armor),
        CMAP: sum(1 for ep in ext if ep["tls_hosts"]),
        CERT: sum(len(ep.get("certificates") or [1]) for ep in ext if ep["tls_hosts"]),
        CENTRY: sum(len(ep["tls_hosts"]) for ep in ext),
        NS: 1, GATEWAY: len(eps),
        # a TLS-only route is an HTTPRoute of its own on the HTTPS listener ("-tls"), and each
        # Gateway with one answers their hosts on HTTP with one redirect HTTPRoute
        ROUTE: len({(r["namespace"], r.get("name") or r["service"], bool(r.get("https_only"))) for ep in eps for r in ep["routes"]})
        + sum(1 for ep in eps if any(r.get("https_only") for r in ep["routes"])),
        GBP: len(policies),
    }


def _recorded_hosts(plan: dict, entrypoint: str) -> set[str]:
    """Hosts of ``entrypoint`` that get a Cloud DNS record: not external-dns's, not generated."""
    return {r["host"] for ep in plan["entrypoints"] if ep["name"] == entrypoint for r in ep["routes"]
            if r["host"] and r.get("source") not in ("external-dns", "generated")}


def test_demo_plan_exercises_every_program_feature(gateway_plan):
    svc = {f"{s['namespace']}/{s['name']}": s for s in gateway_plan["services"]}
    assert svc["shop/checkout"]["policies"]["source_ranges"] == ["198.51.100.10/32", "203.0.113.0/24"]
    assert svc["payments/payments-api"]["policies"]["session_affinity"] == "CLIENT_IP"
    assert svc["platform/chat"]["policies"]["timeout_sec"] == 3600
    assert svc["payments/payments-api"]["policies"]["app_protocol"] == "HTTPS"
    # plaintext gRPC stays (GRPC_PLAINTEXT), so the demo moves no h2c backend (test_pulumi_data covers that patch)
    assert svc["payments/fraud-scoring"]["decision"] == "keep"
    assert {ep["name"]: ep["internal"] for ep in gateway_plan["entrypoints"]} == {"planner-external": False, "planner-internal": True}
    # internal HTTPS services stay (INTERNAL_TLS), so only the external Gateway terminates TLS
    assert [ep["name"] for ep in gateway_plan["entrypoints"] if ep["tls_hosts"]] == ["planner-external"]


def test_gateway_counts_per_phase(gw_runs, gateway_plan):
    expected = _expected_gateway(gateway_plan)
    assert expected[ROUTE] >= 15 and expected[GBP] >= 3 and expected[ARMOR] == 1 and expected[CENTRY] >= 4
    build = gw_runs["build"]
    assert {t: _count(build, t) for t in expected} == expected
    # the program keeps Cloud DNS records only for hosts nobody else manages: external-dns hosts
    # are handed to external-dns (annotation), generated hosts get none (DNS_GENERATED_HOSTS); on
    # the demo that leaves the folded shop-legacy Ingress's www.acme-demo.com
    recorded = _recorded_hosts(gateway_plan, "planner-external")
    assert recorded == {"www.acme-demo.com"}
    ext_dns = len(recorded)
    # records that exist today (old addresses) are adopted at build, unchanged; no ServicePatch
    adopted = sum(1 for d in gateway_plan["dns_changes"] if d["host"] in recorded and d["old_addresses"])
    assert adopted <= ext_dns and _count(build, DNS) == adopted
    assert len(build.resources) == sum(expected.values()) + adopted
    cons = [s for s in gateway_plan["services"] if s["decision"] == "consolidate"]
    app = [s for s in cons if s["policies"]["app_protocol"] in ("HTTP2", "HTTPS")]
    cut = gw_runs["cutover"]
    assert (_count(cut, DNS), _count(cut, PATCH)) == (ext_dns, len(app))
    assert len(cut.resources) == sum(expected.values()) + ext_dns + len(app)
    ret = gw_runs["retire"]
    assert (_count(ret, DNS), _count(ret, PATCH)) == (ext_dns, len(cons))
    assert len(ret.resources) == sum(expected.values()) + ext_dns + len(cons)


def test_phases_are_cumulative_so_nothing_is_deleted(gw_runs, ing_runs):
    for runs in (gw_runs, ing_runs):
        declared = [{(r.typ, r.name) for r in runs[ph].resources} for ph in PHASES]
        assert declared[0] <= declared[1] <= declared[2]
        # what a patch sets in one phase it still sets in the next (dropping a field would undo it)
        for early, late in zip(PHASES, PHASES[1:]):
            later = {r.name: r.inputs for r in runs[late].of_type(PATCH)}
            for r in runs[early].of_type(PATCH):
                assert r.inputs["metadata"]["annotations"].items() <= later[r.name]["metadata"]["annotations"].items()
                assert all(later[r.name]["spec"].get(k) == v for k, v in r.inputs["spec"].items())
    assert len({(r.typ, r.name) for r in gw_runs["build"].resources}) < len({(r.typ, r.name) for r in gw_runs["retire"].resources})


def test_addresses(gw_runs):
    run = gw_runs["build"]
    (ext,) = run.of_type(GA)
    assert ext.inputs["name"] == "planner-external-ip" and ext.inputs["project"] == "acme-prod"
    (internal,) = run.of_type(ADDR)
    assert {k: internal.inputs[k] for k in ("name", "region", "addressType", "purpose", "project")} == {
        "name": "planner-internal-ip", "region": "us-central1", "addressType": "INTERNAL",
        "purpose": "SHARED_LOADBALANCER_VIP", "project": "acme-prod"}


def test_every_gcp_resource_gets_the_configured_project(gw_runs):
    gcp = [r for r in gw_runs["cutover"].resources if r.typ.startswith("gcp:")]
    assert {r.typ for r in gcp} == {GA, ADDR, ARMOR, CMAP, CERT, CENTRY, DNS}
    assert {r.inputs.get("project") for r in gcp} == {"acme-prod"}


def test_gateways(gw_runs, gateway_plan):
    gws = _k8s(gw_runs["build"], GATEWAY)
    assert sorted(gws) == ["planner-gateway/planner-external", "planner-gateway/planner-internal"]
    ext, internal = gws["planner-gateway/planner-external"], gws["planner-gateway/planner-internal"]
    ext_routes = [r for ep in gateway_plan["entrypoints"] if ep["name"] == "planner-external" for r in ep["routes"]]
    # the Gateway's own namespace holds the HTTP->HTTPS redirect route of its TLS-only hosts
    ext_ns = sorted({r["namespace"] for r in ext_routes} | ({"planner-gateway"} if any(r["https_only"] for r in ext_routes) else set()))
    assert ext_ns == ["default", "payments", "planner-gateway", "platform", "search", "shop"]
    allowed = {"namespaces": {"from": "Selector", "selector": {"matchExpressions": [
        {"key": "kubernetes.io/metadata.name", "operator": "In", "values": ext_ns}]}}}
    assert ext["apiVersion"] == "gateway.networking.k8s.io/v1"
    assert ext["spec"] == {
        "gatewayClassName": "gke-l7-global-external-managed",
        "listeners": [{"name": "http", "protocol": "HTTP", "port": 80, "allowedRoutes": allowed},
                      {"name": "https", "protocol": "HTTPS", "port": 443, "allowedRoutes": allowed}],
        "addresses": [{"type": "NamedAddress", "value": "planner-external-ip"}],
    }
    assert ext["metadata"]["annotations"] == {"networking.gke.io/certmap": "planner-external-certmap"}
    # internal: HTTP only (no certificate map for gke-l7-rilb), and the limitation is exported
    assert internal["spec"]["gatewayClassName"] == "gke-l7-rilb"
    assert [(l["protocol"], l["port"]) for l in internal["spec"]["listeners"]] == [("HTTP", 80)]
    assert internal["spec"]["listeners"][0]["allowedRoutes"]["namespaces"]["selector"]["matchExpressions"][0]["values"] == ["data", "internal-tools"]
    assert "annotations" not in internal["metadata"]
    lims = gw_runs["build"].exports["limitations"]
    # the plan keeps internal HTTPS services (INTERNAL_TLS): no TLS host reaches an internal
    # entrypoint; generated hosts (no --domain given) get no DNS record, and each Gateway says so
    assert [x for x in lims if x["code"] != "DNS_GENERATED_HOSTS"] == []
    assert sorted(x["object"] for x in lims if x["code"] == "DNS_GENERATED_HOSTS") == ["entrypoint planner-external", "entrypoint planner-internal"]


def test_http_routes(gw_runs, gateway_plan):
    routes = _k8s(gw_runs["build"], ROUTE)
    expected = {}
    tls_only_hosts: dict[str, set] = {}
    for ep in gateway_plan["entrypoints"]:
        for r in ep["routes"]:
            # a TLS-only route is its own HTTPRoute ("-tls") on the HTTPS listener alone
            key = f"{r['namespace']}/planner-{r.get('name') or r['service']}" + ("-tls" if r["https_only"] else "")
            expected.setdefault(key, (ep["name"], set(), set(), r["https_only"]))
            expected[key][1].add(r["host"])
            expected[key][2].add((r["path"], r["service"], r["port"]))
            if r["https_only"]:
                tls_only_hosts.setdefault(ep["name"], set()).add(r["host"])
    redirects = {f"planner-gateway/planner-{ep}-https-redirect": hosts for ep, hosts in tls_only_hosts.items()}
    assert sorted(routes) == sorted([*expected, *redirects])
    for key, (gw, hosts, rules, https_only) in expected.items():
        spec = routes[key]["spec"]
        parent = {"group": "gateway.networking.k8s.io", "kind": "Gateway", "name": gw, "namespace": "planner-gateway"}
        assert spec["parentRefs"] == [dict(parent, sectionName="https") if https_only else parent]
        assert spec["hostnames"] == sorted(hosts)
        got = {(x["matches"][0]["path"]["value"], x["backendRefs"][0]["name"], x["backendRefs"][0]["port"]) for x in spec["rules"]}
        assert got == rules and all(x["matches"][0]["path"]["type"] == "PathPrefix" for x in spec["rules"])
    # the HTTP listener answers the TLS-only hosts with a 301 to https, and nothing else
    for key, hosts in redirects.items():
        spec = routes[key]["spec"]
        assert spec["hostnames"] == sorted(hosts)
        assert spec["parentRefs"][0].get("sectionName") == "http"
        assert spec["rules"] == [{"matches": [{"path": {"type": "PathPrefix", "value": "/"}}],
                                  "filters": [{"type": "RequestRedirect", "requestRedirect": {"scheme": "https", "statusCode": 301}}]}]
    assert routes["payments/planner-payments-api-tls"]["spec"]["hostnames"] == ["pay.acme-demo.com"]
    assert routes["payments/planner-payments-api-tls"]["spec"]["rules"] == [
        {"matches": [{"path": {"type": "PathPrefix", "value": "/"}}], "backendRefs": [{"name": "payments-api", "port": 443}]}]
    assert "payments/planner-fraud-scoring" not in routes  # kept: GRPC_PLAINTEXT


def test_security_policy_from_source_ranges(gw_runs):
    (armor,) = gw_runs["build"].of_type(ARMOR)
    assert armor.name == "main/shop/checkout"
    assert armor.inputs["name"] == "planner-shop-checkout"
    rules = _ints(armor.inputs["rules"])
    assert [(r["priority"], r["action"], r["match"]["versionedExpr"], r["match"]["config"]["srcIpRanges"]) for r in rules] == [
        (1000, "allow", "SRC_IPS_V1", ["198.51.100.10/32", "203.0.113.0/24"]),
        (2147483647, "deny(403)", "SRC_IPS_V1", ["*"]),
    ]


def test_backend_policies(gw_runs):
    pols = {k: v["spec"] for k, v in _k8s(gw_runs["build"], GBP).items()}
    assert pols["shop/planner-checkout"] == {"default": {"securityPolicy": "planner-shop-checkout"}, "targetRef": {"group": "", "kind": "Service", "name": "checkout"}}
    assert pols["payments/planner-payments-api"] == {"default": {"sessionAffinity": {"type": "CLIENT_IP"}}, "targetRef": {"group": "", "kind": "Service", "name": "payments-api"}}
    assert pols["platform/planner-chat"] == {"default": {"timeoutSec": 3600}, "targetRef": {"group": "", "kind": "Service", "name": "chat"}}
    for key, spec in pols.items():  # every other policy carries exactly its service's settings
        ns, name = key.split("/")
        (svc,) = [s for s in gw_runs["plan"]["services"] if (s["namespace"], "planner-" + s["name"]) == (ns, name)]
        want = {}
        if svc["policies"]["session_affinity"]:
            want["sessionAffinity"] = {"type": svc["policies"]["session_affinity"]}
        if svc["policies"]["timeout_sec"]:
            want["timeoutSec"] = svc["policies"]["timeout_sec"]
        if svc["policies"]["source_ranges"]:
            want["securityPolicy"] = f"planner-{ns}-{svc['name']}"
        assert spec == {"default": want, "targetRef": {"group": "", "kind": "Service", "name": svc["name"]}}


def test_certificate_manager(gw_runs, gateway_plan):
    run = gw_runs["build"]
    (ext,) = [ep for ep in gateway_plan["entrypoints"] if ep["name"] == "planner-external"]
    assert {"autocomplete.search.example.com", "cart.acme-demo.com", "checkout.acme-demo.com", "pay.acme-demo.com"} <= set(ext["tls_hosts"])
    (cmap,) = run.of_type(CMAP)
    assert cmap.inputs["name"] == "planner-external-certmap"
    certs = run.of_type(CERT)
    assert len(certs) == 1  # at most 100 domains per certificate
    assert certs[0].inputs["name"] == "planner-external-cert-1"
    assert sorted(d for c in certs for d in c.inputs["managed"]["domains"]) == ext["tls_hosts"]
    assert all(c.inputs["scope"] == "DEFAULT" and GCP_NAME.match(c.inputs["name"]) for c in certs)
    cert_domains = {f"{c.name}-id": c.inputs["managed"]["domains"] for c in certs}
    entries = run.of_type(CENTRY)
    assert sorted(e.inputs["hostname"] for e in entries) == ext["tls_hosts"]
    for e in entries:
        assert e.inputs["map"] == "planner-external-certmap"
        assert len(e.inputs["certificates"]) == 1 and e.inputs["hostname"] in cert_domains[e.inputs["certificates"][0]]
        assert GCP_NAME.match(e.inputs["name"])


def _sources(plan: dict) -> dict[str, str]:
    return {r["host"]: r.get("source") for ep in plan["entrypoints"] for r in ep["routes"] if r["host"]}


def test_cutover_dns_records(gw_runs, gateway_plan):
    """Who owns each host's DNS at cutover: external-dns hosts (the Services' annotation) are
    handed to external-dns through the new Gateway's annotation, never a rival RecordSet;
    generated hosts (no --domain) get nothing; the rest get a Cloud DNS record in the zone."""
    run = gw_runs["cutover"]
    ext_ip = run.exports["entrypoint_addresses"]["planner-external"]
    sources = _sources(gateway_plan)
    records = {r.inputs["name"]: _ints(r.inputs) for r in run.of_type(DNS)}
    assert sorted(records) == [h + "." for h in sorted(_recorded_hosts(gateway_plan, "planner-external"))] == ["www.acme-demo.com."]
    for rec in records.values():
        assert (rec["type"], rec["ttl"], rec["managedZone"], rec["rrdatas"]) == ("A", 300, "acme-public", [ext_ip])
    handed = sorted(h for h, src in sources.items() if src == "external-dns")
    assert "pay.acme-demo.com" in handed and "fraud.acme-demo.com" not in handed
    (gw,) = [g for g in _k8s(run, GATEWAY).values() if g["metadata"]["name"] == "planner-external"]
    assert gw["metadata"]["annotations"]["external-dns.alpha.kubernetes.io/hostname"] == ",".join(handed)
    # the internal entrypoint's hosts are generated: no record and no manual change (DNS_GENERATED_HOSTS)
    assert {sources[d["host"]] for d in gateway_plan["dns_changes"] if d["entrypoint"] == "planner-internal"} == {"generated"}
    assert run.exports["manual_dns_changes"] == []
    assert [c["host"] for c in run.exports["dns_changes"]] == sorted(d["host"] for d in gateway_plan["dns_changes"] if sources[d["host"]] != "generated")
    assert run.exports["phase"] == "cutover"
    assert gw_runs["build"].exports["manual_dns_changes"] == [] and gw_runs["build"].exports["phase"] == "build"


def test_cutover_without_zone_creates_no_dns_and_lists_changes(gateway_out, gateway_plan):
    run = run_program(gateway_out / "pulumi", {**BASE_CONFIG, "planner:phase": "cutover"})
    assert _count(run, DNS) == 0
    assert sorted(m["host"] for m in run.exports["manual_dns_changes"]) == sorted(_recorded_hosts(gateway_plan, "planner-external")) == ["www.acme-demo.com"]


def test_internal_zone_gets_no_records_for_generated_hosts(gateway_out, gateway_plan):
    run = run_program(gateway_out / "pulumi", {**BASE_CONFIG, "planner:phase": "cutover", "planner:dns-zone-internal": "corp-private"})
    assert _count(run, DNS) == 0  # the internal hosts are generated: never a record
    assert [m["host"] for m in run.exports["manual_dns_changes"]] == ["www.acme-demo.com"]  # external, no public zone given


def test_cutover_service_patches_only_add_app_protocol(gw_runs):
    patches = _k8s(gw_runs["cutover"], PATCH)
    assert {k: v["spec"] for k, v in patches.items()} == {
        "payments/payments-api": {"ports": [{"port": 443, "protocol": "TCP", "appProtocol": "HTTPS"}]},
        "shop/checkout": {"ports": [{"port": 443, "protocol": "TCP", "appProtocol": "HTTPS"}]},
        "search/autocomplete": {"ports": [{"port": 8443, "protocol": "TCP", "appProtocol": "HTTPS"}]},
    }
    # each only adds appProtocol (none declared one): no patchForce
    assert all(v["metadata"]["annotations"] == {} for v in patches.values())


def test_retire_patches_exactly_the_consolidated_services(gw_runs, gateway_plan):
    patches = _k8s(gw_runs["retire"], PATCH)
    assert set(patches) == _consolidated(gateway_plan)
    assert len(patches) >= 13
    kept = {f"{s['namespace']}/{s['name']}" for s in gateway_plan["services"] if s["decision"] == "keep"}
    assert kept and not kept & set(patches)
    # loadBalancerSourceRanges is Forbidden on a ClusterIP Service: cleared exactly where the plan has ranges
    ranged = {f"{s['namespace']}/{s['name']}" for s in gateway_plan["services"] if s["decision"] == "consolidate" and s["policies"]["source_ranges"]}
    assert ranged == {"shop/checkout"}
    assert {k for k, p in patches.items() if "loadBalancerSourceRanges" in p["spec"]} == ranged
    assert patches["shop/checkout"]["spec"]["loadBalancerSourceRanges"] == []
    for p in patches.values():
        assert p["spec"]["type"] == "ClusterIP"
        assert p["metadata"]["annotations"]["pulumi.com/patchForce"] == "true"
        assert (p["apiVersion"], p["kind"]) == ("v1", "Service")
    assert not any("type" in p.inputs.get("spec", {}) for ph in ("build", "cutover") for p in gw_runs[ph].of_type(PATCH))
    assert not any("delete" in r.typ.lower() for ph in PHASES for r in gw_runs[ph].resources)


def test_folded_ingress_is_a_manual_step_never_a_delete(gw_runs, gateway_plan):
    folded = [x for x in gateway_plan["existing_entrypoints"] if x.get("decision") == "fold"]
    assert [(x["namespace"], x["name"]) for x in folded] == [("shop", "shop-legacy")]
    assert gw_runs["cutover"].exports["manual_retire_steps"] == []
    assert gw_runs["retire"].exports["manual_retire_steps"] == ["kubectl delete ingress --namespace shop shop-legacy"]
    assert not any(r.inputs.get("metadata", {}).get("name") == "shop-legacy" for r in gw_runs["retire"].resources)


# --- ingress strategy --------------------------------------------------------------------------

def test_ingress_strategy(ing_runs, ingress_plan):
    build = ing_runs["build"]
    eps = ingress_plan["entrypoints"]
    assert all(ep["kind"] == "Ingress" for ep in eps)
    ings = _k8s(build, INGRESS)
    assert sorted(ings) == sorted(f"{ep['namespace']}/{ep['name']}" for ep in eps)
    for ep in eps:
        ing = ings[f"{ep['namespace']}/{ep['name']}"]
        ann = ing["metadata"]["annotations"]
        ip_key = "kubernetes.io/ingress.regional-static-ip-name" if ep["internal"] else "kubernetes.io/ingress.global-static-ip-name"
        assert ann[ip_key] == ep["address"]["name"]
        assert ann["kubernetes.io/ingress.class"] == ep["class"] == ("gce-internal" if ep["internal"] else "gce")
        got = sorted((rule["host"], p["path"], p["pathType"], p["backend"]["service"]["name"], p["backend"]["service"]["port"]["number"])
                     for rule in ing["spec"]["rules"] for p in rule["http"]["paths"])
        assert got == sorted((r["host"], r["path"], "Prefix", r["service"], r["port"]) for r in ep["routes"])
    assert _count(build, GA) == sum(1 for ep in eps if not ep["internal"])
    assert _count(build, ADDR) == sum(1 for ep in eps if ep["internal"])
    assert _count(build, GATEWAY) == _count(build, ROUTE) == _count(build, GBP) == _count(build, CERT) == 0


def test_ingress_managed_certificates(ing_runs, ingress_plan):
    certs = _k8s(ing_runs["build"], MCERT)
    ings = _k8s(ing_runs["build"], INGRESS)
    expected = {}
    for ep in ingress_plan["entrypoints"]:
        if ep["tls_hosts"] and not ep["internal"]:
            expected[ep["namespace"]] = ep["tls_hosts"]
    # TLS-only services (payments-api, checkout, autocomplete) stay off a GKE Ingress
    # (TLS_ONLY_INGRESS): cart (80 + its 443 twin) is the one TLS host an Ingress carries
    assert expected == {"shop": ["cart.acme-demo.com"]}
    assert {k.split("/")[0]: v["spec"]["domains"] for k, v in certs.items()} == expected
    for key, cert in certs.items():
        ns, name = key.split("/")
        (ing,) = [i for k, i in ings.items() if k.startswith(ns + "/") and not k.endswith("-internal")]
        assert ing["metadata"]["annotations"]["networking.gke.io/managed-certificates"] == name


def test_ingress_backend_configs_and_annotations(ing_runs):
    confs = {k: v["spec"] for k, v in _k8s(ing_runs["build"], BCONF).items()}
    # chat: WebSocket 3600 s; search-frontend: planner.io/backend-timeout 120 (the TLS-only services
    # with an allow-list or affinity stay under this strategy: see the hand-built test below)
    assert confs == {"platform/planner-chat": {"timeoutSec": 3600}, "search/planner-search-frontend": {"timeoutSec": 120}}
    with_policy = {f"{s['namespace']}/planner-{s['name']}" for s in ing_runs["plan"]["services"] if s["decision"] == "consolidate"
                   and (s["policies"]["source_ranges"] or s["policies"]["session_affinity"] or s["policies"]["timeout_sec"])}
    assert set(confs) == with_policy
    build = _k8s(ing_runs["build"], PATCH)
    neg = {"cloud.google.com/neg": '{"ingress": true}'}
    # every consolidated Service gets container-native load balancing (it must survive ClusterIP at retire)
    assert set(build) == _consolidated(ing_runs["plan"])
    assert {k: v["metadata"]["annotations"] for k, v in build.items() if k.replace("/", "/planner-", 1) in confs} == {
        k.replace("planner-", "", 1): {**neg, "cloud.google.com/backend-config": json.dumps({"default": k.split("/")[1]})} for k in confs}
    assert all(v["metadata"]["annotations"] == neg for k, v in build.items() if k.replace("/", "/planner-", 1) not in confs)
    assert all(v["spec"] == {} for v in build.values())
    cut = _k8s(ing_runs["cutover"], PATCH)
    assert "payments/fraud-scoring" not in cut and "shop/checkout" not in cut  # kept: GRPC_PLAINTEXT, TLS_ONLY_INGRESS


def test_ingress_backend_config_carries_cloud_armor_and_affinity(tmp_path):
    """A service with an allow-list and ClientIP affinity (plain HTTP + TLS twin) behind a GKE
    Ingress: its BackendConfig names the Cloud Armor policy and the affinity, attached at build."""
    import plan_factory as f

    plan = f.plan(f.svc("checkout", ((80, "TCP", "http"), (443, "TCP", "https")), ns="shop", ann={f.DNS: "checkout.example.org"},
                        load_balancer_source_ranges=("203.0.113.0/24",), session_affinity="ClientIP"),
                  strategy="ingress", consolidate_anyway=True)
    run = run_program(render_pulumi.write(plan, tmp_path / "p"), {"gcp:project": "p", "planner:phase": "build"})
    confs = {k: v["spec"] for k, v in _k8s(run, BCONF).items()}
    assert confs == {"shop/planner-checkout": {"securityPolicy": {"name": "planner-shop-checkout"}, "sessionAffinity": {"affinityType": "CLIENT_IP"}}}
    (armor,) = run.of_type(ARMOR)
    assert armor.inputs["name"] == "planner-shop-checkout"
    patch = _k8s(run, PATCH)["shop/checkout"]
    assert patch["metadata"]["annotations"]["cloud.google.com/backend-config"] == '{"default": "planner-checkout"}'


def test_ingress_internal_limitation(ing_runs):
    lims = ing_runs["build"].exports["limitations"]
    # internal HTTPS services stay in the plan (INTERNAL_TLS), so the internal Ingresses carry no TLS
    # host; plaintext gRPC stays too (GRPC_PLAINTEXT), so no h2c backend reaches a GKE Ingress;
    # generated hosts (no --domain) get no DNS record, and each entrypoint with some says so
    assert {x["code"] for x in lims} == {"DNS_GENERATED_HOSTS"}


@pytest.mark.parametrize("strategy", ["gateway", "ingress"])
def test_tls_host_on_an_internal_entrypoint_stays_http_and_is_reported(gateway_plan, ingress_plan, tmp_path, strategy):
    """Should a plan put a TLS host on an internal entrypoint, the program keeps it HTTP only and says so."""
    p = copy.deepcopy(gateway_plan if strategy == "gateway" else ingress_plan)
    ep = next(e for e in p["entrypoints"] if e["internal"])
    host = ep["routes"][0]["host"]
    ep["tls_hosts"] = [host]
    ep["listeners"] = [{"name": "http", "protocol": "HTTP", "port": 80}, {"name": "https", "protocol": "HTTPS", "port": 443}]
    ep["certificates"] = [{"name": f"{ep['name']}-cert-1", "hosts": [host]}]
    jsonplan.validate(p)
    run = run_program(render_pulumi.write(p, tmp_path / "p"), {**BASE_CONFIG})
    lims = [(x["object"], x["code"]) for x in run.exports["limitations"] if x["code"] not in ("BACKEND_H2C_INGRESS", "DNS_GENERATED_HOSTS")]
    assert lims == [(f"{ep['kind']} {ep['name']}", "INTERNAL_HTTP_ONLY")]
    assert host in next(x["message"] for x in run.exports["limitations"] if x["code"] == "INTERNAL_HTTP_ONLY")
    assert not any(host in (c.inputs.get("spec", {}).get("domains") or []) for c in run.of_type(MCERT))
    assert not any(e.inputs["hostname"] == host for e in run.of_type(CENTRY))
    if strategy == "gateway":
        (gw,) = [g for g in run.of_type(GATEWAY) if g.inputs["metadata"]["name"] == ep["name"]]
        assert [l["protocol"] for l in gw.inputs["spec"]["listeners"]] == ["HTTP"]
        assert "annotations" not in gw.inputs["metadata"]


# --- offline validation of every generated Kubernetes object -----------------------------------

def _validate_crd(obj: dict) -> None:
    kind, spec, meta = obj["kind"], obj["spec"], obj["metadata"]
    assert DNS_1123.match(meta["name"]) and len(meta["name"]) <= 63, meta["name"]
    assert DNS_1123.match(meta["namespace"]), meta["namespace"]
    if kind == "Gateway":
        assert obj["apiVersion"] == "gateway.networking.k8s.io/v1" and spec["gatewayClassName"]
        assert 1 <= len(spec["listeners"]) <= 64
        names = [l["name"] for l in spec["listeners"]]
        assert len(set(names)) == len(names)
        for l in spec["listeners"]:
            assert l["protocol"] in ("HTTP", "HTTPS") and 1 <= l["port"] <= 65535 and DNS_1123.match(l["name"])
        assert all(a["type"] == "NamedAddress" and a["value"] for a in spec["addresses"])
    elif kind == "HTTPRoute":
        assert obj["apiVersion"] == "gateway.networking.k8s.io/v1"
        assert spec["parentRefs"] and all(p["name"] for p in spec["parentRefs"])
        assert len(spec["hostnames"]) <= 16
        assert 1 <= len(spec["rules"]) <= 16
        for rule in spec["rules"]:
            # a rule forwards to backends, or (the HTTP->HTTPS redirect of TLS-only hosts) redirects
            assert rule.get("backendRefs") or [f["type"] for f in rule.get("filters", [])] == ["RequestRedirect"]
            for ref in rule.get("backendRefs", []):
                assert ref["name"] and isinstance(ref["port"], int) and 1 <= ref["port"] <= 65535
            for m in rule["matches"]:
                assert m["path"]["type"] == "PathPrefix" and m["path"]["value"].startswith("/")
    elif kind == "GCPBackendPolicy":
        assert obj["apiVersion"] == "networking.gke.io/v1"
        assert spec["targetRef"]["kind"] == "Service" and spec["targetRef"]["name"] and spec["default"]
    elif kind == "BackendConfig":
        assert obj["apiVersion"] == "cloud.google.com/v1" and spec
    elif kind == "ManagedCertificate":
        assert obj["apiVersion"] == "networking.gke.io/v1" and 1 <= len(spec["domains"]) <= 100
    else:
        raise AssertionError(f"unexpected custom resource {kind}")


def test_every_kubernetes_object_validates(gw_runs, ing_runs):
    import kubernetes_validate

    core = crds = 0
    for runs in (gw_runs, ing_runs):
        for r in runs["retire"].resources:
            if not r.typ.startswith("kubernetes:"):
                continue
            obj = _ints(r.inputs)
            if obj["kind"] in ("Ingress", "Namespace", "Service"):
                kubernetes_validate.validate(obj, "1.30", strict=True)
                core += 1
            else:
                _validate_crd(obj)
                crds += 1
    expected_core = 1 + len(_consolidated(gw_runs["plan"])) + _count(ing_runs["retire"], INGRESS) + _count(ing_runs["retire"], PATCH)
    assert core == expected_core and _count(ing_runs["retire"], INGRESS) == len(ing_runs["plan"]["entrypoints"]) == 6
    assert crds == sum(_count(gw_runs["retire"], t) for t in (GATEWAY, ROUTE, GBP)) + sum(_count(ing_runs["retire"], t) for t in (BCONF, MCERT))
    # 2 Gateways, the routes (_expected_gateway counts them from the plan) and GCPBackendPolicies
    # of the gateway program; the ingress program's BackendConfigs (chat, search-frontend) and cart's
    # ManagedCertificate
    gw_expected = _expected_gateway(gw_runs["plan"])
    assert (_count(gw_runs["retire"], GATEWAY), _count(gw_runs["retire"], ROUTE), _count(gw_runs["retire"], GBP)) == (2, gw_expected[ROUTE], gw_expected[GBP])
    assert (_count(ing_runs["retire"], BCONF), _count(ing_runs["retire"], MCERT)) == (2, 1)


# --- empty plan, multi-cluster, bad config ---------------------------------------------------

def _empty_plan(plan: dict) -> dict:
    p = copy.deepcopy(plan)
    p["entrypoints"], p["dns_changes"] = [], []
    for s in p["services"]:
        s.update(decision="keep", entrypoint=None, reasons=s["reasons"] or [{"code": "TCP_ONLY", "message": "x"}])
    jsonplan.validate(p)
    return p


def test_empty_plan_registers_nothing(gateway_plan, tmp_path):
    out = render_pulumi.write(_empty_plan(gateway_plan), tmp_path / "p")
    for ph in PHASES:
        run = run_program(out, {**BASE_CONFIG, "planner:phase": ph, "planner:dns-zone": "z"})
        assert run.resources == []
        assert run.exports["phase"] == ph and run.exports["dns_changes"] == [] and run.exports["entrypoint_addresses"] == {}


def test_several_clusters_get_one_provider_each(gateway_plan, tmp_path):
    p = copy.deepcopy(gateway_plan)
    p["clusters"].append({"name": "eu", "cloud": "gcp", "project": "my-project", "region": "europe-west1"})
    for ep in p["entrypoints"]:
        if ep["internal"]:
            ep["cluster"] = "eu"
    for s in p["services"]:
        if s["entrypoint"] == "planner-internal":
            s["cluster"] = "eu"
    jsonplan.validate(p)
    out = render_pulumi.write(p, tmp_path / "p")
    with pytest.raises(Exception, match="context-eu"):
        run_program(out, {**BASE_CONFIG, "planner:context-main": "gke_main"})
    run = run_program(out, {**BASE_CONFIG, "planner:phase": "retire", "planner:context-main": "gke_main", "planner:context-eu": "gke_eu"})
    provs = {r.name: r.inputs.get("context") for r in run.of_type(PROVIDER)}
    assert provs == {"k8s-eu": "gke_eu", "k8s-main": "gke_main"}
    by_provider = {}
    for r in run.resources:
        if r.typ.startswith("kubernetes:"):
            meta = r.inputs["metadata"]
            by_provider.setdefault(r.provider.split("::")[-2], set()).add(meta.get("namespace", meta["name"]))
    assert by_provider["k8s-eu"] == {"planner-gateway", "data", "internal-tools"}
    assert {"shop", "payments"} <= by_provider["k8s-main"] and not by_provider["k8s-main"] & {"data", "internal-tools"}


def test_fleet_of_two_clusters(tmp_path):
    fleet = Path(__file__).resolve().parent.parent / "examples" / "fleet.yaml"
    assert main(["analyze", "--fleet", str(fleet), "--strategy", "gateway", "--out", str(tmp_path)]) == 0
    plan = jsonplan.load(tmp_path / "plan.json")
    assert sorted(c["name"] for c in plan["clusters"]) == ["prod", "staging"]
    run = run_program(tmp_path / "pulumi", {**BASE_CONFIG, "planner:phase": "retire", "planner:context-prod": "gke_prod", "planner:context-staging": "gke_staging"})
    assert {r.name: r.inputs["context"] for r in run.of_type(PROVIDER)} == {"k8s-prod": "gke_prod", "k8s-staging": "gke_staging"}
    gw_by_cluster = {}
    for r in run.of_type(GATEWAY):
        gw_by_cluster.setdefault(r.provider.split("::")[-2], []).append(r.inputs["metadata"]["name"])
    assert {k: sorted(v) for k, v in gw_by_cluster.items()} == {
        "k8s-prod": sorted(ep["name"] for ep in plan["entrypoints"] if ep["cluster"] == "prod"),
        "k8s-staging": sorted(ep["name"] for ep in plan["entrypoints"] if ep["cluster"] == "staging"),
    }
    patched = {(r.provider.split("::")[-2], r.inputs["metadata"]["namespace"], r.inputs["metadata"]["name"]) for r in run.of_type(PATCH)}
    assert patched == {(f"k8s-{s['cluster']}", s["namespace"], s["name"]) for s in plan["services"] if s["decision"] == "consolidate"}


def test_host_routed_by_two_entrypoints_is_left_to_the_user(gateway_plan, tmp_path):
    p = copy.deepcopy(gateway_plan)
    p["dns_changes"].append({"host": "pay.acme-demo.com", "entrypoint": "planner-internal", "old_addresses": []})
    out = render_pulumi.write(p, tmp_path / "p")
    run = run_program(out, {**BASE_CONFIG, "planner:phase": "cutover", "planner:dns-zone": "z", "planner:dns-zone-internal": "zi"})
    assert "pay.acme-demo.com." not in {r.inputs["name"] for r in run.of_type(DNS)}
    assert sorted(m["entrypoint"] for m in run.exports["manual_dns_changes"] if m["host"] == "pay.acme-demo.com") == ["planner-external", "planner-internal"]
    assert ("host pay.acme-demo.com", "DNS_HOST_CONFLICT") in [(x["object"], x["code"]) for x in run.exports["limitations"]]


def test_single_cluster_uses_ambient_context(gw_runs):
    (prov,) = gw_runs["build"].of_type(PROVIDER)
    assert prov.name == "k8s-main" and "context" not in prov.inputs


def test_unknown_phase_fails(gateway_out):
    with pytest.raises(Exception, match="planner:phase must be one of build, cutover, retire, not 'destroy'"):
        run_program(gateway_out / "pulumi", {**BASE_CONFIG, "planner:phase": "destroy"})


# --- names -----------------------------------------------------------------------------------

@pytest.mark.parametrize("parts,expected", [
    (("planner", "shop", "checkout"), "planner-shop-checkout"),
    (("planner", "pay.acme-demo.com"), "planner-pay-acme-demo-com-"),
    (("planner", "x" * 80), "planner-xxxx"),
    (("9lives",), "p-9lives-"),
])
def test_resource_name(parts, expected):
    name = render_pulumi.resource_name(*parts)
    assert name.startswith(expected) and GCP_NAME.match(name) and len(name) <= 63
    if name != expected:
        assert re.search(r"-[0-9a-f]{8}$", name)


def test_resource_names_do_not_collide():
    assert render_pulumi.resource_name("a.b") != render_pulumi.resource_name("a-b")
