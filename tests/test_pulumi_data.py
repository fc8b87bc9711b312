"""program.json records from small hand-made plans: limits, splits and limitations.

``planner.render.pulumi.program_data`` is pure, so these run without Pulumi.
"""
from __future__ import annotations

import pytest

from planner.render.pulumi import program_data

POLICIES = {"source_ranges": [], "session_affinity": None, "timeout_sec": None, "app_protocol": "HTTP", "tls": False}


def _plan(kind="Ingress", internal=False, hosts=("a.example.com",), tls=(), policies=None, certificates=None, ports=None):
    ns = "shop"
    name = "planner-shop" if kind == "Ingress" else "planner-external"
    ep = {
        "name": name, "kind": kind, "namespace": ns if kind == "Ingress" else "planner-gateway", "cluster": "main",
        "internal": internal, "class": "gce", "monthly_usd": 0, "forwarding_rules": 1,
        "address": {"name": f"{name}-ip", "global": not internal, "region": "us-central1" if internal else None},
        "listeners": [{"name": "http", "protocol": "HTTP", "port": 80}],
        "routes": [{"host": h, "path": "/", "namespace": ns, "service": "web", "port": 80} for h in hosts],
        "tls_hosts": sorted(tls),
    }
    if certificates is not None:
        ep["certificates"] = certificates
    svc = {"cluster": "main", "namespace": ns, "name": "web", "internal": internal, "decision": "consolidate",
           "entrypoint": name, "ports": ports or [{"name": "http", "port": 80, "protocol": "TCP", "app_protocol": None}],
           "policies": {**POLICIES, **(policies or {})}, "hosts": list(hosts), "reasons": []}
    return {"inputs": {"strategy": "gateway" if kind == "Gateway" else "ingress"}, "generator": {"version": "0"},
            "clusters": [{"name": "main"}], "services": [svc], "entrypoints": [ep],
            "dns_changes": [{"host": h, "entrypoint": name, "old_addresses": []} for h in hosts], "existing_entrypoints": []}


def _hosts(n):
    return [f"h{i:04d}.example.com" for i in range(n)]


@pytest.mark.parametrize("n_hosts,certs,limit_codes,uncovered", [
    (1, 1, [], 0),
    (100, 1, [], 0),
    (101, 2, ["MANAGED_CERT_SPLIT"], 0),
    (1500, 15, ["MANAGED_CERT_SPLIT"], 0),
    (1601, 15, ["MANAGED_CERT_LIMIT", "MANAGED_CERT_SPLIT"], 101),
])
def test_managed_certificates_respect_the_limits(n_hosts, certs, limit_codes, uncovered):
    hosts = _hosts(n_hosts)
    data = program_data(_plan(hosts=hosts, tls=hosts))
    mcs = data["managed_certificates"]
    assert len(mcs) == certs
    assert all(1 <= len(m["domains"]) <= 100 and m["namespace"] == "shop" for m in mcs)
    assert sum(len(m["domains"]) for m in mcs) == n_hosts - uncovered
    assert data["ingresses"][0]["managed_certificates"] == [m["name"] for m in sorted(mcs, key=lambda m: int(m["name"].rsplit("-", 1)[1]))]
    assert [x["code"] for x in data["limitations"]] == limit_codes
    if uncovered:
        assert f"{uncovered} host(s) get no certificate" in data["limitations"][0]["message"]


def test_plan_certificate_grouping_is_followed():
    hosts = _hosts(3)
    groups = [{"name": "planner-shop-cert-1", "hosts": hosts[:2]}, {"name": "planner-shop-cert-2", "hosts": hosts[2:]}]
    data = program_data(_plan(hosts=hosts, tls=hosts, certificates=groups))
    assert [(m["name"], m["domains"]) for m in data["managed_certificates"]] == [("planner-shop-cert-1", hosts[:2]), ("planner-shop-cert-2", hosts[2:])]


@pytest.mark.parametrize("n_ranges,allow_rules", [(1, 1), (10, 1), (11, 2), (25, 3)])
def test_cloud_armor_rules_hold_at_most_ten_ranges(n_ranges, allow_rules):
    ranges = [f"198.51.{i}.0/24" for i in range(n_ranges)]
    (pol,) = program_data(_plan(policies={"source_ranges": ranges}))["security_policies"]
    rules = pol["rules"]
    assert [r["priority"] for r in rules] == [1000 + i for i in range(allow_rules)] + [2147483647]
    assert sorted(x for r in rules[:-1] for x in r["ranges"]) == sorted(ranges)
    assert all(r["action"] == "allow" and len(r["ranges"]) <= 10 for r in rules[:-1])
    assert (rules[-1]["action"], rules[-1]["ranges"], rules[-1]["description"]) == ("deny(403)", ["*"], "default deny")


def test_internal_source_ranges_are_a_limitation_not_a_policy():
    data = program_data(_plan(internal=True, policies={"source_ranges": ["10.0.0.0/8"]}))
    assert data["security_policies"] == [] and data["backend_configs"] == []
    assert [(x["object"], x["code"]) for x in data["limitations"]] == [("Service main/shop/web", "SOURCE_RANGES_INTERNAL")]
    assert "10.0.0.0/8" in data["limitations"][0]["message"]


@pytest.mark.parametrize("existing,app_protocol,want,force", [
    (None, "HTTP2", "kubernetes.io/h2c", False),
    ("grpc", "HTTP2", "kubernetes.io/h2c", True),
    ("kubernetes.io/h2c", "HTTP2", None, False),
    (None, "HTTPS", "HTTPS", False),
    (None, "HTTP", None, False),
])
def test_cutover_app_protocol_patch(existing, app_protocol, want, force):
    ports = [{"name": "grpc", "port": 80, "protocol": "TCP", "app_protocol": existing},
             {"name": "metrics", "port": 9090, "protocol": "TCP", "app_protocol": None}]
    (patch,) = program_data(_plan(kind="Gateway", ports=ports, policies={"app_protocol": app_protocol}))["service_patches"]
    assert patch["cutover_ports"] == ([{"port": 80, "protocol": "TCP", "app_protocol": want}] if want else [])
    assert patch["cutover_force"] is force
    assert patch["retire"] is True and patch["build_annotations"] == {} and patch["cutover_annotations"] == {}
    assert patch["retire_clear_source_ranges"] is False


def test_empty_plan_gives_empty_records():
    plan = _plan()
    plan.update(entrypoints=[], services=[], dns_changes=[])
    data = program_data(plan)
    assert data["clusters"] == []
    assert all(v == [] for k, v in data.items() if isinstance(v, list))


def test_http_route_names_are_unique():
    plan = _plan(kind="Gateway", hosts=("a.example.com",))
    ep = plan["entrypoints"][0]
    ep["routes"] += [
        {"host": "b.example.com", "path": "/x", "namespace": "shop", "service": "web", "port": 80, "name": "web"},
        {"host": "c.example.com", "path": "/", "namespace": "shop", "service": "legacy", "port": 80, "name": "web-1"},
    ]
    routes = program_data(plan)["http_routes"]
    names = [r["name"] for r in routes]
    assert len(names) == len(set(names)) == 3
    assert {(tuple(r["hostnames"]), r["rules"][0]["backendRefs"][0]["name"]) for r in routes} == {
        (("a.example.com",), "web"), (("b.example.com",), "web"), (("c.example.com",), "legacy")}
