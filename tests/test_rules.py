"""Table-driven tests, one table per rule: input Service (+ context) → keep code, notes, policies.

Each case calls the rule function directly, then checks that ``evaluate`` (all rules in order)
agrees on the keep decision.
"""
from __future__ import annotations

import pytest

from planner.consolidate import rules as R
from planner.consolidate.rules import RULES, Context, evaluate, is_internal
from planner.model import BackendConfig, Cluster, Gateway, GatewayListener, Inventory, MeshGateway, Port, Service, Source
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
    # ... each signal alone: labels
    (R.ingress_controller, "app-istio-ingressgateway", dict(labels={"app": "istio-ingressgateway"}), {}, "INGRESS_CONTROLLER", set(), {}),
    (R.ingress_controller, "istio-custom-gateway", dict(labels={"istio": "eastwestgateway"}), {}, "INGRESS_CONTROLLER", set(), {}),
    (R.ingress_controller, "istio-managed", dict(labels={"gateway.istio.io/managed": "istio.io-gateway-controller"}), {}, "INGRESS_CONTROLLER", set(), {}),
    (R.ingress_controller, "gateway-api-name-label", dict(labels={"gateway.networking.k8s.io/gateway-name": "main"}), {}, "INGRESS_CONTROLLER", set(), {}),
    (R.ingress_controller, "emissary", dict(labels={"app.kubernetes.io/name": "emissary-ingress"}), {}, "INGRESS_CONTROLLER", set(), {}),
    (R.ingress_controller, "nginx-gateway-fabric", dict(labels={"app.kubernetes.io/name": "nginx-gateway-fabric"}), {}, "INGRESS_CONTROLLER", set(), {}),
    (R.ingress_controller, "nginx-gateway", dict(labels={"app.kubernetes.io/name": "nginx-gateway"}), {}, "INGRESS_CONTROLLER", set(), {}),
    (R.ingress_controller, "cilium-label", dict(labels={"io.cilium.gateway/owning-gateway": "main"}), {}, "INGRESS_CONTROLLER", set(), {}),
    (R.ingress_controller, "contour-gateway-label", dict(labels={"projectcontour.io/owning-gateway-name": "main"}), {}, "INGRESS_CONTROLLER", set(), {}),
    # ... the selector (the Pods it sends to), the namespace, the name, the inventory
    (R.ingress_controller, "selector-traefik", dict(labels={}, selector={"app.kubernetes.io/name": "traefik"}), {}, "INGRESS_CONTROLLER", set(), {}),
    (R.ingress_controller, "selector-istio", dict(selector={"istio": "ingressgateway"}), {}, "INGRESS_CONTROLLER", set(), {}),
    (R.ingress_controller, "namespace-istio-system", dict(ns="istio-system"), {}, "INGRESS_CONTROLLER", set(), {}),
    (R.ingress_controller, "namespace-istio-ingress", dict(ns="istio-ingress"), {}, "INGRESS_CONTROLLER", set(), {}),
    (R.ingress_controller, "namespace-envoy-gateway-system", dict(ns="envoy-gateway-system"), {}, "INGRESS_CONTROLLER", set(), {}),
    (R.ingress_controller, "namespace-projectcontour", dict(ns="projectcontour"), {}, "INGRESS_CONTROLLER", set(), {}),
    (R.ingress_controller, "namespace-kong", dict(ns="kong"), {}, "INGRESS_CONTROLLER", set(), {}),
    (R.ingress_controller, "namespace-traefik", dict(ns="traefik"), {}, "INGRESS_CONTROLLER", set(), {}),
    (R.ingress_controller, "namespace-ingress-nginx", dict(ns="ingress-nginx"), {}, "INGRESS_CONTROLLER", set(), {}),
    (R.ingress_controller, "namespace-nginx-gateway", dict(ns="nginx-gateway"), {}, "INGRESS_CONTROLLER", set(), {}),
    (R.ingress_controller, "name-cilium-gateway", dict(name="cilium-gateway-main"), {}, "INGRESS_CONTROLLER", set(), {}),
    (R.ingress_controller, "name-istio-ingressgateway", dict(name="istio-ingressgateway"), {}, "INGRESS_CONTROLLER", set(), {}),
    (R.ingress_controller, "inventory-evidence", dict(), {"mesh_evidence": ("Istio Gateway istio-system/main selects its Pods (istio=ingress)",)}, "INGRESS_CONTROLLER", set(), {}),
    (R.ingress_controller, "shop-namespace-plain-selector", dict(ns="shop", selector={"app": "web"}), {}, None, set(), {}),
    # protocol
    (R.protocol, "udp", dict(ports=((53, "UDP", "dns"),)), {}, "UDP", set(), {}),
    (R.protocol, "mixed", dict(ports=((53, "UDP", "dns"), (53, "TCP", "dns-tcp"))), {}, "MIXED_PROTOCOL", set(), {}),
    (R.protocol, "sctp", dict(ports=((3868, "SCTP", "diameter"),)), {}, "SCTP", set(), {}),
    (R.protocol, "tcp-only", dict(ports=((5432, "TCP", "postgres"),)), {}, "TCP_ONLY", set(), {}),
    (R.protocol, "http-plus-tcp", dict(ports=((80, "TCP", "http"), (25, "TCP", "smtp"))), {}, "NON_HTTP_PORT", set(), {}),
    (R.protocol, "http", dict(ports=HTTP), {}, None, set(), {}),
    (R.protocol, "unnamed-8080", dict(ports=((8080, "TCP"),)), {}, None, set(), {}),
    # well-known non-HTTP TCP ports outrank names and the 80/443/8080/8443 guess
    (R.well_known_ports, "postgres-named-http", dict(ports=((5432, "TCP", "http"),)), {}, "WELL_KNOWN_TCP_PORT", set(), {}),
    (R.well_known_ports, "mysql", dict(ports=((3306, "TCP", "mysql"),)), {}, "WELL_KNOWN_TCP_PORT", set(), {}),
    (R.well_known_ports, "mysql-router", dict(ports=((6446, "TCP", "http-rw"), (6447, "TCP", "http-ro"))), {}, "WELL_KNOWN_TCP_PORT", set(), {}),
    (R.well_known_ports, "redis-sentinel", dict(ports=((26379, "TCP", "https"),)), {}, "WELL_KNOWN_TCP_PORT", set(), {}),
    (R.well_known_ports, "kafka", dict(ports=((9092, "TCP", "grpc-kafka"),)), {}, "WELL_KNOWN_TCP_PORT", set(), {}),
    (R.well_known_ports, "mongodb", dict(ports=((27017, "TCP"),)), {}, "WELL_KNOWN_TCP_PORT", set(), {}),
    (R.well_known_ports, "amqp-ws-app-protocol-no-override", dict(ports=((5672, "TCP", "amqp", "kubernetes.io/ws"),)), {}, "WELL_KNOWN_TCP_PORT", set(), {}),
    (R.well_known_ports, "http-plus-postgres", dict(ports=((80, "TCP", "http"), (5432, "TCP", "pg"))), {}, "WELL_KNOWN_TCP_PORT", set(), {}),
    (R.well_known_ports, "app-protocol-http-overrides", dict(ports=((9300, "TCP", "web", "http"),)), {}, None, {("warn", "APP_PROTOCOL_OVERRIDES_PORT")}, {}),
    (R.well_known_ports, "app-protocol-h2c-overrides", dict(ports=((2379, "TCP", "api", "kubernetes.io/h2c"),)), {}, None, {("warn", "APP_PROTOCOL_OVERRIDES_PORT")}, {}),
    (R.well_known_ports, "udp-left-to-protocol", dict(ports=((53, "UDP", "dns"), (53, "TCP", "dns-tcp"))), {}, None, set(), {}),
    (R.well_known_ports, "plain-web", dict(ports=((8080, "TCP", "http"),)), {}, None, set(), {}),
    # several HTTP apps on one Service
    (R.extra_http_ports, "http-and-https-twin", dict(ports=((80, "TCP", "http"), (443, "TCP", "https"))), {}, None, set(), {}),
    (R.extra_http_ports, "two-http-ports", dict(ports=((80, "TCP", "http"), (9090, "TCP", "http-metrics"))), {}, "MULTIPLE_HTTP_PORTS", set(), {}),
    (R.extra_http_ports, "two-tls-ports", dict(ports=((443, "TCP", "https"), (8443, "TCP", "https-admin"))), {}, "MULTIPLE_HTTP_PORTS", set(), {}),
    # backend protocol / gRPC: plaintext gRPC stays (ALBs take HTTP/2 from clients over TLS only)
    (R.backend_protocol, "grpc-plaintext-app-protocol", dict(ports=((50051, "TCP", "api", "grpc"),)), {}, "GRPC_PLAINTEXT", set(), {}),
    (R.backend_protocol, "h2c-plaintext-app-protocol", dict(ports=((8080, "TCP", "web", "kubernetes.io/h2c"),)), {}, "GRPC_PLAINTEXT", set(), {}),
    (R.backend_protocol, "grpc-plaintext-port-name", dict(ports=((9000, "TCP", "grpc-api"),)), {"strategy": "gateway"}, "GRPC_PLAINTEXT", set(), {}),
    (R.backend_protocol, "h2c-on-443-is-still-plaintext", dict(ports=((443, "TCP", "api", "kubernetes.io/h2c"),)), {}, "GRPC_PLAINTEXT", set(), {}),
    (R.backend_protocol, "grpc-tls-443", dict(ports=((443, "TCP", "grpc", "grpc"),)), {}, None, {("info", "GRPC_HTTP2")}, {"backend_protocol": "HTTP2", "app_protocol": "HTTP2"}),
    (R.backend_protocol, "grpcs-port-name", dict(ports=((9443, "TCP", "grpcs"),)), {"strategy": "ingress"}, None, {("info", "GRPC_HTTP2")}, {"backend_protocol": "HTTP2"}),
    (R.backend_protocol, "grpc-tls-word-in-name", dict(ports=((9000, "TCP", "grpc-tls"),)), {}, None, {("info", "GRPC_HTTP2")}, {"backend_protocol": "HTTP2"}),
    (R.backend_protocol, "grpc-tls-at-aws-lb-gateway", dict(ports=((443, "TCP", "grpc", "kubernetes.io/h2c"),), ann={R.AWS_SSL_CERT: "arn:aws:acm:x"}), {"strategy": "gateway"}, None, {("info", "GRPC_H2C")}, {"backend_protocol": "H2C", "app_protocol": "HTTP2"}),
    (R.backend_protocol, "grpc-tls-at-aws-lb-ingress", dict(ports=((443, "TCP", "grpc", "kubernetes.io/h2c"),), ann={R.AWS_SSL_CERT: "arn:aws:acm:x"}), {"strategy": "ingress"}, "GRPC_H2C_INGRESS", set(), {}),
    (R.backend_protocol, "grpc-tls-at-aws-lb-unknown-strategy", dict(ports=((443, "TCP", "grpc", "kubernetes.io/h2c"),), ann={R.AWS_SSL_CERT: "arn:aws:acm:x"}), {}, "GRPC_H2C_INGRESS", set(), {}),
    (R.backend_protocol, "grpc-aws-ssl-other-port-is-plaintext", dict(ports=((50051, "TCP", "grpc"),), ann={R.AWS_SSL_CERT: "arn", R.AWS_SSL_PORTS: "443"}), {"strategy": "gateway"}, "GRPC_PLAINTEXT", set(), {}),
    (R.backend_protocol, "grpc-aws-ssl-backend-ssl", dict(ports=((443, "TCP", "grpc"),), ann={R.AWS_SSL_CERT: "arn", R.AWS_BACKEND_PROTOCOL: "ssl"}), {}, None, {("info", "GRPC_HTTP2")}, {"backend_protocol": "HTTP2"}),
    (R.backend_protocol, "https-backend", dict(ports=((443, "TCP", "https"),)), {}, None, set(), {"backend_protocol": "HTTPS", "app_protocol": "HTTPS"}),
    (R.backend_protocol, "https-at-aws-lb-plain-backend", dict(ports=((443, "TCP", "web"),), ann={R.AWS_SSL_CERT: "arn"}), {}, None, set(), {"backend_protocol": "HTTP", "app_protocol": "HTTP"}),
    (R.backend_protocol, "http-backend", dict(ports=HTTP), {}, None, set(), {"backend_protocol": "HTTP", "app_protocol": "HTTP"}),
    # visibility
    (R.visibility, "internal", dict(ann=INTERNAL), {"internal": True, "entrypoint": "planner-internal"}, None, {("info", "INTERNAL_ENTRYPOINT")}, {}),
    (R.visibility, "internal-global-access", dict(ann={**INTERNAL, "networking.gke.io/internal-load-balancer-allow-global-access": "true"}), {"internal": True}, None, {("info", "INTERNAL_ENTRYPOINT"), ("warn", "INTERNAL_GLOBAL_ACCESS")}, {}),
    (R.visibility, "external", dict(), {}, None, set(), {}),
    # client-facing ports
    (R.nonstandard_ports, "port-8080-warns", dict(ports=((8080, "TCP", "http"),)), {}, None, {("warn", "PORT_CHANGES")}, {}),
    (R.nonstandard_ports, "port-8080-kept-by-option", dict(ports=((8080, "TCP", "http"),)), {"keep_nonstandard_ports": True}, "NONSTANDARD_PORT", set(), {}),
    (R.nonstandard_ports, "port-80-443-fine", dict(ports=((80, "TCP", "http"), (443, "TCP", "https"))), {"keep_nonstandard_ports": True}, None, set(), {}),
    # TLS: a service serving only TLS today stays TLS-only; one serving plain HTTP keeps it
    (R.tls, "https", dict(ports=((443, "TCP", "https"),)), {}, None, {("info", "TLS_MANAGED_CERT"), ("info", "TLS_ONLY")}, {"tls": True, "tls_only": True}),
    (R.tls, "wss-app-protocol", dict(ports=((8443, "TCP", "ws", "kubernetes.io/wss"),)), {}, None, {("info", "TLS_MANAGED_CERT"), ("info", "TLS_ONLY")}, {"tls": True, "tls_only": True}),
    (R.tls, "https-app-protocol-odd-port", dict(ports=((9443, "TCP", "web", "https"),)), {}, None, {("info", "TLS_MANAGED_CERT"), ("info", "TLS_ONLY")}, {"tls": True, "tls_only": True}),
    (R.tls, "https-name-on-8080", dict(ports=((8080, "TCP", "https-web"),)), {}, None, {("info", "TLS_MANAGED_CERT"), ("info", "TLS_ONLY")}, {"tls_only": True}),
    (R.tls, "http-and-https-twin-keeps-plain-http", dict(ports=((80, "TCP", "http"), (443, "TCP", "https"))), {}, None, {("info", "TLS_MANAGED_CERT")}, {"tls": True, "tls_only": False}),
    (R.tls, "tls-at-aws-lb", dict(ports=((443, "TCP", "web"),), ann={"service.beta.kubernetes.io/aws-load-balancer-ssl-cert": "arn"}), {}, None, {("info", "TLS_MANAGED_CERT"), ("info", "TLS_ONLY")}, {"tls_only": True}),
    (R.tls, "explicit-http-app-protocol-on-443-is-plain", dict(ports=((443, "TCP", "web", "http"),)), {}, None, set(), {"tls": False, "tls_only": False}),
    (R.tls, "plain", dict(ports=HTTP), {}, None, set(), {"tls": False, "tls_only": False}),
    (R.tls, "internal-https-kept", dict(ports=((443, "TCP", "https"),), ann=INTERNAL), {"internal": True}, "INTERNAL_TLS", set(), {}),
    # TLS-only under a GKE Ingress (redirects all hosts or none) would gain a cleartext port 80
    (R.tls_only_ingress, "tls-only-ingress", dict(ports=((443, "TCP", "https"),)), {"strategy": "ingress"}, "TLS_ONLY_INGRESS", set(), {}),
    (R.tls_only_ingress, "tls-only-unknown-strategy", dict(ports=((443, "TCP", "http"),)), {}, "TLS_ONLY_INGRESS", set(), {}),
    (R.tls_only_ingress, "tls-at-aws-lb-ingress", dict(ports=((443, "TCP", "web"),), ann={R.AWS_SSL_CERT: "arn:aws:acm:x"}), {"strategy": "ingress"}, "TLS_ONLY_INGRESS", set(), {}),
    (R.tls_only_ingress, "tls-only-gateway-moves", dict(ports=((443, "TCP", "https"),)), {"strategy": "gateway"}, None, set(), {}),
    (R.tls_only_ingress, "http-and-https-twin-ingress-moves", dict(ports=((80, "TCP", "http"), (443, "TCP", "https"))), {"strategy": "ingress"}, None, set(), {}),
    (R.tls_only_ingress, "plain-ingress-moves", dict(ports=HTTP), {"strategy": "ingress"}, None, set(), {}),
    # source ranges
    (R.source_ranges, "ranges-to-cloud-armor", dict(load_balancer_source_ranges=("203.0.113.0/24", "198.51.100.10/32")), {}, None, {("info", "SOURCE_RANGES_CLOUD_ARMOR")}, {"source_ranges": ["198.51.100.10/32", "203.0.113.0/24"]}),
    (R.source_ranges, "host-bits-normalised", dict(load_balancer_source_ranges=("10.1.2.3/8",)), {}, None, {("info", "SOURCE_RANGES_CLOUD_ARMOR")}, {"source_ranges": ["10.0.0.0/8"]}),
    (R.source_ranges, "invalid-range", dict(load_balancer_source_ranges=("10.0.0.0/33",)), {}, "INVALID_SOURCE_RANGE", set(), {}),
    (R.source_ranges, "internal-with-ranges", dict(ann=INTERNAL, load_balancer_source_ranges=("10.0.0.0/8",)), {"internal": True}, "SOURCE_RANGES_INTERNAL", set(), {}),
    (R.source_ranges, "annotation-form", dict(load_balancer_source_ranges=("203.0.113.0/24",), source_ranges_from_annotation=True), {}, None, {("info", "SOURCE_RANGES_CLOUD_ARMOR")}, {"source_ranges": ["203.0.113.0/24"], "source_ranges_annotation": True}),
    (R.source_ranges, "spec-form-not-flagged", dict(load_balancer_source_ranges=("203.0.113.0/24",)), {}, None, {("info", "SOURCE_RANGES_CLOUD_ARMOR")}, {"source_ranges_annotation": False}),
    (R.source_ranges, "annotation-invalid-entry", dict(load_balancer_source_ranges=("", "10.0.0.0/8"), source_ranges_from_annotation=True), {}, "INVALID_SOURCE_RANGE", set(), {}),
    # template placeholders: a block note, the service stays
    (R.placeholders, "range-dollar-var", dict(load_balancer_source_ranges=("$OFFICE_CIDR",)), {}, "PLACEHOLDER_VALUE", {("block", "PLACEHOLDER_VALUE")}, {}),
    (R.placeholders, "range-braced-var", dict(load_balancer_source_ranges=("10.0.0.0/8", "${VPN_RANGE}")), {}, "PLACEHOLDER_VALUE", {("block", "PLACEHOLDER_VALUE")}, {}),
    (R.placeholders, "range-helm", dict(load_balancer_source_ranges=("{{ .Values.cidr }}",), source_ranges_from_annotation=True), {}, "PLACEHOLDER_VALUE", {("block", "PLACEHOLDER_VALUE")}, {}),
    (R.placeholders, "host-angle", dict(ann={"external-dns.alpha.kubernetes.io/hostname": "shop.<your domain>"}), {}, "PLACEHOLDER_VALUE", {("block", "PLACEHOLDER_VALUE")}, {}),
    (R.placeholders, "host-env", dict(ann={"external-dns.alpha.kubernetes.io/hostname": "a.example.com,$(HOST)"}), {}, "PLACEHOLDER_VALUE", {("block", "PLACEHOLDER_VALUE")}, {}),
    (R.placeholders, "real-values", dict(load_balancer_source_ranges=("10.0.0.0/8",), ann={"external-dns.alpha.kubernetes.io/hostname": "a.example.com"}), {}, None, set(), {}),
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
    # today's connection timeouts carried (or warned)
    (R.long_connections, "aws-idle-timeout", dict(ann={"service.beta.kubernetes.io/aws-load-balancer-connection-idle-timeout": "120"}), {}, None, {("info", "TIMEOUT_CARRIED")}, {"timeout_sec": 120}),
    (R.long_connections, "azure-idle-minutes", dict(ann={"service.beta.kubernetes.io/azure-load-balancer-tcp-idle-timeout": "10"}), {}, None, {("info", "TIMEOUT_CARRIED")}, {"timeout_sec": 600}),
    (R.long_connections, "aws-idle-bad", dict(ann={"service.beta.kubernetes.io/aws-load-balancer-connection-idle-timeout": "two minutes"}), {}, None, {("warn", "TIMEOUT_NOT_CARRIED")}, {"timeout_sec": None}),
    (R.long_connections, "backend-config-timeout", dict(ann={"cloud.google.com/backend-config": '{"default": "bc"}'}), {"backend_config": BackendConfig("main", "default", "bc", timeout_sec=900)}, None, {("info", "TIMEOUT_CARRIED")}, {"timeout_sec": 900}),
    (R.long_connections, "planner-annotation-wins", dict(ann={"planner.io/backend-timeout": "60", "service.beta.kubernetes.io/aws-load-balancer-connection-idle-timeout": "120"}), {}, None, {("info", "BACKEND_TIMEOUT"), ("warn", "TIMEOUT_NOT_CARRIED")}, {"timeout_sec": 60}),
    (R.long_connections, "backend-config-beats-aws", dict(ann={"service.beta.kubernetes.io/aws-load-balancer-connection-idle-timeout": "120"}), {"backend_config": BackendConfig("main", "default", "bc", timeout_sec=300)}, None, {("info", "TIMEOUT_CARRIED"), ("warn", "TIMEOUT_NOT_CARRIED")}, {"timeout_sec": 300}),
    (R.long_connections, "websocket-idle-not-carried", dict(ports=((80, "TCP", "ws"),), ann={"service.beta.kubernetes.io/aws-load-balancer-connection-idle-timeout": "60"}), {}, None, {("warn", "TIMEOUT_NOT_CARRIED"), ("warn", "WEBSOCKET_TIMEOUT")}, {"timeout_sec": 3600}),
    (R.long_connections, "websocket-backend-config-carried", dict(ports=((80, "TCP", "ws"),)), {"backend_config": BackendConfig("main", "default", "bc", timeout_sec=7200)}, None, {("info", "TIMEOUT_CARRIED")}, {"timeout_sec": 7200}),
    # connection draining and the rest of a BackendConfig
    (R.connection_draining, "backend-config-draining", dict(ann={"cloud.google.com/backend-config": '{"default": "bc"}'}), {"backend_config": BackendConfig("main", "default", "bc", draining_sec=60)}, None, {("info", "DRAINING_CARRIED")}, {"draining_sec": 60}),
    (R.connection_draining, "backend-config-draining-too-long", dict(ann={"cloud.google.com/backend-config": '{"default": "bc"}'}), {"backend_config": BackendConfig("main", "default", "bc", draining_sec=7200)}, None, {("warn", "DRAINING_NOT_CARRIED")}, {}),
    (R.connection_draining, "aws-draining-default", dict(ann={"service.beta.kubernetes.io/aws-load-balancer-connection-draining-enabled": "true"}), {}, None, {("info", "DRAINING_CARRIED")}, {"draining_sec": 300}),
    (R.connection_draining, "aws-draining-timeout", dict(ann={"service.beta.kubernetes.io/aws-load-balancer-connection-draining-enabled": "true", "service.beta.kubernetes.io/aws-load-balancer-connection-draining-timeout": "30"}), {}, None, {("info", "DRAINING_CARRIED")}, {"draining_sec": 30}),
    (R.connection_draining, "backend-config-missing", dict(ann={"beta.cloud.google.com/backend-config": '{"ports": {"80": "bc"}}'}), {}, None, {("warn", "BACKEND_CONFIG_NOT_READ")}, {}),
    (R.connection_draining, "backend-config-bad-json", dict(ann={"cloud.google.com/backend-config": "bc"}), {}, None, {("warn", "BACKEND_CONFIG_NOT_READ")}, {}),
    (R.connection_draining, "backend-config-other-settings", dict(ann={"cloud.google.com/backend-config": '{"default": "bc"}'}), {"backend_config": BackendConfig("main", "default", "bc", other_settings=("cdn", "iap"))}, None, {("warn", "BACKEND_CONFIG_SETTINGS_NOT_CARRIED")}, {}),
    (R.connection_draining, "none", dict(), {}, None, set(), {"draining_sec": None}),
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
    assert {"OPT_OUT", "INGRESS_CONTROLLER", "UDP", "MIXED_PROTOCOL", "SCTP", "TCP_ONLY", "NON_HTTP_PORT", "MULTIPLE_HTTP_PORTS", "NONSTANDARD_PORT", "INVALID_SOURCE_RANGE", "SOURCE_RANGES_INTERNAL", "INTERNAL_TLS",
            "WELL_KNOWN_TCP_PORT", "GRPC_PLAINTEXT", "GRPC_H2C_INGRESS", "PLACEHOLDER_VALUE", "TLS_ONLY_INGRESS"} <= keeps


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


def test_well_known_port_message_names_the_protocol_and_ignores_the_port_name():
    v = evaluate(svc(ports=((5432, "TCP", "http"),)))
    assert v.keep == ("WELL_KNOWN_TCP_PORT", "port 5432/TCP (http) is the PostgreSQL port: not HTTP whatever the port is named; raw TCP stays on a passthrough load balancer (set appProtocol if it really is HTTP)")


def test_well_known_target_port_behind_port_80_is_kept():
    s = Service(cluster="main", namespace="default", name="cache", type="LoadBalancer", source=Source("t.yaml", 1),
                ports=(Port(port=80, name="http", target_port=6379),))
    v = evaluate(s)
    assert v.keep[0] == "WELL_KNOWN_TCP_PORT" and "Redis" in v.keep[1]


def test_app_protocol_override_moves_with_a_warn_naming_the_port():
    v = evaluate(svc(ports=((9300, "TCP", "web", "http"),)))
    assert v.keep is None
    assert ("warn", "APP_PROTOCOL_OVERRIDES_PORT", "port 9300/TCP (web) (usually Elasticsearch transport) has appProtocol http: treated as HTTP because appProtocol says so; check it really serves HTTP before cutover") in v.notes


@pytest.mark.parametrize("kw,evidence", [
    (dict(labels={"istio": "ingressgateway"}), "label istio=ingressgateway"),
    (dict(selector={"app": "traefik"}), "selector app=traefik"),
    (dict(ns="kong"), "namespace kong"),
    (dict(name="cilium-gateway-web"), "name cilium-gateway-web"),
])
def test_ingress_controller_names_its_evidence(kw, evidence):
    v = evaluate(svc(**kw))
    assert v.keep == ("INGRESS_CONTROLLER", f"{evidence}: this is an ingress controller's / gateway's own load balancer, an entrypoint in itself")


def test_ingress_controller_lists_inventory_evidence_after_its_own():
    v = R.ingress_controller(svc(ns="istio-system"), Context(mesh_evidence=("Istio Gateway istio-system/gw selects its Pods (istio=ingressgateway)",)))
    assert v.keep[1].startswith("namespace istio-system; Istio Gateway istio-system/gw selects its Pods (istio=ingressgateway): ")


def test_placeholder_keep_carries_its_block_note_through_evaluate():
    v = evaluate(svc(load_balancer_source_ranges=("$OFFICE",), external_traffic_policy="Local"))
    msg = "source range '$OFFICE' is an unfilled template placeholder; fill it in before planning (planner does not guess)"
    assert v.keep == ("PLACEHOLDER_VALUE", msg)
    assert v.notes == [("block", "PLACEHOLDER_VALUE", msg)]  # CLIENT_IP_HEADER (a move note) is dropped
    assert v.policies == R.default_policies()


@pytest.mark.parametrize("text,want", [
    ("$VAR", True), ("${VAR}", True), ("$(VAR)", True), ("<your domain>", True), ("shop.<domain>", True), ("{{ .Values.host }}", True),
    ("%HOST%", True), ("10.0.0.0/8", False), ("shop.example.com", False), ("2001:db8::/32", False), ("a$", False), ("", False),
])
def test_is_placeholder(text, want):
    assert R.is_placeholder(text) is want


def test_source_ranges_message_names_the_annotation_form():
    v = R.source_ranges(svc(load_balancer_source_ranges=("203.0.113.0/24",), source_ranges_from_annotation=True), Context())
    assert v.notes == [("info", "SOURCE_RANGES_CLOUD_ARMOR", "annotation service.beta.kubernetes.io/load-balancer-source-ranges 203.0.113.0/24 become a Cloud Armor policy (allow these, deny the rest)")]


def test_evaluation_key_covers_what_the_new_rules_read():
    base = R.evaluation_key(svc(ns="shop"))
    assert R.evaluation_key(svc(ns="billing", name="other")) == base  # namespace / name alone: shared verdict
    assert R.evaluation_key(svc(ns="istio-system")) != base  # ... unless they are controller evidence
    assert R.evaluation_key(svc(selector={"app": "traefik"})) != base
    assert R.evaluation_key(svc(load_balancer_source_ranges=("10.0.0.0/8",), source_ranges_from_annotation=True)) != R.evaluation_key(svc(load_balancer_source_ranges=("10.0.0.0/8",)))
    for ann in (R.AWS_SSL_CERT, R.AWS_IDLE_TIMEOUT, R.AZURE_IDLE_TIMEOUT, R.AWS_DRAINING_ENABLED, "cloud.google.com/backend-config", "beta.cloud.google.com/backend-config"):
        assert R.evaluation_key(svc(ann={ann: "x"})) != base, ann
    dns = "external-dns.alpha.kubernetes.io/hostname"
    assert R.evaluation_key(svc(ann={dns: "a.example.com"})) == base  # a real hostname is not read by the rules: shared
    assert R.evaluation_key(svc(ann={dns: "$HOST"})) != R.evaluation_key(svc(ann={dns: "${HOST}"})) != base
    # annotation order does not matter
    two = {R.AWS_SSL_CERT: "a", R.AWS_SSL_PORTS: "443"}
    assert R.evaluation_key(svc(ann=two)) == R.evaluation_key(svc(ann=dict(reversed(two.items()))))


def test_uses_strategy_only_for_grpc_behind_lb_tls_and_tls_only_services():
    assert R.uses_strategy(svc(ports=((443, "TCP", "grpc"),), ann={R.AWS_SSL_CERT: "arn"}))
    # TLS-only (tls_only_ingress reads the strategy): 443 in the Pod, or every port at the AWS LB
    assert R.uses_strategy(svc(ports=((443, "TCP", "grpc"),)))
    assert R.uses_strategy(svc(ann={R.AWS_SSL_CERT: "arn"}))
    assert R.uses_strategy(svc(ports=((8443, "TCP", "web"),)))
    # a plain HTTP port: the verdict is the same for every strategy
    assert not R.uses_strategy(svc(ports=((80, "TCP", "http"), (443, "TCP", "https"))))
    assert not R.uses_strategy(svc(ann={R.AWS_SSL_CERT: "arn", R.AWS_SSL_PORTS: "8443"}))
    assert not R.uses_strategy(svc(ports=((9000, "TCP", "grpc-api"),)))


def test_tls_only_service_moves_under_gateway_and_stays_under_ingress():
    s = svc(ports=((443, "TCP", "https"),))
    gw = R.evaluate(s, Context(strategy="gateway"))
    assert gw.keep is None and gw.policies["tls_only"] is True
    ing = R.evaluate(s, Context(strategy="ingress"))
    assert ing.keep[0] == "TLS_ONLY_INGRESS" and "443/TCP (https)" in ing.keep[1] and "port 80 in cleartext" in ing.keep[1]
    assert ing.policies["tls_only"] is False  # a kept service carries no move policies


def _inv(*objs):
    inv = Inventory(clusters={"main": Cluster("main")})
    for o in objs:
        {MeshGateway: inv.mesh_gateways, Gateway: inv.gateways, BackendConfig: inv.backend_configs}[type(o)].append(o)
    return inv


SRC = Source("t.yaml", 1)


def test_context_facts_istio_gateway_selector_matches_the_service_selector():
    gw = MeshGateway("main", "istio-system", "public", (("istio", "ingressgateway"),), SRC)
    inv = _inv(gw, MeshGateway("other", "istio-system", "x", (("app", "edge"),), SRC))
    facts = R.context_facts(svc(name="edge", ns="edge", selector={"istio": "ingressgateway", "version": "1"}), inv)
    assert facts == {"mesh_evidence": ("Istio Gateway istio-system/public selects its Pods (istio=ingressgateway)",), "backend_config": None}
    assert R.context_facts(svc(selector={"istio": "egressgateway"}), inv)["mesh_evidence"] == ()
    assert R.context_facts(svc(selector={"app": "edge"}), inv)["mesh_evidence"] == ()  # that Istio Gateway is in another cluster
    two = _inv(MeshGateway("main", "gw", "two", (("app", "edge"), ("tier", "front")), SRC))
    assert R.context_facts(svc(selector={"app": "edge"}), two)["mesh_evidence"] == ()  # every selector pair must match
    assert len(R.context_facts(svc(selector={"app": "edge", "tier": "front"}), two)["mesh_evidence"]) == 1


def test_context_facts_gateway_api_gateway_by_name_address_and_label():
    gw = Gateway("main", "edge", "public", "istio", (GatewayListener("http", 80, "HTTP"),), SRC, addresses=("34.1.2.3",))
    inv = _inv(gw)
    by_name = R.context_facts(svc(name="public-istio", ns="edge"), inv)["mesh_evidence"]
    assert by_name == ("Gateway edge/public (class istio) is served by a Service of this name",)
    assert R.context_facts(svc(name="public-istio", ns="shop"), inv)["mesh_evidence"] == ()
    assert R.context_facts(svc(name="cilium-gateway-public", ns="edge"), inv)["mesh_evidence"] != ()
    by_addr = R.context_facts(svc(name="lb", ns="any", status_addresses=("34.1.2.3",)), inv)["mesh_evidence"]
    assert by_addr == ("Gateway edge/public (class istio) has its address 34.1.2.3",)
    by_label = R.context_facts(svc(name="envoy-edge-public-1234", ns="envoy-gateway-system", labels={
        "gateway.envoyproxy.io/owning-gateway-name": "public", "gateway.envoyproxy.io/owning-gateway-namespace": "edge"}), inv)["mesh_evidence"]
    assert by_label == ("Gateway edge/public is served by it (label gateway.envoyproxy.io/owning-gateway-name)",)
    assert R.context_facts(svc(name="web", ns="edge"), inv)["mesh_evidence"] == ()


def test_context_facts_backend_config_by_default_and_by_port():
    bc, other = BackendConfig("main", "shop", "bc"), BackendConfig("main", "shop", "bc-http")
    inv = _inv(bc, other)
    ann = "cloud.google.com/backend-config"
    assert R.context_facts(svc(ns="shop", ann={ann: '{"default": "bc"}'}), inv)["backend_config"] == bc
    assert R.context_facts(svc(ns="shop", ann={ann: '{"ports": {"http": "bc-http"}, "default": "bc"}'}), inv)["backend_config"] == other
    assert R.context_facts(svc(ns="shop", ann={"beta.cloud.google.com/backend-config": '{"ports": {"80": "bc"}}'}), inv)["backend_config"] == bc
    assert R.context_facts(svc(ns="web", ann={ann: '{"default": "bc"}'}), inv)["backend_config"] is None  # other namespace
    assert R.context_facts(svc(ns="shop", ann={ann: "not json"}), inv)["backend_config"] is None


def test_context_facts_index_follows_the_inventory():
    inv = _inv()
    s = svc(selector={"istio": "x"})
    assert R.context_facts(s, inv)["mesh_evidence"] == ()
    inv.mesh_gateways.append(MeshGateway("main", "a", "g", (("istio", "x"),), SRC))
    assert R.context_facts(s, inv)["mesh_evidence"] != ()  # the index is rebuilt when the inventory grows
    assert R.context_facts(s, _inv())["mesh_evidence"] == ()
