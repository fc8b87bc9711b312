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
  15 Services stay (16 rules, webrtc-turn 2; fraud-scoring is plaintext gRPC, GRPC_PLAINTEXT)
  → 16 regional rules: 18.25 + 11 x 7.30 = $98.55
  Gateway planner-internal (gke-l7-rilb, a regional internal ALB) is billed per proxy instance,
  not in the rule pool (PRICING-FACTS audit): 3 proxies (assumed minimum, unsure) x 0.025 x 730
  = $54.75
  Gateway planner-external (HTTP + HTTPS) 2 global rules, shop-legacy folded into it: $18.25
  total 98.55 + 54.75 + 18.25 = $171.55; savings 211.70 - 171.55 = $40.15
  load balancers 15 + 2 = 17; forwarding rules 16 + 1 + 2 = 19 (the internal Gateway's rule
  exists, it is just not billed as one).
"""
from __future__ import annotations

from decimal import Decimal

from planner.render.jsonplan import validate

KEPT = {
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
    "data/analytics-dashboard": ("planner-internal", ["INTERNAL_ENTRYPOINT", "INTERNAL_GLOBAL_ACCESS"]),
    "default/status-page": ("planner-external", []),
    "internal-tools/grafana": ("planner-internal", ["INTERNAL_ENTRYPOINT", "PORT_CHANGES"]),
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
    assert s["proposed_monthly_usd"] == 171.55
    assert s["savings_monthly_usd"] == 40.15
    # the Services' shares of the regional pool add up to it exactly
    assert sum(Decimal(str(x["current_monthly_usd"])) for x in demo_plan["services"]) == Decimal("193.45")
    eps = {e["name"]: e for e in demo_plan["entrypoints"]}
    assert eps["planner-external"]["monthly_usd"] == 18.25
    assert eps["planner-internal"]["monthly_usd"] == 54.75
    (legacy,) = [x for x in demo_plan["existing_entrypoints"] if x["name"] == "shop-legacy"]
    assert legacy["monthly_usd"] == 18.25


def test_demo_counts(demo_plan):
    s = demo_plan["summary"]
    assert (s["load_balancers_before"], s["load_balancers_after"]) == (29, 17)
    assert (s["forwarding_rules_before"], s["forwarding_rules_after"]) == (31, 19)
    assert (s["services_total"], s["services_consolidated"], s["services_kept"]) == (28, 13, 15)
    assert demo_plan["inputs"]["strategy"] == "gateway" and demo_plan["inputs"]["strategy_requested"] == "auto"


def test_demo_decisions_and_reason_codes(demo_plan):
    got_kept = {f"{x['namespace']}/{x['name']}": x["reasons"][0]["code"] for x in demo_plan["services"] if x["decision"] == "keep"}
    assert got_kept == KEPT
    got_moved = {f"{x['namespace']}/{x['name']}": (x["entrypoint"], [r["code"] for r in x["reasons"]]) for x in demo_plan["services"] if x["decision"] == "consolidate"}
    assert got_moved == {k: (ep, ["HTTP_CONSOLIDATE", *codes]) for k, (ep, codes) in MOVED.items()}


def test_demo_entrypoints_and_routes(demo_plan):
    eps = {e["name"]: e for e in demo_plan["entrypoints"]}
    assert sorted(eps) == ["planner-external", "planner-internal"]
    ext, internal = eps["planner-external"], eps["planner-internal"]
    assert (ext["kind"], ext["class"], ext["internal"], ext["forwarding_rules"]) == ("Gateway", "gke-l7-global-external-managed", False, 2)
    assert (internal["kind"], internal["class"], internal["internal"], internal["forwarding_rules"]) == ("Gateway", "gke-l7-rilb", True, 1)
    assert sorted((r["host"], r["path"], r["namespace"], r["service"]) for r in internal["routes"]) == [
        ("analytics-dashboard.data.example.com", "/", "data", "analytics-dashboard"),
        ("grafana.internal-tools.example.com", "/", "internal-tools", "grafana"),
    ]
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
    assert internal["tls_hosts"] == [] and internal["certificates"] == []


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
    Proposed: 15 Services stay = 16 regional rules: 18.25 + 11 x 7.30 = 98.55; planner-internal
    3 proxy instances x 0.025 x 730 = 54.75 (per proxy, not in the rule pool: PRICING-FACTS
    audit); planner-external 2 global rules 18.25; fraud-scoring inbound 50 x 0.008 = 0.40;
    planner-external processing 100 x 0.008 + 300 x 0.008 = 3.20 (us-central1's rate: no global
    data-processing rate) → $175.15; savings $37.75.
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
    assert (s["current_monthly_usd"], s["proposed_monthly_usd"], s["savings_monthly_usd"]) == (212.90, 175.15, 37.75)
    assert s["data_processing"]["priced"] is True
