"""Designed host/path routes end to end: plan routes, the HTTPRoute rules the program registers
(CRD-validated), the Ingress strategy, the errors only a plan can find, and the contested-host
suggestion on the demo."""
from __future__ import annotations

import json

import pytest

from planner.cli import main
from planner.render import jsonplan

import crd_validate
from pulumi_harness import run_program
from test_crds import k8s_objects

CONFIG = {"gcp:project": "acme-prod", "planner:phase": "build"}


def service(name: str, ns: str = "shop", port: int = 80, ann: dict | None = None, internal: bool = False) -> dict:
    annotations = dict(ann or {})
    if internal:
        annotations["networking.gke.io/load-balancer-type"] = "Internal"
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "namespace": ns, "annotations": annotations},
            "spec": {"type": "LoadBalancer", "ports": [{"name": "http", "port": port, "protocol": "TCP"}]}}


def inventory(tmp_path, *extra: dict) -> str:
    """Eight external HTTP services on their own LBs: 8 regional rules = 18.25 + 3 x 7.30 =
    $40.15/month today; all behind one Gateway: 1 global rule = $18.25 (the move pays)."""
    items = [service(n) for n in ("orders", "users", "status", "cart", "search", "media", "blog", "docs")]
    f = tmp_path / "inv.json"
    f.write_text(json.dumps({"apiVersion": "v1", "kind": "List", "items": items + list(extra)}))
    return str(f)


ROUTES = """\
routes:
  - host: api.example.com
    path: /orders
    service: shop/orders
    rewrite: /
  - host: api.example.com
    path: /users
    service: shop/users
  - host: api.example.com
    path: /healthz
    exact: true
    service: shop/status
"""


def analyze(tmp_path, argv: list[str], capsys=None) -> tuple[int, dict | None, str]:
    out = tmp_path / "out"
    code = main(["analyze", *argv, "--out", str(out), "--project", "acme-prod"])
    err = capsys.readouterr().err if capsys else ""
    plan = jsonplan.load(out / "plan.json") if code == 0 else None
    return code, plan, err


def api_routes(plan: dict) -> list[tuple]:
    return sorted((r["host"], r["path"], r["path_type"], r["service"], r["rewrite"], r["source"]) for ep in plan["entrypoints"] for r in ep["routes"] if r["host"] == "api.example.com")


def test_routes_file_puts_three_services_under_one_host(tmp_path):
    rfile = tmp_path / "routes.yaml"
    rfile.write_text(ROUTES)
    code, plan, _ = analyze(tmp_path, [inventory(tmp_path), "--routes", str(rfile), "--strategy", "gateway"])
    assert code == 0
    assert api_routes(plan) == [
        ("api.example.com", "/healthz", "Exact", "status", None, "routes-file"),
        ("api.example.com", "/orders", "PathPrefix", "orders", "/", "routes-file"),
        ("api.example.com", "/users", "PathPrefix", "users", None, "routes-file"),
    ]
    # the designed services are routed only by their designed paths, the others by "/"
    hosts = {s["name"]: s["hosts"] for s in plan["services"]}
    assert hosts["orders"] == hosts["users"] == hosts["status"] == ["api.example.com"]
    assert hosts["cart"] == ["cart.shop.example.com"]
    # one host shared by paths is one entrypoint's price: 40.15 today -> 18.25 after
    s = plan["summary"]
    assert (s["current_monthly_usd"], s["proposed_monthly_usd"], s["savings_monthly_usd"]) == (40.15, 18.25, 21.90)

    run = run_program(tmp_path / "out" / "pulumi", CONFIG)
    objs = k8s_objects(run)
    assert [e for o in objs for e in crd_validate.errors(o)] == []
    rules = {}
    for o in objs:
        if o["kind"] == "HTTPRoute" and o["spec"].get("hostnames") == ["api.example.com"]:
            rules[o["metadata"]["name"]] = o["spec"]["rules"]
    assert rules == {
        "planner-orders": [{"matches": [{"path": {"type": "PathPrefix", "value": "/orders"}}],
                            "filters": [{"type": "URLRewrite", "urlRewrite": {"path": {"type": "ReplacePrefixMatch", "replacePrefixMatch": "/"}}}],
                            "backendRefs": [{"name": "orders", "port": 80}]}],
        "planner-users": [{"matches": [{"path": {"type": "PathPrefix", "value": "/users"}}], "backendRefs": [{"name": "users", "port": 80}]}],
        "planner-status": [{"matches": [{"path": {"type": "Exact", "value": "/healthz"}}], "backendRefs": [{"name": "status", "port": 80}]}],
    }


def test_annotation_form(tmp_path):
    ann = {"planner.io/routes": "api.example.com/orders, api.example.com/v2/orders", "planner.io/rewrite": "/"}
    code, plan, _ = analyze(tmp_path, [inventory(tmp_path, service("legacy-orders", ann=ann)), "--strategy", "gateway"])
    assert code == 0
    assert api_routes(plan) == [
        ("api.example.com", "/orders", "PathPrefix", "legacy-orders", "/", "annotation"),
        ("api.example.com", "/v2/orders", "PathPrefix", "legacy-orders", "/", "annotation"),
    ]


def test_ingress_strategy_writes_prefix_paths_without_rewrite(tmp_path):
    rfile = tmp_path / "routes.yaml"
    rfile.write_text("routes:\n  - {host: api.example.com, path: /orders, service: shop/orders}\n  - {host: api.example.com, path: /users, service: shop/users}\n")
    code, plan, _ = analyze(tmp_path, [inventory(tmp_path), "--routes", str(rfile), "--strategy", "ingress"])
    assert code == 0
    run = run_program(tmp_path / "out" / "pulumi", CONFIG)
    paths = sorted((p["path"], p["pathType"], p["backend"]["service"]["name"])
                   for o in k8s_objects(run) if o["kind"] == "Ingress" for rule in o["spec"].get("rules", [])
                   if rule.get("host") == "api.example.com" for p in rule["http"]["paths"])
    assert paths == [("/orders", "Prefix", "orders"), ("/users", "Prefix", "users")]


def test_rewrite_on_the_ingress_strategy_is_an_error_and_auto_prefers_the_gateway(tmp_path, capsys):
    rfile = tmp_path / "routes.yaml"
    rfile.write_text(ROUTES)
    code, _, err = analyze(tmp_path, [inventory(tmp_path), "--routes", str(rfile), "--strategy", "ingress"], capsys)
    assert code == 2
    assert err.strip() == f"error: {rfile}:2: rewrite / cannot be expressed by a GKE Ingress (--strategy ingress); drop the rewrite or use --strategy gateway"
    code, plan, _ = analyze(tmp_path, [inventory(tmp_path), "--routes", str(rfile), "--compare"])
    assert code == 0 and plan["inputs"]["strategy"] == "gateway"
    ingress_row = next(r for r in plan["comparison"] if r["strategy"] == "ingress")
    assert "block ROUTES_REWRITE_INGRESS x1" in ingress_row["risks"]


def test_route_to_a_service_that_does_not_move_is_an_error(tmp_path, capsys):
    rfile = tmp_path / "routes.yaml"
    rfile.write_text("routes:\n  - {host: api.example.com, path: /db, service: shop/db}\n")
    db = service("db", port=5432)  # Postgres: WELL_KNOWN_TCP_PORT keeps it
    code, _, err = analyze(tmp_path, [inventory(tmp_path, db), "--routes", str(rfile)], capsys)
    assert code == 2
    assert err.startswith(f"error: {rfile}:2: service main/shop/db is not moving (WELL_KNOWN_TCP_PORT: ")
    assert err.count("\n") == 1


def test_external_host_to_an_internal_service_is_an_error_naming_both(tmp_path, capsys):
    """An internal service designed onto a host an external service serves. The internal group
    must pay on its own for the move to be considered: ten internal services (10 rules beyond
    the external eight: 18 regional rules) -> one internal Gateway (3 proxies, $54.75)."""
    rfile = tmp_path / "routes.yaml"
    rfile.write_text("routes:\n  - {host: api.example.com, path: /, service: shop/orders}\n  - {host: api.example.com, path: /admin, service: ops/admin0}\n")
    internal = [service(f"admin{i}", ns="ops", internal=True) for i in range(10)]
    code, _, err = analyze(tmp_path, [inventory(tmp_path, *internal), "--routes", str(rfile), "--strategy", "gateway"], capsys)
    assert code == 2
    assert err.strip() == (f"error: {rfile}:2: host api.example.com is served by the internal Service main/ops/admin0 "
                           f"and would also route to the external Service main/shop/orders; internal and external services never share a host")


def test_designed_route_colliding_with_an_existing_entrypoint_is_an_error(tmp_path, capsys):
    rfile = tmp_path / "routes.yaml"
    rfile.write_text("routes:\n  - {host: www.example.com, path: /, service: shop/orders}\n")
    ing = {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": {"name": "site", "namespace": "web", "annotations": {"kubernetes.io/ingress.class": "gce"}},
           "spec": {"rules": [{"host": "www.example.com", "http": {"paths": [{"path": "/", "pathType": "Prefix", "backend": {"service": {"name": "site", "port": {"number": 80}}}}]}}]}}
    code, _, err = analyze(tmp_path, [inventory(tmp_path, ing), "--routes", str(rfile), "--strategy", "gateway", "--no-fold-ingresses"], capsys)
    assert code == 2
    assert err.startswith(f"error: {rfile}:2: service main/shop/orders is not moving (ROUTE_COLLISION: every designed route of this service (www.example.com/)")


def test_contested_host_on_the_demo_gets_a_ready_snippet(tmp_path):
    code, plan, _ = analyze(tmp_path, [])
    assert code == 0
    (note,) = [n for n in plan["notes"] if n["code"] == "HOST_PATH_SPLIT_SUGGESTED"]
    assert note["level"] == "info" and note["object"] == "host shop.acme-demo.com"
    snippet = note["message"][note["message"].index("routes: ["):]
    assert snippet == ("routes: [{host: shop.acme-demo.com, path: /recommendations, service: shop/recommendations, rewrite: /}, "
                       "{host: shop.acme-demo.com, path: /storefront, service: shop/storefront, rewrite: /}]")
    # pasted as it is, the snippet routes both services: storefront's load balancer retires too
    rfile = tmp_path / "routes.yaml"
    rfile.write_text(snippet + "\n")
    code, split, _ = analyze(tmp_path / "again", ["--routes", str(rfile)])
    assert code == 0
    decisions = {s["name"]: s["decision"] for s in split["services"]}
    assert decisions["storefront"] == decisions["recommendations"] == "consolidate"
    # one more regional rule retired beyond the first five: $7.30 more saved
    assert round(split["summary"]["savings_monthly_usd"] - plan["summary"]["savings_monthly_usd"], 2) == 7.30
    assert not [n for n in split["notes"] if n["code"] == "HOST_PATH_SPLIT_SUGGESTED"]


def test_fleet_routes_per_cluster(tmp_path):
    import yaml

    inv = inventory(tmp_path)
    (tmp_path / "routes.yaml").write_text("routes:\n  - {host: api.example.com, path: /orders, service: a/shop/orders}\n")
    fleet = tmp_path / "fleet.yaml"
    fleet.write_text(yaml.safe_dump({"clusters": [
        {"name": "a", "cloud": "gcp", "project": "acme-prod", "region": "us-central1", "inventory": inv, "routes": "routes.yaml"},
        {"name": "b", "cloud": "gcp", "project": "acme-prod", "region": "us-central1", "inventory": inv}]}))
    out = tmp_path / "out"
    assert main(["analyze", "--fleet", str(fleet), "--out", str(out), "--strategy", "gateway"]) == 0
    plan = jsonplan.load(out / "plan.json")
    assert [(ep["cluster"], r["path"], r["source"]) for ep in plan["entrypoints"] for r in ep["routes"] if r["host"] == "api.example.com"] == [("a", "/orders", "routes-file")]


def _gce_ingress(name: str, paths: list[tuple[str, str, str]], host: str = "legacy.example.com") -> dict:
    return {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": {"name": name, "namespace": "shop", "annotations": {"kubernetes.io/ingress.class": "gce"}},
            "spec": {"rules": [{"host": host, "http": {"paths": [
                {"path": path, "pathType": ptype, "backend": {"service": {"name": svc, "port": {"number": 80}}}} for path, ptype, svc in paths]}}]}}


@pytest.mark.parametrize("paths, decision, code", [
    ([("/*", "ImplementationSpecific", "orders"), ("/v1/*", "ImplementationSpecific", "users")], "fold", "INGRESS_FOLDED"),
    ([("/items/{id}", "ImplementationSpecific", "orders")], "keep", "FOLD_PATH_INEXPRESSIBLE"),
    ([("/a*b", "ImplementationSpecific", "orders")], "keep", "FOLD_PATH_INEXPRESSIBLE"),
    ([("/*", "Prefix", "orders")], "keep", "FOLD_PATH_INEXPRESSIBLE"),  # Prefix never globs: a literal '*'
])
def test_folded_ingress_paths_fold_only_when_gateway_api_can_express_them(tmp_path, paths, decision, code):
    code_, plan, _ = analyze(tmp_path, [inventory(tmp_path, _gce_ingress("legacy", paths)), "--strategy", "gateway"])
    assert code_ == 0
    (item,) = [x for x in plan["existing_entrypoints"] if x["name"] == "legacy"]
    assert (item["decision"], item["reason"]["code"]) == (decision, code)
    if decision == "fold":  # GKE's '/*' and '/v1/*' are the prefixes '/' and '/v1' on the Gateway
        run = run_program(tmp_path / "out" / "pulumi", CONFIG)
        matches = sorted(m["path"]["value"] for o in k8s_objects(run) if o["kind"] == "HTTPRoute" and o["spec"].get("hostnames") == ["legacy.example.com"]
                         for rule in o["spec"]["rules"] for m in rule["matches"])
        assert matches == ["/", "/v1"]


def test_folded_ingress_with_an_invalid_host_stays(tmp_path):
    code, plan, _ = analyze(tmp_path, [inventory(tmp_path, _gce_ingress("odd", [("/", "Prefix", "orders")], host="bad_host.example.com")), "--strategy", "gateway"])
    assert code == 0
    (item,) = [x for x in plan["existing_entrypoints"] if x["name"] == "odd"]
    assert (item["decision"], item["reason"]["code"]) == ("keep", "FOLD_INVALID_HOST")


def test_folded_exact_paths_stay_exact(tmp_path):
    code, plan, _ = analyze(tmp_path, [inventory(tmp_path, _gce_ingress("legacy", [("/healthz", "Exact", "orders"), ("/", "Prefix", "users")])), "--strategy", "gateway"])
    assert code == 0
    got = sorted((r["path"], r["path_type"]) for ep in plan["entrypoints"] for r in ep["routes"] if r["host"] == "legacy.example.com")
    assert got == [("/", "PathPrefix"), ("/healthz", "Exact")]


def test_tls_host_too_long_for_a_managed_certificate_stays_under_the_ingress_strategy(tmp_path):
    """A 64-character TLS host: GKE's ManagedCertificate takes at most 63 (its CRD's maxLength),
    so under the Ingress strategy HTTPS would have no certificate: the service stays."""
    host = "a" * 52 + ".example.com"  # 52 + 12 = 64 characters
    assert len(host) == 64
    svc = service("long-tls", ann={"external-dns.alpha.kubernetes.io/hostname": host})
    svc["spec"]["ports"].append({"name": "https", "port": 443, "protocol": "TCP"})  # plain HTTP + its TLS twin
    code, plan, _ = analyze(tmp_path, [inventory(tmp_path, svc), "--strategy", "ingress"])
    assert code == 0
    row = next(s for s in plan["services"] if s["name"] == "long-tls")
    assert (row["decision"], row["reasons"][0]["code"]) == ("keep", "TLS_DOMAIN_TOO_LONG")
    code, plan, _ = analyze(tmp_path / "gw", [inventory(tmp_path, svc), "--strategy", "gateway"])
    row = next(s for s in plan["services"] if s["name"] == "long-tls")
    assert row["decision"] == "consolidate"
