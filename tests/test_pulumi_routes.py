"""Route shape, TLS-only routes and backend protocols, from hand-built plans that set the plan
contract's route keys (path_type, https_only, rewrite, redirect, headers, backends,
response_headers, timeout_sec) and policies.backend_protocol. Each plan is rendered, run under
the Pulumi mocks and every Kubernetes object is checked against the CRDs."""
from __future__ import annotations

import pytest

import crd_validate
from planner.render import pulumi as render_pulumi
from planner.render.pulumi import RouteError, program_data, route_path, route_rule

from pulumi_harness import run_program
from test_crds import k8s_objects

POLICIES = {"source_ranges": [], "session_affinity": None, "timeout_sec": None, "app_protocol": "HTTP", "tls": False}
GW = "gateway.networking.k8s.io"


def make_plan(kind="Gateway", routes=None, tls=(), policies=None, ports=None, internal=False, ns="shop"):
    name = "planner-external" if kind == "Gateway" else "planner-shop"
    routes = routes if routes is not None else [{"host": "a.example.com", "path": "/", "service": "web", "port": 80}]
    routes = [{"namespace": ns, **r} for r in routes]
    listeners = [{"name": "http", "protocol": "HTTP", "port": 80}] + ([{"name": "https", "protocol": "HTTPS", "port": 443}] if tls else [])
    ep = {"name": name, "kind": kind, "namespace": "planner-gateway" if kind == "Gateway" else ns, "cluster": "main",
          "internal": internal, "class": "gke-l7-global-external-managed" if kind == "Gateway" else "gce", "monthly_usd": 0,
          "forwarding_rules": 1, "address": {"name": f"{name}-ip", "global": not internal, "region": "us-central1" if internal else None},
          "listeners": listeners, "routes": routes, "tls_hosts": sorted(tls)}
    services = sorted({(b["service"]) for r in routes for b in (r.get("backends") or ([r] if r.get("service") else []))})
    svcs = [{"cluster": "main", "namespace": ns, "name": s, "internal": internal, "decision": "consolidate", "entrypoint": name,
             "ports": ports or [{"name": "http", "port": 80, "protocol": "TCP", "app_protocol": None}],
             "policies": {**POLICIES, **(policies or {})}, "hosts": [], "reasons": []} for s in services]
    return {"inputs": {"strategy": "gateway" if kind == "Gateway" else "ingress"}, "generator": {"version": "0"},
            "clusters": [{"name": "main", "cloud": "gcp", "project": "acme-prod", "region": "us-central1"}], "services": svcs, "entrypoints": [ep],
            "dns_changes": [], "existing_entrypoints": []}


def run(plan, tmp_path, phase="retire"):
    out = render_pulumi.write(plan, tmp_path / "p")
    r = run_program(out, {"gcp:project": "acme-prod", "planner:phase": phase})
    objs = k8s_objects(r)
    assert [e for o in objs for e in crd_validate.errors(o)] == []
    return r, objs


def routes_of(objs):
    return {o["metadata"]["name"]: o for o in objs if o["kind"] == "HTTPRoute"}


# --- paths -----------------------------------------------------------------------------------

@pytest.mark.parametrize("path,path_type,expected", [
    ("/", None, ("PathPrefix", "/")),
    ("/*", "ImplementationSpecific", ("PathPrefix", "/")),
    ("/v1/*", "ImplementationSpecific", ("PathPrefix", "/v1")),
    ("/v1/*", None, ("PathPrefix", "/v1")),
    ("/healthz", "Exact", ("Exact", "/healthz")),
    ("/api/", "Prefix", ("PathPrefix", "/api/")),
])
def test_route_path(path, path_type, expected):
    assert route_path(path, path_type) == expected


@pytest.mark.parametrize("path,path_type,why", [
    ("/items/{id}", None, "characters a URL path cannot carry"),
    ("/a/*/b", None, "contains '*'"),
    ("/v1/*", "Exact", "contains '*'"),
    ("v1", None, "must start with '/'"),
    ("/a//b", None, "'//'"),
    ("/x", "RegularExpression", "not PathPrefix or Exact"),
])
def test_inexpressible_paths_raise(path, path_type, why):
    with pytest.raises(RouteError, match=why.replace("*", r"\*").replace("(", r"\(")):
        route_path(path, path_type)


@pytest.mark.parametrize("kind", ["Gateway", "Ingress"])
def test_an_inexpressible_path_is_not_emitted_and_is_reported(kind, tmp_path):
    plan = make_plan(kind, routes=[{"host": "a.example.com", "path": "/items/{id}", "service": "web", "port": 80},
                                   {"host": "a.example.com", "path": "/v1/*", "path_type": "ImplementationSpecific", "service": "web", "port": 80}])
    data = program_data(plan)
    assert [(x["object"], x["code"]) for x in data["limitations"]] == [("route a.example.com/items/{id}", "ROUTE_NOT_RENDERED")]
    assert "path '/items/{id}' cannot be expressed" in data["limitations"][0]["message"]
    r, objs = run(plan, tmp_path)
    if kind == "Gateway":
        (route,) = routes_of(objs).values()
        assert route["spec"]["rules"] == [{"matches": [{"path": {"type": "PathPrefix", "value": "/v1"}}], "backendRefs": [{"name": "web", "port": 80}]}]
    else:
        (ing,) = [o for o in objs if o["kind"] == "Ingress"]
        assert ing["spec"]["rules"] == [{"host": "a.example.com", "http": {"paths": [
            {"path": "/v1", "pathType": "Prefix", "backend": {"service": {"name": "web", "port": {"number": 80}}}}]}}]


# --- route shape -----------------------------------------------------------------------------

def test_every_route_key_becomes_gateway_api(tmp_path):
    routes = [
        {"host": "a.example.com", "path": "/healthz", "path_type": "Exact", "service": "web", "port": 80, "name": "exact"},
        {"host": "a.example.com", "path": "/old", "service": "web", "port": 80, "rewrite": "/new", "name": "rewrite"},
        {"host": "a.example.com", "path": "/go", "redirect": {"scheme": "https", "hostname": "b.example.com", "path": "/there", "status_code": 302}, "name": "redirect"},
        {"host": "a.example.com", "path": "/", "service": "web", "port": 80, "headers": [{"name": "x-canary", "value": "1"}], "name": "headers"},
        {"host": "a.example.com", "path": "/split", "backends": [{"service": "web", "port": 80, "weight": 90}, {"service": "web-v2", "port": 80, "weight": 10}], "name": "weighted"},
        {"host": "a.example.com", "path": "/h", "service": "web", "port": 80, "response_headers": {"set": {"x-b": "2", "x-a": "1"}}, "timeout_sec": 30, "name": "extras"},
    ]
    r, objs = run(make_plan(routes=routes), tmp_path)
    got = {name.removeprefix("planner-"): o["spec"]["rules"] for name, o in routes_of(objs).items()}
    web = [{"name": "web", "port": 80}]
    assert got == {
        "exact": [{"matches": [{"path": {"type": "Exact", "value": "/healthz"}}], "backendRefs": web}],
        "rewrite": [{"matches": [{"path": {"type": "PathPrefix", "value": "/old"}}], "backendRefs": web,
                     "filters": [{"type": "URLRewrite", "urlRewrite": {"path": {"type": "ReplacePrefixMatch", "replacePrefixMatch": "/new"}}}]}],
        "redirect": [{"matches": [{"path": {"type": "PathPrefix", "value": "/go"}}],
                      "filters": [{"type": "RequestRedirect", "requestRedirect": {"statusCode": 302, "scheme": "https", "hostname": "b.example.com",
                                                                                  "path": {"type": "ReplaceFullPath", "replaceFullPath": "/there"}}}]}],
        "headers": [{"matches": [{"path": {"type": "PathPrefix", "value": "/"}, "headers": [{"type": "Exact", "name": "x-canary", "value": "1"}]}], "backendRefs": web}],
        "weighted": [{"matches": [{"path": {"type": "PathPrefix", "value": "/split"}}],
                      "backendRefs": [{"name": "web", "port": 80, "weight": 90}, {"name": "web-v2", "port": 80, "weight": 10}]}],
        "extras": [{"matches": [{"path": {"type": "PathPrefix", "value": "/h"}}], "backendRefs": web,
                    "filters": [{"type": "ResponseHeaderModifier", "responseHeaderModifier": {"set": [{"name": "x-a", "value": "1"}, {"name": "x-b", "value": "2"}]}}],
                    "timeouts": {"request": "30s"}}],
    }


def test_rewrite_on_an_exact_path_replaces_the_full_path():
    rule = route_rule({"path": "/a", "path_type": "Exact", "service": "web", "port": 80, "rewrite": "/b"})
    assert rule["filters"] == [{"type": "URLRewrite", "urlRewrite": {"path": {"type": "ReplaceFullPath", "replaceFullPath": "/b"}}}]


def test_ingress_refuses_route_features_it_cannot_carry(tmp_path):
    routes = [{"host": "a.example.com", "path": "/", "service": "web", "port": 80},
              {"host": "a.example.com", "path": "/old", "service": "web", "port": 80, "rewrite": "/new"},
              {"host": "a.example.com", "path": "/split", "backends": [{"service": "web", "port": 80, "weight": 1}, {"service": "v2", "port": 80, "weight": 1}]}]
    data = program_data(make_plan("Ingress", routes=routes))
    assert [(x["object"], x["code"]) for x in data["limitations"]] == [("route a.example.com/old", "ROUTE_NOT_RENDERED"), ("route a.example.com/split", "ROUTE_NOT_RENDERED")]
    assert "cannot carry rewrite" in data["limitations"][0]["message"] and "cannot carry backends" in data["limitations"][1]["message"]
    assert [(x["path"], x["service"]) for x in data["ingresses"][0]["rules"]] == [("/", "web")]


def test_routes_over_sixteen_rules_or_hostnames_are_split(tmp_path):
    routes = [{"host": "a.example.com", "path": f"/p{i:02d}", "service": "web", "port": 80} for i in range(20)]
    routes += [{"host": f"h{i:02d}.example.com", "path": "/", "service": "api", "port": 80} for i in range(20)]
    r, objs = run(make_plan(routes=routes), tmp_path)
    got = sorted((name, len(o["spec"]["hostnames"]), len(o["spec"]["rules"])) for name, o in routes_of(objs).items())
    assert got == [("planner-api-1", 16, 1), ("planner-api-2", 4, 1), ("planner-web-1", 1, 16), ("planner-web-2", 1, 4)]


# --- TLS-only --------------------------------------------------------------------------------

def test_tls_only_route_attaches_to_https_and_http_redirects(tmp_path):
    routes = [{"host": "secure.example.com", "path": "/", "service": "pay", "port": 80, "https_only": True},
              {"host": "plain.example.com", "path": "/", "service": "web", "port": 80}]
    r, objs = run(make_plan(routes=routes, tls=("secure.example.com", "plain.example.com")), tmp_path)
    routes = routes_of(objs)
    assert sorted(routes) == ["planner-pay-tls", "planner-planner-external-https-redirect", "planner-web"]
    gw = {"group": GW, "kind": "Gateway", "name": "planner-external", "namespace": "planner-gateway"}
    assert routes["planner-pay-tls"]["spec"]["parentRefs"] == [{**gw, "sectionName": "https"}]
    assert routes["planner-pay-tls"]["spec"]["hostnames"] == ["secure.example.com"]
    assert routes["planner-web"]["spec"]["parentRefs"] == [gw]  # plain HTTP keeps both listeners
    red = routes["planner-planner-external-https-redirect"]
    assert red["metadata"]["namespace"] == "planner-gateway"
    assert red["spec"] == {"parentRefs": [{**gw, "sectionName": "http"}], "hostnames": ["secure.example.com"],
                           "rules": [{"matches": [{"path": {"type": "PathPrefix", "value": "/"}}],
                                      "filters": [{"type": "RequestRedirect", "requestRedirect": {"scheme": "https", "statusCode": 301}}]}]}
    (gateway,) = [o for o in objs if o["kind"] == "Gateway"]
    # the redirect route lives in the Gateway's namespace, so its listeners admit it
    assert gateway["spec"]["listeners"][0]["allowedRoutes"]["namespaces"]["selector"]["matchExpressions"][0]["values"] == ["planner-gateway", "shop"]


def test_tls_only_route_without_a_certificate_is_not_served_over_http():
    routes = [{"host": "secure.example.com", "path": "/", "service": "pay", "port": 80, "https_only": True}]
    data = program_data(make_plan(routes=routes, tls=()))
    assert data["http_routes"] == []
    assert [(x["object"], x["code"]) for x in data["limitations"]] == [("route secure.example.com/", "HTTPS_ONLY_NO_LISTENER")]


def test_ingress_with_only_tls_only_hosts_redirects_with_a_frontend_config(tmp_path):
    routes = [{"host": "secure.example.com", "path": "/", "service": "pay", "port": 80, "https_only": True}]
    r, objs = run(make_plan("Ingress", routes=routes, tls=("secure.example.com",)), tmp_path)
    (fc,) = [o for o in objs if o["kind"] == "FrontendConfig"]
    assert fc["apiVersion"] == "networking.gke.io/v1beta1"
    assert fc["spec"] == {"redirectToHttps": {"enabled": True, "responseCodeName": "MOVED_PERMANENTLY_DEFAULT"}}
    (ing,) = [o for o in objs if o["kind"] == "Ingress"]
    assert ing["metadata"]["annotations"]["networking.gke.io/v1beta1.FrontendConfig"] == fc["metadata"]["name"] == "planner-shop-https-redirect"


def test_ingress_mixing_tls_only_and_plain_hosts_is_reported():
    routes = [{"host": "secure.example.com", "path": "/", "service": "pay", "port": 80, "https_only": True},
              {"host": "plain.example.com", "path": "/", "service": "web", "port": 80}]
    data = program_data(make_plan("Ingress", routes=routes, tls=("secure.example.com",)))
    assert data["frontend_configs"] == [] and data["ingresses"][0]["frontend_config"] is None
    assert [(x["object"], x["code"]) for x in data["limitations"]] == [("Ingress planner-shop", "HTTPS_ONLY_MIXED")]
    assert "secure.example.com are TLS-only today" in data["limitations"][0]["message"]


def test_managed_certificate_domain_over_63_characters_is_refused(tmp_path):
    long_host = "a" * 52 + ".example.com"  # 64 characters
    assert len(long_host) == 64
    routes = [{"host": h, "path": "/", "service": "web", "port": 80} for h in ("ok.example.com", long_host)]
    data = program_data(make_plan("Ingress", routes=routes, tls=("ok.example.com", long_host)))
    assert [m["domains"] for m in data["managed_certificates"]] == [["ok.example.com"]]
    assert [(x["object"], x["code"]) for x in data["limitations"]] == [(f"host {long_host}", "MANAGED_CERT_DOMAIN_TOO_LONG")]
    assert data["limitations"][0]["message"].startswith("64-character host: a ManagedCertificate domain has at most 63 characters")
    run(make_plan("Ingress", routes=routes, tls=("ok.example.com", long_host)), tmp_path)  # and what is emitted is valid


# --- backend protocol ------------------------------------------------------------------------

@pytest.mark.parametrize("kind,proto,app_protocol,annotation", [
    ("Gateway", "H2C", "kubernetes.io/h2c", None),
    ("Gateway", "HTTPS", "HTTPS", None),
    ("Gateway", "HTTP2", "HTTP2", None),
    ("Gateway", "HTTP", None, None),
    ("Ingress", "HTTPS", "HTTPS", '{"http": "HTTPS"}'),
    ("Ingress", "HTTP2", "HTTP2", '{"http": "HTTP2"}'),
])
def test_backend_protocol(kind, proto, app_protocol, annotation, tmp_path):
    r, objs = run(make_plan(kind, policies={"backend_protocol": proto}), tmp_path, phase="cutover")
    patches = [o for o in objs if o["kind"] == "Service"]
    ports = [p for o in patches for p in o["spec"].get("ports", [])]
    assert ports == ([{"port": 80, "protocol": "TCP", "appProtocol": app_protocol}] if app_protocol else [])
    anns = [o["metadata"]["annotations"].get("cloud.google.com/app-protocols") for o in patches]
    assert anns == ([annotation] if kind == "Ingress" else [None] * len(patches))


def test_h2c_behind_an_ingress_is_reported_not_patched():
    data = program_data(make_plan("Ingress", policies={"backend_protocol": "H2C"}))
    assert data["service_patches"][0]["cutover_ports"] == [] and data["service_patches"][0]["cutover_annotations"] == {}
    assert [(x["object"], x["code"]) for x in data["limitations"]] == [("Service main/shop/web", "BACKEND_H2C_INGRESS")]


# --- retire: source ranges from the annotation ------------------------------------------------

ANN = "service.beta.kubernetes.io/load-balancer-source-ranges"


@pytest.mark.parametrize("kind", ["Gateway", "Ingress"])
def test_annotation_source_ranges_are_owned_at_cutover_and_removed_at_retire(kind, tmp_path):
    ranges = ["198.51.100.0/24", "203.0.113.0/24"]
    plan = make_plan(kind, policies={"source_ranges": ranges, "source_ranges_annotation": True})
    patch = {ph: [o for o in run(plan, tmp_path / ph, phase=ph)[1] if o["kind"] == "Service"] for ph in ("build", "cutover", "retire")}
    (cut,) = patch["cutover"]
    # a forced apply of the same ranges, spelt differently: sole ownership, same firewall
    assert cut["metadata"]["annotations"][ANN] == "198.51.100.0/24, 203.0.113.0/24"
    assert cut["metadata"]["annotations"]["pulumi.com/patchForce"] == "true"
    (ret,) = patch["retire"]
    assert ANN not in ret["metadata"]["annotations"]  # no owner left: the API server removes it
    assert ret["spec"]["type"] == "ClusterIP" and "loadBalancerSourceRanges" not in ret["spec"]
    assert all(ANN not in o["metadata"].get("annotations", {}) for o in patch["build"])


def test_spec_source_ranges_are_cleared_at_retire(tmp_path):
    plan = make_plan(policies={"source_ranges": ["198.51.100.0/24"]})
    (ret,) = [o for o in run(plan, tmp_path)[1] if o["kind"] == "Service"]
    assert ret["spec"] == {"type": "ClusterIP", "loadBalancerSourceRanges": []}
    assert ANN not in ret["metadata"]["annotations"]
