"""--fleet: several clusters in one Inventory, pooled the way GCP bills, strictly validated."""
from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from planner.cli import main
from planner.resources import schema_path

ROOT = Path(__file__).resolve().parent.parent


def services(n: int, prefix: str) -> dict:
    return {"apiVersion": "v1", "kind": "List", "items": [
        {"apiVersion": "v1", "kind": "Service", "metadata": {"name": f"{prefix}{i}", "namespace": "apps"},
         "spec": {"type": "LoadBalancer", "ports": [{"port": 5432 + i, "protocol": "TCP"}]}}  # TCP: kept, never moved
        for i in range(n)]}


def fleet_file(tmp_path: Path, clusters: list[dict]) -> Path:
    f = tmp_path / "fleet.yaml"
    f.write_text(yaml.safe_dump({"clusters": clusters}, sort_keys=False))
    return f


def run(argv, capsys):
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def plan_of(tmp_path: Path) -> dict:
    plan = json.loads((tmp_path / "out" / "plan.json").read_text())
    jsonschema.validate(plan, json.loads(schema_path().read_text()))
    return plan


@pytest.mark.parametrize("projects, expected", [(("p-one", "p-one"), 32.85), (("p-one", "p-two"), 36.50)])
def test_two_clusters_share_the_first5_charge_only_in_one_project_and_region(tmp_path, capsys, projects, expected):
    (tmp_path / "a.json").write_text(json.dumps(services(3, "a")))
    (tmp_path / "b.json").write_text(json.dumps(services(4, "b")))
    f = fleet_file(tmp_path, [
        {"name": "alpha", "cloud": "gcp", "project": projects[0], "region": "us-central1", "inventory": ["a.json"]},
        {"name": "beta", "cloud": "gcp", "project": projects[1], "region": "us-central1", "inventory": ["b.json"]},
    ])
    code, _, err = run(["analyze", "--fleet", str(f), "--out", str(tmp_path / "out")], capsys)
    assert code == 0, err
    plan = plan_of(tmp_path)
    # one pool: 7 rules = $18.25 flat + 2 x $7.30 = $32.85; two pools: 2 x $18.25 = $36.50
    assert plan["summary"]["current_monthly_usd"] == expected
    assert plan["summary"]["forwarding_rules_before"] == 7
    assert sorted({s["cluster"] for s in plan["services"]}) == ["alpha", "beta"]
    assert [c["name"] for c in plan["clusters"]] == ["alpha", "beta"]
    assert round(sum(s["current_monthly_usd"] for s in plan["services"]), 2) == expected


def test_demo_fleet_pools_staging_with_prod(tmp_path, capsys):
    code, out, err = run(["analyze", "--fleet", str(ROOT / "examples" / "fleet.yaml"), "--out", str(tmp_path / "out")], capsys)
    assert code == 0, err
    plan = plan_of(tmp_path)
    assert [(c["name"], c["project"], c["region"]) for c in plan["clusters"]] == [("prod", "my-project", "us-central1"), ("staging", "my-project", "us-central1")]
    staging = sorted((s["namespace"], s["name"]) for s in plan["services"] if s["cluster"] == "staging")
    assert staging == [("data", "postgres"), ("shop", "cart"), ("shop", "storefront"), ("tools", "grafana")]
    # prod's LB services are the single-cluster demo's, unchanged
    code, _, err = run(["analyze", "--out", str(tmp_path / "single")], capsys)
    assert code == 0, err
    single = json.loads((tmp_path / "single" / "plan.json").read_text())
    assert sorted((s["namespace"], s["name"]) for s in plan["services"] if s["cluster"] == "prod") == sorted((s["namespace"], s["name"]) for s in single["services"])
    # one regional pool: staging's 4 rules join prod's, beyond the first 5 each costs $7.30
    regional = lambda p: [c for c in p["costs"]["current"] if c["pool"] == "gcp my-project us-central1" and "orwarding" in c["component"]]
    prod_rules = single["summary"]["forwarding_rules_before"]
    assert plan["summary"]["forwarding_rules_before"] == prod_rules + 4 + 1  # + 4 staging services + 1 global Gateway listener
    assert round(sum(c["monthly_usd"] for c in regional(plan)) - sum(c["monthly_usd"] for c in regional(single)), 2) == 29.20
    gw = [e for e in plan["existing_entrypoints"] if e["kind"] == "Gateway"]
    assert [(e["cluster"], e["namespace"], e["name"], e["forwarding_rules"], e["priced"]) for e in gw] == [("staging", "infra", "staging-external", 1, True)]
    assert gw[0]["routes"] == [{"host": "docs.staging.acme-demo.com", "path": "/", "namespace": "platform", "service": "docs", "port": 80, "name": "docs"}]
    # the staging usage file is priced: postgres passthrough 8 GiB in at $0.008 = $0.06
    lines = {c["component"]: c["monthly_usd"] for c in plan["costs"]["current"]}
    assert lines["Inbound data processing: Service staging/data/postgres"] == 0.06
    assert plan["summary"]["data_processing"]["priced"] is True
    assert "load balancers:" in out


@pytest.mark.parametrize(
    "doc, expected",
    [
        ("clusters:\n  - name: a\n    cloud: gcp\n    project: p\n    region: us-central1\n    inventory: [x.json]\n    colour: red\n",
         "{f}:7: clusters[0] (a): unknown key 'colour' (allowed: name, cloud, project, region, inventory, usage, namespace, routes, migrate_ingress_nginx)"),
        ("clusters:\n  - name: a\n    cloud: gcp\n    region: us-central1\n    inventory: [x.json]\n",
         "{f}:2: clusters[0] (a): missing 'project'"),
        ("clusters:\n  - name: a\n    cloud: gcp\n    project: p\n    region: us-central1\n    inventory: [x.json]\n  - name: b\n    cloud: openstack\n    project: p\n    region: us-east-1\n    inventory: [x.json]\n",
         "{f}:8: clusters[1] (b): cloud 'openstack' is not supported (supported: aws, azure, gcp)"),
        ("clusters:\n  - name: a\n    cloud: gcp\n    project: p\n    region: us-central1\n    inventory: [x.json]\n  - name: a\n    cloud: gcp\n    project: q\n    region: us-central1\n    inventory: [x.json]\n",
         "{f}:7: clusters[1] (a): cluster name 'a' already used at line 2"),
        ("clusters: []\n", "{f}:1: 'clusters' must be a non-empty list"),
        ("clusters:\n  - just-a-name\n", "{f}:2: clusters[0] must be a mapping with name, cloud, project, region, inventory"),
        ("cluster:\n  - name: a\n", "{f}:1: unknown key 'cluster' (allowed: clusters)"),
        ("clusters:\n  - name: a\n    cloud: gcp\n    project: p\n    region: Iowa\n    inventory: [x.json]\n",
         "{f}:5: clusters[0] (a): region 'Iowa' is not a region name like us-central1, us-east-1 or westeurope"),
        ("clusters:\n  - name: a\n    cloud: gcp\n    project: p\n    region: us-central1\n    inventory: []\n",
         "{f}:6: clusters[0] (a): 'inventory' must be a path or a non-empty list of paths"),
        ("- a\n- b\n", "{f}:1: a fleet file is a mapping with a 'clusters' list"),
    ],
)
def test_fleet_file_is_validated_strictly(tmp_path, capsys, doc, expected):
    f = tmp_path / "fleet.yaml"
    f.write_text(doc)
    code, out, err = run(["analyze", "--fleet", str(f), "--out", str(tmp_path / "out")], capsys)
    assert code == 2
    assert err == "error: " + expected.format(f=f) + "\n"


def test_fleet_paths_are_relative_to_the_fleet_file_and_missing_ones_name_the_path(tmp_path, capsys):
    sub = tmp_path / "conf"
    sub.mkdir()
    f = fleet_file(sub, [{"name": "a", "cloud": "gcp", "project": "p", "region": "us-central1", "inventory": ["../nope.json"]}])
    code, _, err = run(["analyze", "--fleet", str(f), "--out", str(tmp_path / "out")], capsys)
    assert code == 2
    assert err == f"error: {sub / '..' / 'nope.json'}: no such file or directory\n"


def test_fleet_with_positional_inventory_is_an_error(tmp_path, capsys):
    f = fleet_file(tmp_path, [{"name": "a", "cloud": "gcp", "project": "p", "region": "us-central1", "inventory": ["x.json"]}])
    code, _, err = run(["analyze", "--fleet", str(f), "extra.json", "--region", "us-east1", "--out", str(tmp_path / "out")], capsys)
    assert code == 2
    assert err == f"error: {f}: --fleet cannot be combined with INVENTORY, --region; add those files as another cluster entry of the fleet file\n"


def test_same_service_name_in_two_clusters_is_two_services(tmp_path, capsys):
    (tmp_path / "a.json").write_text(json.dumps(services(1, "web")))
    f = fleet_file(tmp_path, [
        {"name": "a", "cloud": "gcp", "project": "p", "region": "us-central1", "inventory": ["a.json"]},
        {"name": "b", "cloud": "gcp", "project": "p", "region": "europe-west1", "inventory": ["a.json"]},
    ])
    code, _, err = run(["analyze", "--fleet", str(f), "--out", str(tmp_path / "out")], capsys)
    assert code == 0, err
    plan = plan_of(tmp_path)
    assert sorted((s["cluster"], s["name"]) for s in plan["services"]) == [("a", "web0"), ("b", "web0")]
    assert sorted(c["pool"] for c in plan["costs"]["current"]) == ["gcp p europe-west1", "gcp p us-central1"]
