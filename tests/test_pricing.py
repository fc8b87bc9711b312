"""Pricers, to the cent: GCP forwarding-rule pools, AWS ELB (CLB/NLB/ALB groups, IPv4), Azure
shared AKS load balancer. Pure: footprints in, Pricing out."""
from __future__ import annotations

from decimal import Decimal

import pytest

from planner.model import (
    Cluster,
    Footprint,
    Ingress,
    PlannerError,
    Port,
    Service,
    Source,
    Usage,
)
from planner.pricers import PRICERS, get_pricer
from planner.pricers.aws import AwsPricer, classify_service
from planner.pricers.azure import AzurePricer
from planner.pricers.gcp import GcpPricer
from planner.pricers.rates import load_table

D = Decimal
SRC = Source("test.yaml", 1)


def svc(name, ports=((80, "TCP"),), cluster="main", ns="shop", annotations=None, lb_class=None, status=()):
    return Service(cluster=cluster, namespace=ns, name=name, type="LoadBalancer", ports=tuple(Port(p, proto) for p, proto in ports), source=SRC,
                   annotations=annotations or {}, load_balancer_class=lb_class, status_addresses=tuple(status))


def ing(name, ns="shop", cls="alb", annotations=None, tls=False, cluster="eks"):
    return Ingress(cluster=cluster, namespace=ns, name=name, ingress_class=cls, paths=(), tls_hosts=(), has_tls=tls, source=SRC, annotations=annotations or {})


# --- GCP ------------------------------------------------------------------------------------
@pytest.mark.parametrize("rules, total", [(1, "18.25"), (5, "18.25"), (6, "25.55"), (10, "54.75"), (20, "127.75")])
def test_gcp_rules_in_one_region(rules, total):
    p = GcpPricer()
    cl = Cluster("main", region="us-central1")
    pricing = p.price([p.service_footprint(svc(f"s{i:02}"), cl, None) for i in range(rules)])
    assert pricing.total == D(total)
    assert len(pricing.by_owner) == rules
    assert sum(line.monthly_usd for line in pricing.lines) == D(total)


def test_gcp_global_pool_is_separate():
    p = GcpPricer()
    cl = Cluster("main")
    fps = [p.service_footprint(svc(f"s{i}"), cl, None) for i in range(3)]
    fps.append(p.ingress_footprint(ing("web", cls="gce", tls=True), cl, None))  # 2 global rules
    pricing = p.price(fps)
    assert pricing.total == D("36.50")  # 18.25 regional + 18.25 global, not 5 rules in one pool
    assert sorted({line.pool for line in pricing.lines}) == ["gcp my-project global", "gcp my-project us-central1"]


def test_gcp_two_clusters_in_one_project_and_region_share_first5():
    p = GcpPricer()
    a, b = Cluster("a", project="shop", region="europe-west1"), Cluster("b", project="shop", region="europe-west1")
    fps = [p.service_footprint(svc(f"s{i}", cluster="a"), a, None) for i in range(3)]
    fps += [p.service_footprint(svc(f"s{i}", cluster="b"), b, None) for i in range(3)]
    assert p.price(fps).total == D("25.55")  # 6 rules in one pool: 18.25 + 7.30
    other = Cluster("b", project="other", region="europe-west1")
    fps2 = fps[:3] + [p.service_footprint(svc(f"s{i}", cluster="b"), other, None) for i in range(3)]
    assert p.price(fps2).total == D("36.50")  # two projects: two flat charges


def test_gcp_mixed_protocol_service_is_two_rules():
    p = GcpPricer()
    fp = p.service_footprint(svc("dns", ports=((53, "TCP"), (53, "UDP"))), Cluster("main"), None)
    assert fp.forwarding_rules == 2


def test_gcp_data_processing_passthrough_inbound_only_vs_l7_in_and_out():
    p = GcpPricer()
    cl = Cluster("main")
    use = Usage(D(100), D(100))
    nlb = p.price([p.service_footprint(svc("a"), cl, use)])
    alb = p.price([p.ingress_footprint(ing("w", cls="gce"), cl, use)])
    assert nlb.total == D("18.25") + D("0.80")
    assert alb.total == D("18.25") + D("1.60")
    assert nlb.data_priced and alb.data_priced
    assert [line.component for line in alb.lines if line.unit == "GiB"] == ["Inbound data processing: Ingress eks/shop/w", "Outbound data processing: Ingress eks/shop/w"]


@pytest.mark.parametrize("region, per_gib", [("asia-south1", "0.010"), ("southamerica-west1", "0.012"), ("europe-west1", "0.008")])
def test_gcp_regional_data_rates(region, per_gib):
    p = GcpPricer()
    pricing = p.price([p.service_footprint(svc("a"), Cluster("main", region=region), Usage(D(1000), D(0)))])
    assert pricing.total == D("18.25") + D(per_gib) * 1000


def test_gcp_europe_west3_is_flagged_unsure():
    p = GcpPricer()
    pricing = p.price([p.service_footprint(svc(f"s{i}"), Cluster("main", region="europe-west3"), None) for i in range(6)])
    assert pricing.total == D("30.66")  # 0.030*730 + 0.012*730
    flagged = {k: r.unsure for k, r in pricing.rates.items()}
    assert flagged == {"gcp/europe-west3/forwarding_rule_first5": True, "gcp/europe-west3/forwarding_rule_additional": True}
    assert pricing.rates["gcp/europe-west3/forwarding_rule_first5"].to_dict()["unsure"] is True


def test_gcp_missing_region_error_names_region_and_table_regions():
    p = GcpPricer()
    with pytest.raises(PlannerError) as err:
        p.price([p.service_footprint(svc("a"), Cluster("main", region="us-west9"), None)])
    assert str(err.value) == ("region 'us-west9' is not in the gcp rate table gcp.yaml (regions: asia-east1, asia-south1, "
                              "europe-west1, europe-west3, southamerica-west1, us-central1, us-east1)")


def test_gcp_reserved_unused_address_and_internal_alb_is_proxy_billed():
    p = GcpPricer()
    reserved = Footprint(owner="Address shop-ip", cloud="gcp", project="my-project", region="us-central1", kind="passthrough", forwarding_rules=0, addresses=2, lb_type="address")
    pricing = p.price([reserved])
    assert pricing.total == D("14.60")  # 2 x 0.010 x 730, no forwarding-rule charge
    assert [line.component for line in pricing.lines] == ["Reserved static IPv4 not in use (2): Address shop-ip"]
    # audit correction: a gce-internal Ingress is a regional internal ALB, billed per proxy
    # instance (not in the forwarding-rule pool): 3 proxies (assumed minimum) x 0.025 x 730 = 54.75
    # (was 18.25: one forwarding-rule flat charge)
    internal = p.price([p.ingress_footprint(ing("w", cls="gce-internal"), Cluster("main"), None)])
    assert internal.total == D("54.75")
    assert [(line.kind, line.component) for line in internal.lines] == [("proxy_instance", "Proxy instances (3, minimum 3 assumed)")]
    assert [n.code for n in internal.notes] == ["GCP_PROXY_MINIMUM_ASSUMED"]


def test_gcp_cost_is_allocated_to_owners_to_the_cent():
    p = GcpPricer()
    pricing = p.price([p.service_footprint(svc(f"s{i}"), Cluster("main"), None) for i in range(7)])
    assert pricing.total == D("32.85")
    # 32.85 / 7 = 4.6928...: five owners 4.69, the two largest remainders (ties by name) 4.70
    assert sorted(pricing.by_owner.items()) == [(f"Service main/shop/s{i}", D("4.70") if i < 2 else D("4.69")) for i in range(7)]


# --- AWS ------------------------------------------------------------------------------------
NLB_EXT = {"service.beta.kubernetes.io/aws-load-balancer-type": "external", "service.beta.kubernetes.io/aws-load-balancer-scheme": "internet-facing"}


def test_aws_internet_facing_nlb_in_three_azs():
    """0.0225 x 730 + 3 x 0.005 x 730 = 16.425 + 10.95 = 27.375 → $27.38 (each load balancer's
    month is rounded to cents half up once, then split to its owners)."""
    p = AwsPricer()
    pricing = p.price([p.service_footprint(svc("web", annotations=NLB_EXT), Cluster("eks", region="us-east-1"), None)])
    assert pricing.total == D("27.38")
    assert [(line.component, line.monthly_usd) for line in pricing.lines] == [("Network LB hours", D("16.4250")), ("Public IPv4 addresses (3, one per AZ)", D("10.950"))]
    assert [n.code for n in pricing.notes] == ["AWS_AZS_ASSUMED"]


@pytest.mark.parametrize("annotations, lb_class, expected", [
    ({}, None, ("clb", False, "in-tree")),
    ({"service.beta.kubernetes.io/aws-load-balancer-internal": "true"}, None, ("clb", True, "in-tree")),
    ({"service.beta.kubernetes.io/aws-load-balancer-type": "nlb"}, None, ("nlb", False, "in-tree")),
    ({"service.beta.kubernetes.io/aws-load-balancer-type": "external"}, None, ("nlb", True, "aws-load-balancer-controller")),
    (NLB_EXT, None, ("nlb", False, "aws-load-balancer-controller")),
    ({}, "service.k8s.aws/nlb", ("nlb", True, "aws-load-balancer-controller")),
    ({"service.beta.kubernetes.io/aws-load-balancer-scheme": "internet-facing"}, "service.k8s.aws/nlb", ("nlb", False, "aws-load-balancer-controller")),
    ({}, "io.cilium/bgp", ("none", False, "io.cilium/bgp")),
])
def test_aws_classify_service(annotations, lb_class, expected):
    assert classify_service(svc("x", annotations=annotations, lb_class=lb_class)) == expected


@pytest.mark.parametrize("annotations, total", [
    ({}, "29.20"),  # Classic LB 18.25 + 3 IPv4 10.95
    ({"service.beta.kubernetes.io/aws-load-balancer-internal": "true"}, "18.25"),  # internal: no public IPv4
    ({"service.beta.kubernetes.io/aws-load-balancer-type": "external"}, "16.43"),  # controller NLB, internal by default
    ({**NLB_EXT, "service.beta.kubernetes.io/aws-load-balancer-subnets": "subnet-a,subnet-b"}, "23.73"),  # 16.425 + 7.30
])
def test_aws_service_totals(annotations, total):
    p = AwsPricer()
    assert p.price([p.service_footprint(svc("x", annotations=annotations), Cluster("eks", region="us-east-1"), None)]).total == D(total)


def test_aws_eu_west_2_rates_and_missing_region():
    p = AwsPricer()
    pricing = p.price([p.service_footprint(svc("x", annotations=NLB_EXT), Cluster("eks", region="eu-west-2"), None)])
    assert pricing.total == D("30.27")  # 0.02646 x 730 = 19.3158 + 10.95 = 30.2658
    with pytest.raises(PlannerError, match=r"region 'eu-central-1' is not in the aws rate table aws.yaml \(regions: ap-northeast-2, eu-west-1, eu-west-2, us-east-1\)"):
        p.price([p.service_footprint(svc("x"), Cluster("eks", region="eu-central-1"), None)])


def test_aws_alb_shared_by_ingress_group_across_namespaces():
    p = AwsPricer()
    cl = Cluster("eks", region="us-east-1")
    public = {"alb.ingress.kubernetes.io/group.name": "shared", "alb.ingress.kubernetes.io/scheme": "internet-facing"}
    fps = [
        p.ingress_footprint(ing("a", ns="team-a", annotations=public), cl, None),
        p.ingress_footprint(ing("b", ns="team-b", annotations=public), cl, None),
        p.ingress_footprint(ing("c", ns="team-c"), cl, None),  # no group, default scheme internal
    ]
    assert p.ingress_footprint(ing("n", cls="nginx"), cl, None) is None
    pricing = p.price(fps)
    assert sum(1 for line in pricing.lines if line.component == "Application LB hours") == 2
    # exact: shared ALB 27.375 (13.6875 each) + internal ALB 16.425 = 43.80; cents by largest remainder
    assert pricing.total == D("43.80")
    assert pricing.by_owner == {"Ingress eks/team-a/a": D("13.69"), "Ingress eks/team-b/b": D("13.69"), "Ingress eks/team-c/c": D("16.42")}


def test_aws_capacity_units_and_classic_data():
    p = AwsPricer()
    cl = Cluster("eks", region="us-east-1")
    use = Usage(D(500), D(500))
    nlb = p.price([p.service_footprint(svc("x", annotations=NLB_EXT), cl, use)])
    assert nlb.total == D("27.38") + D("6.00")  # 1,000 GB → 1,000 NLCU-hours x 0.006
    clb = p.price([p.service_footprint(svc("x"), cl, use)])
    assert clb.total == D("29.20") + D("8.00")  # 1,000 GB x 0.008
    assert "AWS_CAPACITY_UNITS_BYTES_ONLY" in {n.code for n in nlb.notes}


def test_aws_invoice_rounding_once_per_bill():
    """4 NLBs of 27.375 are billed 109.50 (usage summed, rounded once), not 4 x 27.38."""
    p = AwsPricer()
    pricing = p.price([p.service_footprint(svc(f"s{i}", annotations=NLB_EXT), Cluster("eks", region="us-east-1"), None) for i in range(4)])
    assert pricing.total == D("109.50")
    assert sorted(pricing.by_owner.values()) == [D("27.37"), D("27.37"), D("27.38"), D("27.38")]


def test_aws_entrypoints_of_a_cluster_share_one_alb():
    p = AwsPricer()
    cl = Cluster("eks", region="us-east-1")
    eps = [{"kind": "Ingress", "name": f"planner-ns{i}", "internal": False, "forwarding_rules": 1} for i in range(3)]
    pricing = p.price([p.entrypoint_footprint(ep, cl, None) for ep in eps])
    assert pricing.total == D("27.38")


# --- Azure ----------------------------------------------------------------------------------
def test_azure_ten_services_vs_one_ingress_controller_without_outbound():
    """aks_outbound_rules = 0 (e.g. outboundType userDefinedRouting):
    Before: 10 rules (18.25 + 5 x 7.30) + 10 IPs (10 x 3.65) = 54.75 + 36.50 = 91.25.
    After: 2 rules (80/443) 18.25 + 1 IP 3.65 = 21.90. Savings 69.35."""
    p = AzurePricer(outbound_rules=0, outbound_ips=0)
    cl = Cluster("aks", region="westeurope")
    before = p.price([p.service_footprint(svc(f"app{i}", cluster="aks"), cl, None) for i in range(10)])
    after = p.price([p.entrypoint_footprint({"kind": "Gateway", "name": "planner-external", "internal": False, "forwarding_rules": 1}, cl, None)])
    assert before.total == D("91.25")
    assert after.total == D("21.90")
    assert before.total - after.total == D("69.35")
    assert [line.component for line in before.lines] == ["LB rules 1-5 of 10 (flat)", "Additional LB rules (5)", "Public IPv4 frontends (10)"]
    assert [line.component for line in after.lines] == ["LB rules 1-2 of 2 (flat)", "Public IPv4 frontends (1)"]
    # 54.75 of rules split by 1 rule each = 5.475: five get 5.48, five 5.47; plus each one's IP 3.65
    assert [before.by_owner[f"Service aks/shop/app{i}"] for i in range(10)] == [D("9.13")] * 5 + [D("9.12")] * 5
    assert sum(before.by_owner.values()) == D("91.25")


def test_azure_internal_lb_and_rules_per_port_protocol():
    p = AzurePricer(outbound_rules=0, outbound_ips=0)
    cl = Cluster("aks", region="eastus")
    internal = {"service.beta.kubernetes.io/azure-load-balancer-internal": "true"}
    fps = [p.service_footprint(svc(f"i{i}", annotations=internal), cl, None) for i in range(3)]
    fps.append(p.service_footprint(svc("dns", ports=((53, "TCP"), (53, "UDP"), (853, "TCP"))), cl, None))
    pricing = p.price(fps)
    # internal LB: 3 rules, no public IP = 18.25; public LB: 3 rules + 1 IP = 18.25 + 3.65
    assert pricing.total == D("40.15")
    assert sorted({line.pool for line in pricing.lines}) == ["azure eastus aks/kubernetes", "azure eastus aks/kubernetes-internal"]


def test_azure_data_processed_and_missing_ip_region():
    p = AzurePricer(outbound_rules=0, outbound_ips=0)
    pricing = p.price([p.service_footprint(svc("a"), Cluster("aks", region="eastus"), Usage(D(100), D(100)))])
    assert pricing.total == D("18.25") + D("3.65") + D("1.00")  # 200 GB x 0.005
    with pytest.raises(PlannerError, match=r"region 'brazilsouth' is not in the azure rate table azure.yaml"):
        p.price([p.service_footprint(svc("a"), Cluster("aks", region="brazilsouth"), None)])


# --- every pricer and table -----------------------------------------------------------------
@pytest.mark.parametrize("cloud", sorted(PRICERS))
def test_every_pricer_has_the_interface_and_a_sourced_table(cloud):
    pricer = get_pricer(cloud)
    for method in ("service_footprint", "ingress_footprint", "gateway_footprint", "entrypoint_footprint", "data_rates", "price"):
        assert callable(getattr(pricer, method)), method
    assert pricer.__doc__ or type(pricer).__module__
    table = load_table(cloud)
    assert table.as_of.isoformat() == "2026-10-01"
    for rate in table.all_rates():
        assert rate.source.strip() and rate.effective and rate.unit
        assert rate.usd >= 0
        assert not rate.stale
        if rate.unsure:
            assert rate.note, f"{rate.key} is unsure without saying why"


def test_required_regions_are_in_the_tables():
    assert {"us-central1", "us-east1", "europe-west1", "europe-west3", "asia-east1", "asia-south1", "southamerica-west1", "global"} <= set(load_table("gcp").regions)
    assert {"us-east-1", "eu-west-1", "eu-west-2", "ap-northeast-2"} <= set(load_table("aws").regions)
    assert "global" in load_table("azure").regions


def test_facts_marked_unsure_are_unsure_in_the_tables():
    aws = load_table("aws")
    assert aws.rate("eu-west-1", "nlb_hour").unsure and aws.rate("eu-west-1", "nlb_hour").usd == D("0.0252")
    assert aws.rate("eu-west-1", "clb_hour").unsure and aws.rate("eu-west-1", "clb_hour").usd == D("0.028")
    assert not aws.rate("eu-west-2", "clb_hour").unsure and aws.rate("eu-west-2", "clb_hour").usd == D("0.0294")
    gcp = load_table("gcp")
    assert gcp.rate("europe-west3", "forwarding_rule_first5").unsure
    assert gcp.rate("global", "address_reserved_unused_hour").usd == D("0.010")
    assert gcp.rate("us-central1", "address_on_forwarding_rule_hour").usd == 0


def test_stale_is_relative_to_the_newest_rate(tmp_path):
    path = tmp_path / "old.yaml"
    path.write_text(
        "cloud: azure\ncurrency: USD\nregions:\n  global:\n"
        "    lb_rules_first5_hour: {usd: '0.025', unit: hour, source: s, effective: '2026-10-01'}\n"
        "    lb_rule_additional_hour: {usd: '0.01', unit: hour, source: s, effective: '2025-10-01'}\n"
        "    lb_data_gb: {usd: '0.005', unit: GB, source: s, effective: '2025-09-30'}\n",
        encoding="utf-8",
    )
    table = load_table("azure", str(path))
    assert table.as_of.isoformat() == "2026-10-01"
    assert [(r.key, r.stale) for r in table.all_rates()] == [
        ("azure/global/lb_data_gb", True), ("azure/global/lb_rule_additional_hour", False), ("azure/global/lb_rules_first5_hour", False)]


@pytest.mark.parametrize("body, message", [
    ("cloud: aws\nregions: {}\n", "no 'regions' mapping"),
    ("cloud: aws\nregions:\n  us-east-1:\n    nlb_hour: {usd: '-1', unit: hour, source: s, effective: '2026-01-01'}\n", "rate us-east-1/nlb_hour is malformed"),
    ("cloud: aws\nregions:\n  us-east-1:\n    nlb_hour: {usd: '1', unit: hour, source: s, effective: 'soon'}\n", "effective date 'soon' is not YYYY-MM-DD"),
    ("cloud: gcp\nregions: {}\n", "not a aws rate table (needs 'cloud: aws', found 'gcp')"),
    ("cloud: aws\ncurrency: EUR\nregions: {}\n", "currency 'EUR' is not supported"),
])
def test_bad_rate_tables(tmp_path, body, message):
    path = tmp_path / "t.yaml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(PlannerError) as err:
        load_table("aws", str(path))
    assert str(err.value).startswith(str(path) + ": ")
    assert message in str(err.value)


def test_traffic_scenarios_count_each_owner_once_and_entrypoints_per_member():
    from planner.pricers.extras import traffic_scenarios

    p = GcpPricer()
    cl = Cluster("main")
    a, b = p.service_footprint(svc("a"), cl, None), p.service_footprint(svc("b"), cl, None)
    extra = Footprint(owner=a.owner, cloud="gcp", project="my-project", region="us-central1", kind="passthrough", forwarding_rules=1, addresses=0)
    ep = p.entrypoint_footprint({"kind": "Gateway", "name": "gw", "internal": False, "forwarding_rules": 1}, cl, None)
    rows = traffic_scenarios(p, [a, b, extra], [ep], {"Gateway gw": 2})
    # before: 3 rules 18.25 + inbound 2 x G x 0.008; after: global rule 18.25 + 2G in + 2G out x 0.008
    assert rows == [
        {"gib_per_service": 0, "current_monthly_usd": 18.25, "proposed_monthly_usd": 18.25, "savings_monthly_usd": 0.0},
        {"gib_per_service": 100, "current_monthly_usd": 19.85, "proposed_monthly_usd": 21.45, "savings_monthly_usd": -1.6},
        {"gib_per_service": 1000, "current_monthly_usd": 34.25, "proposed_monthly_usd": 50.25, "savings_monthly_usd": -16.0},
    ]


@pytest.mark.parametrize("cloud", sorted(PRICERS))
@pytest.mark.parametrize("service", [svc("web"), svc("db", ports=((5432, "TCP"),), ns="data", annotations={"service.beta.kubernetes.io/aws-load-balancer-type": "nlb"}), svc("dns", ports=((53, "UDP"), (53, "TCP")), cluster="edge")])
def test_a_service_footprint_is_owned_by_its_services_ref(cloud, service):
    """Every pricer names a Service's footprint by the Service's ref (the planner's rows take
    the ref from the footprint)."""
    cl = Cluster(name=service.cluster, cloud=cloud, project="p", region={"gcp": "us-central1", "aws": "us-east-1", "azure": "eastus"}[cloud])
    fp = get_pricer(cloud).service_footprint(service, cl, None)
    assert fp.owner == service.ref == f"Service {service.cluster}/{service.namespace}/{service.name}"
