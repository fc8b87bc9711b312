"""build_plan behaviour on small inventories built in code: visibility, collisions, folding of
existing GKE Ingresses, certificate limits, strategies (auto / compare), break-even with traffic,
PROPOSAL_COSTS_MORE, runbook. Dollar figures are computed by hand from PRICING-FACTS
(us-central1 and global: first 5 rules $0.025/h flat = $18.25/month, each further rule
$0.010/h = $7.30/month; data processing $0.008/GiB)."""
from __future__ import annotations

import pytest

from planner.consolidate import Options, build_plan, certificates, choose
from planner.model import PlannerError
from planner.render.jsonplan import dumps
from tests.plan_factory import DNS, INTERNAL, by_name, codes, ingress, inventory, plan, svc


def tcp(n, ns="db"):
    return [svc(f"tcp{i}", ((5432, "TCP", "postgres"),), ns=ns) for i in range(n)]


def test_internal_and_external_never_share_an_entrypoint():
    p = plan(svc("pub", ns="a"), svc("priv", ns="b", ann=INTERNAL), strategy="gateway", consolidate_anyway=True)  # mechanics: forced (neither group saves)
    eps = {e["name"]: e for e in p["entrypoints"]}
    assert set(eps) == {"planner-external", "planner-internal"}
    assert eps["planner-internal"]["internal"] and eps["planner-internal"]["class"] == "gke-l7-rilb"
    assert eps["planner-internal"]["address"] == {"name": "planner-internal-ip", "global": False, "region": "us-central1"}
    assert [r["service"] for r in eps["planner-internal"]["routes"]] == ["priv"]
    assert [r["service"] for r in eps["planner-external"]["routes"]] == ["pub"]
    assert ("info", "INTERNAL_PREREQUISITES") in codes(p, "planner-internal")
    build = p["runbook"][0]["commands"]
    assert any(c.startswith("gcloud compute networks subnets create proxy-only-us-central1 --purpose=REGIONAL_MANAGED_PROXY") for c in build)


def test_collision_first_by_key_wins_and_both_carry_the_reason():
    a = svc("alpha", ns="shop", ann={DNS: "shop.example.org"})
    b = svc("beta", ns="shop", ann={DNS: "shop.example.org,beta.example.org"})
    c = svc("gamma", ns="shop", ann={DNS: "shop.example.org"})
    p = plan(a, b, c, strategy="gateway", consolidate_anyway=True)
    s = by_name(p)
    assert s["alpha"]["decision"] == "consolidate" and s["alpha"]["hosts"] == ["shop.example.org"]
    assert s["beta"]["decision"] == "consolidate" and s["beta"]["hosts"] == ["beta.example.org"]  # keeps its free host
    assert s["gamma"]["decision"] == "keep" and s["gamma"]["reasons"][0]["code"] == "ROUTE_COLLISION"
    warns = [n for n in p["notes"] if n["code"] == "ROUTE_COLLISION" and n["level"] == "warn"]
    assert {n["object"] for n in warns} == {"Service main/shop/alpha", "Service main/shop/beta", "Service main/shop/gamma"}
    assert any("Service main/shop/gamma" in n["message"] for n in warns if n["object"] == "Service main/shop/alpha")


def test_host_served_by_existing_ingress_is_not_taken():
    ing = ingress("blog", ns="web", cls="nginx", rules=(("blog.example.org", "/", "blog", 80),))
    s = svc("blog-lb", ns="web", ann={DNS: "blog.example.org"})
    p = plan(ing, s, strategy="gateway")
    row = by_name(p)["blog-lb"]
    assert row["decision"] == "keep" and row["reasons"][0]["code"] == "ROUTE_COLLISION"
    assert ("warn", "ROUTE_COLLISION") in codes(p, "Ingress main/web/blog")


def _fold_inventory(**ing_kw):
    kw = dict(ns="shop", rules=(("www.example.org", "/", "front", 8080), ("www.example.org", "/cart", "web", 80)), tls_hosts=("www.example.org",))
    kw.update(ing_kw)
    return [*tcp(6), svc("web", ns="shop", ann={DNS: "web.example.org"}), ingress("legacy", **kw)]


def test_gce_ingress_folds_into_the_gateway_with_exact_costs():
    p = plan(*_fold_inventory(), strategy="gateway")
    (ex,) = p["existing_entrypoints"]
    assert (ex["decision"], ex["reason"]["code"], ex["folded_into"]) == ("fold", "INGRESS_FOLDED", "planner-external")
    (ep,) = p["entrypoints"]
    assert [(r["host"], r["path"], r["service"], r.get("origin")) for r in ep["routes"]] == [
        ("web.example.org", "/", "web", None),
        ("www.example.org", "/", "front", "Ingress main/shop/legacy"),
        ("www.example.org", "/cart", "web", "Ingress main/shop/legacy"),
    ]
    assert ep["tls_hosts"] == ["www.example.org"] and ep["forwarding_rules"] == 2
    assert ep["certificates"] == [{"name": "planner-external-cert-1", "kind": "CertificateManager", "namespace": "planner-gateway", "hosts": ["www.example.org"]}]
    assert by_name(p)["web"]["routed_by"] == ["Ingress main/shop/legacy"]
    sm = p["summary"]
    # before: 7 regional rules = 18.25 + 2 x 7.30 = 32.85; Ingress with TLS 2 global rules = 18.25 → 51.10
    # after: 6 regional rules = 18.25 + 7.30 = 25.55; Gateway HTTP+HTTPS 2 global rules = 18.25 → 43.80
    assert (sm["current_monthly_usd"], sm["proposed_monthly_usd"], sm["savings_monthly_usd"]) == (51.10, 43.80, 7.30)
    assert (sm["load_balancers_before"], sm["load_balancers_after"]) == (8, 7)
    assert (sm["forwarding_rules_before"], sm["forwarding_rules_after"]) == (9, 8)
    retire = p["runbook"][2]
    assert "kubectl --context main -n shop delete ingress legacy  # folded into planner-external; run after its hosts resolve to the new address" in retire["commands"]
    assert "delete 1 folded Ingress (2 forwarding rules): main/shop/legacy" in retire["changes"]


def test_no_fold_option_keeps_the_ingress():
    p = plan(*_fold_inventory(), strategy="gateway", fold_ingresses=False)
    (ex,) = p["existing_entrypoints"]
    assert (ex["decision"], ex["reason"]["code"], ex["folded_into"]) == ("keep", "FOLD_DISABLED", None)
    sm = p["summary"]
    # after: 25.55 regional + global pool Ingress 2 + Gateway 1 = 3 rules, flat 18.25 → 43.80
    assert (sm["proposed_monthly_usd"], sm["load_balancers_after"]) == (43.80, 8)


@pytest.mark.parametrize("kw,code", [
    (dict(rules=((None, "/", "front", 80),)), "FOLD_HOSTLESS"),
    (dict(default_backend="front"), "FOLD_HOSTLESS"),
    (dict(ann={"networking.gke.io/v1beta1.FrontendConfig": "fc"}), "FOLD_UNSUPPORTED_ANNOTATION"),
    (dict(cls="gce-internal"), "INTERNAL_TLS"),
])
def test_fold_blockers(kw, code):
    p = plan(*_fold_inventory(**kw), strategy="gateway")
    (ex,) = p["existing_entrypoints"]
    assert (ex["decision"], ex["reason"]["code"]) == ("keep", code)
    assert ("info", code) in codes(p, "Ingress main/shop/legacy")


def test_ingress_strategy_never_folds_and_never_crosses_namespaces():
    p = plan(*_fold_inventory(), svc("api", ns="other"), strategy="ingress")
    (ex,) = p["existing_entrypoints"]
    assert (ex["decision"], ex["reason"]["code"]) == ("keep", "FOLD_NOT_GATEWAY")
    for ep in p["entrypoints"]:
        assert ep["kind"] == "Ingress" and all(r["namespace"] == ep["namespace"] for r in ep["routes"])
    assert sorted(e["name"] for e in p["entrypoints"]) == ["planner-other", "planner-shop"]


def test_tls_certificate_limits(monkeypatch):
    monkeypatch.setattr(certificates, "MAX_DOMAINS_PER_CERT", 2)
    monkeypatch.setattr(certificates, "MAX_CERTS_PER_INGRESS", 2)
    # plain HTTP with its TLS twin (a TLS-only service stays under the ingress strategy: TLS_ONLY_INGRESS)
    tls_svcs = [svc(f"s{i}", ((80, "TCP", "http"), (443, "TCP", "https")), ns="web") for i in range(5)]
    p = plan(*tls_svcs, strategy="ingress", consolidate_anyway=True)
    s = by_name(p)
    assert [s[f"s{i}"]["decision"] for i in range(5)] == ["consolidate"] * 4 + ["keep"]
    assert s["s4"]["reasons"][0]["code"] == "TLS_CERT_LIMIT"
    assert ("block", "TLS_CERT_LIMIT") in codes(p, "Service main/web/s4")
    (ep,) = p["entrypoints"]
    assert [(c["name"], c["kind"], c["hosts"]) for c in ep["certificates"]] == [
        ("planner-web-cert-1", "ManagedCertificate", ["s0.web.example.com", "s1.web.example.com"]),
        ("planner-web-cert-2", "ManagedCertificate", ["s2.web.example.com", "s3.web.example.com"]),
    ]
    g = plan(*tls_svcs, strategy="gateway", consolidate_anyway=True)
    assert all(r["decision"] == "consolidate" for r in g["services"])
    assert [len(c["hosts"]) for c in g["entrypoints"][0]["certificates"]] == [2, 2, 1]


def test_keep_nonstandard_ports_option():
    a = svc("api", ((8080, "TCP", "http"),))
    assert by_name(plan(a, strategy="gateway", consolidate_anyway=True))["api"]["decision"] == "consolidate"
    row = by_name(plan(a, strategy="gateway", keep_nonstandard_ports=True))["api"]
    assert (row["decision"], row["reasons"][0]["code"]) == ("keep", "NONSTANDARD_PORT")


def test_opt_out_reason_in_plan():
    row = by_name(plan(svc("x", ann={"planner.io/keep": "true", "planner.io/keep-reason": "<script>"}), strategy="gateway"))["x"]
    assert row["reasons"] == [{"code": "OPT_OUT", "message": 'annotated planner.io/keep: "true" by its owners: <script>'}]
    assert row["entrypoint"] is None and row["policies"]["source_ranges"] == []


def test_auto_picks_cheapest_and_ties_go_to_gateway():
    p = plan(svc("web"))
    assert p["inputs"]["strategy"] == "gateway" and p["inputs"]["strategy_requested"] == "auto"
    assert p["inputs"]["strategy_reason"] == "auto: gateway is the cheapest feasible strategy (gateway $18.25/month, 0 block note(s); ingress $18.25/month, 0 block note(s)); tie goes to gateway"
    fake = lambda cost, blocks: {"summary": {"proposed_monthly_usd": cost}, "notes": [{"level": "block"}] * blocks}  # noqa: E731
    assert choose({"gateway": fake(20.0, 0), "ingress": fake(10.0, 0)})[0] == "ingress"
    assert choose({"gateway": fake(20.0, 0), "ingress": fake(10.0, 1)})[0] == "gateway"


def test_compare_puts_every_strategy_side_by_side():
    objs = [svc("a", ns="one"), svc("b", ns="two"), svc("c", ns="three"), *tcp(5)]
    p = plan(*objs, compare=True)
    rows = {r["strategy"]: r for r in p["comparison"]}
    assert [r["strategy"] for r in p["comparison"]] == ["gateway", "ingress"]
    assert rows["gateway"]["chosen"] and not rows["ingress"]["chosen"]
    # regional after: 5 TCP rules = 18.25 either way; gateway 1 global rule 18.25; ingress 3 global rules 18.25
    assert rows["gateway"]["proposed_monthly_usd"] == rows["ingress"]["proposed_monthly_usd"] == 36.50
    assert (rows["gateway"]["load_balancers_after"], rows["ingress"]["load_balancers_after"]) == (6, 8)
    assert (rows["gateway"]["forwarding_rules_after"], rows["ingress"]["forwarding_rules_after"]) == (6, 8)
    assert "GKE Ingress is in maintenance mode; Google recommends the Gateway API" in rows["ingress"]["risks"]
    alone = plan(*objs, strategy="ingress")
    assert rows["ingress"]["proposed_monthly_usd"] == alone["summary"]["proposed_monthly_usd"]
    assert rows["ingress"]["notes_warn"] == sum(1 for n in alone["notes"] if n["level"] == "warn")


def test_unknown_strategy_is_a_planner_error():
    with pytest.raises(PlannerError, match="unknown strategy 'mesh'"):
        build_plan(inventory(svc()), Options(strategy="mesh"))


# --- break-even with traffic -------------------------------------------------------------

def test_break_even_keeps_a_heavy_service_and_shows_both_figures():
    # pool of 7 rules; moving web leaves 6 → saves one additional rule, $7.30/month;
    # 2,000 GiB out x $0.008 = $16.00/month of outbound processing → stays
    p = plan(*tcp(6), svc("web"), usage={("main", "default", "web"): (100, 2000)}, strategy="gateway")
    row = by_name(p)["web"]
    assert (row["decision"], row["reasons"][0]["code"]) == ("keep", "TRAFFIC_BREAK_EVEN")
    msg = row["reasons"][0]["message"]
    assert "saves $7.30/month" in msg and "adds $16.00/month" in msg and "below 912.50 GiB out per month" in msg
    assert row["break_even_gib_per_month"] == 912.5
    assert p["entrypoints"] == []


def test_break_even_lets_a_light_service_move():
    # per service it pays (500 GiB < 912.50), but the group does not: keeping web costs its
    # $7.30 additional rule + 100 GiB in x $0.008 = $8.10; the Gateway costs its flat $18.25
    # (1 global rule) + 600 GiB x $0.008 of L7 processing = $4.80 → $23.05: kept NO_SAVINGS
    usage = {("main", "default", "web"): (100, 500)}
    p = plan(*tcp(6), svc("web"), usage=usage, strategy="gateway")
    row = by_name(p)["web"]
    assert (row["decision"], row["reasons"][0]["code"]) == ("keep", "NO_SAVINGS")
    assert "keeping them costs $8.10/month, the new entrypoint would cost $23.05/month (net $-14.95/month" in row["reasons"][0]["message"]
    assert (p["summary"]["current_monthly_usd"], p["summary"]["proposed_monthly_usd"]) == (33.65, 33.65)  # 7 rules $32.85 + web inbound $0.80, both sides
    forced = by_name(plan(*tcp(6), svc("web"), usage=usage, strategy="gateway", consolidate_anyway=True))["web"]
    assert forced["decision"] == "consolidate" and forced["break_even_gib_per_month"] == 912.5


def test_break_even_respects_the_flat_first_five_tier():
    # 3 TCP + web = 4 rules; after the move 3 remain: still the flat $18.25, so moving saves $0.00
    p = plan(*tcp(3), svc("web"), usage={("main", "default", "web"): (0, 1)}, strategy="gateway")
    row = by_name(p)["web"]
    assert row["reasons"][0]["code"] == "TRAFFIC_BREAK_EVEN" and row["break_even_gib_per_month"] == 0.0
    assert "saves $0.00/month" in row["reasons"][0]["message"] and "adds $0.01/month" in row["reasons"][0]["message"]


def test_break_even_pool_that_empties_shares_its_flat_charge():
    # two services leave a pool of 2 rules: $18.25 saved, $9.13 each (half, rounded); 1,000 GiB out = $8.00
    usage = {("main", "default", "a"): (0, 1000), ("main", "default", "b"): (0, 1000)}
    p = plan(svc("a"), svc("b"), usage=usage, strategy="gateway", consolidate_anyway=True)
    assert [r["decision"] for r in p["services"]] == ["consolidate", "consolidate"]
    assert [r["break_even_gib_per_month"] for r in p["services"]] == [1141.25, 1141.25]
    # as a group it does not pay: keep $18.25; move: Gateway $18.25 + 2,000 GiB out x $0.008 = $34.25
    kept = plan(svc("a"), svc("b"), usage=usage, strategy="gateway")
    assert [r["reasons"][0]["code"] for r in kept["services"]] == ["NO_SAVINGS", "NO_SAVINGS"]
    assert "keeping them costs $18.25/month, the new entrypoint would cost $34.25/month" in kept["services"][0]["reasons"][0]["message"]


def test_break_even_without_usage_only_reports_the_threshold():
    p = plan(*tcp(6), svc("web"), strategy="gateway", consolidate_anyway=True)
    row = by_name(p)["web"]
    assert row["decision"] == "consolidate" and row["break_even_gib_per_month"] == 912.5
    assert "break_even_gib_per_month" not in by_name(p)["tcp0"]
    # retiring web saves one additional rule, $7.30; its Gateway costs $18.25: kept by default
    row = by_name(plan(*tcp(6), svc("web"), strategy="gateway"))["web"]
    assert (row["decision"], row["reasons"][0]["code"], row["marginal_savings_monthly_usd"]) == ("keep", "NO_SAVINGS", 0.0)
    assert "keeping them costs $7.30/month, the new entrypoint would cost $18.25/month (net $-10.95/month" in row["reasons"][0]["message"]


def test_proposal_that_costs_more_says_why():
    # 1 TCP + 1 HTTP: today one regional pool of 2 rules = $18.25; after: regional 1 rule $18.25 + Gateway $18.25
    # by default it is kept: moving web saves $0.00 (its pool stays in the flat tier)
    kept = plan(*tcp(1), svc("web"), strategy="gateway")
    assert (kept["summary"]["current_monthly_usd"], kept["summary"]["proposed_monthly_usd"]) == (18.25, 18.25)
    assert by_name(kept)["web"]["reasons"][0]["code"] == "NO_SAVINGS" and kept["entrypoints"] == []
    p = plan(*tcp(1), svc("web"), strategy="gateway", consolidate_anyway=True)
    assert (p["summary"]["current_monthly_usd"], p["summary"]["proposed_monthly_usd"]) == (18.25, 36.50)
    (n,) = [n for n in p["notes"] if n["code"] == "PROPOSAL_COSTS_MORE"]
    assert n["level"] == "warn" and n["message"].startswith("the proposed design costs $18.25/month more than today: the new entrypoint(s) cost $18.25/month")
    (f,) = [n for n in p["notes"] if n["code"] == "CONSOLIDATE_ANYWAY"]
    assert f["level"] == "warn" and f["message"] == "--consolidate-anyway: moving 1 group(s) that save nothing costs $18.25/month more than keeping them: planner-external (keep $0.00, move $18.25)"


def test_runbook_is_exact_for_the_plan():
    s1 = svc("checkout", ((443, "TCP", "https"),), ns="shop", load_balancer_source_ranges=("203.0.113.0/24",), session_affinity="ClientIP", load_balancer_ip="34.1.2.3")
    # (a plaintext gRPC service would stay: GRPC_PLAINTEXT; see tests/test_rules.py)
    s2 = svc("rpc", ((80, "TCP", "http"),), ns="shop", ann={"planner.io/backend-timeout": "300"})
    p = plan(s1, s2, strategy="gateway", consolidate_anyway=True)
    build, cut, retire = p["runbook"]
    assert [b["phase"] for b in p["runbook"]] == ["build", "cutover", "retire"]
    assert build["commands"] == ["pulumi stack init <stack>  # once", "pulumi config set gcp:project p", "pulumi config set planner:phase build", "pulumi preview", "pulumi up"]
    assert build["changes"] == [
        "create 1 static address: planner-external-ip",
        "create 1 entrypoint: Gateway planner-gateway/planner-external (class gke-l7-global-external-managed, 2 routes)",
        "create 1 managed certificate: planner-external-cert-1 (1 host)",
        "create 1 Cloud Armor security policy (allow listed ranges, deny the rest) for: shop/checkout",
        "set CLIENT_IP session affinity for: shop/checkout",
        "set backend timeouts for: shop/rpc (300s)",
        "no existing Service, Ingress or load balancer changes",
    ]
    assert cut["changes"][:2] == [
        "2 DNS records point at the new entrypoints: checkout.shop.example.com -> planner-external, rpc.shop.example.com -> planner-external",
        "clients pinned to old IPs must switch to DNS: shop/checkout (34.1.2.3)",
    ]
    assert retire["changes"][:2] == [
        "patch 2 Services from LoadBalancer to ClusterIP (server-side apply, never deleted): main/shop/checkout, main/shop/rpc",
        "GKE releases their 2 forwarding rules and external IPs",
    ]


def test_policies_are_carried_into_the_plan():
    s1 = svc("checkout", ((443, "TCP", "https"),), ns="shop", load_balancer_source_ranges=("203.0.113.0/24", "198.51.100.10/32"), session_affinity="ClientIP")
    row = by_name(plan(s1, strategy="gateway", consolidate_anyway=True))["checkout"]
    assert row["policies"] == {"source_ranges": ["198.51.100.10/32", "203.0.113.0/24"], "session_affinity": "CLIENT_IP", "timeout_sec": None, "app_protocol": "HTTPS", "tls": True,
                             "tls_only": True, "backend_protocol": "HTTPS", "draining_sec": None, "source_ranges_annotation": False}


def test_identical_input_gives_identical_json():
    objs = _fold_inventory() + [svc("x", ns="b", ann=INTERNAL)]
    assert dumps(plan(*objs, compare=True)) == dumps(plan(*reversed(objs), compare=True))


def test_wildcard_tls_host_stays_but_plain_wildcard_moves():
    p = plan(svc("wild", ((443, "TCP", "https"),), ann={DNS: "*.apps.example.org"}), svc("plainwild", ns="b", ann={DNS: "*.web.example.org"}), strategy="gateway", consolidate_anyway=True)
    s = by_name(p)
    assert (s["wild"]["decision"], s["wild"]["reasons"][0]["code"]) == ("keep", "TLS_WILDCARD")
    assert s["plainwild"]["decision"] == "consolidate" and s["plainwild"]["hosts"] == ["*.web.example.org"]


def test_no_valid_host_blocks():
    p = plan(svc("web"), strategy="gateway", domain="bad_domain")
    row = by_name(p)["web"]
    assert (row["decision"], row["reasons"][0]["code"]) == ("keep", "NO_VALID_HOST")
    assert ("block", "NO_VALID_HOST") in codes(p, "Service main/default/web")
    assert p["entrypoints"] == []
