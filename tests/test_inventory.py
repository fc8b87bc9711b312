"""Readers: Gateway API objects, API groups, pricing of existing Gateways by class."""
from __future__ import annotations

from decimal import Decimal

import pytest

from planner.inventory import read_inventory
from planner.inventory.kube import parse_gateway, parse_httproute
from planner.inventory.loader import check_node_graph
from planner.model import Cluster, Gateway, GatewayListener, Source
from planner.pricers.gcp import GcpPricer

import yaml

CL = Cluster(name="c", project="p", region="europe-west1")
SRC = Source("f.yaml", 3)


def gw_doc(cls="gke-l7-global-external-managed", listeners=({"name": "http", "port": 80, "protocol": "HTTP"},), **extra):
    return {"apiVersion": "gateway.networking.k8s.io/v1", "kind": "Gateway", "metadata": {"name": "gw", "namespace": "infra"},
            "spec": {"gatewayClassName": cls, "listeners": list(listeners)}, **extra}


def test_parse_gateway_reads_listeners_and_addresses():
    doc = gw_doc(listeners=[{"name": "https", "port": 443, "protocol": "HTTPS", "hostname": "*.acme.test"}, {"name": "http", "port": 80, "protocol": "HTTP"}, {"name": "bad", "port": "80"}],
                 status={"addresses": [{"type": "IPAddress", "value": "34.1.1.1"}]})
    gw, notes = parse_gateway(doc, "c", SRC)
    assert gw.listeners == (GatewayListener("http", 80, "HTTP"), GatewayListener("https", 443, "HTTPS", "*.acme.test"))
    assert gw.addresses == ("34.1.1.1",) and gw.has_tls and gw.ref == "Gateway c/infra/gw"
    assert [(n.level, n.code, n.message) for n in notes] == [("warn", "BAD_LISTENER", "spec.listeners[2] has no valid port (f.yaml:3); listener not counted")]


def test_parse_gateway_without_class_or_listeners_is_a_warn_note():
    gw, notes = parse_gateway(gw_doc(cls=None), "c", SRC)
    assert gw is None and [(n.code, n.object) for n in notes] == [("GATEWAY_NO_CLASS", "Gateway c/infra/gw")]
    gw, notes = parse_gateway(gw_doc(listeners=[]), "c", SRC)
    assert gw is None and [n.code for n in notes] == ["GATEWAY_NO_LISTENERS"]


def test_parse_httproute_parents_hostnames_backends():
    doc = {"apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute", "metadata": {"name": "r", "namespace": "shop"},
           "spec": {"parentRefs": [{"name": "gw", "namespace": "infra"}, {"name": "local"}, {"name": "svc", "kind": "Service"}],
                    "hostnames": ["b.test", "a.test"],
                    "rules": [{"matches": [{"path": {"value": "/api"}}], "backendRefs": [{"name": "api", "port": 8080}, {"name": "x", "namespace": "other"}]}]}}
    r, notes = parse_httproute(doc, "c", SRC)
    assert notes == []
    assert r.parents == ("infra/gw", "shop/local")
    assert r.hostnames == ("a.test", "b.test") and r.paths == ("/api",)
    assert [(b.namespace, b.service, b.port) for b in r.backends] == [("other", "x", None), ("shop", "api", 8080)]


@pytest.mark.parametrize(
    "cls, ports, region, kind, rules, monthly",
    [
        ("gke-l7-global-external-managed", (80, 443), "global", "l7", 2, Decimal("18.25")),
        ("gke-l7-gxlb", (80,), "global", "l7", 1, Decimal("18.25")),
        # regional Envoy-based classes: per proxy instance, not per rule (PRICING-FACTS audit):
        # 3 proxies (assumed minimum) x 0.025 x 730 = 54.75
        ("gke-l7-regional-external-managed", (80, 443, 8080), "europe-west1", "l7", 3, Decimal("54.75")),
        ("gke-l7-rilb", (80,), "europe-west1", "l7-internal", 1, Decimal("54.75")),
    ],
)
def test_gateway_footprint_by_class(cls, ports, region, kind, rules, monthly):
    gw = Gateway("c", "infra", "gw", cls, tuple(GatewayListener(f"l{p}", p, "HTTP") for p in ports), SRC)
    pricer = GcpPricer()
    fp = pricer.gateway_footprint(gw, CL, None)
    assert (fp.region, fp.kind, fp.forwarding_rules, fp.owner) == (region, kind, rules, "Gateway c/infra/gw")
    assert pricer.price([fp]).by_owner["Gateway c/infra/gw"] == monthly


def test_gateway_with_two_listeners_on_one_port_is_one_rule_and_istio_is_not_priced():
    pricer = GcpPricer()
    same_port = Gateway("c", "infra", "gw", "gke-l7-gxlb", (GatewayListener("a", 443, "HTTPS", "a.test"), GatewayListener("b", 443, "HTTPS", "b.test")), SRC)
    assert pricer.gateway_footprint(same_port, CL, None).forwarding_rules == 1
    assert pricer.gateway_footprint(Gateway("c", "infra", "gw", "istio", (GatewayListener("a", 80, "HTTP"),), SRC), CL, None) is None


def test_gateway_api_kinds_read_and_foreign_groups_counted(tmp_path):
    f = tmp_path / "gw.yaml"
    f.write_text(yaml.safe_dump_all([
        gw_doc(),
        {"apiVersion": "networking.istio.io/v1", "kind": "Gateway", "metadata": {"name": "istio-gw"}, "spec": {"selector": {"istio": "ingress"}}},
        {"apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute", "metadata": {"name": "r", "namespace": "shop"}, "spec": {"hostnames": ["x.test"]}},
    ]))
    inv = read_inventory([str(f)], CL)
    assert [g.ref for g in inv.gateways] == ["Gateway c/infra/gw"]
    assert [r.ref for r in inv.routes] == ["HTTPRoute c/shop/r"]
    assert inv.kind_counts == {"Gateway": 1, "Gateway (networking.istio.io)": 1, "HTTPRoute": 1}
    assert [(n.code, n.object) for n in inv.notes if n.code == "ROUTE_NO_PARENT"] == [("ROUTE_NO_PARENT", "HTTPRoute c/shop/r")]


def test_node_graph_check_allows_small_alias_use():
    loader = yaml.SafeLoader("base: &b {a: 1, b: [1, 2]}\nx: *b\ny: *b\n")
    node = loader.get_single_node()
    assert check_node_graph(node) is None
