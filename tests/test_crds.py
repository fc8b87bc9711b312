"""Every custom resource the program registers, in every phase and strategy, is valid under the
official CRDs (tests/fixtures/crds/, strict: unknown fields are errors) and the re-stated CEL
rules; core kinds pass kubernetes-validate (strict). The validator itself is tested on objects
the API server would refuse."""
from __future__ import annotations

import copy

import pytest

from planner.cli import main
from planner.render import jsonplan

import crd_validate
from pulumi_harness import run_program

PHASES = ("build", "cutover", "retire")
CONFIG = {"gcp:project": "acme-prod", "planner:dns-zone": "acme-public"}


def _ints(value):
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: _ints(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_ints(v) for v in value]
    return value


@pytest.fixture(scope="module", params=["gateway", "ingress"])
def demo(request, tmp_path_factory):
    out = tmp_path_factory.mktemp(request.param)
    assert main(["analyze", "--out", str(out), "--strategy", request.param, "--consolidate-anyway"]) == 0  # every group moves: internal entrypoints, certificates
    return request.param, out, jsonplan.load(out / "plan.json")


def k8s_objects(run) -> list[dict]:
    return [_ints(r.inputs) for r in run.resources if r.typ.startswith("kubernetes:") and r.typ != "pulumi:providers:kubernetes"]


@pytest.mark.parametrize("phase", PHASES)
def test_every_object_of_the_demo_program_is_valid(demo, phase):
    strategy, out, plan = demo
    project = plan["clusters"][0].get("project") or "acme-prod"
    run = run_program(out / "pulumi", {**CONFIG, "gcp:project": project, "planner:phase": phase})
    objs = k8s_objects(run)
    kinds = {o["kind"] for o in objs}
    if strategy == "gateway":
        assert {"Gateway", "HTTPRoute", "GCPBackendPolicy", "Namespace"} <= kinds
    else:
        assert {"Ingress", "ManagedCertificate", "BackendConfig", "Service"} <= kinds
    problems = [e for o in objs for e in crd_validate.errors(o)]
    assert problems == []
    assert len(objs) >= 10


def test_every_vendored_crd_is_loaded():
    keys = set(crd_validate.crd_schemas())
    assert {("gateway.networking.k8s.io/v1", "HTTPRoute"), ("gateway.networking.k8s.io/v1", "Gateway"),
            ("networking.gke.io/v1", "GCPBackendPolicy"), ("networking.gke.io/v1", "HealthCheckPolicy"),
            ("networking.gke.io/v1", "GCPGatewayPolicy"), ("networking.gke.io/v1", "ManagedCertificate")} <= keys


ROUTE = {"apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute", "metadata": {"name": "r", "namespace": "shop"},
         "spec": {"parentRefs": [{"name": "gw", "namespace": "planner-gateway"}], "hostnames": ["a.example.com"],
                  "rules": [{"matches": [{"path": {"type": "PathPrefix", "value": "/"}}], "backendRefs": [{"name": "web", "port": 80}]}]}}


def _route(**rule) -> dict:
    r = copy.deepcopy(ROUTE)
    r["spec"]["rules"][0].update(rule)
    return r


def test_a_valid_route_passes():
    assert crd_validate.errors(ROUTE) == []


@pytest.mark.parametrize("obj,message", [
    (_route(matches=[{"path": {"type": "PathPrefix", "value": "v1"}}]), "value must be an absolute path and start with '/'"),
    (_route(matches=[{"path": {"type": "PathPrefix", "value": "/v1/*"}}]), "'*' in a Gateway API path matches a literal '*'"),
    (_route(matches=[{"path": {"type": "Exact", "value": "/a//b"}}]), "must not contain '//'"),
    (_route(matches=[{"path": {"type": "PathPrefix", "value": "/items/{id}"}}]), "must only contain valid characters"),
    (_route(filters=[{"type": "RequestRedirect", "requestRedirect": {"scheme": "https", "statusCode": 301}}]),
     "RequestRedirect filter must not be used together with backendRefs"),
    (_route(matches=[{"path": {"type": "Exact", "value": "/a"}}],
            filters=[{"type": "URLRewrite", "urlRewrite": {"path": {"type": "ReplacePrefixMatch", "replacePrefixMatch": "/"}}}]),
     "When using URLRewrite filter with path.replacePrefixMatch, exactly one PathPrefix match must be specified"),
    (_route(filters=[{"type": "URLRewrite", "urlRewrite": {"path": {"type": "ReplaceFullPath", "replacePrefixMatch": "/"}}}]),
     "replaceFullPath must be specified when type is set to 'ReplaceFullPath'"),
    (_route(filters=[{"type": "URLRewrite"}]), "filter.urlRewrite must be specified for URLRewrite filter.type"),
    (_route(backendRefs=[{"name": "web"}]), "Must have port for Service reference"),
    (_route(backendRefs=[{"name": "web", "port": 80, "wieght": 1}]), "Additional properties are not allowed ('wieght' was unexpected)"),
    (_route(matches=[{"path": {"type": "Prefix", "value": "/"}}]), "'Prefix' is not one of"),
])
def test_the_validator_refuses_what_the_api_server_refuses(obj, message):
    errs = crd_validate.errors(obj)
    assert any(message in e for e in errs), errs


def test_parent_refs_to_one_gateway_need_distinct_section_names():
    r = copy.deepcopy(ROUTE)
    r["spec"]["parentRefs"] = [{"name": "gw", "namespace": "planner-gateway", "sectionName": "https"}, {"name": "gw", "namespace": "planner-gateway"}]
    assert any("sectionName must be specified" in e for e in crd_validate.errors(r))
    r["spec"]["parentRefs"][1]["sectionName"] = "https"
    assert any("sectionName must be unique" in e for e in crd_validate.errors(r))
    r["spec"]["parentRefs"][1]["sectionName"] = "http"
    assert crd_validate.errors(r) == []


def test_hostname_syntax_comes_from_the_crd():
    r = copy.deepcopy(ROUTE)
    r["spec"]["hostnames"] = ["Bad_Host.example.com"]
    assert any("hostnames.0" in e and "does not match" in e for e in crd_validate.errors(r))


def test_gateway_rules():
    gw = {"apiVersion": "gateway.networking.k8s.io/v1", "kind": "Gateway", "metadata": {"name": "gw", "namespace": "planner-gateway"},
          "spec": {"gatewayClassName": "gke-l7-global-external-managed",
                   "listeners": [{"name": "http", "protocol": "HTTP", "port": 80}, {"name": "http", "protocol": "HTTP", "port": 80}]}}
    errs = crd_validate.errors(gw)
    assert any("Listener name must be unique" in e for e in errs) and any("Combination of port, protocol and hostname" in e for e in errs)


def test_gke_policies_are_strict():
    pol = {"apiVersion": "networking.gke.io/v1", "kind": "GCPBackendPolicy", "metadata": {"name": "p", "namespace": "shop"},
           "spec": {"default": {"sessionAffinity": {"type": "CLIENT_IP"}, "timeoutSec": 30}, "targetRef": {"group": "", "kind": "Service", "name": "web"}}}
    assert crd_validate.errors(pol) == []
    pol["spec"]["default"]["sessionAffinity"]["type"] = "CLIENTIP"
    pol["spec"]["default"]["securityPolicyName"] = "x"
    errs = crd_validate.errors(pol)
    assert any("'CLIENTIP' is not one of" in e for e in errs) and any("'securityPolicyName' was unexpected" in e for e in errs)
    mc = {"apiVersion": "networking.gke.io/v1", "kind": "ManagedCertificate", "metadata": {"name": "c", "namespace": "shop"},
          "spec": {"domains": ["a.example.com"]}}
    assert crd_validate.errors(mc) == []
    mc["spec"]["domains"] = ["a" * 60 + ".example.com"]
    assert any("spec.domains.0" in e for e in crd_validate.errors(mc))


def test_backend_and_frontend_config_use_the_documented_fields():
    bc = {"apiVersion": "cloud.google.com/v1", "kind": "BackendConfig", "metadata": {"name": "b", "namespace": "shop"},
          "spec": {"securityPolicy": {"name": "armor"}, "sessionAffinity": {"affinityType": "CLIENT_IP"}, "timeoutSec": 3600}}
    assert crd_validate.errors(bc) == []
    bc["spec"]["sessionAffinity"] = {"type": "CLIENT_IP"}
    assert any("'type' was unexpected" in e for e in crd_validate.errors(bc))
    fc = {"apiVersion": "networking.gke.io/v1beta1", "kind": "FrontendConfig", "metadata": {"name": "f", "namespace": "shop"},
          "spec": {"redirectToHttps": {"enabled": True, "responseCodeName": "MOVED_PERMANENTLY_DEFAULT"}}}
    assert crd_validate.errors(fc) == []
    fc["spec"]["redirectToHttps"]["responseCodeName"] = "301"
    assert any("'301' is not one of" in e for e in crd_validate.errors(fc))


def test_unknown_kind_is_an_error():
    assert crd_validate.errors({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}}) == [
        "Widget None/w: no CRD vendored for example.com/v1 Widget"]


def test_core_kinds_go_to_kubernetes_validate():
    svc = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "namespace": "shop"}, "spec": {"typo": 1}}
    (err,) = crd_validate.errors(svc)
    assert err.startswith("Service shop/web:") and "typo" in err
