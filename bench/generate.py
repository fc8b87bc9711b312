"""Generate a deterministic synthetic GKE fleet for the benchmark.

    python bench/generate.py 10000 [--seed 7] [--out bench/out/n10000]

N is the number of ``type: LoadBalancer`` Services in the whole fleet. The fleet has about one
cluster per 500 of them (at least one), spread over projects and regions; each cluster is one
file ``clusters/<cluster>.json`` shaped like ``kubectl get svc,ingress -A -o json`` output
(a ``kind: List``, 4-space indented, with the server fields kubectl prints: uid,
resourceVersion, clusterIP(s), nodePort, status). Beside the LoadBalancers each cluster holds:

* ClusterIP Services (about twice as many as its LoadBalancers: the noise a real ``-A`` dump
  carries, and the backends of its Ingresses);
* its ingress controller (an ``ingress-nginx`` LoadBalancer, counted in N);
* Ingresses: class ``gce`` with and without TLS, ``gce-internal`` and ``nginx``.

The LoadBalancer mix (HTTP, HTTPS, gRPC, WebSocket, TCP, UDP, TCP+UDP, internal, source ranges,
ClientIP affinity, ``externalTrafficPolicy: Local``, ``loadBalancerIP``, external-dns
hostnames, a few host collisions and opt-outs) is drawn from seeded generators, one per
cluster, so the same N and seed always give byte-identical files.

``fleet.yaml`` lists the clusters (name, cloud, project, region, inventory) for
``planner analyze --fleet``; ``manifest.json`` records N, the seed and the counts generated.
"""
from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

GENERATOR_VERSION = 1
REGIONS = ("us-central1", "us-east1", "europe-west1", "europe-west3", "asia-east1", "asia-south1", "southamerica-west1")
ENVS = ("prod", "prod", "prod", "staging", "dev")
TEAMS = ("shop", "payments", "search", "media", "identity", "ads", "maps", "chat", "data", "ml", "platform", "games", "billing", "support", "infra", "mobile")
APPS = (
    "api", "web", "frontend", "gateway", "auth", "cart", "checkout", "catalog", "orders", "ledger", "events", "stream",
    "notify", "images", "thumbs", "video", "profile", "session", "feed", "rank", "index", "query", "export", "report",
    "admin", "metrics", "billing", "quotes", "pricing", "geo", "tiles", "chat", "presence", "upload", "sync", "audit",
)
TCP_PORTS = ((5432, "postgres"), (6379, "redis"), (9092, "kafka"), (3306, "mysql"), (27017, "mongo"), (22, "ssh"), (1883, "mqtt"), (9042, "cql"))
UDP_PORTS = ((53, "dns"), (514, "syslog"), (123, "ntp"), (5060, "sip"), (27015, "game"))
#: (profile, weight) for an ordinary (non-controller) LoadBalancer Service.
PROFILES = (
    ("http", 30), ("https", 14), ("https-only", 6), ("http-alt", 5), ("grpc", 7), ("websocket", 2),
    ("tcp", 24), ("udp", 4), ("mixed", 2), ("multi-tcp", 6),
)
EXTERNAL_DNS = "external-dns.alpha.kubernetes.io/hostname"
INTERNAL = "networking.gke.io/load-balancer-type"


def _split(total: int, weights: list[float]) -> list[int]:
    """Split ``total`` into integer parts proportional to ``weights`` (largest remainder)."""
    s = sum(weights)
    raw = [total * w / s for w in weights]
    parts = [int(r) for r in raw]
    order = sorted(range(len(raw)), key=lambda i: (-(raw[i] - parts[i]), i))
    for i in order[: total - sum(parts)]:
        parts[i] += 1
    return parts


class ClusterGen:
    """Everything in one cluster, from its own seeded generator."""

    def __init__(self, seed: int, index: int, name: str, n_lb: int, domain: str):
        self.rng = random.Random(f"{seed}:{index}:{name}")
        self.index = index
        self.name = name
        self.n_lb = n_lb
        self.domain = domain
        self.serial = 0
        self.hosts: list[str] = []
        n_ns = max(3, min(80, n_lb // 12 + self.rng.randint(0, 8)))
        ns: set[str] = set()
        while len(ns) < n_ns:
            ns.add(f"{self.rng.choice(TEAMS)}-{self.rng.choice(APPS)}")
        self.namespaces = sorted(ns)
        self.used: set[tuple[str, str]] = set()
        self.counts = {"LoadBalancer": 0, "ClusterIP": 0, "Ingress": 0}

    # --- helpers ---------------------------------------------------------------------
    def _uid(self) -> str:
        r = self.rng.getrandbits(128)
        h = f"{r:032x}"
        return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-8{h[17:20]}-{h[20:32]}"

    def _name(self, ns: str) -> str:
        while True:
            base = self.rng.choice(APPS)
            name = base if (ns, base) not in self.used else f"{base}-{self.rng.randint(2, 999)}"
            if (ns, name) not in self.used:
                self.used.add((ns, name))
                return name

    def _meta(self, ns: str, name: str, labels: dict, annotations: dict) -> dict:
        self.serial += 1
        meta = {}
        if annotations:
            meta["annotations"] = dict(sorted(annotations.items()))
        day = 1 + self.rng.randrange(28)
        meta["creationTimestamp"] = f"202{self.rng.randint(1, 4)}-{self.rng.randint(1, 12):02d}-{day:02d}T{self.rng.randint(0, 23):02d}:{self.rng.randint(0, 59):02d}:{self.rng.randint(0, 59):02d}Z"
        meta["labels"] = dict(sorted(labels.items()))
        meta["name"] = name
        meta["namespace"] = ns
        meta["resourceVersion"] = str(1000000 + self.index * 100000 + self.serial)
        meta["uid"] = self._uid()
        return meta

    def _cluster_ip(self) -> str:
        return f"10.{self.rng.randint(0, 255)}.{self.rng.randint(0, 255)}.{self.rng.randint(1, 254)}"

    def _port(self, port: int, proto: str, name: str | None, node_port: bool, app_protocol: str | None = None, target=None) -> dict:
        p = {}
        if app_protocol:
            p["appProtocol"] = app_protocol
        if name:
            p["name"] = name
        if node_port:
            p["nodePort"] = self.rng.randint(30000, 32767)
        p["port"] = port
        p["protocol"] = proto
        p["targetPort"] = target if target is not None else port
        return p

    def _service(self, ns: str, name: str, stype: str, ports: list[dict], *, labels=None, annotations=None, spec_extra=None, status_ip=None) -> dict:
        labels = {"app.kubernetes.io/name": name, "app.kubernetes.io/part-of": ns, **(labels or {})}
        cip = self._cluster_ip()
        spec = {}
        if stype == "LoadBalancer":
            spec["allocateLoadBalancerNodePorts"] = True
        spec["clusterIP"] = cip
        spec["clusterIPs"] = [cip]
        if stype == "LoadBalancer":
            spec["externalTrafficPolicy"] = "Cluster"
        spec["internalTrafficPolicy"] = "Cluster"
        spec["ipFamilies"] = ["IPv4"]
        spec["ipFamilyPolicy"] = "SingleStack"
        spec["ports"] = ports
        spec["selector"] = {"app.kubernetes.io/name": name}
        spec["sessionAffinity"] = "None"
        spec["type"] = stype
        spec.update(spec_extra or {})
        status = {"loadBalancer": {}}
        if status_ip:
            status = {"loadBalancer": {"ingress": [{"ip": status_ip, "ipMode": "VIP"}]}}
        self.counts[stype] += 1
        return {"apiVersion": "v1", "kind": "Service", "metadata": self._meta(ns, name, labels, annotations or {}), "spec": dict(sorted(spec.items())), "status": status}

    def _public_ip(self) -> str:
        return f"34.{self.rng.randint(16, 159)}.{self.rng.randint(0, 255)}.{self.rng.randint(1, 254)}"

    def _host(self, ns: str, name: str) -> str:
        if self.hosts and self.rng.random() < 0.003:  # a few deliberate host collisions
            return self.rng.choice(self.hosts)
        host = f"{name}.{ns}.{self.name}.{self.domain}"
        self.hosts.append(host)
        return host

    # --- objects ---------------------------------------------------------------------
    def controller(self) -> dict:
        ports = [self._port(80, "TCP", "http", True, target="http"), self._port(443, "TCP", "https", True, target="https")]
        labels = {"app.kubernetes.io/component": "controller", "app.kubernetes.io/instance": "ingress-nginx", "app.kubernetes.io/name": "ingress-nginx"}
        self.used.add(("ingress-nginx", "ingress-nginx-controller"))
        svc = self._service("ingress-nginx", "ingress-nginx-controller", "LoadBalancer", ports, labels=labels, spec_extra={"externalTrafficPolicy": "Local"}, status_ip=self._public_ip())
        svc["metadata"]["labels"] = dict(sorted(labels.items()))
        return svc

    def load_balancer(self) -> dict:
        rng = self.rng
        ns = rng.choice(self.namespaces)
        name = self._name(ns)
        profile = rng.choices([p for p, _ in PROFILES], [w for _, w in PROFILES])[0]
        ann: dict[str, str] = {}
        extra: dict = {}
        if profile == "http":
            ports = [self._port(80, "TCP", "http", True, target=8080)]
        elif profile == "https":
            ports = [self._port(80, "TCP", "http", True, target=8080), self._port(443, "TCP", "https", True, target=8443)]
        elif profile == "https-only":
            ports = [self._port(443, "TCP", "https", True, target=8443)]
        elif profile == "http-alt":
            ports = [self._port(8080, "TCP", "http", True)]
        elif profile == "grpc":
            ports = [self._port(rng.choice((50051, 443, 9090)), "TCP", "grpc", True, app_protocol="grpc" if rng.random() < 0.6 else None, target=50051)]
        elif profile == "websocket":
            ports = [self._port(80, "TCP", "ws", True, app_protocol="kubernetes.io/ws", target=8080)]
        elif profile == "tcp":
            port, pname = rng.choice(TCP_PORTS)
            ports = [self._port(port, "TCP", pname, True)]
        elif profile == "multi-tcp":
            port, pname = rng.choice(TCP_PORTS)
            ports = [self._port(80, "TCP", "http", True, target=8080), self._port(port, "TCP", pname, True)]
        elif profile == "udp":
            port, pname = rng.choice(UDP_PORTS)
            ports = [self._port(port, "UDP", pname, True)]
        else:  # mixed
            ports = [self._port(53, "TCP", "dns-tcp", True), self._port(53, "UDP", "dns-udp", True)]
        internal = rng.random() < 0.12
        if internal:
            ann[INTERNAL] = "Internal"
        if rng.random() < 0.55:
            ann[EXTERNAL_DNS] = self._host(ns, name)
        if rng.random() < 0.5:
            ann["cloud.google.com/neg"] = '{"ingress":true}'
        if rng.random() < 0.01:
            ann["planner.io/keep"] = "true"
        if rng.random() < 0.02:
            ann["planner.io/backend-timeout"] = str(rng.choice((60, 300, 900)))
        if rng.random() < 0.06:
            extra["loadBalancerSourceRanges"] = sorted({f"{rng.randint(1, 223)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.0/24" for _ in range(rng.randint(1, 4))})
        if rng.random() < 0.03:
            extra["sessionAffinity"] = "ClientIP"
            extra["sessionAffinityConfig"] = {"clientIP": {"timeoutSeconds": 10800}}
        if rng.random() < 0.15:
            extra["externalTrafficPolicy"] = "Local"
            extra["healthCheckNodePort"] = rng.randint(30000, 32767)
        ip = self._cluster_ip() if internal else self._public_ip()
        if rng.random() < 0.03:
            extra["loadBalancerIP"] = ip
        pending = rng.random() < 0.02  # still provisioning: no status address yet
        return self._service(ns, name, "LoadBalancer", ports, annotations=ann, spec_extra=extra, status_ip=None if pending else ip)

    def cluster_ip(self) -> dict:
        ns = self.rng.choice(self.namespaces)
        name = self._name(ns)
        port = self.rng.choice((80, 8080, 9090, 5432, 6379, 3000))
        ports = [self._port(port, "TCP", "http" if port in (80, 8080, 3000) else "tcp", False)]
        if self.rng.random() < 0.3:
            ports.append(self._port(9100, "TCP", "metrics", False))
        return self._service(ns, name, "ClusterIP", ports)

    def ingress(self, backends: list[tuple[str, str, int]]) -> dict:
        rng = self.rng
        ns = backends[0][0]
        name = f"{self._name(ns)}-ingress"
        r = rng.random()
        cls = "gce" if r < 0.6 else "gce-internal" if r < 0.7 else "nginx"
        ann = {}
        spec: dict = {}
        if cls == "nginx":
            spec["ingressClassName"] = "nginx"
        elif rng.random() < 0.5:
            ann["kubernetes.io/ingress.class"] = cls
        elif cls == "gce-internal":
            ann["kubernetes.io/ingress.class"] = cls
        rules = []
        hosts = []
        for svc_ns, svc_name, port in backends:
            host = f"{svc_name}.{ns}.{self.name}.{self.domain}"
            hosts.append(host)
            rules.append({"host": host, "http": {"paths": [{"backend": {"service": {"name": svc_name, "port": {"number": port}}}, "path": "/", "pathType": "Prefix"}]}})
        spec["rules"] = rules
        if rng.random() < 0.5:
            spec["tls"] = [{"hosts": hosts, "secretName": f"{name}-tls"}]
        if cls.startswith("gce"):
            ann["ingress.kubernetes.io/backends"] = json.dumps({f"k8s1-{self.index:04x}-{ns}-{b[1]}-{b[2]}": "HEALTHY" for b in backends}, sort_keys=True)
        self.counts["Ingress"] += 1
        ip = self._cluster_ip() if cls == "gce-internal" else self._public_ip()
        return {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "Ingress",
            "metadata": self._meta(ns, name, {"app.kubernetes.io/name": name}, ann),
            "spec": spec,
            "status": {"loadBalancer": {"ingress": [{"ip": ip}]}},
        }

    def items(self) -> list[dict]:
        services = [self.controller()]
        services += [self.load_balancer() for _ in range(max(0, self.n_lb - 1))]
        plain = [self.cluster_ip() for _ in range(2 * self.n_lb)]
        services += plain
        ingresses = []
        # about one Ingress per 20 LoadBalancers, each routing to 1-3 ClusterIP Services of one namespace
        by_ns: dict[str, list[dict]] = {}
        for s in plain:
            by_ns.setdefault(s["metadata"]["namespace"], []).append(s)
        pool = sorted(by_ns)
        for _ in range(max(1, self.n_lb // 20)):
            ns = self.rng.choice(pool)
            picks = self.rng.sample(by_ns[ns], min(len(by_ns[ns]), self.rng.randint(1, 3)))
            ingresses.append(self.ingress([(ns, s["metadata"]["name"], s["spec"]["ports"][0]["port"]) for s in picks]))
        objs = services + ingresses
        # kubectl prints each kind sorted by namespace then name
        objs.sort(key=lambda o: (o["kind"] != "Service", o["metadata"]["namespace"], o["metadata"]["name"]))
        return objs


def fleet_layout(n: int, seed: int) -> list[dict]:
    """The clusters of an N-LoadBalancer fleet: name, project, region and LB count."""
    rng = random.Random(f"{seed}:fleet:{n}")
    n_clusters = max(1, round(n / 500))
    weights = [rng.uniform(0.4, 1.6) for _ in range(n_clusters)]
    sizes = _split(n, weights)
    clusters = []
    for i, size in enumerate(sizes):
        env = ENVS[i % len(ENVS)]
        region = REGIONS[(i // 3) % len(REGIONS)]
        project = f"acme-{TEAMS[(i // 4) % len(TEAMS)]}-{env}" + (f"-{i // (4 * len(TEAMS))}" if i >= 4 * len(TEAMS) else "")
        clusters.append({"name": f"gke-{env}-{region}-{i:03d}", "project": project, "region": region, "load_balancers": max(1, size)})
    return clusters


def generate(n: int, seed: int, out: Path, domain: str = "acme.example") -> dict:
    """Write the fleet for ``n`` LoadBalancers under ``out``; return the manifest."""
    if n < 1:
        raise ValueError("N must be at least 1")
    out.mkdir(parents=True, exist_ok=True)
    (out / "clusters").mkdir(exist_ok=True)
    layout = fleet_layout(n, seed)
    totals = {"LoadBalancer": 0, "ClusterIP": 0, "Ingress": 0}
    files = []
    for i, cl in enumerate(layout):
        gen = ClusterGen(seed, i, cl["name"], cl["load_balancers"], domain)
        doc = {"apiVersion": "v1", "items": gen.items(), "kind": "List", "metadata": {"resourceVersion": ""}}
        rel = f"clusters/{cl['name']}.json"
        with open(out / rel, "w", encoding="utf-8") as fh:
            json.dump(doc, fh, indent=4)
            fh.write("\n")
        files.append(rel)
        for k, v in gen.counts.items():
            totals[k] += v
        cl["file"] = rel
    fleet_lines = ["# Generated by bench/generate.py: the clusters of the synthetic fleet.", "clusters:"]
    for cl in layout:
        fleet_lines += [
            f"  - name: {cl['name']}",
            "    cloud: gcp",
            f"    project: {cl['project']}",
            f"    region: {cl['region']}",
            f"    inventory: [{cl['file']}]",
        ]
    (out / "fleet.yaml").write_text("\n".join(fleet_lines) + "\n", encoding="utf-8")
    manifest = {
        "generator_version": GENERATOR_VERSION,
        "n": n,
        "seed": seed,
        "clusters": [{k: cl[k] for k in ("name", "project", "region", "file", "load_balancers")} for cl in layout],
        "counts": totals,
        "bytes": sum((out / f).stat().st_size for f in files),
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return manifest


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("n", type=int, metavar="N", help="number of LoadBalancer Services in the fleet")
    ap.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    ap.add_argument("--out", default=None, metavar="DIR", help="output directory (default bench/out/n<N>-s<SEED>)")
    args = ap.parse_args(argv)
    if args.n < 1:
        ap.error("N must be at least 1")
    out = Path(args.out) if args.out else Path(__file__).resolve().parent / "out" / f"n{args.n}-s{args.seed}"
    m = generate(args.n, args.seed, out)
    c = m["counts"]
    print(f"{out}: {len(m['clusters'])} cluster(s), {c['LoadBalancer']} LoadBalancer + {c['ClusterIP']} ClusterIP Services, {c['Ingress']} Ingresses, {m['bytes'] / 1e6:.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
