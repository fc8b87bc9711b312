"""End to end over real inputs (tests/fixtures/real/nginx/, provenance on each file's first
line): ingress-nginx's documentation examples and ingress2gateway's F5 fixture, read by the
inventory reader, detected, translated. Backend Services the examples do not ship are added
here (ClusterIP, the port the example names), so the assertions are about the annotations.
"""
from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from planner.inventory import read_inventory
from planner.inventory.loader import iter_object_pairs
from planner.model import Cluster
from planner.nginx.detect import detect, parse_ingress_class, retirements
from planner.nginx.merge import translate_all
from planner.nginx.pricing import nginx_cost_inputs
from tests.nginx_factory import backend

REAL = Path(__file__).parent / "fixtures" / "real" / "nginx"
FILES = sorted(REAL.glob("*.yaml"))


def test_every_fixture_names_its_source():
    assert len(FILES) >= 10
    for f in FILES:
        first = f.read_text(encoding="utf-8").splitlines()[0]
        assert first.startswith("# source: ") and " @ " in first and len(first.split(" @ ")[1].split()[0]) == 40, f


def _classes(paths, cluster):
    out = []
    for p in paths:
        for doc, source in iter_object_pairs(str(p)):
            if isinstance(doc, dict) and doc.get("kind") == "IngressClass":
                out.append(parse_ingress_class(doc, cluster, source)[0])
    return out


def _cluster(name, files):
    """Read ``files`` as cluster ``name``; add the backends the examples leave out."""
    inv = read_inventory([str(REAL / f) for f in files], Cluster(name))
    have = {(s.namespace, s.name) for s in inv.services}
    for ing in inv.ingresses:
        for p in ing.paths:
            if p.service and (ing.namespace, p.service) not in have:
                inv.services.append(backend(p.service, ((p.port if isinstance(p.port, int) else 80, "http"),), ns=ing.namespace, cluster=name))
                have.add((ing.namespace, p.service))
    return inv, _classes([REAL / f for f in files], name)


def _translate(files, cluster="docs"):
    inv, classes = _cluster(cluster, files)
    nc = detect(inv.ingresses, inv.services, classes)[cluster]
    trs = translate_all([i for i in inv.ingresses if i.key in set(nc.ingresses)], inv.services, internal=nc.internal)
    return nc, {t.key[2]: t for t in trs}


def _routes(tr):
    return [(r["host"], r["path"], r["path_type"], r["service"], r["port"], r["https_only"]) for r in tr.routes]


def _fate(tr, suffix):
    return next((f.fate, f.code) for f in tr.fates if f.annotation == "nginx.ingress.kubernetes.io/" + suffix)


def test_tls_termination():
    _, trs = _translate(["controller.yaml", "tls-termination.yaml"])
    tr = trs["nginx-test"]
    assert tr.migrates
    assert _routes(tr) == [("foo.bar.com", "/", "PathPrefix", "http-svc", 80, True)]
    assert [t.to_dict() for t in tr.tls] == [{"host": "foo.bar.com", "mode": "secret", "secret": "tls-secret", "namespace": "default", "why": "Secret default/tls-secret kept as the listener's certificateRef"}]


def test_cookie_affinity():
    _, trs = _translate(["controller.yaml", "affinity-cookie.yaml"])
    tr = trs["nginx-test"]
    assert tr.migrates and _routes(tr) == [("stickyingress.example.com", "/", "PathPrefix", "http-svc", 80, False)]
    assert [dict(p.policy) for p in tr.policies] == [{"cookie_ttl_sec": 172800, "session_affinity": "GENERATED_COOKIE", "timeout_sec": 60}]
    assert _fate(tr, "affinity") == ("translated", "NGINX_AFFINITY")
    assert _fate(tr, "session-cookie-max-age") == ("translated", "NGINX_AFFINITY")
    assert _fate(tr, "session-cookie-name") == ("warned", "NGINX_AFFINITY_COOKIE")


def test_canary_example_splits_fifty_fifty():
    _, trs = _translate(["controller.yaml", "canary.yaml"])
    prod, canary = trs["production"], trs["canary"]
    assert prod.migrates and canary.migrates and canary.routes == ()
    assert [r["backends"] for r in prod.routes] == [[{"service": "production", "port": 80, "weight": 50}, {"service": "canary", "port": 80, "weight": 50}]]
    assert _fate(canary, "canary-weight") == ("translated", "NGINX_CANARY")


def test_rewrite_examples():
    _, trs = _translate(["controller.yaml", "rewrite.yaml"])
    rw, approot = trs["rewrite"], trs["approot"]
    assert rw.decision == "keep"
    assert _fate(rw, "rewrite-target") == ("blocked", "NGINX_REWRITE_CAPTURE")
    assert _fate(rw, "use-regex") == ("blocked", "NGINX_REGEX_PATH")
    assert approot.migrates
    assert [(r["path"], r["path_type"], r.get("redirect")) for r in approot.routes] == [("/", "Exact", {"path": "/app1", "status_code": 302}), ("/", "PathPrefix", None)]


@pytest.mark.parametrize("file, name, suffix, code", [
    ("external-auth.yaml", "external-auth", "auth-url", "NGINX_AUTH"),
    ("configuration-snippet.yaml", "nginx-configuration-snippet", "configuration-snippet", "NGINX_SNIPPET"),
])
def test_blocking_examples_stay(file, name, suffix, code):
    _, trs = _translate(["controller.yaml", file])
    tr = trs[name]
    assert tr.decision == "keep" and tr.reason[0] == "NGINX_UNTRANSLATABLE"
    assert _fate(tr, suffix) == ("blocked", code)


def test_docker_registry_example():
    _, trs = _translate(["controller.yaml", "docker-registry-tls.yaml"])
    tr = trs["docker-registry"]
    assert _fate(tr, "proxy-read-timeout") == ("translated", "NGINX_TIMEOUT")
    assert _fate(tr, "proxy-body-size") == ("noted", "NGINX_BODY_SIZE")
    # the example's host is a placeholder ("registry.<your domain>"): not a DNS name, kept
    assert tr.decision == "keep" and any(n.code == "NGINX_INVALID_HOST" for n in tr.notes)


def test_multi_tls_keeps_both_secrets():
    nc, trs = _translate(["controller.yaml", "multi-tls.yaml"])
    tr = trs["foo-tls"]
    assert tr.migrates
    assert [(t.host, t.mode, t.secret) for t in tr.tls] == [("bar.baz.com", "secret", "barbaz"), ("foo.bar.com", "secret", "foobar")]
    # the example's Service "nginx" carries ingress-nginx labels but is a ClusterIP backend
    assert [c.ref for c in nc.controllers] == ["Service docs/ingress-nginx/ingress-nginx-controller"]


def test_f5_fixture_is_reported_not_translated():
    nc, trs = _translate(["controller.yaml", "f5-nginx-ssl-redirect.yaml"])
    assert nc.f5_ingresses == (("docs", "default", "test-ssl-redirect"),) and trs == {}
    assert [n.code for n in nc.notes] == ["NGINX_F5_CONTROLLER"]


def test_fleet_one_cluster_runs_ingress_nginx_the_other_does_not(tmp_path):
    gke = tmp_path / "blog.yaml"
    gke.write_text(
        "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: blog, namespace: web}\n"
        "spec:\n  rules:\n  - host: blog.example.com\n    http:\n      paths:\n      - path: /\n        pathType: Prefix\n"
        "        backend: {service: {name: blog, port: {number: 80}}}\n", encoding="utf-8")
    shop, classes = _cluster("shop", ["controller.yaml", "canary.yaml", "tls-termination.yaml"])
    blog = read_inventory([str(gke)], Cluster("blog"))
    found = detect(shop.ingresses + blog.ingresses, shop.services + blog.services, classes)
    assert found["blog"].runs_nginx is False and found["blog"].ingresses == ()
    assert found["shop"].runs_nginx and found["shop"].classes == ("nginx",)
    assert sorted(k[2] for k in found["shop"].ingresses) == ["canary", "nginx-test", "production"]
    trs = translate_all([i for i in shop.ingresses if i.key in set(found["shop"].ingresses)], shop.services)
    assert all(t.migrates for t in trs)
    (ret,) = retirements(found["shop"], trs)
    assert ret.retire and ret.controller == "Service shop/ingress-nginx/ingress-nginx-controller"
    costs = nginx_cost_inputs(trs)
    assert (costs.security_policies, costs.secret_certificate_hosts, costs.managed_certificate_hosts) == (0, 1, 0)


def test_the_same_inputs_give_the_same_translations():
    a = _translate(["controller.yaml", "canary.yaml", "multi-tls.yaml"])[1]
    b = _translate(["controller.yaml", "canary.yaml", "multi-tls.yaml"])[1]
    assert [dataclasses.astuple(t) == dataclasses.astuple(b[k]) for k, t in a.items()] == [True] * len(a)
