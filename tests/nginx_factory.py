"""Builders for the nginx tests: an ingress-nginx Ingress with annotations, its backend
Services, and the translation (fates by annotation suffix)."""
from __future__ import annotations

from planner.model import Ingress, IngressPath, Port, Service, Source
from planner.nginx.base import PREFIX
from planner.nginx.translate import translate_ingress

HOST = "shop.example.com"


def backend(name="web", ports=((80, "http"),), *, ns="default", cluster="c", stype="ClusterIP") -> Service:
    return Service(cluster=cluster, namespace=ns, name=name, type=stype, ports=tuple(Port(port=p, name=n) for p, n in ports), source=Source("t.yaml", 1))


def nginx_ingress(ann=None, *, name="shop", ns="default", cluster="c", rules=((HOST, "/", "Prefix", "web", 80),), tls=(), raw_ann=None) -> Ingress:
    """``ann`` keys are nginx suffixes (``"rewrite-target"``); ``tls`` (host, secret) pairs."""
    annotations = {PREFIX + k: v for k, v in (ann or {}).items()} | dict(raw_ann or {})
    paths = tuple(IngressPath(host=h, path=p, service=s, port=port, path_type=t) for h, p, t, s, port in rules)
    return Ingress(cluster=cluster, namespace=ns, name=name, ingress_class="nginx", paths=paths, tls_hosts=tuple(sorted({h for h, _ in tls})),
                   has_tls=bool(tls), source=Source("t.yaml", 1), annotations=annotations, tls_secrets=tuple(sorted(tls)))


def translate(ann=None, services=None, **kw):
    opts = {k: kw.pop(k) for k in ("gateway_class", "internal", "deny_ranges_supported") if k in kw}
    return translate_ingress(nginx_ingress(ann, **kw), services if services is not None else [backend()], **opts)


def fates(tr) -> dict[str, tuple[str, str]]:
    """annotation suffix -> (fate, code)."""
    return {f.annotation[len(PREFIX):]: (f.fate, f.code) for f in tr.fates}


def codes(tr, level=None) -> set[str]:
    return {n.code for n in tr.notes if level is None or n.level == level}
