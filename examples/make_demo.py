"""Regenerate the bundled demo inventory (examples/demo/). Deterministic; run from the repo root:

    python examples/make_demo.py

The demo is one GKE cluster (project acme-prod, us-central1) as two files the way teams have
them: `kubectl get svc,ingress -A -o json` output, and `helm template` output for the platform
charts (Deployments and ConfigMaps mixed in).
"""
import json
from pathlib import Path

OUT = Path(__file__).resolve().parent / "demo"
INTERNAL = {"networking.gke.io/load-balancer-type": "Internal"}


def svc(ns, name, ports, *, ann=None, labels=None, spec=None, ip=None, stype="LoadBalancer"):
    port_list = []
    for i, p in enumerate(ports):
        port, proto, pname = p[:3]
        entry = {"name": pname, "port": port, "protocol": proto, "targetPort": port}
        if len(p) > 3 and p[3]:
            entry["appProtocol"] = p[3]
        if stype == "LoadBalancer":
            entry["nodePort"] = 30000 + (sum(map(ord, ns + name)) * 7 + i * 13) % 2700
        if pname is None:
            del entry["name"]
        port_list.append(entry)
    body = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {
            "name": name,
            "namespace": ns,
            "uid": f"00000000-0000-4000-8000-{abs(hash(ns + name)) % 10**12:012d}" if False else f"demo-{ns}-{name}",
            "resourceVersion": str(100000 + len(ns + name)),
            "labels": {"app.kubernetes.io/name": name, **(labels or {})},
            "annotations": ann or {},
        },
        "spec": {"type": stype, "ports": port_list, "selector": {"app.kubernetes.io/name": name}, "clusterIP": f"10.8.{len(ns)}.{len(name) * 3}", **(spec or {})},
        "status": {"loadBalancer": {"ingress": [{"ip": ip}]}} if ip else {"loadBalancer": {}},
    }
    if not body["metadata"]["annotations"]:
        del body["metadata"]["annotations"]
    return body


def main():
    items = [
        # shop: the storefront team, all HTTP(S)
        svc("shop", "storefront", [(80, "TCP", "http")], ann={"external-dns.alpha.kubernetes.io/hostname": "shop.acme-demo.com"}, spec={"externalTrafficPolicy": "Local"}, ip="34.31.10.11"),
        svc("shop", "cart", [(80, "TCP", "http"), (443, "TCP", "https")], ann={"external-dns.alpha.kubernetes.io/hostname": "cart.acme-demo.com", "networking.gke.io/load-balancer-ip-addresses": "cart-ip"}, ip="34.31.10.12"),
        svc("shop", "catalog-api", [(8080, "TCP", "http")], ip="34.31.10.13"),
        svc("shop", "checkout", [(443, "TCP", "https")], ann={"external-dns.alpha.kubernetes.io/hostname": "checkout.acme-demo.com"}, spec={"loadBalancerSourceRanges": ["203.0.113.0/24", "198.51.100.10/32"]}, ip="34.31.10.14"),
        svc("shop", "recommendations", [(80, "TCP", "http")], ann={"external-dns.alpha.kubernetes.io/hostname": "shop.acme-demo.com"}, spec={"externalTrafficPolicy": "Local"}, ip="34.31.10.15"),
        # payments
        svc("payments", "payments-api", [(443, "TCP", "https")], ann={"external-dns.alpha.kubernetes.io/hostname": "pay.acme-demo.com"}, spec={"sessionAffinity": "ClientIP", "loadBalancerIP": "34.31.20.5"}, ip="34.31.20.5"),
        svc("payments", "fraud-scoring", [(50051, "TCP", "grpc", "grpc")], ann={"external-dns.alpha.kubernetes.io/hostname": "fraud.acme-demo.com"}, ip="34.31.20.6"),
        svc("payments", "ledger-db", [(5432, "TCP", "postgres")], ip="34.31.20.7"),
        # search
        svc("search", "search-frontend", [(80, "TCP", "http")], ann={"external-dns.alpha.kubernetes.io/hostname": "search.acme-demo.com", "planner.io/backend-timeout": "120"}, ip="34.31.30.1"),
        svc("search", "autocomplete", [(8443, "TCP", "https")], ip="34.31.30.2"),
        svc("search", "elasticsearch", [(9200, "TCP", "http")], ip="34.31.30.3"),
        # two different HTTP apps on one Service: one host can only route to one of them
        svc("search", "kibana", [(5601, "TCP", "http"), (9600, "TCP", "http-metrics")], ip="34.31.30.4"),
        # data: TCP stays, one internal dashboard moves to the internal gateway
        svc("data", "redis-cache", [(6379, "TCP", "redis")], ann=INTERNAL, ip="10.128.0.21"),
        svc("data", "kafka", [(9092, "TCP", "kafka")], ip="34.31.40.2"),
        svc("data", "analytics-dashboard", [(80, "TCP", "http")], ann={**INTERNAL, "networking.gke.io/internal-load-balancer-allow-global-access": "true"}, ip="10.128.0.23"),
        # internal tools
        svc("internal-tools", "admin-portal", [(443, "TCP", "https")], ann={**INTERNAL, "external-dns.alpha.kubernetes.io/hostname": "admin.corp.acme-demo.com"}, ip="10.128.0.31"),
        svc("internal-tools", "grafana", [(3000, "TCP", "http")], ann=INTERNAL, ip="10.128.0.32"),
        svc("internal-tools", "vault-ui", [(8200, "TCP", "http")], ann=INTERNAL, spec={"loadBalancerSourceRanges": ["10.20.0.0/16"]}, ip="10.128.0.33"),
        # media and games: streaming TCP and UDP
        svc("media", "rtmp-ingest", [(1935, "TCP", "rtmp")], ip="34.31.50.1"),
        svc("media", "webrtc-turn", [(3478, "UDP", "turn-udp"), (3478, "TCP", "turn-tcp")], ip="34.31.50.2"),
        svc("games", "game-server", [(7777, "UDP", "game")], ip="34.31.60.1"),
        svc("telecom", "diameter", [(3868, "SCTP", "diameter")], ip="34.31.65.1"),
        # platform
        svc("ingress-nginx", "ingress-nginx-controller", [(80, "TCP", "http"), (443, "TCP", "https")], labels={"app.kubernetes.io/name": "ingress-nginx", "app.kubernetes.io/component": "controller"}, ip="34.31.70.1"),
        svc("platform", "legacy-billing", [(80, "TCP", "http")], ann={"planner.io/keep": "true", "planner.io/keep-reason": "vendor appliance health-checks its IP"}, ip="34.31.80.1"),
        svc("platform", "chat", [(80, "TCP", "http-ws", "kubernetes.io/ws")], ann={"external-dns.alpha.kubernetes.io/hostname": "chat.acme-demo.com", "planner.io/backend-timeout": "5m"}, ip="34.31.80.2"),
        svc("platform", "mail-gateway", [(80, "TCP", "http"), (25, "TCP", "smtp")], ip="34.31.80.4"),
        svc("platform", "docs", [(80, "TCP", "http")], ann={"external-dns.alpha.kubernetes.io/hostname": "docs_site..acme-demo.com"}, ip="34.31.80.3"),
        # ClusterIP noise
        svc("shop", "storefront-internal", [(8080, "TCP", "http")], stype="ClusterIP"),
        svc("payments", "ledger-db-headless", [(5432, "TCP", "postgres")], stype="ClusterIP"),
        svc("search", "elasticsearch-discovery", [(9300, "TCP", "transport")], stype="ClusterIP"),
        svc("data", "kafka-headless", [(9092, "TCP", "kafka")], stype="ClusterIP"),
        svc("default", "kubernetes", [(443, "TCP", "https")], stype="ClusterIP"),
        # an existing GKE Ingress (class gce, with TLS) and an nginx-class one
        {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "Ingress",
            "metadata": {"name": "shop-legacy", "namespace": "shop", "annotations": {"kubernetes.io/ingress.global-static-ip-name": "shop-legacy-ip"}},
            "spec": {
                "tls": [{"hosts": ["www.acme-demo.com"], "secretName": "www-tls"}],
                "rules": [{"host": "www.acme-demo.com", "http": {"paths": [
                    {"path": "/", "pathType": "Prefix", "backend": {"service": {"name": "storefront-internal", "port": {"number": 8080}}}},
                    {"path": "/cart", "pathType": "Prefix", "backend": {"service": {"name": "cart", "port": {"number": 80}}}},
                ]}}],
            },
            "status": {"loadBalancer": {"ingress": [{"ip": "34.120.1.1"}]}},
        },
        {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "Ingress",
            "metadata": {"name": "blog", "namespace": "platform"},
            "spec": {"ingressClassName": "nginx", "rules": [{"host": "blog.acme-demo.com", "http": {"paths": [{"path": "/", "pathType": "Prefix", "backend": {"service": {"name": "blog", "port": {"number": 80}}}}]}}]},
        },
    ]
    doc = {"apiVersion": "v1", "kind": "List", "metadata": {"resourceVersion": ""}, "items": items}
    (OUT / "kubectl-svc-ingress.json").write_text(json.dumps(doc, indent=4) + "\n")


if __name__ == "__main__":
    main()
