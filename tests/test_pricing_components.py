"""Cost components (issue 11): every cost line has a kind, splits among its owners to the cent,
and what the proposed design creates is priced (GCP proxies, Cloud Armor, certificates, reserved
addresses), with the audit's corrections to today's prices. Hand computations in each test."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import pytest

from planner.model import COMPONENT_KINDS, Cluster, Footprint, Gateway, GatewayListener, Ingress, Port, Service, Source, Usage
from planner.pricers.aws import AwsPricer, classify_service
from planner.pricers.azure import AzurePricer
from planner.pricers.base import Pricing
from planner.pricers.gcp import GcpPricer, armor_rule_count, certificate_counts
from planner.pricers.rates import load_table

D = Decimal
SRC = Source("test.yaml", 1)


def svc(name, ports=((80, "TCP"),), cluster="main", ns="shop", annotations=None, lb_class=None):
    return Service(cluster=cluster, namespace=ns, name=name, type="LoadBalancer", ports=tuple(Port(p, proto) for p, proto in ports), source=SRC,
                   annotations=annotations or {}, load_balancer_class=lb_class)


def ing(name, cls="gce", tls=False, annotations=None, cluster="main", ns="shop"):
    return Ingress(cluster=cluster, namespace=ns, name=name, ingress_class=cls, paths=(), tls_hosts=(), has_tls=tls, source=SRC, annotations=annotations or {})


def gw(name, cls, ports=(80,), cluster="main"):
    return Gateway(cluster=cluster, namespace="infra", name=name, gateway_class=cls, listeners=tuple(GatewayListener(f"l{p}", p, "HTTP") for p in ports), source=SRC)


def ep(name="planner-external", internal=False, kind="Gateway", rules=1, **extra):
    return {"kind": kind, "name": name, "internal": internal, "forwarding_rules": rules, **extra}


@dataclass(frozen=True)
class UsageWithRequests(Usage):
    """A Usage that knows the month's requests (the core may add the field later)."""

    requests: Decimal = D(0)


def assert_exact_split(pricing):
    """Σ over owners of each line's component == the line's cents (half up), for every line;
    returns the components per owner."""
    for line in pricing.lines:
        assert line.kind in COMPONENT_KINDS, line
        alone = Pricing(lines=[line]).components_by_owner()
        shares = [D(str(c["monthly_usd"])) for cs in alone.values() for c in cs]
        assert len(shares) == len(set(line.owners))
        assert sum(shares) == line.monthly_usd.quantize(D("0.01"), rounding=ROUND_HALF_UP), line
    return pricing.components_by_owner()


# --- components_by_owner ----------------------------------------------------------------------
def test_seven_owners_in_a_five_rule_tier_pool_split_to_the_cent():
    """7 one-rule Services in us-central1: flat 18.25 for rules 1-5, 2 x 0.010 x 730 = 14.60 beyond.
    18.25 / 7 = 2.607142...: seven floors of 2.60 = 18.20, the 5 cents left go to the largest
    remainders (all equal: ties by name, s0-s4) -> 5 x 2.61 + 2 x 2.60 = 18.25.
    14.60 / 7 = 2.085714...: floors 14.56, 4 cents left -> s0-s3 2.09, s4-s6 2.08 = 14.60."""
    p = GcpPricer()
    pricing = p.price([p.service_footprint(svc(f"s{i}"), Cluster("main"), None) for i in range(7)])
    comps = pricing.components_by_owner()
    assert [(line.kind, line.monthly_usd) for line in pricing.lines] == [("forwarding_rule", D("18.250")), ("forwarding_rule", D("14.600"))]
    flat = [comps[f"Service main/shop/s{i}"][0]["monthly_usd"] for i in range(7)]
    extra = [comps[f"Service main/shop/s{i}"][1]["monthly_usd"] for i in range(7)]
    assert flat == [2.61] * 5 + [2.60] * 2 and round(sum(flat), 2) == 18.25
    assert extra == [2.09] * 4 + [2.08] * 3 and round(sum(extra), 2) == 14.60
    first = comps["Service main/shop/s0"][0]
    assert first == {"component": "forwarding_rule", "quantity": 104.285714, "unit": "hour", "rate_key": "gcp/us-central1/forwarding_rule_first5", "monthly_usd": 2.61, "unsure": False}
    assert comps["Service main/shop/s0"][1]["quantity"] == 208.571429  # 2 x 730 rule-hours / 7


def test_rule_pool_splits_by_rules_per_owner():
    """4 gce Ingresses with TLS (2 rules each) + 1 with allow-http "false" (1 rule) = 9 global
    rules: 18.25 + 4 x 7.30 = 47.45 (10 rules, had allow-http been ignored: 54.75).
    Flat 18.25 by 2:2:2:2:1 of 9: 4.0555.. x4 and 2.0277..: floors 4.05 x4 + 2.02 = 18.22, 3 cents
    to the largest remainders (0.0077 for 2.0277, then 0.0055 x4 by name: a, b) -> 4.06, 4.06,
    4.05, 4.05 and 2.03."""
    p = GcpPricer()
    cl = Cluster("main")
    fps = [p.ingress_footprint(ing(n, tls=True), cl, None) for n in "abcd"]
    fps.append(p.ingress_footprint(ing("e", tls=True, annotations={"kubernetes.io/ingress.allow-http": "false"}), cl, None))
    assert [fp.forwarding_rules for fp in fps] == [2, 2, 2, 2, 1]
    pricing = p.price(fps)
    assert pricing.total == D("47.45")
    comps = assert_exact_split(pricing)
    flat = {o[-1]: cs[0]["monthly_usd"] for o, cs in comps.items()}
    assert flat == {"a": 4.06, "b": 4.06, "c": 4.05, "d": 4.05, "e": 2.03}


def test_allow_http_false_ingress_alone_is_one_rule():
    """An Ingress with TLS and allow-http "false": 1 forwarding rule (HTTPS only) = 18.25."""
    p = GcpPricer()
    fp = p.ingress_footprint(ing("w", tls=True, annotations={"kubernetes.io/ingress.allow-http": "false"}), Cluster("main"), None)
    assert fp.forwarding_rules == 1
    assert p.price([fp]).total == D("18.25")
    assert p.ingress_footprint(ing("w", tls=True, annotations={"kubernetes.io/ingress.allow-http": "true"}), Cluster("main"), None).forwarding_rules == 2


def test_cost_line_to_dict_carries_kind_and_unsure():
    p = GcpPricer()
    line = p.price([p.service_footprint(svc("a"), Cluster("main", region="europe-west3"), None)]).lines[0]
    d = line.to_dict()
    assert (d["kind"], d["unsure"], d["monthly_usd"]) == ("forwarding_rule", True, 21.9)  # 0.030 x 730, EUR-derived


# --- GCP: what the proposed design creates ----------------------------------------------------
def test_internal_gateway_with_four_proxies():
    """gke-l7-rilb with proxies=4: 4 x 0.025 x 730 = 73.00, no forwarding-rule charge;
    100 GiB in + 100 GiB out at us-central1's 0.008 = 0.80 + 0.80 -> 74.60."""
    p = GcpPricer()
    fp = p.entrypoint_footprint(ep("planner-internal", internal=True, proxies=4), Cluster("main"), Usage(D(100), D(100)))
    assert (fp.proxy_billed, fp.proxies, fp.region) == (True, 4, "us-central1")
    pricing = p.price([fp])
    assert pricing.total == D("74.60")
    assert [(line.kind, line.component) for line in pricing.lines] == [
        ("proxy_instance", "Proxy instances (4, known)"),
        ("data_processing_in", "Inbound data processing: Gateway planner-internal"),
        ("data_processing_out", "Outbound data processing: Gateway planner-internal")]
    assert pricing.notes == []
    assert pricing.rates["gcp/us-central1/proxy_instance_hour"].unsure


def test_regional_proxies_are_shared_per_region_with_a_minimum():
    """Today's gce-internal Ingress and a gke-l7-rilb Gateway in one region share the region's
    proxies: 3 (assumed minimum) x 0.025 x 730 = 54.75, split 27.375 each: the odd cent to the
    first name (Gateway before Ingress) -> 27.38 / 27.37; the regional external
    class is proxy-billed too; a passthrough Service stays in the rule pool (18.25)."""
    p = GcpPricer()
    cl = Cluster("main")
    fps = [p.ingress_footprint(ing("int", cls="gce-internal"), cl, None), p.gateway_footprint(gw("rilb", "gke-l7-rilb"), cl, None), p.service_footprint(svc("tcp"), cl, None)]
    pricing = p.price(fps)
    assert pricing.total == D("73.00")
    assert pricing.by_owner == {"Gateway main/infra/rilb": D("27.38"), "Ingress main/shop/int": D("27.37"), "Service main/shop/tcp": D("18.25")}
    assert [n.code for n in pricing.notes] == ["GCP_PROXY_MINIMUM_ASSUMED"]
    assert p.gateway_footprint(gw("rx", "gke-l7-regional-external-managed"), cl, None).proxy_billed
    assert not p.gateway_footprint(gw("gx", "gke-l7-global-external-managed"), cl, None).proxy_billed


def test_cloud_armor_policy_with_twelve_ranges():
    """planner's Pulumi program: at most 10 ranges per allow rule, plus the default deny rule:
    12 ranges -> 2 allow + 1 deny = 3 rules. $5 policy + 3 x $1 = 8.00, on top of the global
    external Gateway's rule 18.25 -> 26.25. No requests known: no requests component."""
    p = GcpPricer()
    policy = {"name": "allow-office", "services": ["shop/web"], "ranges": [f"10.0.{i}.0/24" for i in range(12)]}
    assert armor_rule_count(policy) == 3
    fp = p.entrypoint_footprint(ep(security_policies=[policy]), Cluster("main"), Usage(D(0), D(0)))
    assert (fp.armor_policies, fp.armor_rules, fp.region, fp.data_region) == (1, 3, "global", "us-central1")
    pricing = p.price([fp])
    assert pricing.total == D("26.25")
    comps = assert_exact_split(pricing)["Gateway planner-external"]
    assert [(c["component"], c["quantity"], c["monthly_usd"], c["unsure"]) for c in comps] == [
        ("forwarding_rule", 730.0, 18.25, False), ("cloud_armor_policy", 1.0, 5.0, True), ("cloud_armor_rule", 3.0, 3.0, True)]


def test_cloud_armor_requests_priced_when_usage_knows_them():
    """4,000,000 requests x $0.75 per million = 3.00; explicit rules (a list of 2) -> 2 x $1.
    18.25 + 5 + 2 + 3 = 28.25."""
    p = GcpPricer()
    policy = {"name": "p", "services": [], "ranges": ["1.2.3.4/32"], "rules": [{"action": "allow"}, {"action": "deny(403)"}]}
    fp = p.entrypoint_footprint(ep(security_policies=[policy]), Cluster("main"), UsageWithRequests(D(0), D(0), D(4_000_000)))
    pricing = p.price([fp])
    assert pricing.total == D("28.25")
    assert [line.kind for line in pricing.lines] == ["forwarding_rule", "cloud_armor_policy", "cloud_armor_rule", "cloud_armor_requests"]
    assert armor_rule_count({"ranges": []}) == 1 and armor_rule_count({"rules": 4}) == 4


def test_pinned_ip_left_reserved_costs_7_30():
    """A static IPv4 left reserved after retire: 0.010 x 730 = 7.30 a month (regional or global)."""
    p = GcpPricer()
    fp = p.reserved_address_footprint("Address shop/web-ip", Cluster("main"), global_=False)
    pricing = p.price([fp])
    assert pricing.total == D("7.30")
    assert pricing.components_by_owner() == {"Address shop/web-ip": [
        {"component": "static_ip", "quantity": 730.0, "unit": "address-hour", "rate_key": "gcp/us-central1/address_reserved_unused_hour", "monthly_usd": 7.3, "unsure": False}]}
    assert p.price([p.reserved_address_footprint("Address g", Cluster("main"), global_=True)]).lines[0].rate.key == "gcp/global/address_reserved_unused_hour"


def test_global_l7_data_is_charged_at_the_clusters_region_rate():
    """No global data-processing rate: a gce Ingress of an asia-south1 cluster pays asia-south1's
    0.010/GiB: 18.25 + 100 x 0.010 + 100 x 0.010 = 20.25 (not 0.008 x 200 = 1.60)."""
    p = GcpPricer()
    fp = p.ingress_footprint(ing("w"), Cluster("main", region="asia-south1"), Usage(D(100), D(100)))
    pricing = p.price([fp])
    assert pricing.total == D("20.25")
    assert [line.rate.key for line in pricing.lines][1:] == ["gcp/asia-south1/data_inbound_gib", "gcp/asia-south1/data_outbound_gib"]
    # the scenario fast path agrees: 100 GiB each way -> 2.00
    assert p.data_totals([fp], [1], [100]) == [D("2.00")]
    assert load_table("gcp").find("global", "data_inbound_gib") is None


def test_certificates_are_components_even_at_zero():
    """3 Certificate Manager certificates on a Gateway: within the free 100 -> a $0 line, plus its
    certificate map at $0; an Ingress's ManagedCertificates are free and not counted."""
    p = GcpPricer()
    certs = [{"name": f"c{i}", "kind": "certificate-manager", "hosts": [f"h{i}.example.com"]} for i in range(3)]
    assert certificate_counts(ep(certificates=certs)) == (3, 1)
    assert certificate_counts(ep(kind="Ingress", certificates=[{"name": "m", "hosts": ["a"]}])) == (0, 0)
    assert certificate_counts(ep(certificates=[{"name": "s", "kind": "Secret", "hosts": ["a"]}])) == (0, 0)
    pricing = p.price([p.entrypoint_footprint(ep(certificates=certs), Cluster("main"), None)])
    assert pricing.total == D("18.25")
    comps = pricing.components_by_owner()["Gateway planner-external"]
    assert [(c["component"], c["quantity"], c["monthly_usd"]) for c in comps] == [("forwarding_rule", 730.0, 18.25), ("certificate", 3.0, 0.0), ("certificate", 1.0, 0.0)]


def test_certificates_beyond_the_free_hundred_split_by_count():
    """60 + 42 = 102 certificates in one project: 2 beyond 100 x $0.20 = 0.40, split 60:42 ->
    0.2353 and 0.1647: floors 0.23 + 0.16, the cent left to the larger remainder -> 0.24 / 0.16."""
    p = GcpPricer()
    cl = Cluster("main")
    a = p.entrypoint_footprint(ep("a", certificates=[{"name": f"a{i}", "kind": "certificate-manager", "hosts": []} for i in range(60)]), cl, None)
    b = p.entrypoint_footprint(ep("b", certificates=[{"name": f"b{i}", "kind": "certificate-manager", "hosts": []} for i in range(42)]), cl, None)
    pricing = p.price([a, b])
    beyond = next(line for line in pricing.lines if "beyond" in line.component)
    assert (beyond.quantity, beyond.monthly_usd) == (D(2), D("0.40"))
    comps = assert_exact_split(pricing)
    share = {o: sum(c["monthly_usd"] for c in cs if c["rate_key"] == "gcp/global/certificate_manager_certificate_month") for o, cs in comps.items()}
    assert share == {"Gateway a": 0.24, "Gateway b": 0.16}
    assert pricing.total == D("18.65")  # 2 rules in the global pool 18.25 + 0.40


# --- AWS --------------------------------------------------------------------------------------
def test_aws_eu_west_2_alb_from_the_price_list():
    """eu-west-2 ALB: 0.02646 x 730 = 19.3158 + 3 IPv4 x 0.005 x 730 = 10.95, and 1,000 GB ->
    1,000 LCU-hours x 0.0084 (EUW2-LCUUsage, not us-east-1's 0.008) = 8.40 -> 38.6658 = 38.67."""
    p = AwsPricer()
    pricing = p.price([p.entrypoint_footprint(ep(kind="Ingress"), Cluster("eks", region="eu-west-2"), Usage(D(500), D(500)))])
    assert pricing.total == D("38.67")
    lcu = pricing.rates["aws/eu-west-2/alb_lcu_hour"]
    assert (lcu.usd, lcu.effective, lcu.unsure) == (D("0.0084"), "2026-09-11", False)
    assert "EUW2-LCUUsage" in lcu.source
    assert [line.kind for line in pricing.lines] == ["lb_hour", "public_ipv4", "lcu"]
    assert_exact_split(pricing)


@pytest.mark.parametrize("annotations, expected, total", [
    ({}, ("nlb", True, "eks-auto-mode"), "16.43"),  # internal by default: 0.0225 x 730 = 16.425
    ({"service.beta.kubernetes.io/aws-load-balancer-scheme": "internet-facing"}, ("nlb", False, "eks-auto-mode"), "27.38"),  # + 3 IPv4 10.95 = 27.375
])
def test_eks_auto_mode_nlb_is_priced(annotations, expected, total):
    p = AwsPricer()
    s = svc("web", annotations=annotations, lb_class="eks.amazonaws.com/nlb")
    assert classify_service(s) == expected
    assert p.price([p.service_footprint(s, Cluster("eks", region="us-east-1"), None)]).total == D(total)


def test_eks_auto_mode_alb_ingress_class(tmp_path):
    """An Ingress whose class is the Auto Mode controller, or a class listed in the table's
    settings, is an ALB: 0.0225 x 730 = 16.425 (internal by default) -> 16.43; other classes None."""
    p = AwsPricer()
    cl = Cluster("eks", region="us-east-1")
    assert p.price([p.ingress_footprint(ing("a", cls="eks.amazonaws.com/alb"), cl, None)]).total == D("16.43")
    assert p.ingress_footprint(ing("b", cls="auto-alb"), cl, None) is None
    table = tmp_path / "aws.yaml"
    bundled = load_table("aws").path.read_text(encoding="utf-8")
    table.write_text(bundled.replace("alb_ingress_classes: []", "alb_ingress_classes: [auto-alb]"), encoding="utf-8")
    custom = AwsPricer(load_table("aws", str(table)))
    assert custom.ingress_footprint(ing("b", cls="auto-alb"), cl, None).lb_type == "alb"


def test_aws_classic_lb_carries_the_webhook_note():
    p = AwsPricer()
    pricing = p.price([p.service_footprint(svc("web"), Cluster("eks", region="us-east-1"), None)])
    assert "AWS_LBC_WEBHOOK" in {n.code for n in pricing.notes}


# --- Azure ------------------------------------------------------------------------------------
def test_azure_outbound_rule_counts_in_the_tiers():
    """10 single-port Services + the default outbound rule = 11 rules: 18.25 + 6 x 7.30 = 62.05;
    10 frontend IPs + 1 outbound IP = 11 x 3.65 = 40.15 -> 102.20. Behind one 80/443 ingress
    controller: 2 + 1 = 3 rules 18.25, 2 IPs 7.30 -> 25.55. Saves 76.65 (PRICING-FACTS audit)."""
    p = AzurePricer()
    cl = Cluster("aks", region="westeurope")
    before = p.price([p.service_footprint(svc(f"app{i}", cluster="aks"), cl, None) for i in range(10)])
    after = p.price([p.entrypoint_footprint(ep(), cl, None)])
    assert (before.total, after.total, before.total - after.total) == (D("102.20"), D("25.55"), D("76.65"))
    # each of the 11 owners: 62.05 / 11 = 5.6409 + one IP 3.65 = 9.2909; 11 floors of 9.29 = 102.19,
    # the cent left to the first name ("AKS outbound aks")
    assert before.by_owner["AKS outbound aks"] == D("9.30")
    assert before.by_owner["Service aks/shop/app0"] == D("9.29")
    assert [n.code for n in after.notes] == ["AZURE_OUTBOUND_COUNTED"]
    assert [line.kind for line in before.lines] == ["lb_rule", "lb_rule", "public_ipv4"]
    assert_exact_split(before)
    # settable: aks_outbound_rules / aks_outbound_ips (rate-table settings or constructor)
    assert AzurePricer(outbound_rules=0, outbound_ips=0).price([p.service_footprint(svc(f"app{i}", cluster="aks"), cl, None) for i in range(10)]).total == D("91.25")
    assert load_table("azure").settings == {"aks_outbound_rules": 1, "aks_outbound_ips": 1}


def test_every_line_of_a_mixed_plan_has_a_known_kind():
    p = GcpPricer()
    cl = Cluster("main")
    use = Usage(D(10), D(10))
    fps = [p.service_footprint(svc(f"s{i}"), cl, use) for i in range(6)]
    fps += [p.entrypoint_footprint(ep("int", internal=True), cl, use), p.reserved_address_footprint("Address x", cl, False),
            p.entrypoint_footprint(ep("ext", security_policies=[{"name": "p", "ranges": ["1.1.1.1/32"]}], certificates=[{"name": "c", "hosts": []}]), cl, use)]
    pricing = p.price(fps)
    assert {line.kind for line in pricing.lines} == {"forwarding_rule", "proxy_instance", "static_ip", "data_processing_in", "data_processing_out", "cloud_armor_policy", "cloud_armor_rule", "certificate"}
    comps = assert_exact_split(pricing)
    # components split line by line, by_owner splits a pool's total once: an owner's components
    # may differ from its by_owner cents by at most a cent per line it shares
    for owner, cs in comps.items():
        assert abs(D(str(round(sum(c["monthly_usd"] for c in cs), 2))) - pricing.by_owner[owner]) <= D("0.01") * len(cs), owner


def test_footprint_defaults_keep_plain_services_cheap():
    fp = Footprint(owner="x", cloud="gcp", project="p", region="r", kind="passthrough", forwarding_rules=1)
    assert (fp.proxy_billed, fp.proxies, fp.data_region, fp.armor_policies, fp.certificates) == (False, 0, "", 0, 0)


@pytest.mark.parametrize("cloud", ["gcp", "aws", "azure"])
def test_docs_list_every_rate_with_its_source(cloud):
    from pathlib import Path

    doc = (Path(__file__).resolve().parent.parent / "docs" / "pricing.md").read_text(encoding="utf-8")
    table = load_table(cloud)
    for region in table.regions:
        for rate in table.region_rates(region):
            row = f"| {cloud} | {region} | `{rate.key.split('/')[-1]}` | {rate.usd} | {rate.unit} | {rate.effective} | {'**unsure**' if rate.unsure else 'no'} | {rate.source.replace('|', '/')}"
            assert row in doc, row


# --- allocate's largest-remainder order, grouped by remainder (equivalence with the plain sort)
from decimal import ROUND_DOWN as _DOWN

from hypothesis import given, settings, strategies as st

from planner.pricers import base as _base


def _allocate_by_sorting(amount, weights):
    """allocate as first written: every owner sorted by (remainder, name)."""
    total_w = sum(weights.values())
    amount = amount.quantize(_base.CENT, rounding=_base.ROUND_HALF_UP)
    if total_w == 0:
        return {k: _base.Decimal(0) for k in weights}
    rem, floor = {}, {}
    for k, w in weights.items():
        raw = amount * w / total_w
        floor[k] = raw.quantize(_base.CENT, rounding=_DOWN)
        rem[k] = -(raw - floor[k])
    left = int(((amount - sum(floor.values())) / _base.CENT).to_integral_value())
    for k in sorted(weights, key=lambda k: (rem[k], k))[:left]:
        floor[k] += _base.CENT
    return floor


@settings(max_examples=300, deadline=None)
@given(cents=st.integers(0, 10_000_000), weights=st.dictionaries(st.text("abcé", min_size=1, max_size=4), st.integers(0, 7), min_size=1, max_size=40))
def test_allocate_equals_sorting_every_owner(cents, weights):
    amount = _base.Decimal(cents) / 1000  # sub-cent amounts too: rounded half up first
    got = _base.allocate(amount, weights)
    assert got == _allocate_by_sorting(amount, weights)
    assert list(got) == list(weights)
    if sum(weights.values()):
        assert sum(got.values()) == amount.quantize(_base.CENT, rounding=_base.ROUND_HALF_UP)


def test_allocate_ties_go_to_owner_names_in_order():
    # $1.00 over three equal owners: 33 cents each, the cent left goes to the first name
    assert _base.allocate(_base.Decimal("1.00"), {"b": 1, "a": 1, "c": 1}) == {"b": _base.Decimal("0.33"), "a": _base.Decimal("0.34"), "c": _base.Decimal("0.33")}
    # weights 1 and 2 of $0.10 (3.33 and 6.67 cents): floors 3 + 6, the cent to the larger remainder (weight 2)
    assert _base.allocate(_base.Decimal("0.10"), {"x": 1, "y": 2}) == {"x": _base.Decimal("0.03"), "y": _base.Decimal("0.07")}


def test_footprint_like_equals_replace_and_stays_frozen():
    import dataclasses

    from planner.model import Footprint, Usage

    fp = Footprint(owner="", cloud="gcp", project="p", region="r", kind="passthrough", forwarding_rules=2)
    got = fp.like(owner="Service c/ns/a", usage=Usage(_base.Decimal(3), _base.Decimal(4)))
    want = dataclasses.replace(fp, owner="Service c/ns/a", usage=Usage(_base.Decimal(3), _base.Decimal(4)))
    assert got == want and hash(got) == hash(want) and repr(got) == repr(want)
    assert fp.owner == "" and fp.usage is None  # the template is untouched
    with pytest.raises(dataclasses.FrozenInstanceError):
        got.owner = "x"
    with pytest.raises(TypeError, match="no field"):
        fp.like(ownr="typo")


def test_gcp_service_footprints_are_copies_of_one_template_per_shape():
    from planner.model import Cluster, Port, Service, Source
    from planner.pricers.gcp import GcpPricer

    pricer = GcpPricer()
    cl = Cluster("c", project="p", region="us-central1")
    mk = lambda name, ports: Service("c", "ns", name, "LoadBalancer", ports, Source("f", 1))
    a = pricer.service_footprint(mk("a", (Port(80), Port(53, "UDP"))), cl, None)
    b = pricer.service_footprint(mk("b", (Port(443), Port(54, "UDP"))), cl, None)
    assert (a.owner, a.forwarding_rules, a.region, a.project, a.kind) == ("Service c/ns/a", 2, "us-central1", "p", "passthrough")
    assert b.owner == "Service c/ns/b" and a.owner == "Service c/ns/a"  # copies, not one object
    assert len(pricer._passthrough) == 1


# --- components_by_owner: the per-weight split against the first, owner-by-owner version ---
from collections import defaultdict as _dd

from planner.model import CostLine as _CostLine, Rate as _Rate


def _components_by_owner_reference(p):
    """components_by_owner as first written: weights summed owner by owner, allocate's dict,
    one component per (weight, cents)."""
    out = {}
    for line in p.lines:
        if not line.owners:
            continue
        if len(line.owners) == 1:
            out.setdefault(line.owners[0], []).append(_base._component(line, line.quantity, line.monthly_usd.quantize(_base.CENT, rounding=_base.ROUND_HALF_UP)))
            continue
        weights = _dd(int)
        for i, owner in enumerate(line.owners):
            weights[owner] += line.weights[i] if line.weights else 1
        total_w = sum(weights.values())
        if total_w == 0:
            weights = {k: 1 for k in weights}
            total_w = len(weights)
        made = {}
        for owner, share in _allocate_by_sorting(line.monthly_usd, dict(weights)).items():
            w = weights[owner]
            got = made.get((w, share))
            if got is None:
                got = made[(w, share)] = _base._component(line, line.quantity * w / total_w, share)
            out.setdefault(owner, []).append(got)
    return dict(sorted(out.items()))


_RATE = _Rate("gcp.forwarding_rule.first5", _base.Decimal("0.025"), "hour", "https://cloud.google.com/vpc/network-pricing", "2024-01-01")


@st.composite
def _lines(draw):
    names = st.sampled_from(["Service c/a", "Service c/b", "Service c/c", "Service d/a", "Gateway g", "Address x"])
    lines = []
    for _ in range(draw(st.integers(1, 5))):
        owners = tuple(draw(st.lists(names, min_size=0, max_size=8)))
        weighted = draw(st.booleans())
        weights = tuple(draw(st.integers(0, 4)) for _ in owners) if weighted else ()
        cents = draw(st.integers(0, 500_000))
        lines.append(_CostLine("pool", "Forwarding rules", "hour", _base.Decimal(draw(st.integers(0, 2000))) / 4, _RATE, _base.Decimal(cents) / 1000, owners, "forwarding_rule", weights))
    return lines


@settings(max_examples=300, deadline=None)
@given(lines=_lines())
def test_components_by_owner_equals_the_owner_by_owner_split(lines):
    p = _base.Pricing(lines=lines)
    got, want = p.components_by_owner(), _components_by_owner_reference(p)
    assert got == want and list(got) == list(want)
    # components are shared alike: two (owner, index) places hold one object in both or neither
    def sharing(result):
        first: dict[int, tuple] = {}
        return [first.setdefault(id(c), (o, i)) for o in result for i, c in enumerate(result[o])]

    assert sharing(got) == sharing(want)


def test_components_by_owner_splits_a_pool_to_the_cent():
    # $18.25 (730 h x $0.025) over rules of 1, 1 and 2: 4.5625 / 4.5625 / 9.125 -> 4.56 / 4.56 / 9.13
    # (the cent left goes to the largest remainder, weight 2's 0.005 before 0.0025)
    line = _CostLine("pool", "Forwarding rules 1-5 (flat)", "hour", _base.Decimal(730), _RATE, _base.Decimal("18.25"), ("Service c/a", "Service c/b", "Service c/c"), "forwarding_rule", (1, 1, 2))
    got = _base.Pricing(lines=[line]).components_by_owner()
    assert [got[o][0]["monthly_usd"] for o in ("Service c/a", "Service c/b", "Service c/c")] == [4.56, 4.56, 9.13]
    assert [got[o][0]["quantity"] for o in ("Service c/a", "Service c/b", "Service c/c")] == [182.5, 182.5, 365.0]
    assert got["Service c/a"][0] is got["Service c/b"][0]  # equal weight, equal cents: one component
