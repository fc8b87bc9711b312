"""Table-driven tests, one table per rule: input Service (+ context) → keep code, notes, policies.

Each case calls the rule function directly, then checks that ``evaluate`` (all rules in order)
agrees on the keep decision.
"""
from __future__ import annotations

import pytest

from planner.consolidate import rules as R
from planner.consolidate.rules import RULES, Context, evaluate, is_internal
from tests.plan_factory import INTERNAL, svc

HTTP = ((80, "TCP", "http"),)

# (rule, case id, service kwargs, context kwargs, keep code | None, {(level, code)}, policy subset)
CASES = [
    # opt-out
    (R.opt_out, "keep-true", dict(ann={"planner.io/keep": "true"}), {}, "OPT_OUT", set(), {}),
    (R.opt_out, "keep-true-with-reason", dict(ann={"planner.io/keep": "True", "planner.io/keep-reason": "vendor <b>pins</b> IP"}), {}, "OPT_OUT", set(), {}),
    (R.opt_out, "keep-false", dict(ann={"planner.io/keep": "false"}), {}, None, set(), {}),
    # existing ingress controllers / gateways
    (R.ingress_controller, "ingress-nginx", dict(labels={"app.kubernetes.io/name": "ingress-nginx"}), {}, "INGRESS_CONTROLLER", set(), {}),
    (R.ingress_controller, "traefik", dict(labels={"app.kubernetes.io/name": "traefik"}), {}, "INGRESS_CONTROLLER", set(), {}),
    (R.ingress_controller, "haproxy", dict(labels={"app": "haproxy-ingress"}), {}, "INGRESS_CONTROLLER", set(), {}),
    (R.ingress_controller, "istio", dict(labels={"istio": "ingressgateway"}), {}, "INGRESS_CONTROLLER", set(), {}),
    (R.ingress_controller, "envoy-gateway", dict(labels={"gateway.envoyproxy.io/owning-gateway-name": "eg"}), {}, "INGRESS_CONTROLLER", set(), {}),
    (R.ingress_controller, "contour", dict(labels={"app.kubernetes.io/name": "contour"}), {}, "INGRESS_CONTROLLER", set(), {}),
    (R.ingress_controller, "kong", dict(labels={"app.kubernetes.io/name": "kong"}), {}, "INGRESS_CONTROLLER", set(), {}),
    (R.ingress_controller, "plain-app", dict(labels={"app.kubernetes.io/name": "web", "app.kubernetes.io/component": "controller"}), {}, None, set(), {}),
    # protocol
    (R.protocol, "udp", dict(ports=((53, "UDP", "dns"),)), {}, "UDP", set(), {}),
    (R.protocol, "mixed", dict(ports=((53, "UDP", "dns"), (53, "TCP", "dns-tcp"))), {}, "MIXED_PROTOCOL", set(), {}),
    (R.protocol, "sctp", dict(ports=((3868, "SCTP", "diameter"),)), {}, "SCTP", set(), {}),
    (R.protocol, "tcp-only", dict(ports=((5432, "TCP", "postgres"),)), {}, "TCP_ONLY", set(), {}),
    (R.protocol, "http-plus-tcp", dict(ports=((80, "TCP", "http"), (25, "TCP", "smtp"))), {}, "NON_HTTP_PORT", set(), {}),
    (R.protocol, "http", dict(ports=HTTP), {}, None, set(), {}),
    (R.protocol, "unnamed-8080", dict(ports=((8080, "TCP"),)), {}, None, set(), {}),
    # several HTTP apps on one Service
    (R.extra_http_ports, "http-and-https-twin", dict(ports=((80, "TCP", "http"), (443, "TCP", "https"))), {}, None, set(), {}),
    (R.extra_http_ports, "two-http-ports", dict(ports=((80, "TCP", "http"), (9090, "TCP", "http-metrics"))), {}, "MULTIPLE_HTTP_PORTS", set(), {}),
    (R.extra_http_ports, "two-tls-ports", dict(ports=((443, "TCP", "https"), (8443, "TCP", "https-admin"))), {}, "MULTIPLE_HTTP_PORTS", set(), {}),
    # gRPC / h2c
    (R.app_protocol, "grpc-app-protocol", dict(ports=((50051, "TCP", "api", "grpc"),)), {}, None, {("info", "GRPC_HTTP2")}, {"app_protocol": "HTTP2"}),
    (R.app_protocol, "h2c-app-protocol", dict(ports=((8080, "TCP", "web", "kubernetes.io/h2c"),)), {}, None, {("info", "GRPC_HTTP2")}, {"app_protocol": "HTTP2"}),
    (R.app_protocol, "grpc-port-name", dict(ports=((9000, "TCP", "grpc-api"),)), {}, None, {("info", "GRPC_HTTP2")}, {"app_protocol": "HTTP2"}),
    (R.app_protocol, "https-backend", dict(ports=((443, "TCP", "https"),)), {}, None, set(), {"app_protocol": "HTTPS"}),
    (R.app_protocol, "http-backend", dict(ports=HTTP), {}, None, set(), {"app_protocol": "HTTP"}),
    # visibility
    (R.visibility, "internal", dict(ann=INTERNAL), {"internal": True, "entrypoint": "planner-internal"}, None, {("info", "INTERNAL_ENTRYPOINT")}, {}),
    (R.visibility, "internal-global-access", dict(ann={**INTERNAL, "networking.gke.io/internal-load-balancer-allow-global-access": "true"}), {"internal": True}, None, {("info", "INTERNAL_ENTRYPOINT"), ("warn", "INTERNAL_GLOBAL_ACCESS")}, {}),
    (R.visibility, "external", dict(), {}, None, set(), {}),
    # client-facing ports
    (R.nonstandard_ports, "port-8080-warns", dict(ports=((8080, "TCP", "http"),)), {}, None, {("warn", "PORT_CHANGES")}, {}),
    (R.nonstandard_ports, "port-8080-kept-by-option", dict(ports=((8080, "TCP", "http"),)), {"keep_nonstandard_ports": True}, "NONSTANDARD_PORT", set(), {}),
    (R.nonstandard_ports, "port-80-443-fine", dict(ports=((80, "TCP", "http"), (443, "TCP", "https"))), {"keep_nonstandard_ports": True}, None, set(), {}),
    # TLS
    (R.tls, "https", dict(ports=((443, "TCP", "https"),)), {}, None, {("info", "TLS_MANAGED_CERT")}, {"tls": True}),
    (R.tls, "wss-app-protocol", dict(ports=((8443, "TCP", "ws", "kubernetes.io/wss"),)), {}, None, {("info", "TLS_MANAGED_CERT")}, {"tls": True}),
    (R.tls, "plain", dict(ports=HTTP), {}, None, set(), {"tls": False}),
    (R.tls, "internal-https-kept", dict(ports=((443, "TCP", "https"),), ann=INTERNAL), {"internal": True}, "INTERNAL_TLS", set(), {}),
    # source ranges
    (R.source_ranges, "ranges-to-cloud-armor", dict(load_balancer_source_ranges=("203.0.113.0/24", "198.51.100.10/32")), {}, None, {("info", "SOURCE_RANGES_CLOUD_ARMOR")}, {"source_ranges": ["198.51.100.10/32", "203.0.113.0/24"]}),
    (R.source_ranges, "host-bits-normalised", dict(load_balancer_source_ranges=("10.1.2.3/8",)), {}, None, {("info", "SOURCE_RANGES_CLOUD_ARMOR")}, {"source_ranges": ["10.0.0.0/8"]}),
    (R.source_ranges, "invalid-range", dict(load_balancer_source_ranges=("10.0.0.0/33",)), {}, "INVALID_SOURCE_RANGE", set(), {}),
    (R.source_ranges, "internal-with-ranges", dict(ann=INTERNAL, load_balancer_source_ranges=("10.0.0.0/8",)), {"internal": True}, "SOURCE_RANGES_INTERNAL", set(), {}),
    # client IP
    (R.client_ip, "local", dict(external_traffic_policy="Local"), {}, None, {("warn", "CLIENT_IP_HEADER")}, {}),
    (R.client_ip, "cluster", dict(external_traffic_policy="Cluster"), {}, None, set(), {}),
    # session affinity
    (R.session_affinity, "client-ip", dict(session_affinity="ClientIP"), {}, None, {("info", "SESSION_AFFINITY")}, {"session_affinity": "CLIENT_IP"}),
    (R.session_affinity, "none", dict(session_affinity="None"), {}, None, set(), {}),
    # timeouts / WebSockets
    (R.long_connections, "annotation", dict(ann={"planner.io/backend-timeout": "120"}), {}, None, {("info", "BACKEND_TIMEOUT")}, {"timeout_sec": 120}),
    (R.long_connections, "annotation-with-s", dict(ann={"planner.io/backend-timeout": "600s"}), {}, None, {("info", "BACKEND_TIMEOUT")}, {"timeout_sec": 600}),
    (R.long_connections, "bad-annotation", dict(ann={"planner.io/backend-timeout": "5m"}), {}, None, {("warn", "INVALID_BACKEND_TIMEOUT")}, {}),
    (R.long_connections, "websocket-app-protocol", dict(ports=((80, "TCP", "http-ws", "kubernetes.io/ws"),)), {}, None, {("warn", "WEBSOCKET_TIMEOUT")}, {"timeout_sec": 3600}),
    (R.long_connections, "websocket-port-name", dict(ports=((80, "TCP", "websocket"),)), {}, None, {("warn", "WEBSOCKET_TIMEOUT")}, {"timeout_sec": 3600}),
    (R.long_connections, "annotation-beats-websocket", dict(ports=((80, "TCP", "ws"),), ann={"planner.io/backend-timeout": "7200"}), {}, None, {("info", "BACKEND_TIMEOUT")}, {"timeout_sec": 7200}),
    # pinned IPs
    (R.pinned_ip, "load-balancer-ip", dict(load_balancer_ip="34.1.2.3"), {"address": "planner-external-ip"}, None, {("warn", "PINNED_IP")}, {}),
    (R.pinned_ip, "reserved-address", dict(ann={"networking.gke.io/load-balancer-ip-addresses": "web-ip"}), {"address": "planner-external-ip"}, None, {("warn", "PINNED_IP")}, {}),
    (R.pinned_ip, "ephemeral", dict(), {}, None, set(), {}),
    # already routed by an existing Ingress / HTTPRoute
    (R.already_routed, "routed", dict(), {"routed_by": ("Ingress main/default/legacy",)}, None, {("info", "ALREADY_ROUTED")}, {}),
    (R.already_routed, "not-routed", dict(), {}, None, set(), {}),
]


@pytest.mark.parametrize("rule,case,svc_kw,ctx_kw,keep_code,notes,policies", CASES, ids=[f"{c[0].__name__}-{c[1]}" for c in CASES])
def test_rule_table(rule, case, svc_kw, ctx_kw, keep_code, notes, policies):
    s = svc(**svc_kw)
    ctx = Context(**ctx_kw)
    v = rule(s, ctx)
    assert (v.keep[0] if v.keep else None) == keep_code
    assert {(lvl, code) for lvl, code, _ in v.notes} == notes
    for k, want in policies.items():
        assert v.policies.get(k) == want, k
    # the whole rule chain agrees: a keep here is a keep there (maybe with an earlier rule's code)
    full = evaluate(s, ctx)
    if keep_code:
        assert full.keep is not None
    for k, want in policies.items():
        if not full.keep:
            assert full.policies[k] == want, k


def test_every_rule_has_a_table_case_and_a_docstring():
    covered = {c[0] for c in CASES}
    for rule in RULES:
        assert rule in covered, f"rule {rule.__name__} has no table case"
        doc = rule.__doc__ or ""
        assert "Anti-pattern" in doc and "Planner" in doc, rule.__name__


def test_every_rule_case_with_a_keep_or_note_is_exercised():
    keeps = {c[4] for c in CASES if c[4]}
    assert {"OPT_OUT", "INGRESS_CONTROLLER", "UDP", "MIXED_PROTOCOL", "SCTP", "TCP_ONLY", "NON_HTTP_PORT", "MULTIPLE_HTTP_PORTS", "NONSTANDARD_PORT", "INVALID_SOURCE_RANGE", "SOURCE_RANGES_INTERNAL", "INTERNAL_TLS"} <= keeps


def test_opt_out_reason_text_is_appended_verbatim():
    v = R.opt_out(svc(ann={"planner.io/keep": "true", "planner.io/keep-reason": "vendor <b>pins</b>\n its IP"}), Context())
    assert v.keep == ("OPT_OUT", 'annotated planner.io/keep: "true" by its owners: vendor <b>pins</b> its IP')


def test_pinned_ip_names_old_and_new_address():
    v = R.pinned_ip(svc(load_balancer_ip="34.1.2.3"), Context(address="planner-external-ip"))
    msg = v.notes[0][2]
    assert "34.1.2.3" in msg and "static address planner-external-ip, assigned at build" in msg


def test_first_keep_wins_and_drops_move_notes():
    s = svc(ports=((53, "UDP", "dns"),), ann={"planner.io/keep": "true"}, external_traffic_policy="Local")
    v = evaluate(s)
    assert v.keep[0] == "OPT_OUT"
    assert v.notes == [] and v.policies == R.default_policies()


def test_internal_annotation_both_spellings():
    assert is_internal(svc(ann={"networking.gke.io/load-balancer-type": "Internal"}))
    assert is_internal(svc(ann={"cloud.google.com/load-balancer-type": "internal"}))
    assert not is_internal(svc(ann={"networking.gke.io/load-balancer-type": "External"}))
