"""The spine: the bundled demo's plan, asserted to the cent against a hand computation.

Rates (PRICING-FACTS.md, us-central1 and global): first 5 forwarding rules of a pool $0.025/h
flat = 730 x 0.025 = $18.25/month; each further rule $0.010/h = $7.30/month.

Today
  28 LoadBalancer Services, webrtc-turn (TCP+UDP) has 2 rules → 29 regional rules in
  us-central1: 18.25 + 24 x 7.30 = 18.25 + 175.20 = $193.45
  existing GKE Ingress shop/shop-legacy (class gce, TLS) → 2 global rules: $18.25
  total $211.70; load balancers 28 Services + 1 priced Ingress = 29 (the nginx-class Ingress
  has none of its own); forwarding rules 29 + 2 = 31.
Proposed (strategy auto → gateway)
  The internal group (grafana, analytics-dashboard) would retire 2 regional rules beyond the
  first five: 2 x 7.30 = $14.60, but its Gateway planner-internal (gke-l7-rilb, billed per proxy
  instance: 3 proxies, the assumed minimum, unsure, x 0.025 x 730 = $54.75) costs more, so both
  stay (NO_SAVINGS).
  17 Services stay (18 rules: webrtc-turn has 2) → 18 regional rules: 18.25 + 13 x 7.30 =
  18.25 + 94.90 = $113.15
  Gateway planner-external (HTTP + HTTPS) 2 global rules, shop-legacy folded into it: $18.25
  Cloud Armor for checkout's allow-list: 1 policy $5.00 + 2 rules (1 allow, 1 default deny) x
  $1.00 = $7.00
  reserved static IPs left unused after retire, $0.010/h = $7.30 each: shop-legacy-ip (the
  folded Ingress's global static IP), payments-api's loadBalancerIP 34.31.20.5 and cart's
  reserved address cart-ip: 3 x 7.30 = $21.90
  total 113.15 + 18.25 + 7.00 + 21.90 = $160.30; savings 211.70 - 160.30 = $51.40
  load balancers 17 + 1 = 18; forwarding rules 18 + 2 = 20.
"""
from __future__ import annotations

from decimal import Decimal

from planner.render.jsonplan import validate

KEPT = {
    "data/analytics-dashboard": "NO_SAVINGS",
    "internal-tools/grafana": "NO_SAVINGS",
    "data/kafka": "WELL_KNOWN_TCP_PORT",
    "data/redis-cache": "WELL_KNOWN_TCP_PORT",
    "games/game-server": "UDP",
    "ingress-nginx/ingress-nginx-controller": "INGRESS_CONTROLLER",
    "internal-tools/admin-portal": "INTERNAL_TLS",
    "internal-tools/vault-ui": "SOURCE_RANGES_INTERNAL",
    "media/rtmp-ingest": "TCP_ONLY",
    "media/webrtc-turn": "MIXED_PROTOCOL",
    "payments/fraud-scoring": "GRPC_PLAINTEXT",
    "payments/ledger-db": "WELL_KNOWN_TCP_PORT",
    "platform/legacy-billing": "OPT_OUT",
    "platform/mail-gateway": "WELL_KNOWN_TCP_PORT",
    "search/kibana": "MULTIPLE_HTTP_PORTS",
    "shop/storefront": "ROUTE_COLLISION",
    "telecom/diameter": "SCTP",
}
MOVED = {  # service -> (entrypoint, reason codes after HTTP_CONSOLIDATE)
    "default/status-page": ("planner-external", []),
    "payments/payments-api": ("planner-external", ["TLS_MANAGED_CERT", "TLS_ONLY", "SESSION_AFFINITY", "PINNED_IP"]),
    "platform/chat": ("planner-external", ["INVALID_BACKEND_TIMEOUT", "WEBSOCKET_TIMEOUT"]),
    "platform/docs": ("planner-external", []),
    "search/autocomplete": ("planner-external", ["PORT_CHANGES", "TLS_MANAGED_CERT", "TLS_ONLY"]),
    "search/elasticsearch": ("planner-external", ["PORT_CHANGES"]),
    "search/search-frontend": ("planner-external", ["BACKEND_TIMEOUT"]),
    "shop/cart": ("planner-external", ["TLS_MANAGED_CERT", "PINNED_IP", "ALREADY_ROUTED"]),
    "shop/catalog-api": ("planner-external", ["PORT_CHANGES"]),
    "shop/checkout": ("planner-external", ["TLS_MANAGED_CERT", "TLS_ONLY", "SOURCE_RANGES_CLOUD_ARMOR"]),
    "shop/recommendations": ("planner-external", ["CLIENT_IP_HEADER"]),
}


def test_demo_dollar_figures(demo_plan):
    s = demo_plan["summary"]
    assert s["current_monthly_usd"] == 211.70
    assert s["proposed_monthly_usd"] == 160.30
    assert s["savings_monthly_usd"] == 51.40
    # the Services' shares of the regional pool add up to it exactly
    assert sum(Decimal(str(x["current_monthly_usd"])) for x in demo_plan["services"]) == Decimal("193.45")
    eps = {e["name"]: e for e in demo_plan["entrypoints"]}
    assert eps["planner-external"]["monthly_usd"] == 25.25  # 2 global rules 18.25 + Cloud Armor 7.00
    assert "planner-internal" not in eps
    assert sorted(a["name_or_ip"] for a in demo_plan["leftover_addresses"]) == ["34.31.20.5", "cart-ip", "shop-legacy-ip"]
    proposed = {}
    for line in demo_plan["costs"]["proposed"]:
        proposed[line["kind"]] = round(proposed.get(line["kind"], 0) + line["monthly_usd"], 2)
    assert proposed == {"forwarding_rule": 18.25 + 113.15, "static_ip": 21.90, "cloud_armor_policy": 5.00, "cloud_armor_rule": 2.00, "certificate": 0.0}
    (legacy,) = [x for x in demo_plan["existing_entrypoints"] if x["name"] == "shop-legacy"]
    assert legacy["monthly_usd"] == 18.25


def test_demo_counts(demo_plan):
    s = demo_plan["summary"]
    assert (s["load_balancers_before"], s["load_balancers_after"]) == (29, 18)
    assert (s["forwarding_rules_before"], s["forwarding_rules_after"]) == (31, 20)
    assert (s["services_total"], s["services_consolidated"], s["services_kept"]) == (28, 11, 17)
    assert demo_plan["inputs"]["strategy"] == "gateway" and demo_plan["inputs"]["strategy_requested"] == "auto"


def test_demo_decisions_and_reason_codes(demo_plan):
    got_kept = {f"{x['namespace']}/{x['name']}": x["reasons"][0]["code"] for x in demo_plan["services"] if x["decision"] == "keep"}
    assert got_kept == KEPT
    got_moved = {f"{x['namespace']}/{x['name']}": (x["entrypoint"], [r["code"] for r in x["reasons"]]) for x in demo_plan["services"] if x["decision"] == "consolidate"}
    assert got_moved == {k: (ep, ["HTTP_CONSOLIDATE", *codes]) for k, (ep, codes) in MOVED.items()}


def test_demo_entrypoints_and_routes(demo_plan):
    eps = {e["name"]: e for e in demo_plan["entrypoints"]}
    assert sorted(eps) == ["planner-external"]  # the internal group stays: NO_SAVINGS
    ext = eps["planner-external"]
    assert (ext["kind"], ext["class"], ext["internal"], ext["forwarding_rules"]) == ("Gateway", "gke-l7-global-external-managed", False, 2)
    assert sorted((r["host"], r["path"], r["service"]) for r in ext["routes"]) == [
        ("autocomplete.search.example.com", "/", "autocomplete"),
        ("cart.acme-demo.com", "/", "cart"),
        ("catalog-api.shop.example.com", "/", "catalog-api"),
        ("chat.acme-demo.com", "/", "chat"),
        ("checkout.acme-demo.com", "/", "checkout"),
        ("docs.platform.example.com", "/", "docs"),
        ("elasticsearch.search.example.com", "/", "elasticsearch"),
        ("pay.acme-demo.com", "/", "payments-api"),
        ("search.acme-demo.com", "/", "search-frontend"),
        ("shop.acme-demo.com", "/", "recommendations"),
        ("status-page.default.example.com", "/", "status-page"),
        ("www.acme-demo.com", "/", "storefront-internal"),  # folded from Ingress shop/shop-legacy
        ("www.acme-demo.com", "/cart", "cart"),
    ]
    assert ext["certificates"] == [{"name": "planner-external-cert-1", "kind": "CertificateManager", "namespace": "planner-gateway",
                                    "hosts": ["autocomplete.search.example.com", "cart.acme-demo.com", "checkout.acme-demo.com", "pay.acme-demo.com", "www.acme-demo.com"]}]


def test_demo_existing_entrypoints(demo_plan):
    ex = {x["name"]: x for x in demo_plan["existing_entrypoints"]}
    assert (ex["shop-legacy"]["decision"], ex["shop-legacy"]["reason"]["code"], ex["shop-legacy"]["folded_into"]) == ("fold", "INGRESS_FOLDED", "planner-external")
    assert (ex["blog"]["decision"], ex["blog"]["reason"]["code"]) == ("keep", "INGRESS_NOT_PRICED")
    cart = next(x for x in demo_plan["services"] if x["name"] == "cart")
    assert cart["routed_by"] == ["Ingress main/shop/shop-legacy"]


def test_demo_policies(demo_plan):
    s = {x["name"]: x["policies"] for x in demo_plan["services"]}
    assert s["checkout"]["source_ranges"] == ["198.51.100.10/32", "203.0.113.0/24"]
    assert s["payments-api"]["session_affinity"] == "CLIENT_IP"
    assert (s["chat"]["timeout_sec"], s["search-frontend"]["timeout_sec"]) == (3600, 120)
    # plaintext gRPC stays (GRPC_PLAINTEXT): a kept service carries the default policies
    assert (s["fraud-scoring"]["app_protocol"], s["fraud-scoring"]["backend_protocol"]) == (None, None)
    # checkout serves only 443 (TLS-only, TLS to the Pod); cart serves 80 and 443: plain HTTP stays
    assert (s["checkout"]["tls_only"], s["checkout"]["backend_protocol"]) == (True, "HTTPS")
    assert (s["cart"]["tls_only"], s["cart"]["backend_protocol"]) == (False, "HTTP")


def test_demo_pinned_ip_note(demo_plan):
    (n,) = [n for n in demo_plan["notes"] if n["code"] == "PINNED_IP" and n["object"] == "Service main/payments/payments-api"]
    assert n["message"] == "loadBalancerIP 34.31.20.5 cannot move; the new address is static address planner-external-ip, assigned at build: clients and firewall rules pinned to 34.31.20.5 must move by DNS"


def test_demo_plan_is_valid(demo_plan):
    validate(demo_plan)


def test_demo_with_usage_keeps_the_heavy_grpc_service(tmp_path):
    """examples/demo-usage.csv: fraud-scoring 50 GiB in / 2,000 out, search-frontend 100 / 300.

    fraud-scoring is plaintext gRPC: the rules keep it (GRPC_PLAINTEXT) before traffic is
    weighed (the break-even check is covered in test_consolidate), so the figures are those of
    a kept fraud-scoring.
    Today: 211.70 + passthrough inbound (50 + 100) x 0.008 = 1.20 → $212.90.
    Proposed: the idle $160.30 of test_demo_dollar_figures (the internal group stays, NO_SAVINGS),
    + fraud-scoring inbound through its own passthrough LB 50 x 0.008 = 0.40, + planner-external
    processing of search-frontend's traffic 100 x 0.008 + 300 x 0.008 = 3.20 (us-central1's rate:
    there is no global data-processing rate) → $163.90; savings 212.90 - 163.90 = $49.00.
    """
    import json

    from planner.cli import main
    from tests.conftest import ROOT

    assert main(["analyze", "--out", str(tmp_path), "--usage", str(ROOT / "examples" / "demo-usage.csv")]) == 0
    plan = json.loads((tmp_path / "plan.json").read_text())
    validate(plan)
    svc = {x["name"]: x for x in plan["services"]}
    fraud = svc["fraud-scoring"]
    assert (fraud["decision"], fraud["reasons"][0]["code"], fraud.get("break_even_gib_per_month")) == ("keep", "GRPC_PLAINTEXT", None)
    assert svc["search-frontend"]["decision"] == "consolidate"
    s = plan["summary"]
    assert (s["current_monthly_usd"], s["proposed_monthly_usd"], s["savings_monthly_usd"]) == (212.90, 163.90, 49.00)
    assert s["data_processing"]["priced"] is True
