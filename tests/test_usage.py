"""--usage: GiB per month per service (CSV or YAML) priced as data processing."""
from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from planner.cli import main
from planner.inventory import read_inventory
from planner.inventory.usage import read_usage
from planner.model import Cluster, PlannerError, Usage


def inventory(tmp_path: Path) -> Path:
    f = tmp_path / "inv.json"
    f.write_text(json.dumps({"kind": "List", "apiVersion": "v1", "items": [
        {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "db", "namespace": "data"},
         "spec": {"type": "LoadBalancer", "ports": [{"port": 5432}]}},
        {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "namespace": "shop"},
         "spec": {"type": "LoadBalancer", "ports": [{"port": 80}]}},
    ]}))
    return f


def run(argv, capsys):
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_csv_usage_prices_inbound_for_passthrough(tmp_path, capsys):
    u = tmp_path / "usage.csv"
    u.write_text("# from monitoring\nservice,gib_in,gib_out\ndata/db,1000,5000\nmain/shop/web,250.5,10\nshop/gone,1,1\n")
    code, _, err = run(["analyze", str(inventory(tmp_path)), "--usage", str(u), "--strategy", "gateway", "--out", str(tmp_path / "out")], capsys)
    assert code == 0, err
    plan = json.loads((tmp_path / "out" / "plan.json").read_text())
    lines = {c["component"]: c["monthly_usd"] for c in plan["costs"]["current"]}
    # passthrough NLB: inbound only. 1000 GiB x $0.008 = $8.00; 250.5 x $0.008 = $2.004 -> $2.00
    assert lines["Inbound data processing: Service main/data/db"] == 8.00
    assert lines["Inbound data processing: Service main/shop/web"] == 2.00
    assert not any(k.startswith("Outbound") and "main/data/db" in k for k in lines)
    assert plan["summary"]["current_monthly_usd"] == 18.25 + 8.00 + 2.00
    assert plan["summary"]["data_processing"]["priced"] is True
    unknown = [n for n in plan["notes"] if n["code"] == "USAGE_UNKNOWN_OBJECT"]
    assert unknown == [{"level": "warn", "object": f"{u}:5", "code": "USAGE_UNKNOWN_OBJECT",
                        "message": "usage row names main/shop/gone, which is no LoadBalancer Service, Ingress or Gateway in the inventory; ignored"}]


def test_yaml_usage_is_decimal_exact(tmp_path):
    inv = read_inventory([str(inventory(tmp_path))], Cluster("main"))
    u = tmp_path / "usage.yaml"
    u.write_text(yaml.safe_dump({"usage": [{"service": "data/db", "gib_in": 0.1, "gib_out": "2.25"}, {"service": "main/shop/web", "gib_in": 3, "gib_out": 0}]}))
    read_usage(str(u), inv, default_cluster="main")
    assert inv.usage == {("main", "data", "db"): Usage(Decimal("0.1"), Decimal("2.25")), ("main", "shop", "web"): Usage(Decimal("3"), Decimal("0"))}


@pytest.mark.parametrize(
    "name, text, expected",
    [
        ("u.csv", "service,gib_in,gib_out\ndata/db,lots,1\n", "{f}:2: gib_in must be a number of GiB, got 'lots'"),
        ("u.csv", "service,gib_in,gib_out\ndata/db,-1,1\n", "{f}:2: gib_in must be a finite number >= 0, got '-1'"),
        ("u.csv", "service,gib_in,gib_out\ndata/db,NaN,1\n", "{f}:2: gib_in must be a finite number >= 0, got 'NaN'"),
        ("u.csv", "service,gib_in,gib_out\ndata/db,1\n", "{f}:2: expected 3 columns, found 2"),
        ("u.csv", "service,gib_in\ndata/db,1\n", "{f}:1: CSV header must be service,gib_in,gib_out (optional: cluster); got 'service,gib_in'"),
        ("u.csv", "service,gib_in,gib_out\ndb,1,1\n", "{f}:2: service 'db' must be namespace/name or cluster/namespace/name"),
        ("u.csv", "service,gib_in,gib_out\ndata/db,1,1\n\ndata/db,2,2\n", "{f}:4: main/data/db already given at line 2"),
        ("u.yaml", "usage:\n  - service: data/db\n    gib_in: 1\n    gib_out: 1\n  - service: shop/web\n    gib_in: 1\n    gib_outt: 1\n", "{f}:5: unknown key 'gib_outt' (allowed: service, gib_in, gib_out, cluster)"),
        ("u.yaml", "usage:\n  - service: data/db\n    gib_in: true\n    gib_out: 1\n", "{f}:2: gib_in must be a number of GiB, got 'True'"),
        ("u.yaml", "usage: {data/db: 1}\n", "{f}:1: a usage file is a list of {{service, gib_in, gib_out}} (under 'usage:') or a CSV"),
        ("u.yaml", "", "{f}: empty file"),
    ],
)
def test_malformed_usage_rows_are_exit_2_with_file_and_line(tmp_path, capsys, name, text, expected):
    u = tmp_path / name
    u.write_text(text)
    code, out, err = run(["analyze", str(inventory(tmp_path)), "--usage", str(u), "--out", str(tmp_path / "out")], capsys)
    assert code == 2
    assert err == "error: " + expected.format(f=u) + "\n"


def test_two_part_name_in_a_fleet_must_be_unambiguous(tmp_path):
    inv = read_inventory([str(inventory(tmp_path))], Cluster("a"))
    read_inventory([str(inventory(tmp_path))], Cluster("b"), inv)
    u = tmp_path / "u.csv"
    u.write_text("service,gib_in,gib_out\nshop/web,1,1\n")
    with pytest.raises(PlannerError) as exc:
        read_usage(str(u), inv)
    assert str(exc.value) == f"{u}:2: shop/web exists in clusters a, b; write cluster/namespace/name"
    u.write_text("cluster,service,gib_in,gib_out\nb,shop/web,1,2\n")
    read_usage(str(u), inv)
    assert inv.usage == {("b", "shop", "web"): Usage(Decimal(1), Decimal(2))}


def test_same_service_in_two_usage_files_is_an_error(tmp_path, capsys):
    root = Path(__file__).resolve().parent.parent
    u = tmp_path / "again.csv"
    u.write_text("service,gib_in,gib_out\nstaging/shop/cart,1,1\n")
    code, _, err = run(["analyze", "--fleet", str(root / "examples" / "fleet.yaml"), "--usage", str(u), "--out", str(tmp_path / "out")], capsys)
    assert code == 2
    assert err == f"error: {u}:2: usage for staging/shop/cart is already given by another usage file\n"
