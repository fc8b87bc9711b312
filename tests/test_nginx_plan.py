"""--migrate-ingress-nginx end to end (issue 12): ingress-nginx's own controller manifest and
Ingresses from its documentation (tests/fixtures/real/nginx/) plus a few written here →
plan, program and report that move every translatable route, name every lost annotation,
price before / after / overlap to the cent, and retire the controller's load balancer last."""
from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

import crd_validate
import nginx_inventory
from planner.cli import main
from planner.consolidate.checks import money_problems
from planner.model import HOURS_PER_MONTH, cents
from planner.render import jsonplan
from pulumi_harness import run_program

CONTROLLER = "Service main/ingress-nginx/ingress-nginx-controller"
PATCH = "kubernetes:core/v1:ServicePatch"
CONFIG = {"gcp:project": "my-project", "planner:dns-zone": "acme-public"}
FIRST5 = Decimal("0.025")  # pricing/gcp.yaml forwarding_rule_first5 (us-central1 and global), USD/hour
ARMOR_POLICY, ARMOR_RULE = Decimal(5), Decimal(1)  # armor_policy_month, armor_rule_month
L7_GIB = Decimal("0.008")  # global external Application LB data processing, in and out, USD/GiB


def _analyze(out: Path, *args: str) -> dict:
    assert main(["analyze", "--out", str(out), *args]) == 0
    return jsonplan.load(out / "plan.json")


@pytest.fixture(scope="module")
def movable(tmp_path_factory):
    inv = nginx_inventory.write(tmp_path_factory.mktemp("inv-move"), only_movable=True)
    out = tmp_path_factory.mktemp("out-move")
    plan = _analyze(out, str(inv), "--migrate-ingress-nginx", "--strategy", "gateway")
    assert money_problems(plan) == []  # module fixtures run outside conftest's check
    return out, plan


@pytest.fixture(scope="module")
def mixed(tmp_path_factory):
    inv = nginx_inventory.write(tmp_path_factory.mktemp("inv-all"), only_movable=False)
    out = tmp_path_factory.mktemp("out-all")
    plan = _analyze(out, str(inv), "--migrate-ingress-nginx", "--strategy", "gateway")
    assert money_problems(plan) == []
    return out, plan


def _row(plan) -> dict:
    (row,) = plan["nginx_migration"]
    return row


def _ingress(row, ref) -> dict:
    return next(i for i in row["ingresses"] if i["ref"] == ref)


def test_every_translatable_route_moves_to_the_gateway(movable):
    _, plan = movable
    (ep,) = plan["entrypoints"]
    assert ep["name"] == "planner-external" and ep["kind"] == "Gateway"
    routes = {(r["host"], r["path"], r["path_type"]): r for r in ep["routes"] if r["source"] == "nginx"}
    assert set(routes) == {("shop.example.com", "/", "PathPrefix"), ("admin.example.com", "/", "PathPrefix"), ("api.example.com", "/v1", "PathPrefix"),
                           ("echo.prod.mydomain.com", "/", "PathPrefix"), ("stickyingress.example.com", "/", "PathPrefix"),
                           ("approot.bar.com", "/", "PathPrefix"), ("approot.bar.com", "/", "Exact")}
    canary = routes[("echo.prod.mydomain.com", "/", "PathPrefix")]
    assert canary["backends"] == [{"service": "production", "port": 80, "weight": 50}, {"service": "canary", "port": 80, "weight": 50}]
    assert routes[("approot.bar.com", "/", "Exact")]["redirect"] == {"path": "/app1", "status_code": 302}
    assert routes[("shop.example.com", "/", "PathPrefix")]["https_only"] is True and routes[("shop.example.com", "/", "PathPrefix")]["timeout_sec"] == 120
    assert routes[("api.example.com", "/v1", "PathPrefix")]["timeout_sec"] == 300
    # TLS: the Ingress's Secret is the listener's certificate (free); HTTPS listener added
    assert ep["tls_hosts"] == ["shop.example.com"]
    assert ep["certificates"] == [{"name": "web-shop-tls", "kind": "Secret", "namespace": "web", "secret": "shop-tls", "hosts": ["shop.example.com"]}]
    assert [lst["protocol"] for lst in ep["listeners"]] == ["HTTP", "HTTPS"] and ep["forwarding_rules"] == 2
    # 12 allowed ranges: 2 allow rules of 10 + the default deny
    assert ep["security_policies"] == [{"name": "planner-web-admin", "services": ["Service main/web/admin"], "ranges": 12, "rules": 3}]
    assert {d["host"] for d in plan["dns_changes"]} == {"shop.example.com", "admin.example.com", "api.example.com", "echo.prod.mydomain.com", "stickyingress.example.com", "approot.bar.com"}


def test_every_lost_annotation_is_named(movable):
    _, plan = movable
    row = _row(plan)
    assert all(i["decision"] == "migrate" for i in row["ingresses"]) and len(row["ingresses"]) == 7
    shop = _ingress(row, "Ingress main/web/shop")
    assert {"annotation": "nginx.ingress.kubernetes.io/session-cookie-name", "fate": "warned", "code": "NGINX_AFFINITY_COOKIE"} in shop["fates"]
    api = _ingress(row, "Ingress main/web/api")
    assert {"annotation": "nginx.ingress.kubernetes.io/proxy-body-size", "fate": "warned", "code": "NGINX_BODY_SIZE"} in api["fates"]
    warned = {(n["object"], n["code"]) for n in plan["notes"] if n["level"] == "warn"}
    assert {("Ingress main/web/shop", "NGINX_AFFINITY_COOKIE"), ("Ingress main/web/api", "NGINX_BODY_SIZE"), ("Ingress main/affinity-cookie/nginx-test", "NGINX_AFFINITY_COOKIE")} <= warned
    pol = {(b["namespace"], b["service"]): b for b in row["backend_policies"]}
    assert pol[("web", "shop")]["session_affinity"] == "GENERATED_COOKIE" and pol[("web", "shop")]["timeout_sec"] == 120
    assert pol[("web", "admin")]["source_ranges"] == sorted(nginx_inventory.RANGES)


def test_money_before_after_and_overlap_to_the_cent(movable):
    _, plan = movable
    row = _row(plan)
    before = FIRST5 * HOURS_PER_MONTH  # the controller's one forwarding rule (us-central1 pool, first 5 flat)
    gateway_rules = FIRST5 * HOURS_PER_MONTH  # the Gateway's 2 global forwarding rules (first 5 flat)
    armor = ARMOR_POLICY + 3 * ARMOR_RULE  # one policy, 2 allow rules + default
    after = gateway_rules + armor  # Secret certificate: free; no traffic given
    assert (before, after) == (Decimal("18.25"), Decimal("26.25"))
    assert row["before_usd"] == 18.25 and row["after_usd"] == 26.25 and row["delta_usd"] == 8.00
    assert plan["summary"]["current_monthly_usd"] == 18.25 and plan["summary"]["proposed_monthly_usd"] == 26.25
    # build and cutover run both: (before + after - before) each, for 14 days of 730 h months
    overlap = cents(after * 14 * 24 / HOURS_PER_MONTH)
    assert overlap == Decimal("12.08") and plan["summary"]["migration_overlap_usd"] == 12.08
    assert plan["summary"]["payback_days"] is None
    note = next(n for n in plan["notes"] if n["code"] == "NGINX_MIGRATION_COSTS")
    assert note["level"] == "warn" and "$8.00/month more" in note["message"] and "end of maintenance in March 2026" in note["message"]
    assert not any(n["code"] == "NO_SAVINGS" for n in plan["notes"])  # asked for, security-driven: never kept for money


def test_the_controller_load_balancer_retires_last(movable):
    out, plan = movable
    row = _row(plan)
    assert row["retire_controller"] is True and row["staying"] == [] and row["controller"] == [CONTROLLER]
    retire = next(p for p in plan["runbook"] if p["phase"] == "retire")
    cmds = retire["commands"]
    assert "kubectl --context main -n web delete ingress shop  # migrated to planner-external; run after its hosts resolve to the new address" in cmds
    assert sum(1 for c in cmds if " delete ingress " in c) == 7
    assert any(c.startswith("kubectl --context main -n ingress-nginx scale deployment -l app.kubernetes.io/name=ingress-nginx") for c in cmds)
    assert cmds[-1].startswith("helm --kube-context main -n ingress-nginx uninstall ingress-nginx ")
    assert any("patch ingress-nginx controller Service main/ingress-nginx/ingress-nginx-controller to ClusterIP" in c for c in retire["changes"])
    phases = {p["phase"]: p["monthly_usd"] for p in plan["phases"]}
    assert phases == {"build": 44.5, "cutover": 44.5, "retire": 26.25}
    runs = {phase: run_program(out / "pulumi", {**CONFIG, "planner:phase": phase}) for phase in ("build", "cutover", "retire")}
    for phase, run in runs.items():
        patched = [r for r in run.of_type(PATCH) if r.inputs["metadata"]["name"] == "ingress-nginx-controller"]
        assert [p.inputs["spec"].get("type") for p in patched] == (["ClusterIP"] if phase == "retire" else [])
        assert not run.kind("Deployment") and not run.kind("Ingress")  # never deleted, never touched
        problems = [e for o in _k8s(run) for e in crd_validate.errors(o)]
        assert problems == []
    run = runs["retire"]
    kinds = {r.inputs["kind"] for r in run.resources if r.typ.startswith("kubernetes:") and "kind" in r.inputs}
    assert {"Gateway", "HTTPRoute", "GCPBackendPolicy", "ReferenceGrant"} <= kinds
    (grant,) = run.kind("ReferenceGrant")
    assert grant.inputs["metadata"]["namespace"] == "web" and grant.inputs["spec"]["to"] == [{"group": "", "kind": "Secret", "name": "shop-tls"}]
    (gw,) = run.kind("Gateway")
    https = next(lst for lst in gw.inputs["spec"]["listeners"] if lst["protocol"] == "HTTPS")
    assert https["tls"]["certificateRefs"] == [{"group": "", "kind": "Secret", "name": "shop-tls", "namespace": "web"}]
    policies = {p.inputs["spec"]["targetRef"]["name"]: p.inputs["spec"]["default"] for p in run.kind("GCPBackendPolicy")}
    assert policies["shop"] == {"sessionAffinity": {"type": "GENERATED_COOKIE", "cookieTtlSec": 0}, "timeoutSec": 120}
    assert policies["admin"]["securityPolicy"] == "planner-web-admin"
    armor = run.of_type("gcp:compute/securityPolicy:SecurityPolicy")
    assert len(armor) == 1


def _k8s(run) -> list[dict]:
    def ints(v):
        if isinstance(v, float) and v.is_integer():
            return int(v)
        if isinstance(v, dict):
            return {k: ints(x) for k, x in v.items()}
        if isinstance(v, list):
            return [ints(x) for x in v]
        return v
    return [ints(r.inputs) for r in run.resources if r.typ.startswith("kubernetes:") and r.typ != "pulumi:providers:kubernetes"]


def test_a_blocked_ingress_keeps_the_controller(mixed):
    out, plan = mixed
    row = _row(plan)
    assert row["retire_controller"] is False
    assert "Ingress main/web/legacy" in row["staying"] and "Ingress main/external-auth/external-auth" in row["staying"]
    legacy = _ingress(row, "Ingress main/web/legacy")
    assert legacy["decision"] == "keep" and legacy["code"] == "NGINX_UNTRANSLATABLE"
    assert legacy["fates"] == [{"annotation": "nginx.ingress.kubernetes.io/configuration-snippet", "fate": "blocked", "code": "NGINX_SNIPPET"}]
    # the controller stays and is still paid: 18.25 (controller) + 26.25 (Gateway, as above)
    assert row["before_usd"] == 18.25 and row["after_usd"] == 44.5 and row["delta_usd"] == 26.25
    ex = {f"Ingress {x['cluster']}/{x['namespace']}/{x['name']}": x for x in plan["existing_entrypoints"]}
    assert ex["Ingress main/web/legacy"]["decision"] == "keep" and ex["Ingress main/web/shop"]["decision"] == "migrate"
    assert ex["Ingress main/web/shop"]["folded_into"] == "planner-external"
    notes = {(n["object"], n["code"]) for n in plan["notes"]}
    assert (CONTROLLER, "NGINX_CONTROLLER_STAYS") in notes
    retire = next(p for p in plan["runbook"] if p["phase"] == "retire")
    assert not any("helm" in c or " delete ingress " in c for c in retire["commands"])
    run = run_program(out / "pulumi", {**CONFIG, "planner:phase": "retire"})
    assert not [r for r in run.of_type(PATCH) if r.inputs["metadata"]["name"] == "ingress-nginx-controller"]
    assert [e for o in _k8s(run) for e in crd_validate.errors(o)] == []


def test_usage_of_the_controller_is_priced_on_the_gateway(tmp_path):
    inv = nginx_inventory.write(tmp_path / "inv", only_movable=True)
    usage = tmp_path / "usage.csv"
    usage.write_text("service,gib_in,gib_out\ningress-nginx/ingress-nginx-controller,100,500\n")
    plan = _analyze(tmp_path / "out", str(inv), "--migrate-ingress-nginx", "--strategy", "gateway", "--usage", str(usage))
    row = _row(plan)
    data = (100 + 500) * L7_GIB  # the controller's traffic now through the Application LB
    before = Decimal(str(plan["summary"]["current_monthly_usd"]))
    assert data == Decimal("4.80")
    assert row["after_usd"] == float(FIRST5 * HOURS_PER_MONTH + ARMOR_POLICY + 3 * ARMOR_RULE + data) == 31.05
    assert row["before_usd"] == float(before)


def test_off_by_default(tmp_path):
    inv = nginx_inventory.write(tmp_path / "inv", only_movable=True)
    plan = _analyze(tmp_path / "out", str(inv), "--strategy", "gateway")
    assert "nginx_migration" not in plan and plan["entrypoints"] == []
    codes = {n["code"] for n in plan["notes"]}
    assert "INGRESS_NOT_PRICED" in {x["reason"]["code"] for x in plan["existing_entrypoints"]}
    assert "KIND_NOT_USED" not in codes or all("IngressClass" not in n["message"] for n in plan["notes"] if n["code"] == "KIND_NOT_USED")


def test_fleet_with_one_cluster_on_ingress_nginx(tmp_path):
    nginx_inventory.write(tmp_path / "edge", only_movable=True)
    (tmp_path / "plain").mkdir()
    (tmp_path / "plain" / "svc.yaml").write_text(
        "apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: shop, annotations: {external-dns.alpha.kubernetes.io/hostname: web.example.com}}\n"
        "spec: {type: LoadBalancer, ports: [{name: http, port: 80, protocol: TCP}]}\n")
    fleet = tmp_path / "fleet.yaml"
    fleet.write_text("clusters:\n"
                     "  - {name: edge, cloud: gcp, project: acme, region: us-central1, inventory: [edge/], migrate_ingress_nginx: true}\n"
                     "  - {name: plain, cloud: gcp, project: acme, region: us-central1, inventory: [plain/]}\n")
    plan = _analyze(tmp_path / "out", "--fleet", str(fleet), "--strategy", "gateway")
    assert [r["cluster"] for r in plan["nginx_migration"]] == ["edge"]
    row = plan["nginx_migration"][0]
    assert row["retire_controller"] is True and row["controller"] == ["Service edge/ingress-nginx/ingress-nginx-controller"]
    eps = {ep["name"]: ep for ep in plan["entrypoints"]}
    assert "edge-planner-external" in eps and all(r["source"] == "nginx" for r in eps["edge-planner-external"]["routes"])
    assert not any(r.get("source") == "nginx" for name, ep in eps.items() if name != "edge-planner-external" for r in ep["routes"])


def test_fleet_flag_must_be_a_boolean(tmp_path, capsys):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "s.yaml").write_text("apiVersion: v1\nkind: Service\nmetadata: {name: s, namespace: n}\nspec: {type: ClusterIP, ports: [{port: 80}]}\n")
    fleet = tmp_path / "fleet.yaml"
    fleet.write_text("clusters:\n  - {name: a, cloud: gcp, project: p, region: us-central1, inventory: [a/], migrate_ingress_nginx: yes-please}\n")
    assert main(["analyze", "--out", str(tmp_path / "o"), "--fleet", str(fleet)]) == 2
    assert "'migrate_ingress_nginx' must be true or false" in capsys.readouterr().err


def test_ingress_strategy_keeps_them_with_the_reason(tmp_path):
    inv = nginx_inventory.write(tmp_path / "inv", only_movable=True)
    plan = _analyze(tmp_path / "out", str(inv), "--migrate-ingress-nginx", "--strategy", "ingress")
    row = _row(plan)
    assert {i["code"] for i in row["ingresses"]} == {"NGINX_UNTRANSLATABLE"}
    assert all("NGINX_NOT_GATEWAY" in {n["code"] for n in plan["notes"] if n["object"] == i["ref"]} for i in row["ingresses"])
    assert row["retire_controller"] is False and row["before_usd"] == row["after_usd"] == 18.25


def test_report_shows_each_ingress_and_annotation_fate(mixed):
    out, plan = mixed
    import re

    html = (out / "report.html").read_text()
    start = html.index('id="nginx-h"')
    section = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html[start:html.index("</section>", start)]))
    assert "ingress-nginx migration" in html[start - 40:start + 60]
    assert "Before $18.25" in section and "After $44.50" in section and "Change +$26.25 costs more: planned for security" in section
    assert "stays: 7 Ingress(es) stay on ingress-nginx" in section and "Ingresses moved 7 of 14" in section
    assert "Ingress main/web/legacy stays configuration-snippet blocked ( NGINX_SNIPPET )" in section
    assert "session-cookie-name warned ( NGINX_AFFINITY_COOKIE )" in section
    assert "auth-url blocked ( NGINX_AUTH )" in section


def test_plan_without_the_option_renders_no_section(tmp_path):
    inv = nginx_inventory.write(tmp_path / "inv", only_movable=True)
    _analyze(tmp_path / "out", str(inv), "--strategy", "gateway")
    assert 'id="nginx-h"' not in (tmp_path / "out" / "report.html").read_text()


def test_a_classless_ingress_under_an_nginx_default_class_is_nginx_s(tmp_path):
    inv = nginx_inventory.write(tmp_path / "inv", only_movable=True)
    ctl = (inv / "controller.yaml").read_text()
    assert "kind: IngressClass" in ctl
    (inv / "controller.yaml").write_text(ctl.replace("  name: nginx\n", "  name: nginx\n  annotations:\n    ingressclass.kubernetes.io/is-default-class: \"true\"\n", 1))
    (inv / "classless.yaml").write_text(
        "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: docs, namespace: web}\n"
        "spec: {rules: [{host: docs.example.com, http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: shop, port: {number: 80}}}}]}}]}\n")
    # off: not folded as a GKE Ingress (it is nginx's), not priced as one
    plan = _analyze(tmp_path / "off", str(inv), "--strategy", "gateway")
    docs = next(x for x in plan["existing_entrypoints"] if x["name"] == "docs")
    assert docs["decision"] == "keep" and docs["reason"]["code"] == "INGRESS_NOT_PRICED" and docs["priced"] is False
    # on: migrated with the others
    plan = _analyze(tmp_path / "on", str(inv), "--migrate-ingress-nginx", "--strategy", "gateway")
    assert _ingress(_row(plan), "Ingress main/web/docs")["decision"] == "migrate"
    assert any(r["host"] == "docs.example.com" and r["source"] == "nginx" for r in plan["entrypoints"][0]["routes"])


def test_auto_and_compare_put_keep_against_migrate(tmp_path, capsys):
    inv = nginx_inventory.write(tmp_path / "inv", only_movable=False)
    plan = _analyze(tmp_path / "out", str(inv), "--migrate-ingress-nginx", "--compare")
    # the ingress strategy keeps every ingress-nginx Ingress (7 more block notes): auto picks the Gateway
    assert plan["inputs"]["strategy"] == "gateway"
    rows = {r["strategy"]: r for r in plan["comparison"]}
    assert rows["gateway"]["proposed_monthly_usd"] == 44.5 and rows["ingress"]["proposed_monthly_usd"] == 18.25
    assert rows["ingress"]["notes_block"] - rows["gateway"]["notes_block"] == 7
    assert "monthly cost after         $44.50   $18.25" in capsys.readouterr().out
