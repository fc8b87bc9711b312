"""Catalog importers on small fixtures shaped like the real records (GCP Cloud Billing Catalog
SKUs, AWS Price List offer files, Azure Retail Prices)."""
from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from planner.model import PlannerError
from planner.pricers.importers import dump_table, import_catalog, missing_rates
from planner.pricers.rates import load_table

CAT = Path(__file__).parent / "fixtures" / "catalogs"
AWS_FILES = [str(CAT / "aws-elb-us-east-1.json"), str(CAT / "aws-elb-eu-west-2.json"), str(CAT / "aws-vpc-us-east-1.json")]


def _roundtrip(cloud, files, tmp_path):
    imported = import_catalog(cloud, files)
    out = tmp_path / f"{cloud}.yaml"
    out.write_text(dump_table(imported, files), encoding="utf-8")
    return imported, load_table.__wrapped__(cloud, str(out))


def test_gcp_catalog(tmp_path):
    imported, table = _roundtrip("gcp", [str(CAT / "gcp-skus.json")], tmp_path)
    assert table.regions == ["asia-south1", "global", "us-central1"]
    first5 = table.rate("global", "forwarding_rule_first5")
    assert first5.usd == Decimal("0.025")  # units 0 + nanos 25000000 / 1e9
    assert first5.source == "GCP Cloud Billing Catalog SKU DEE3-C42E-3E4D 'Cloud Load Balancer Forwarding Rule Minimum Global'"
    assert first5.effective == "2026-10-01"
    assert table.rate("global", "forwarding_rule_additional").source.startswith("GCP Cloud Billing Catalog SKU 1211-928B-AF92 ")
    assert table.rate("us-central1", "data_outbound_gib").usd == Decimal("0.008")
    # a tiered SKU whose first tier is free: the first priced tier is kept
    assert table.rate("asia-south1", "passthrough_data_inbound_gib").usd == Decimal("0.01")
    assert imported.ignored == {"SKU(s) not used by planner": 1}
    # no global data-processing rate exists (global LBs are charged at their region's rate)
    assert missing_rates(imported) == []
    # proxies of regional Envoy LBs: the region's forwarding-rule-minimum price, unsure (infracost's mapping)
    proxy = table.rate("us-central1", "proxy_instance_hour")
    assert (proxy.usd, proxy.unsure) == (table.rate("us-central1", "forwarding_rule_first5").usd, True)
    assert table.find("global", "proxy_instance_hour") is None


def test_aws_offer_files_merge_and_take_regions_from_prefix(tmp_path):
    imported, table = _roundtrip("aws", AWS_FILES, tmp_path)
    assert table.regions == ["eu-west-2", "us-east-1"]
    assert table.rate("us-east-1", "nlb_hour").usd == Decimal("0.0225")
    assert table.rate("us-east-1", "nlb_nlcu_hour").unit == "NLCU-hour"
    assert table.rate("us-east-1", "alb_lcu_hour").usd == Decimal("0.008")
    assert table.rate("us-east-1", "clb_data_gb").usd == Decimal("0.008")
    assert table.rate("eu-west-2", "nlb_hour").usd == Decimal("0.02646")  # EUW2- prefix, no regionCode
    ip = table.rate("us-east-1", "public_ipv4_hour")
    assert ip.usd == Decimal("0.005")
    assert ip.source.startswith("AWS Price List AmazonVPC SKU 7Y2C5PHYH9K6FC5V rateCode 7Y2C5PHYH9K6FC5V.JRTCKXETXF.6YS6EN2CT7 ")
    assert ip.effective == "2024-02-01"
    # stale: more than a year before the newest rate in the imported table (2026-10-01)
    assert table.as_of.isoformat() == "2026-10-01"
    assert sorted(r.key for r in table.all_rates() if r.stale) == ["aws/us-east-1/clb_data_gb", "aws/us-east-1/public_ipv4_hour"]
    assert imported.ignored == {"product(s) not used by planner": 2}  # Gateway LB, idle IPv4
    assert "eu-west-2/alb_hour" in missing_rates(imported)


def test_azure_retail_prices(tmp_path):
    imported, table = _roundtrip("azure", [str(CAT / "azure-retail.json")], tmp_path)
    assert table.regions == ["eastus", "global", "westeurope"]
    assert table.rate("global", "lb_rules_first5_hour").usd == Decimal("0.025")
    assert table.rate("global", "lb_rule_additional_hour").usd == Decimal("0.01")
    assert table.rate("global", "lb_data_gb").unit == "GB"
    we = table.rate("westeurope", "public_ipv4_hour")
    assert we.usd == Decimal("0.005")  # the DevTestConsumption 0.004 item is not used
    assert we.source == "Azure Retail Prices meterId 8c7b8a1e-3f5d-4c2a-9b1e-5d6f7a8b9c02 'Standard IPv4 Static Public IP' (IP Addresses, Standard, westeurope)"
    assert imported.ignored == {"item(s) not of type Consumption": 1, "meter(s) not used by planner": 1}
    assert missing_rates(imported) == []


def test_conflicting_records_keep_the_newest_and_are_unsure(tmp_path):
    doc = json.loads((CAT / "azure-retail.json").read_text())
    newer = dict(doc["Items"][0], retailPrice=0.03, unitPrice=0.03, effectiveStartDate="2026-11-01T00:00:00Z", meterId="new-meter")
    doc["Items"].append(newer)
    path = tmp_path / "az.json"
    path.write_text(json.dumps(doc))
    _, table = _roundtrip("azure", [str(path)], tmp_path)
    rate = table.rate("global", "lb_rules_first5_hour")
    assert (rate.usd, rate.effective, rate.unsure) == (Decimal("0.03"), "2026-11-01", True)
    assert rate.note == "2 catalog records matched; newest kept; others: 0.025 (2026-10-01)"


def test_output_is_deterministic_yaml_with_sources():
    a = dump_table(import_catalog("aws", AWS_FILES), AWS_FILES)
    b = dump_table(import_catalog("aws", list(reversed(AWS_FILES))), AWS_FILES)
    assert a == b
    data = yaml.safe_load(a)
    assert data["cloud"] == "aws" and all(r["source"] and r["effective"] for reg in data["regions"].values() for r in reg.values())


@pytest.mark.parametrize("cloud, content, message", [
    ("gcp", "{not json", ":1: not JSON"),
    ("gcp", '{"services": []}', "not a Cloud Billing Catalog SKU list"),
    ("aws", '{"products": {}}', "not an AWS Price List offer file"),
    ("azure", '{"items": []}', "not an Azure Retail Prices response"),
    ("azure", '{"Items": []}', "no azure load-balancer rate found"),
])
def test_bad_catalog_files(tmp_path, cloud, content, message):
    path = tmp_path / "cat.json"
    path.write_text(content)
    with pytest.raises(PlannerError) as err:
        import_catalog(cloud, [str(path)])
    assert str(err.value).startswith(str(path))
    assert message in str(err.value)


def test_non_usd_catalog_is_refused(tmp_path):
    doc = json.loads((CAT / "gcp-skus.json").read_text())
    doc["skus"][0]["pricingInfo"][0]["pricingExpression"]["tieredRates"][0]["unitPrice"]["currencyCode"] = "EUR"
    path = tmp_path / "eur.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(PlannerError, match=r"SKU DEE3-C42E-3E4D: currency 'EUR'; import the catalog with currencyCode=USD"):
        import_catalog("gcp", [str(path)])
