"""Pricing through the command line: --cloud and detection, --rates, --usage-default, traffic
scenarios, rate flags in the plan, 'planner prices' and 'planner prices import'."""
from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from planner.cli import main
from planner.model import Cluster, Ingress, Inventory, Port, Service, Source
from planner.pricers.detect import resolve_cloud

ROOT = Path(__file__).resolve().parent.parent
CAT = ROOT / "tests" / "fixtures" / "catalogs"
SCHEMA = json.loads((ROOT / "schema" / "plan.schema.json").read_text())


def _svc(name, annotations=None, ports=((80, "http"),), status=None, lb_class=None, ns="shop"):
    doc = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "namespace": ns, "annotations": annotations or {}},
           "spec": {"type": "LoadBalancer", "ports": [{"name": pn, "port": p, "protocol": "TCP"} for p, pn in ports]}}
    if lb_class:
        doc["spec"]["loadBalancerClass"] = lb_class
    if status:
        doc["status"] = {"loadBalancer": {"ingress": [{"hostname": status}]}}
    return doc


def _write(tmp_path, name, docs):
    path = tmp_path / name
    path.write_text(yaml.safe_dump({"apiVersion": "v1", "kind": "List", "items": docs}))
    return str(path)


def _analyze(tmp_path, *argv):
    out = tmp_path / "out"
    assert main(["analyze", *argv, "--out", str(out), "--strategy", "gateway"]) == 0
    plan = json.loads((out / "plan.json").read_text())
    jsonschema.validate(plan, SCHEMA)
    return plan


def _codes(plan, level=None):
    return sorted({n["code"] for n in plan["notes"] if level is None or n["level"] == level})


NLB = {"service.beta.kubernetes.io/aws-load-balancer-type": "external", "service.beta.kubernetes.io/aws-load-balancer-scheme": "internet-facing"}


def test_aws_detected_nlb_priced_and_program_flagged(tmp_path):
    inv = _write(tmp_path, "eks.yaml", [_svc("web", NLB, status="k8s-shop-web-1.elb.us-east-1.amazonaws.com")])
    kept = _analyze(tmp_path, inv)  # one NLB for one ALB: $27.38 either way, kept
    assert kept["services"][0]["reasons"][0]["code"] == "NO_SAVINGS" and kept["entrypoints"] == []
    assert kept["summary"]["proposed_monthly_usd"] == 27.38 and "PROGRAM_GKE_ONLY" not in _codes(kept)
    plan = _analyze(tmp_path, inv, "--consolidate-anyway")
    assert plan["inputs"]["cloud"] == "aws"
    assert plan["inputs"]["cloud_reason"] == "detected from the inventory: aws (1 object(s), e.g. Service main/shop/web)"
    assert plan["clusters"][0]["region"] == "us-east-1"
    assert plan["summary"]["current_monthly_usd"] == 27.38  # NLB 16.425 + 3 IPv4 10.95
    assert plan["summary"]["proposed_monthly_usd"] == 27.38  # one ALB (IngressGroup) 16.425 + 3 IPv4
    assert plan["rate_table"]["file"] == "aws.yaml" and plan["rate_table"]["as_of"] == "2026-10-01"
    assert plan["summary"]["data_processing"]["message"] == (
        "plus capacity units for traffic: ALB $0.008/LCU-hour, NLB $0.006/NLCU-hour (1 GB/h each), Classic LB $0.008/GB, in and out (us-east-1)")
    assert {"PROGRAM_GKE_ONLY", "REGION_DEFAULTED", "ENTRYPOINT_COST_MODEL", "AWS_AZS_ASSUMED", "IDLE_ESTIMATE"} <= set(_codes(plan))
    assert "PROGRAM_GKE_ONLY" in _codes(plan, "block")


def test_flag_wins_over_detection_with_a_warning(tmp_path):
    inv = _write(tmp_path, "eks.yaml", [_svc("web", NLB)])
    plan = _analyze(tmp_path, inv, "--cloud", "gcp")
    assert plan["inputs"]["cloud"] == "gcp" and plan["inputs"]["cloud_reason"] == "--cloud gcp"
    assert "CLOUD_MISMATCH" in _codes(plan, "warn")
    assert plan["summary"]["current_monthly_usd"] == 18.25


def test_azure_ten_services_to_one_ingress_controller(tmp_path):
    inv = _write(tmp_path, "aks.yaml", [_svc(f"app{i}", {"service.beta.kubernetes.io/azure-dns-label-name": f"app{i}"}) for i in range(10)])
    plan = _analyze(tmp_path, inv, "--region", "westeurope")
    assert plan["inputs"]["cloud"] == "azure"
    s = plan["summary"]
    # the AKS outbound rule counts in the tiers (PRICING-FACTS audit), and its outbound IP stays:
    # before 10 + 1 rules = 18.25 + 6 x 7.30 = 62.05, 11 IPs x 3.65 = 40.15 -> 102.20;
    # after 2 + 1 rules = 18.25, 2 IPs = 7.30 -> 25.55; saves 76.65
    assert (s["current_monthly_usd"], s["proposed_monthly_usd"], s["savings_monthly_usd"]) == (102.2, 25.55, 76.65)
    assert (s["forwarding_rules_before"], s["forwarding_rules_after"]) == (10, 2)
    assert {"AZURE_SHARED_LB", "AZURE_OUTBOUND_COUNTED", "PROGRAM_GKE_ONLY"} <= set(_codes(plan))
    assert s["data_processing"]["message"] == "plus $0.005/GB processed by the load balancer, in and out"
    # without usage: scenarios at 0, 100 and 1,000 GiB per service per month (in and out each):
    # 100 GiB: +10 x 200 GB x 0.005 = +10.00 on each side; 1,000 GiB: +100.00 on each side
    assert plan["traffic_scenarios"] == [
        {"gib_per_service": 0, "current_monthly_usd": 102.2, "proposed_monthly_usd": 25.55, "savings_monthly_usd": 76.65},
        {"gib_per_service": 100, "current_monthly_usd": 112.2, "proposed_monthly_usd": 35.55, "savings_monthly_usd": 76.65},
        {"gib_per_service": 1000, "current_monthly_usd": 202.2, "proposed_monthly_usd": 125.55, "savings_monthly_usd": 76.65},
    ]


def test_usage_default_prices_data_and_matches_the_scenario(tmp_path):
    inv = _write(tmp_path, "eks.yaml", [_svc(f"app{i}", NLB) for i in range(4)])
    idle = _analyze(tmp_path, inv)
    scenario = idle["traffic_scenarios"][1]
    used = _analyze(tmp_path, inv, "--usage-default", "100")
    assert "traffic_scenarios" not in used
    assert used["summary"]["data_processing"]["priced"] is True
    assert (used["summary"]["current_monthly_usd"], used["summary"]["proposed_monthly_usd"]) == (scenario["current_monthly_usd"], scenario["proposed_monthly_usd"])
    # 4 NLBs x 27.375 = 109.50 + 4 x 200 GB x 0.006 NLCU = 4.80; after: one ALB 27.375 + 800 GB x 0.008 LCU = 6.40
    assert (used["summary"]["current_monthly_usd"], used["summary"]["proposed_monthly_usd"]) == (114.3, 33.78)
    assert "USAGE_DEFAULTED" in _codes(used)


def test_gcp_demo_carries_scenarios_and_flags_unsure_rates(tmp_path):
    plan = _analyze(tmp_path, "--region", "europe-west3")
    assert [s["gib_per_service"] for s in plan["traffic_scenarios"]] == [0, 100, 1000]
    assert plan["traffic_scenarios"][0]["current_monthly_usd"] == plan["summary"]["current_monthly_usd"]
    unsure = {r["key"] for r in plan["rates"] if r["unsure"]}
    assert {"gcp/europe-west3/forwarding_rule_first5", "gcp/europe-west3/forwarding_rule_additional"} <= unsure
    assert all(r["stale"] is False for r in plan["rates"])
    assert "RATE_UNSURE" in _codes(plan, "warn")


def test_imported_table_is_used_and_stale_rates_are_flagged(tmp_path, capsys):
    table = tmp_path / "aws-imported.yaml"
    assert main(["prices", "import", "aws", *[str(CAT / f) for f in ("aws-elb-us-east-1.json", "aws-elb-eu-west-2.json", "aws-vpc-us-east-1.json")], "--out", str(table)]) == 0
    err = capsys.readouterr().err
    assert "12 catalog record(s) read, 10 used for 10 rate(s) in 2 region(s); ignored: 2 product(s) not used by planner" in err
    assert "warning: the pricer will stop on these rates if a plan needs them" in err
    inv = _write(tmp_path, "eks.yaml", [_svc("web", NLB)])
    plan = _analyze(tmp_path, inv, "--rates", str(table))
    assert plan["rate_table"]["file"] == "aws-imported.yaml"
    ip = next(r for r in plan["rates"] if r["key"] == "aws/us-east-1/public_ipv4_hour")
    assert ip["stale"] is True and ip["effective"] == "2024-02-01"
    assert ip["source"].startswith("AWS Price List AmazonVPC SKU 7Y2C5PHYH9K6FC5V")
    assert "RATE_STALE" in _codes(plan, "warn")
    capsys.readouterr()
    assert main(["prices", "--table", str(table), "--region", "us-east-1"]) == 0  # cloud read from the file
    shown = capsys.readouterr().out
    assert "(cloud aws, USD)" in shown and "  public_ipv4_hour                 $0.005 per hour       effective 2024-02-01 [stale]" in shown


def test_prices_command_prints_table_date_and_sources(capsys):
    assert main(["prices", "--cloud", "aws", "--region", "eu-west-1"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("rate table: ") and out[0].endswith("aws.yaml (cloud aws, USD)")
    assert out[1].startswith("as of 2026-10-01 (newest effective date)")
    assert "  nlb_hour                         $0.0252 per hour       effective 2026-10-01 [unsure]" in out
    assert any(line.strip().startswith("source: https://aws.amazon.com/elasticloadbalancing/pricing/") for line in out)
    assert not any(line.startswith("us-east-1:") for line in out)


def test_prices_command_azure_region_shows_global_meters(capsys):
    assert main(["prices", "--cloud", "azure", "--region", "eastus"]) == 0
    out = capsys.readouterr().out
    assert "eastus:\n  public_ipv4_hour" in out and "global:\n  lb_data_gb" in out


@pytest.mark.parametrize("argv, message", [
    (["prices", "--cloud", "gcp", "--region", "mars-north1"], "error: region 'mars-north1' is not in the gcp rate table gcp.yaml (regions: "),
    (["prices", "import", "azure", "/nonexistent/x.json"], "error: /nonexistent/x.json: no such file"),
    (["analyze", "--usage-default", "lots", "--out", "/tmp/unused-planner-out"], "error: --usage-default 'lots': not a number of GiB"),
    (["analyze", "--cloud", "aws", "--region", "eu-central-1", "--out", "/tmp/unused-planner-out"], "error: region 'eu-central-1' is not in the aws rate table aws.yaml (regions: ap-northeast-2, eu-west-1, eu-west-2, us-east-1), cluster main"),
    (["analyze", "--region", "eu-west-1", "--out", "/tmp/unused-planner-out"], "error: region 'eu-west-1' is not in the gcp rate table gcp.yaml (regions: asia-east1, asia-south1, europe-west1, europe-west3, global, southamerica-west1, us-central1, us-east1), cluster main; 'eu-west-1' is an AWS region: use --cloud aws"),
])
def test_bad_pricing_input_is_one_line_and_exit_2(capsys, argv, message):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith(message) and err.count("\n") == 1


# --- detection ------------------------------------------------------------------------------
SRC = Source("t.yaml")


def _inv(services=(), ingresses=()):
    inv = Inventory(clusters={"main": Cluster("main")})
    inv.services = list(services)
    inv.ingresses = list(ingresses)
    return inv


def _s(name="a", annotations=None, lb_class=None, status=()):
    return Service("main", "ns", name, "LoadBalancer", (Port(80),), SRC, annotations=annotations or {}, load_balancer_class=lb_class, status_addresses=tuple(status))


def _i(name="i", cls="gce", annotations=None):
    return Ingress("main", "ns", name, cls, (), (), False, SRC, annotations=annotations or {})


@pytest.mark.parametrize("inv, cloud, reason_start", [
    (_inv([_s(annotations={"service.beta.kubernetes.io/aws-load-balancer-scheme": "internal"})]), "aws", "detected from the inventory: aws (1 object(s)"),
    (_inv([_s(lb_class="service.k8s.aws/nlb")]), "aws", "detected from the inventory: aws"),
    (_inv([_s(status=["a1b2.elb.eu-west-1.amazonaws.com"])]), "aws", "detected from the inventory: aws"),
    (_inv([], [_i(cls="alb")]), "aws", "detected from the inventory: aws (1 object(s), e.g. Ingress main/ns/i)"),
    (_inv([_s(annotations={"service.beta.kubernetes.io/azure-load-balancer-internal": "true"})]), "azure", "detected from the inventory: azure"),
    (_inv([_s(annotations={"networking.gke.io/load-balancer-type": "Internal"})]), "gcp", "detected from the inventory: gcp"),
    (_inv([_s(annotations={"cloud.google.com/neg": "{}"})]), "gcp", "detected from the inventory: gcp"),
    (_inv([_s()], [_i()]), "gcp", "default: no cloud-specific annotation"),
])
def test_detection(inv, cloud, reason_start):
    got, reason, _ = resolve_cloud(inv)
    assert got == cloud
    assert reason.startswith(reason_start)


def test_detection_ambiguous_and_explicit_choices():
    inv = _inv([_s("a", lb_class="service.k8s.aws/nlb"), _s("b", lb_class="service.k8s.aws/nlb"), _s("c", {"service.beta.kubernetes.io/azure-pip-name": "x"})])
    cloud, _, notes = resolve_cloud(inv)
    assert cloud == "aws" and [n.code for n in notes] == ["CLOUD_AMBIGUOUS"]
    cloud, reason, notes = resolve_cloud(inv, fleet_clouds={"azure"})
    assert (cloud, reason) == ("azure", "fleet file (cloud: azure)") and [n.code for n in notes] == ["CLOUD_MISMATCH"]
    cloud, reason, notes = resolve_cloud(_inv([_s(lb_class="service.k8s.aws/nlb")]), flag="aws")
    assert reason == "--cloud aws; the inventory agrees (aws (1 object(s), e.g. Service main/ns/a))" and notes == []


def test_aws_and_azure_internal_annotations_keep_services_internal(tmp_path):
    inv = _write(tmp_path, "eks.yaml", [
        _svc("web", NLB),
        _svc("api", {"service.beta.kubernetes.io/aws-load-balancer-internal": "true"}),
        _svc("lbc", lb_class="service.k8s.aws/nlb"),  # the controller's default scheme is internal
    ])
    plan = _analyze(tmp_path, inv, "--consolidate-anyway")  # which entrypoint, not whether it pays
    assert {s["name"]: (s["internal"], s["entrypoint"]) for s in plan["services"]} == {
        "api": (True, "planner-internal"), "lbc": (True, "planner-internal"), "web": (False, "planner-external")}
    az = _write(tmp_path, "aks.yaml", [_svc("db", {"service.beta.kubernetes.io/azure-load-balancer-internal": "true"})])
    plan = _analyze(tmp_path, az, "--region", "eastus")
    assert plan["services"][0]["internal"] is True
    # kubernetes-internal: 1 rule, no public IP = 18.25; plus the public 'kubernetes' LB's outbound
    # rule (18.25 flat) and outbound IP (3.65), there whatever the Services do = 40.15
    assert plan["summary"]["current_monthly_usd"] == 40.15


def test_fleet_file_cloud_is_used_and_mixed_clouds_are_refused(tmp_path, capsys):
    _write(tmp_path, "eks.yaml", [_svc("web", NLB)])
    fleet = tmp_path / "fleet.yaml"
    fleet.write_text(yaml.safe_dump({"clusters": [{"name": "eks", "cloud": "aws", "project": "acct", "region": "eu-west-2", "inventory": ["eks.yaml"]}]}))
    out = tmp_path / "out"
    assert main(["analyze", "--fleet", str(fleet), "--out", str(out)]) == 0
    plan = json.loads((out / "plan.json").read_text())
    assert plan["inputs"]["cloud"] == "aws"
    assert plan["inputs"]["cloud_reason"].startswith("fleet file (cloud: aws); the inventory agrees")
    assert plan["summary"]["current_monthly_usd"] == 30.27  # eu-west-2 NLB 19.3158 + 3 IPv4 10.95
    fleet.write_text(yaml.safe_dump({"clusters": [
        {"name": "eks", "cloud": "aws", "project": "acct", "region": "eu-west-2", "inventory": ["eks.yaml"]},
        {"name": "gke", "cloud": "gcp", "project": "p", "region": "us-central1", "inventory": ["eks.yaml"]},
    ]}))
    capsys.readouterr()
    assert main(["analyze", "--fleet", str(fleet), "--out", str(out)]) == 2
    assert capsys.readouterr().err == f"error: {fleet}: clusters on several clouds (aws, gcp); a plan prices one cloud: split the fleet file and run planner analyze once per cloud\n"
    assert main(["analyze", "--fleet", str(fleet), "--cloud", "aws", "--out", str(out)]) == 2
