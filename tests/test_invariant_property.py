"""The safe-move invariant, from the plan AND from the generated program, over generated
inventories: a moved service keeps its protocol family, its scheme (what was only TLS stays
only TLS: its routes attach to the HTTPS listener alone) and its allow-list (a Cloud Armor
policy with every range, attached to its backend). Moves are forced (--consolidate-anyway) so
that every verdict the rules allow is exercised, whatever it saves."""
from __future__ import annotations

import ipaddress
import json

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planner.consolidate import Options, build_plan
from planner.inventory import read_inventory
from planner.model import Cluster
from planner.render import pulumi as render_pulumi

DB_PORTS = {22, 25, 53, 389, 636, 1883, 2181, 2379, 3306, 5432, 5672, 6379, 9042, 9092, 9300, 11211, 27017}
HTTP_APP = {"http", "https", "h2c", "grpc", "kubernetes.io/h2c"}
BETA = "service.beta.kubernetes.io/load-balancer-source-ranges"

port_st = st.fixed_dictionaries(
    {"port": st.sampled_from([80, 443, 8080, 8443, 5432, 6379, 3306, 50051, 9000]), "protocol": st.sampled_from(["TCP", "TCP", "TCP", "UDP"])},
    optional={"name": st.sampled_from(["http", "https", "grpc", "tcp", "postgres", "web", "h2c"]),
              "appProtocol": st.sampled_from(["http", "https", "grpc", "kubernetes.io/h2c", "tcp"])},
)
cidr_st = st.sampled_from(["203.0.113.0/24", "198.51.100.7/32", "192.0.2.0/25", "10.0.0.0/8", "2001:db8::/32"])
service_st = st.fixed_dictionaries({
    "ports": st.lists(port_st, min_size=1, max_size=2, unique_by=lambda p: p["port"]),
    "ranges": st.lists(cidr_st, max_size=3, unique=True),
    "beta": st.booleans(),
    "internal": st.booleans(),
})


def _doc(i: int, spec: dict) -> dict:
    ann = {"external-dns.alpha.kubernetes.io/hostname": f"s{i}.example.com"}
    body = {"type": "LoadBalancer", "ports": [{**p, "name": p["name"]} if "name" in p else dict(p) for p in spec["ports"]]}
    if spec["ranges"] and spec["beta"]:
        ann[BETA] = ",".join(spec["ranges"])
    elif spec["ranges"]:
        body["loadBalancerSourceRanges"] = spec["ranges"]
    if spec["internal"]:
        ann["networking.gke.io/load-balancer-type"] = "Internal"
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": f"s{i}", "namespace": "apps", "annotations": ann}, "spec": body}


def _tls(p: dict) -> bool:
    """Whether clients reach the port over TLS today: an explicit appProtocol that names the
    scheme decides (https yes; http / h2c no); otherwise (grpc says nothing of TLS, tcp...)
    the port name or number does."""
    app = p.get("appProtocol")
    if app == "https":
        return True
    if app in ("http", "h2c", "kubernetes.io/h2c"):
        return False
    return p["port"] in (443, 8443) or p.get("name", "").startswith("https")


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(st.lists(service_st, min_size=1, max_size=8))
def test_moved_services_keep_protocol_scheme_and_allow_list_in_plan_and_program(tmp_path_factory, specs):
    tmp = tmp_path_factory.mktemp("inv")
    docs = [_doc(i, s) for i, s in enumerate(specs)]
    f = tmp / "inv.yaml"
    f.write_text(yaml.safe_dump_all(docs))
    inv = read_inventory([str(f)], Cluster("main", project="acme", region="us-central1"))
    plan = build_plan(inv, Options(strategy="gateway", consolidate_anyway=True))
    render_pulumi.write(plan, tmp / "pulumi")
    program = json.loads((tmp / "pulumi" / "program.json").read_text())
    routes = [(ep, r) for ep in plan["entrypoints"] for r in ep["routes"]]
    armor = {p["name"]: p for p in program["security_policies"]}
    attached = {(b["namespace"], b["service"]): b.get("security_policy") for b in program["backend_policies"]}
    http_routes = program["http_routes"]
    for spec, row in zip(specs, sorted(plan["services"], key=lambda s: int(s["name"][1:]))):
        if row["decision"] != "consolidate":
            continue
        ports = spec["ports"]
        # protocol family: TCP only, and no database / broker port without an explicit HTTP appProtocol
        assert all(p["protocol"] == "TCP" for p in ports)
        assert all(p["port"] not in DB_PORTS or p.get("appProtocol") in HTTP_APP for p in ports)
        mine = [(ep, r) for ep, r in routes if r["service"] == row["name"]]
        assert mine and all(ep["internal"] == spec["internal"] for ep, _ in mine)
        # scheme: only TLS today -> only TLS after, in the plan and in the program's parentRefs
        tls_only = all(_tls(p) for p in ports)
        assert row["policies"]["tls_only"] is tls_only
        assert all(r["https_only"] is tls_only for _, r in mine)
        for hr in http_routes:
            if any(rule.get("backendRefs") and rule["backendRefs"][0]["name"] == row["name"] for rule in hr["rules"]):
                sections = {pr.get("sectionName") for pr in hr["parent_refs"]}
                assert sections == ({"https"} if tls_only else {None}), (row["name"], sections)
        # allow-list: every range, normalised, in the plan and in the Cloud Armor policy attached
        want = {str(ipaddress.ip_network(r, strict=False)) for r in spec["ranges"]}
        assert want <= set(row["policies"]["source_ranges"])
        if want:
            assert not spec["internal"]  # an internal allow-list never moves (SOURCE_RANGES_INTERNAL)
            policy = armor[attached[("apps", row["name"])]]
            allowed = {r for rule in policy["rules"] if rule["action"] == "allow" for r in rule["ranges"]}
            assert want <= allowed
            assert policy["rules"][-1]["action"].startswith("deny")
