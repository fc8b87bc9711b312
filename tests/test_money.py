"""Honest money (issue 11): move only what pays, cost every phase, one cost model.

Hand figures from PRICING-FACTS (us-central1 and global): the first 5 forwarding rules of a
pool cost $0.025/h flat = $18.25/month, each further rule $0.010/h = $7.30/month; data
processing $0.008/GiB; 730 hours a month."""
from __future__ import annotations

from planner.consolidate.checks import money_problems
from tests.plan_factory import INTERNAL, by_name, codes, plan, svc


def http(n, ns="web"):
    return [svc(f"h{i}", ns=ns) for i in range(n)]


def test_a_lone_load_balancer_is_kept_with_both_figures():
    # today 1 rule = $18.25; moved: the pool empties (-$18.25) and the Gateway's global rule
    # costs $18.25: net $0.00, not more than $0.00
    p = plan(svc("web"))
    row = by_name(p)["web"]
    assert (row["decision"], row["reasons"][0]["code"]) == ("keep", "NO_SAVINGS")
    assert row["reasons"][0]["message"] == (
        "moving the 1 service(s) of Gateway planner-external saves nothing worth it: keeping them costs $18.25/month, "
        "the new entrypoint would cost $18.25/month (net $0.00/month, not more than $0.00); kept (--consolidate-anyway moves them still)")
    assert (row["current_monthly_usd"], row["proposed_monthly_usd"], row["marginal_savings_monthly_usd"]) == (18.25, 18.25, 0.0)
    s = p["summary"]
    assert (s["current_monthly_usd"], s["proposed_monthly_usd"], s["savings_monthly_usd"]) == (18.25, 18.25, 0.0)
    assert p["entrypoints"] == [] and ("info", "NO_SAVINGS") in codes(p, "Service main/default/web")
    assert [(ph["phase"], ph["monthly_usd"]) for ph in p["phases"]] == [("build", 18.25), ("cutover", 18.25), ("retire", 18.25)]
    assert (s["migration_overlap_usd"], s["payback_days"]) == (0.0, None)


def test_min_savings_sets_the_bar():
    # 8 HTTP services: today 18.25 + 3 x 7.30 = $40.15; moved: Gateway $18.25 → saves $21.90
    objs = http(8)
    moved = plan(*objs, min_savings="21.89")
    assert moved["summary"]["savings_monthly_usd"] == 21.90 and moved["summary"]["services_consolidated"] == 8
    kept = plan(*objs, min_savings="21.90")
    row = by_name(kept)["h0"]
    assert row["reasons"][0]["code"] == "NO_SAVINGS"
    assert "keeping them costs $40.15/month, the new entrypoint would cost $18.25/month (net $21.90/month, not more than $21.90 (--min-savings))" in row["reasons"][0]["message"]
    assert kept["summary"]["proposed_monthly_usd"] == 40.15


def test_forced_move_that_costs_more_says_what_it_costs():
    # 1 TCP + 1 HTTP share a pool of 2 rules ($18.25); moving web leaves 1 rule ($18.25 still)
    # and adds the Gateway ($18.25): $18.25/month more
    tcp = svc("db", ((5432, "TCP", "postgres"),))
    kept = plan(tcp, svc("web"))
    assert kept["summary"]["proposed_monthly_usd"] == 18.25 and by_name(kept)["web"]["reasons"][0]["code"] == "NO_SAVINGS"
    forced = plan(tcp, svc("web"), consolidate_anyway=True)
    assert forced["summary"]["savings_monthly_usd"] == -18.25
    (n,) = [n for n in forced["notes"] if n["code"] == "CONSOLIDATE_ANYWAY"]
    assert n["message"] == "--consolidate-anyway: moving 1 group(s) that save nothing costs $18.25/month more than keeping them: planner-external (keep $0.00, move $18.25)"
    web = by_name(forced)["web"]
    # the pool stays within the flat tier: retiring web saves $0.00; it carries the Gateway's cost
    assert (web["marginal_savings_monthly_usd"], web["proposed_monthly_usd"]) == (0.0, 18.25)
    assert forced["summary"]["payback_days"] is None


def test_groups_are_decided_one_by_one():
    # 7 external + 1 internal HTTP service, one pool of 8 rules: $40.15 today.
    # internal group: keeping its service = 1 rule in a pool that would otherwise be empty
    # ($18.25); moving it = the internal Gateway, billed per proxy instance: 3 x 0.025 x 730 =
    # $54.75: costs $36.50 more → kept.
    # external group, with the internal service kept: keep = 8 rules less 1 = $40.15 - $18.25
    # = $21.90; move = the Gateway's global rule $18.25: saves $3.65 → moves.
    p = plan(*http(7), svc("priv", ns="b", ann=INTERNAL), strategy="gateway")
    s = by_name(p)
    assert {s[f"h{i}"]["decision"] for i in range(7)} == {"consolidate"}
    assert (s["priv"]["decision"], s["priv"]["reasons"][0]["code"]) == ("keep", "NO_SAVINGS")
    assert "keeping them costs $18.25/month, the new entrypoint would cost $54.75/month (net $-36.50/month" in s["priv"]["reasons"][0]["message"]
    assert [e["name"] for e in p["entrypoints"]] == ["planner-external"]
    assert (p["summary"]["current_monthly_usd"], p["summary"]["proposed_monthly_usd"], p["summary"]["savings_monthly_usd"]) == (40.15, 36.50, 3.65)
    # marginal, given its pool: 1 rule stays, so any one of them coming back (2 rules) is
    # still within the flat tier: each alone saves $0.00 (the group saves $21.90 together)
    assert {s[f"h{i}"]["marginal_savings_monthly_usd"] for i in range(7)} == {0.0}


def test_demo_phases_overlap_and_payback(demo_plan):
    # today: global 2 rules (Ingress shop-legacy) $18.25 + us-central1 29 rules 18.25 + 24 x 7.30 = $193.45 → $211.70
    # build/cutover: + planner-external (2 global rules: 4 in the pool, still flat: +$0.00) + its
    # Cloud Armor policy for checkout ($5.00 + 2 rules x $1.00) + a Certificate Manager
    # certificate (first 100 free) = $218.70 (reserved IPs are still in use: free); retire: $160.30
    rows = [(ph["phase"], ph["monthly_usd"]) for ph in demo_plan["phases"]]
    assert rows == [("build", 218.70), ("cutover", 218.70), ("retire", 160.30)]
    s = demo_plan["summary"]
    # overlap: $7.00/month extra for 14 days = 7.00 x 336 / 730 = $3.22
    # payback: 3.22 / (51.40 x 24 / 730 = $1.69/day) = 1.905 → 1.9 days
    assert (s["migration_overlap_usd"], s["overlap_days"], s["payback_days"]) == (3.22, 14, 1.9)
    build = {(c["component"], c["rate_key"]): c for c in demo_plan["phases"][0]["cost_components"]}
    assert build[("forwarding_rule", "gcp/us-central1/forwarding_rule_additional")]["monthly_usd"] == 175.20  # 24 x 7.30: no new regional rule
    assert build[("forwarding_rule", "gcp/us-central1/forwarding_rule_additional")]["quantity"] == 24 * 730
    assert money_problems(demo_plan) == []


def test_every_priced_thing_is_the_sum_of_its_components(demo_plan):
    for group in ("services", "entrypoints", "existing_entrypoints", "phases"):
        for row in demo_plan[group]:
            figure = row.get("current_monthly_usd", row.get("monthly_usd"))
            assert bool(row["cost_components"]) == (figure > 0), (group, row.get("name"))
            assert {c["component"] for c in row["cost_components"]} <= {"forwarding_rule", "static_ip", "data_processing_in", "data_processing_out", "cloud_armor_policy", "cloud_armor_rule", "certificate"}
    moved = [r for r in demo_plan["services"] if r["decision"] == "consolidate"]
    assert round(sum(r["proposed_monthly_usd"] for r in moved), 2) == round(sum(e["monthly_usd"] for e in demo_plan["entrypoints"]), 2)
    for r in demo_plan["services"]:
        if r["decision"] == "keep":
            assert (r["proposed_monthly_usd"], r["marginal_savings_monthly_usd"]) == (r["current_monthly_usd"], 0.0)


def test_a_pinned_ip_left_reserved_after_retire_is_priced(monkeypatch):
    # until the pricers price leftover addresses themselves (reserved_address_footprint), a
    # stand-in: GCP's reserved-and-unused address footprint ($0.010/h = $7.30/month)
    from planner.model import Footprint
    from planner.pricers.gcp import GcpPricer

    def reserved(self, owner, cluster, global_):
        return Footprint(owner=owner, cloud="gcp", project=cluster.project, region="global" if global_ else cluster.region, kind="passthrough", forwarding_rules=0, lb_type="address", addresses=1)

    monkeypatch.setattr(GcpPricer, "reserved_address_footprint", reserved, raising=False)
    objs = [svc("pinned", load_balancer_ip="34.1.2.3"), *http(7)]
    p = plan(*objs)
    assert p["leftover_addresses"] == [{"name_or_ip": "34.1.2.3", "owner": "Service main/default/pinned", "global": False}]
    # today 8 rules: 18.25 + 3 x 7.30 = $40.15; after: Gateway $18.25 + the reserved IP $7.30 = $25.55
    assert (p["summary"]["current_monthly_usd"], p["summary"]["proposed_monthly_usd"], p["summary"]["savings_monthly_usd"]) == (40.15, 25.55, 14.60)
    retire = {c["component"]: c["monthly_usd"] for c in p["phases"][2]["cost_components"]}
    assert retire == {"forwarding_rule": 18.25, "static_ip": 7.30}


def test_a_group_whose_leftover_ip_eats_the_saving_is_kept(monkeypatch):
    # 2 services in a pool of 7 rules: moving both saves 2 x 7.30 = $14.60; the Gateway $18.25
    # alone already costs more; the pinned IP adds $7.30: keep $14.60 against move $25.55
    from planner.model import Footprint
    from planner.pricers.gcp import GcpPricer

    monkeypatch.setattr(GcpPricer, "reserved_address_footprint", lambda self, owner, cluster, global_: Footprint(owner=owner, cloud="gcp", project=cluster.project, region=cluster.region, kind="passthrough", forwarding_rules=0, lb_type="address", addresses=1), raising=False)
    tcp = [svc(f"db{i}", ((5432, "TCP", "postgres"),), ns="db") for i in range(5)]
    p = plan(*tcp, svc("a", load_balancer_ip="34.1.2.3"), svc("b"))
    row = by_name(p)["a"]
    assert row["reasons"][0]["code"] == "NO_SAVINGS"
    assert "keeping them costs $14.60/month, the new entrypoint would cost $25.55/month" in row["reasons"][0]["message"]
    assert p["leftover_addresses"] == []


def test_entrypoints_tell_the_pricer_their_proxies_and_cloud_armor_policies():
    # what pricer.entrypoint_footprint reads: proxies on regional (internal) entrypoints only
    # (--proxy-instances, default 3); one Cloud Armor policy per service with source ranges,
    # ceil(12 / 10) = 2 allow rules + 1 default deny (as the Pulumi program builds it)
    ranges = tuple(f"203.0.113.{i}/32" for i in range(12))
    objs = [svc("pub", load_balancer_source_ranges=ranges), svc("priv", ns="b", ann=INTERNAL)]
    p = plan(*objs, strategy="gateway", consolidate_anyway=True, proxy_instances=4)
    eps = {e["name"]: e for e in p["entrypoints"]}
    assert (eps["planner-external"]["proxies"], eps["planner-internal"]["proxies"]) == (0, 4)
    assert eps["planner-external"]["security_policies"] == [{"name": "planner-default-pub", "services": ["Service main/default/pub"], "ranges": 12, "rules": 3}]
    assert eps["planner-internal"]["security_policies"] == []
