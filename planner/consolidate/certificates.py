"""TLS certificates for a new entrypoint, grouped within the managed-certificate limits.

GKE Ingress: ``ManagedCertificate`` objects (same namespace as the Ingress), at most
:data:`MAX_DOMAINS_PER_CERT` domains each and at most :data:`MAX_CERTS_PER_INGRESS` per Ingress
(the target HTTPS proxy's certificate limit). Gateway: Certificate Manager Google-managed
certificates (at most :data:`MAX_DOMAINS_PER_CERT` domains each) in one certificate map, which
has no limit a plan of this size reaches.

The grouping goes into the plan (``entrypoints[].certificates``) so renderers only emit it.
"""
from __future__ import annotations

MAX_DOMAINS_PER_CERT = 100
MAX_CERTS_PER_INGRESS = 15
#: A ManagedCertificate domain is at most 63 characters (its CRD's maxLength; GKE refuses more).
MAX_MANAGED_CERT_DOMAIN = 63


def host_capacity(kind: str) -> int | None:
    """How many TLS hosts one entrypoint of ``kind`` can carry (None: no limit we reach)."""
    return MAX_DOMAINS_PER_CERT * MAX_CERTS_PER_INGRESS if kind == "Ingress" else None


def group(entrypoint: str, kind: str, namespace: str, hosts: list[str]) -> list[dict]:
    """Split ``hosts`` (sorted) into certificates of at most MAX_DOMAINS_PER_CERT domains."""
    hosts = sorted(set(hosts))
    certs = []
    for i in range(0, len(hosts), MAX_DOMAINS_PER_CERT):
        chunk = hosts[i:i + MAX_DOMAINS_PER_CERT]
        certs.append({
            "name": f"{entrypoint}-cert-{i // MAX_DOMAINS_PER_CERT + 1}",
            "kind": "ManagedCertificate" if kind == "Ingress" else "CertificateManager",
            "namespace": namespace,
            "hosts": chunk,
        })
    return certs
