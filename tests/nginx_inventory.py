"""Inventories for the --migrate-ingress-nginx tests: ingress-nginx's own controller manifest
(tests/fixtures/real/nginx/controller.yaml) and Ingresses from its documentation's examples,
each file's Ingresses in their own namespace, plus synthetic ClusterIP backend Services and a
few Ingresses written here (allow-list, timeouts, affinity, TLS Secret, a snippet)."""
from __future__ import annotations

from pathlib import Path

import yaml

REAL = Path(__file__).resolve().parent / "fixtures" / "real" / "nginx"
RANGES = [f"10.{i}.0.0/16" for i in range(12)]  # 12 ranges: 2 allow rules of 10 + the default rule

OWN = [
    {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
     "metadata": {"name": "shop", "namespace": "web", "annotations": {
         "nginx.ingress.kubernetes.io/proxy-read-timeout": "120",
         "nginx.ingress.kubernetes.io/affinity": "cookie",
         "nginx.ingress.kubernetes.io/session-cookie-name": "route"}},
     "spec": {"ingressClassName": "nginx", "tls": [{"hosts": ["shop.example.com"], "secretName": "shop-tls"}],
              "rules": [{"host": "shop.example.com", "http": {"paths": [{"path": "/", "pathType": "Prefix", "backend": {"service": {"name": "shop", "port": {"number": 80}}}}]}}]}},
    {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
     "metadata": {"name": "admin", "namespace": "web", "annotations": {"nginx.ingress.kubernetes.io/whitelist-source-range": ",".join(RANGES)}},
     "spec": {"ingressClassName": "nginx",
              "rules": [{"host": "admin.example.com", "http": {"paths": [{"path": "/", "pathType": "Prefix", "backend": {"service": {"name": "admin", "port": {"number": 80}}}}]}}]}},
    {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
     "metadata": {"name": "api", "namespace": "web", "annotations": {"nginx.ingress.kubernetes.io/proxy-send-timeout": "300", "nginx.ingress.kubernetes.io/proxy-body-size": "8m"}},
     "spec": {"ingressClassName": "nginx",
              "rules": [{"host": "api.example.com", "http": {"paths": [{"path": "/v1", "pathType": "Prefix", "backend": {"service": {"name": "api", "port": {"number": 8080}}}}]}}]}},
]
LEGACY = {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
          "metadata": {"name": "legacy", "namespace": "web", "annotations": {"nginx.ingress.kubernetes.io/configuration-snippet": "more_set_headers 'X-Legacy: 1';"}},
          "spec": {"ingressClassName": "nginx",
                   "rules": [{"host": "legacy.example.com", "http": {"paths": [{"path": "/", "pathType": "Prefix", "backend": {"service": {"name": "legacy", "port": {"number": 80}}}}]}}]}}
#: documentation examples that move (file -> Ingress names); the others block
MOVABLE = {"canary.yaml": ("production", "canary"), "rewrite.yaml": ("approot",), "affinity-cookie.yaml": ("nginx-test",)}


def real_ingresses(only_movable: bool) -> list[dict]:
    out = []
    for path in sorted(REAL.glob("*.yaml")):
        if path.name == "controller.yaml":
            continue
        for doc in yaml.safe_load_all(path.read_text()):
            if not doc or doc.get("kind") != "Ingress":
                continue
            if only_movable and doc["metadata"]["name"] not in MOVABLE.get(path.name, ()):
                continue
            doc["metadata"].setdefault("namespace", path.stem)
            out.append(doc)
    return out


def backend_services(ingresses: list[dict]) -> list[dict]:
    ports: dict[tuple, set] = {}
    for ing in ingresses:
        ns = ing["metadata"]["namespace"]
        for rule in ing["spec"].get("rules", []):
            for p in rule.get("http", {}).get("paths", []):
                svc = p["backend"].get("service")
                if svc:
                    ports.setdefault((ns, svc["name"]), set()).add(svc["port"]["number"])
    return [{"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "namespace": ns},
             "spec": {"type": "ClusterIP", "ports": [{"name": f"http-{p}", "port": p, "protocol": "TCP"} for p in sorted(ps)]}}
            for (ns, name), ps in sorted(ports.items())]


def write(directory: Path, *, only_movable: bool) -> Path:
    """The inventory directory: controller + Ingresses + their backends."""
    directory.mkdir(parents=True, exist_ok=True)
    ings = real_ingresses(only_movable) + [dict(x) for x in OWN] + ([] if only_movable else [LEGACY])
    (directory / "controller.yaml").write_text((REAL / "controller.yaml").read_text())
    (directory / "apps.yaml").write_text(yaml.safe_dump_all(ings + backend_services(ings), sort_keys=True))
    return directory
