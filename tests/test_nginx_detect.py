"""detect.py: which Ingresses ingress-nginx serves, its controller Services, visibility, retirement."""
from __future__ import annotations

import dataclasses

import pytest

from planner.model import Source
from planner.nginx.detect import IngressClass, detect_cluster, is_controller_service, parse_ingress_class, retirements
from planner.nginx.merge import translate_all
from tests.nginx_factory import backend, nginx_ingress

CTL_LABELS = {"app.kubernetes.io/name": "ingress-nginx", "app.kubernetes.io/component": "controller", "app.kubernetes.io/instance": "ingress-nginx"}
INTERNAL = {"networking.gke.io/load-balancer-type": "Internal"}


def controller(name="ingress-nginx-controller", ann=None, labels=CTL_LABELS, stype="LoadBalancer"):
    svc = backend(name, ((80, "http"), (443, "https")), ns="ingress-nginx", stype=stype)
    return dataclasses.replace(svc, labels=dict(labels), annotations=dict(ann or {}))


def klass(name="nginx", controller_name="k8s.io/ingress-nginx", default=False):
    return IngressClass("c", name, controller_name, default, Source("t.yaml"), {"app.kubernetes.io/instance": "ingress-nginx"})


def test_parse_ingress_class():
    doc = {"kind": "IngressClass", "metadata": {"name": "nginx", "annotations": {"ingressclass.kubernetes.io/is-default-class": "true"}}, "spec": {"controller": "k8s.io/ingress-nginx"}}
    ic, notes = parse_ingress_class(doc, "c", Source("f.yaml", 3))
    assert (ic.name, ic.controller, ic.is_default, notes) == ("nginx", "k8s.io/ingress-nginx", True, [])
    assert parse_ingress_class({"kind": "IngressClass"}, "c", Source("f.yaml", 9))[1][0].code == "MISSING_NAME"


@pytest.mark.parametrize("svc, expected", [
    (controller(), True),
    (controller(labels={"app": "nginx-ingress", "component": "controller"}), True),      # the old chart
    (controller("ingress-nginx-controller-admission", stype="ClusterIP"), False),        # the webhook
    (controller(labels={"app.kubernetes.io/name": "traefik"}), False),
])
def test_controller_service(svc, expected):
    assert is_controller_service(svc) is expected


def _ing(name, cls="nginx", unset=False, raw_ann=None):
    return dataclasses.replace(nginx_ingress(name=name, raw_ann=raw_ann), ingress_class="gce" if unset else cls, class_unset=unset)


@pytest.mark.parametrize("ing, classes, kind", [
    (_ing("a"), [], "nginx"),                                                    # spec.ingressClassName: nginx
    (_ing("b", cls="public"), [klass("public")], "nginx"),                       # any IngressClass of k8s.io/ingress-nginx
    (_ing("c", unset=True), [klass(default=True)], "nginx"),                     # the default class is nginx
    (_ing("d", unset=True), [klass()], "other"),                                 # nginx exists but is not the default
    (_ing("e", raw_ann={"kubernetes.io/ingress.class": "nginx"}), [], "nginx"),  # legacy annotation
    (_ing("f", raw_ann={"nginx.org/rewrites": "x"}), [], "f5"),                  # nginx.org/* → F5
    (_ing("g"), [klass(controller_name="nginx.org/ingress-controller")], "f5"),  # class nginx owned by F5
    (_ing("h", cls="gce"), [klass()], "other"),
])
def test_which_ingresses_are_ingress_nginx(ing, classes, kind):
    nc = detect_cluster("c", [ing], [controller()], classes)
    got = "nginx" if ing.key in nc.ingresses else "f5" if ing.key in nc.f5_ingresses else "other"
    assert got == kind


def test_internal_controller_decides_visibility():
    ing = _ing("a")
    assert detect_cluster("c", [ing], [controller(ann=INTERNAL)]).internal(ing) is True
    both = detect_cluster("c", [ing], [controller(), controller("ingress-nginx-controller-internal", ann=INTERNAL)])
    assert both.internal(ing) is False
    assert [n.code for n in both.notes] == ["NGINX_MIXED_VISIBILITY"]


def test_cluster_without_ingress_nginx():
    nc = detect_cluster("other", [dataclasses.replace(_ing("a", cls="gce"), cluster="other")], [])
    assert not nc.runs_nginx and nc.ingresses == () and nc.notes == ()


def test_nginx_ingresses_without_controller_are_noted():
    nc = detect_cluster("c", [_ing("a")], [])
    assert [n.code for n in nc.notes] == ["NGINX_CONTROLLER_NOT_FOUND"]


def test_controller_retires_only_when_every_ingress_it_serves_moves():
    moving, staying = _ing("a"), dataclasses.replace(_ing("b"), paths=(dataclasses.replace(_ing("b").paths[0], host="other.example.com"),),
                                                     annotations={"nginx.ingress.kubernetes.io/auth-url": "https://a.example.com/"})
    ctl = controller()
    nc = detect_cluster("c", [moving, staying], [ctl])
    trs = translate_all([moving, staying], [backend()])
    (r,) = retirements(nc, trs)
    assert (r.retire, r.staying) == (False, ("Ingress c/default/b",))
    nc1 = detect_cluster("c", [moving], [ctl])
    (r1,) = retirements(nc1, translate_all([moving], [backend()]))
    assert r1.retire and r1.key == ctl.key
