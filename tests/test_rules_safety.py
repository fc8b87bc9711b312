"""Safety properties of the rules over generated Services, and the inventory facts they read.

A move must never break traffic or widen access. Over Kubernetes Service documents generated
by hypothesis (parsed by the inventory reader, both parsers, as the planner reads them), every
service that :func:`evaluate` lets move:

* keeps its protocol family: only TCP ports; a gRPC port only behind an HTTP/2 backend
  protocol, an HTTP port only behind an HTTP(S) one; no cleartext gRPC (ALBs take HTTP/2 from
  clients only over TLS);
* keeps its scheme: ``tls_only`` exactly when no HTTP port is plaintext today, and TLS
  whenever a port is TLS;
* keeps its allow-list: ``policies.source_ranges`` holds every range Kubernetes enforces today
  (``spec.loadBalancerSourceRanges``, else the annotation), normalised;
* holds no well-known database / broker port unless an explicit appProtocol says HTTP.

The oracles below are written from the Kubernetes / GCP facts, not from the rules' helpers.
"""
from __future__ import annotations

import ipaddress

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planner.consolidate.rules import Context, evaluate, is_internal
from planner.inventory import kube, read_inventory
from planner.model import BackendConfig, Cluster, MeshGateway, Source

SETTINGS = settings(max_examples=600, suppress_health_check=list(HealthCheck), deadline=None)
SRC = Source("gen.yaml", 1)
ANNOTATION = "service.beta.kubernetes.io/load-balancer-source-ranges"

#: Database / broker / infrastructure ports that must never move as HTTP by a guess.
DB_PORTS = {5432, 3306, 6446, 6447, 6379, 26379, 27017, 27018, 27019, 9092, 9093, 9094, 5672, 5671, 1883, 8883,
            9042, 7000, 9300, 11211, 4222, 2181, 2379, 2380, 22, 25, 389, 636, 53}
HTTP_OVERRIDES = {"http", "https", "h2c", "grpc", "kubernetes.io/h2c"}
GRPC_APP = {"grpc", "h2c", "kubernetes.io/h2c"}

ranges = st.sampled_from(["10.0.0.0/8", "203.0.113.7/24", "198.51.100.10/32", "2001:db8::1/32", "0.0.0.0/0",
                          "10.0.0.0/33", "not-a-range", "$OFFICE", "${VPN}", "{{ .Values.cidr }}", " 192.0.2.0/24 "])
ports = st.fixed_dictionaries(
    {"port": st.one_of(st.sampled_from([80, 443, 8080, 8443, 9443, 50051, 3000, *sorted(DB_PORTS)]), st.integers(1, 65535))},
    optional={
        "protocol": st.sampled_from(["TCP", "TCP", "TCP", "UDP"]),
        "name": st.sampled_from(["http", "https", "web", "grpc", "grpc-api", "grpcs", "https-admin", "metrics", "ws", "wss", "postgres", "tcp-x"]),
        "appProtocol": st.sampled_from(["http", "https", "grpc", "h2c", "kubernetes.io/h2c", "kubernetes.io/ws", "kubernetes.io/wss", "tcp", "postgresql"]),
        "targetPort": st.one_of(st.sampled_from([8080, 5432, 6379, 3306, 50051]), st.sampled_from(["http", "app"])),
    },
)


@st.composite
def service_docs(draw):
    ann = {}
    if draw(st.booleans()):
        ann[ANNOTATION] = ",".join(draw(st.lists(ranges, min_size=0, max_size=3)))
    if draw(st.integers(0, 4)) == 0:
        ann["networking.gke.io/load-balancer-type"] = "Internal"
    if draw(st.integers(0, 4)) == 0:
        ann["external-dns.alpha.kubernetes.io/hostname"] = draw(st.sampled_from(["shop.example.com", "shop.<your domain>", "$HOST"]))
    spec = {"type": "LoadBalancer", "ports": draw(st.lists(ports, min_size=1, max_size=3, unique_by=lambda p: (p["port"], p.get("protocol", "TCP"))))}
    if draw(st.booleans()):
        spec["loadBalancerSourceRanges"] = draw(st.lists(ranges, max_size=3))
    if draw(st.integers(0, 3)) == 0:
        spec["selector"] = {"app": draw(st.sampled_from(["web", "traefik", "istio-ingressgateway"]))}
    ns = draw(st.sampled_from(["shop", "shop", "shop", "istio-system"]))
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "namespace": ns, "annotations": ann}, "spec": spec}


def _is_tls_today(p: dict) -> bool:
    app = p.get("appProtocol")
    if app in ("https", "kubernetes.io/wss"):
        return True
    if app in ("http", "h2c", "kubernetes.io/h2c", "kubernetes.io/ws"):
        return False
    if p.get("name", "").startswith(("https", "wss", "grpcs")):
        return True
    return p["port"] in (443, 8443)


def _is_grpc(p: dict) -> bool:
    return p.get("appProtocol") in GRPC_APP or p.get("name", "").startswith(("grpc", "h2c"))


def _enforced_ranges(doc: dict) -> list[str]:
    """What Kubernetes enforces: spec.loadBalancerSourceRanges when set, else the annotation."""
    spec_ranges = doc["spec"].get("loadBalancerSourceRanges") or []
    if spec_ranges:
        return spec_ranges
    raw = doc["metadata"]["annotations"].get(ANNOTATION, "")
    return [r.strip() for r in raw.split(",")] if raw.strip() else []


@SETTINGS
@given(service_docs())
def test_a_move_keeps_protocol_scheme_allow_list_and_no_database_moves(doc):
    full, notes = kube._parse_service(doc, "main", SRC)
    assert notes == [] and full is not None
    fast = kube.service_fast(doc, "main", SRC)
    assert fast is None or (fast == full and fast.source_ranges_from_annotation == full.source_ranges_from_annotation)
    svc = full
    v = evaluate(svc, Context(internal=is_internal(svc)))
    if v.keep:
        assert v.policies["source_ranges"] == [] and v.policies["tls_only"] is False
        return
    pol = v.policies
    raw_ports = doc["spec"]["ports"]
    # protocol family
    assert all(p.get("protocol", "TCP") == "TCP" for p in raw_ports)
    h2 = pol["backend_protocol"] in ("H2C", "HTTP2")
    assert all(_is_grpc(p) == h2 for p in raw_ports), (raw_ports, pol["backend_protocol"])
    assert not any(_is_grpc(p) and not _is_tls_today(p) for p in raw_ports)  # cleartext gRPC never moves
    assert pol["app_protocol"] == ("HTTP2" if h2 else pol["backend_protocol"])
    # scheme
    tls_today = [_is_tls_today(p) for p in raw_ports]
    assert pol["tls_only"] is all(tls_today)
    assert pol["tls"] is any(tls_today)
    # allow-list: never widened
    enforced = _enforced_ranges(doc)
    want = {str(ipaddress.ip_network(r.strip(), strict=False)) for r in enforced}
    assert want <= set(pol["source_ranges"])
    assert bool(pol["source_ranges"]) is bool(enforced)
    assert pol["source_ranges_annotation"] is bool(enforced and not doc["spec"].get("loadBalancerSourceRanges"))
    # no well-known database / broker port moves on a guess
    for p in raw_ports:
        if p["port"] in DB_PORTS or p.get("targetPort") in DB_PORTS:
            assert p.get("appProtocol") in HTTP_OVERRIDES, p


def test_a_grpc_tls_twin_beside_plain_http_is_not_a_twin():
    # port 443 speaks gRPC, port 80 HTTP/1: one route to port 80 would break the gRPC clients
    doc = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "x"},
           "spec": {"type": "LoadBalancer", "ports": [{"port": 80, "name": "http"}, {"port": 443, "name": "grpcs"}]}}
    svc, _ = kube._parse_service(doc, "main", SRC)
    assert evaluate(svc).keep[0] == "MULTIPLE_HTTP_PORTS"


# --- the source-range annotation, read by both parsers ------------------------------------


def _svc_doc(spec_ranges=None, annotation=None):
    meta = {"name": "web", "namespace": "shop", "annotations": {} if annotation is None else {ANNOTATION: annotation}}
    spec = {"type": "LoadBalancer", "ports": [{"port": 80, "name": "http"}]}
    if spec_ranges is not None:
        spec["loadBalancerSourceRanges"] = spec_ranges
    return {"apiVersion": "v1", "kind": "Service", "metadata": meta, "spec": spec}


def test_source_range_annotation_is_read_and_flagged_by_both_parsers():
    doc = _svc_doc(annotation=" 203.0.113.0/24, 198.51.100.10/32 ")
    for s in (kube.service_fast(doc, "c", SRC), kube._parse_service(doc, "c", SRC)[0]):
        assert s.load_balancer_source_ranges == ("198.51.100.10/32", "203.0.113.0/24")
        assert s.source_ranges_from_annotation is True


def test_spec_source_ranges_win_over_the_annotation():
    doc = _svc_doc(spec_ranges=["10.0.0.0/8"], annotation="203.0.113.0/24")
    for s in (kube.service_fast(doc, "c", SRC), kube._parse_service(doc, "c", SRC)[0]):
        assert (s.load_balancer_source_ranges, s.source_ranges_from_annotation) == (("10.0.0.0/8",), False)


def test_empty_spec_list_falls_back_to_the_annotation_and_blank_annotation_is_no_list():
    fast = kube.service_fast(_svc_doc(spec_ranges=[], annotation="10.0.0.0/8"), "c", SRC)
    assert (fast.load_balancer_source_ranges, fast.source_ranges_from_annotation) == (("10.0.0.0/8",), True)
    blank = kube._parse_service(_svc_doc(annotation="  "), "c", SRC)[0]
    assert (blank.load_balancer_source_ranges, blank.source_ranges_from_annotation) == ((), False)


def test_annotation_trailing_comma_keeps_the_service():
    svc = kube._parse_service(_svc_doc(annotation="10.0.0.0/8,"), "c", SRC)[0]
    v = evaluate(svc)
    assert v.keep[0] == "INVALID_SOURCE_RANGE"
    assert "annotation service.beta.kubernetes.io/load-balancer-source-ranges entry ''" in v.keep[1]


def test_annotation_ranges_become_cloud_armor_and_ask_retire_to_clear_the_annotation():
    svc = kube._parse_service(_svc_doc(annotation="203.0.113.7/24"), "c", SRC)[0]
    v = evaluate(svc)
    assert v.keep is None
    assert (v.policies["source_ranges"], v.policies["source_ranges_annotation"]) == (["203.0.113.0/24"], True)


# --- Istio Gateways and BackendConfigs in the inventory -------------------------------------


def test_istio_gateway_and_backend_config_are_read_into_the_inventory(tmp_path):
    f = tmp_path / "objs.yaml"
    f.write_text(yaml.safe_dump_all([
        {"apiVersion": "networking.istio.io/v1", "kind": "Gateway", "metadata": {"name": "public", "namespace": "edge"},
         "spec": {"selector": {"istio": "ingressgateway", "tier": "edge"}, "servers": [{"port": {"number": 80}}]}},
        {"apiVersion": "cloud.google.com/v1", "kind": "BackendConfig", "metadata": {"name": "bc", "namespace": "shop"},
         "spec": {"timeoutSec": 120, "connectionDraining": {"drainingTimeoutSec": 60}, "iap": {"enabled": True}, "cdn": {"enabled": False}}},
        {"apiVersion": "example.com/v1", "kind": "BackendConfig", "metadata": {"name": "other"}},
    ]))
    inv = read_inventory([str(f)], Cluster(name="c"))
    assert inv.mesh_gateways == [MeshGateway("c", "edge", "public", (("istio", "ingressgateway"), ("tier", "edge")), SRC)]
    assert inv.mesh_gateways[0].ref == "Istio Gateway c/edge/public"
    assert inv.backend_configs == [BackendConfig("c", "shop", "bc", timeout_sec=120, draining_sec=60, other_settings=("cdn", "iap"))]
    assert inv.kind_counts == {"BackendConfig": 1, "BackendConfig (example.com)": 1, "Gateway (networking.istio.io)": 1}
    assert [n.message for n in inv.notes if n.code == "KIND_NOT_USED"] == ["1 BackendConfig (example.com) object(s) read; planner does not price this kind"]


def test_unnamed_istio_gateway_and_backend_config_are_noted():
    gw, notes = kube.parse_istio_gateway({"kind": "Gateway", "spec": {}}, "c", SRC)
    assert gw is None and [(n.code, n.object) for n in notes] == [("MISSING_NAME", "Istio Gateway <unnamed> (gen.yaml:1)")]
    bc, notes = kube.parse_backend_config({"kind": "BackendConfig", "metadata": {}}, "c", SRC)
    assert bc is None and [n.code for n in notes] == ["MISSING_NAME"]


def test_backend_config_ignores_non_numeric_seconds():
    bc, _ = kube.parse_backend_config({"metadata": {"name": "b"}, "spec": {"timeoutSec": "30", "connectionDraining": {"drainingTimeoutSec": True}}}, "c", SRC)
    assert (bc.timeout_sec, bc.draining_sec, bc.other_settings) == (None, None, ())


def test_the_service_behind_an_istio_gateway_is_kept_end_to_end(tmp_path):
    from planner.consolidate.rules import context_facts

    f = tmp_path / "mesh.yaml"
    f.write_text(yaml.safe_dump_all([
        {"apiVersion": "networking.istio.io/v1beta1", "kind": "Gateway", "metadata": {"name": "public", "namespace": "apps"}, "spec": {"selector": {"app": "edge-proxy"}}},
        {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "edge", "namespace": "mesh"},
         "spec": {"type": "LoadBalancer", "selector": {"app": "edge-proxy"}, "ports": [{"port": 80, "name": "http"}]}},
    ]))
    inv = read_inventory([str(f)], Cluster(name="c"))
    (svc,) = inv.load_balancers
    assert evaluate(svc).keep is None  # the Service alone carries no controller signal
    v = evaluate(svc, Context(**context_facts(svc, inv)))
    assert v.keep == ("INGRESS_CONTROLLER", "Istio Gateway apps/public selects its Pods (app=edge-proxy): this is an ingress controller's / gateway's own load balancer, an entrypoint in itself")
