"""Inventory shapes beyond kubectl's plain List (issue 10 item 7, issue 13):

* Lists in Lists; ``kubectl get --raw`` lists whose items carry no kind/apiVersion;
* sources that must be rendered first (Helm templates, kustomizations, JSON with comments):
  exit 2 with ONE line naming the file and what to run;
* load balancers planner does not price (``LB_NOT_PRICED``), not ``KIND_NOT_USED``;
* two copies of one object that differ only in server-set fields: one object;
* ``--namespace`` / fleet ``namespace:`` for manifests without one, else ``NAMESPACE_DEFAULTED``.
"""
from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
import yaml

from planner.cli import main
from planner.inventory import kube, read_inventory
from planner.model import Cluster, PlannerError, Source

CL = Cluster(name="c")


def lb(name, ns="shop", port=80, **spec):
    meta = {"name": name} if ns is None else {"name": name, "namespace": ns}
    return {"apiVersion": "v1", "kind": "Service", "metadata": meta, "spec": {"type": "LoadBalancer", "ports": [{"port": port}], **spec}}


def write(path: Path, text) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text if isinstance(text, str) else json.dumps(text))
    return path


def analyze(tmp_path, capsys, *args):
    code = main(["analyze", *map(str, args), "--out", str(tmp_path / "out")])
    out, err = capsys.readouterr()
    return code, out, err


def plan(tmp_path) -> dict:
    return json.loads((tmp_path / "out" / "plan.json").read_text())


def error_line(tmp_path, capsys, *args) -> str:
    """The CLI exits 2 with exactly one stderr line, writes nothing, and prints no traceback."""
    code, out, err = analyze(tmp_path, capsys, *args)
    assert code == 2, err
    assert err.count("\n") == 1 and err.endswith("\n") and "Traceback" not in err, err
    assert out == "" and not (tmp_path / "out").exists()
    return err[:-1]


def codes(inv, code):
    return [(n.level, n.object, n.message) for n in inv.notes if n.code == code]


# --- Lists in Lists, kubectl get --raw ------------------------------------------------------------

def test_list_in_a_list_any_depth_json(tmp_path):
    inner = {"apiVersion": "v1", "kind": "List", "items": [lb("b"), {"apiVersion": "v1", "kind": "List", "items": [lb("c")]}]}
    f = write(tmp_path / "nested.json", {"apiVersion": "v1", "kind": "List", "items": [lb("a"), inner, {"kind": "ServiceList", "apiVersion": "v1", "items": []}]})
    inv = read_inventory([str(f)], CL)
    assert [(s.name, str(s.source)) for s in inv.services] == [("a", str(f)), ("b", str(f)), ("c", str(f))]
    assert inv.kind_counts == {"Service": 3}  # the wrapping Lists are not objects
    assert inv.notes == []


def test_list_in_a_list_yaml_keeps_each_items_line(tmp_path):
    f = write(tmp_path / "nested.yaml", """\
apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: List
  items:
  - apiVersion: v1
    kind: Service
    metadata: {name: a, namespace: n}
    spec: {type: LoadBalancer, ports: [{port: 80}]}
- apiVersion: v1
  kind: Service
  metadata: {name: b, namespace: n}
  spec: {type: LoadBalancer, ports: [{port: 80}]}
""")
    inv = read_inventory([str(f)], CL)
    assert [(s.name, str(s.source)) for s in inv.services] == [("a", f"{f}:7"), ("b", f"{f}:11")]


def test_list_nested_past_the_depth_bound_is_refused(tmp_path):
    doc = lb("deep")
    for _ in range(40):  # each List adds two levels (the List, its items array)
        doc = {"kind": "List", "items": [doc]}
    f = write(tmp_path / "deep.json", doc)
    with pytest.raises(PlannerError, match=r"document nested deeper than 64 levels \(refused\)$"):
        read_inventory([str(f)], CL)


def test_kubectl_get_raw_lists_take_their_kind_from_the_list(tmp_path):
    """``kubectl get --raw /api/v1/services`` prints items without kind and apiVersion."""
    svc = {"metadata": {"name": "web", "namespace": "shop", "uid": "u1"}, "spec": {"type": "LoadBalancer", "ports": [{"port": 443, "protocol": "TCP"}]}}
    ing = {"metadata": {"name": "site", "namespace": "shop"}, "spec": {"rules": [{"host": "a.test", "http": {"paths": [{"path": "/", "backend": {"service": {"name": "web", "port": {"number": 443}}}}]}}]}}
    gw = {"metadata": {"name": "gw", "namespace": "infra"}, "spec": {"gatewayClassName": "gke-l7-gxlb", "listeners": [{"name": "http", "port": 80, "protocol": "HTTP"}]}}
    route = {"metadata": {"name": "r", "namespace": "shop"}, "spec": {"parentRefs": [{"name": "gw", "namespace": "infra"}]}}
    files = [
        write(tmp_path / "svc.json", {"kind": "ServiceList", "apiVersion": "v1", "metadata": {"resourceVersion": "9"}, "items": [svc]}),
        write(tmp_path / "ing.json", {"kind": "IngressList", "apiVersion": "networking.k8s.io/v1", "items": [ing]}),
        write(tmp_path / "gw.json", {"kind": "GatewayList", "apiVersion": "gateway.networking.k8s.io/v1", "items": [gw]}),
        write(tmp_path / "route.yaml", yaml.safe_dump({"kind": "HTTPRouteList", "apiVersion": "gateway.networking.k8s.io/v1", "items": [route]})),
        write(tmp_path / "cm.json", {"kind": "ConfigMapList", "apiVersion": "v1", "items": [{"metadata": {"name": "x"}}]}),
    ]
    inv = read_inventory([str(f) for f in files], CL)
    assert [(s.ref, s.type, s.ports[0].port) for s in inv.services] == [("Service c/shop/web", "LoadBalancer", 443)]
    assert [(i.ref, i.ingress_class, i.paths[0].service) for i in inv.ingresses] == [("Ingress c/shop/site", "gce", "web")]
    assert [g.ref for g in inv.gateways] == ["Gateway c/infra/gw"]
    assert [(r.ref, r.parents, str(r.source)) for r in inv.routes] == [("HTTPRoute c/shop/r", ("infra/gw",), f"{files[3]}:3")]
    assert inv.kind_counts == {"ConfigMap": 1, "Gateway": 1, "HTTPRoute": 1, "Ingress": 1, "Service": 1}


def test_raw_list_items_keep_their_own_kind_and_a_plain_list_infers_nothing(tmp_path):
    f = write(tmp_path / "mixed.json", {"kind": "ServiceList", "apiVersion": "v1", "items": [
        {"kind": "ConfigMap", "apiVersion": "v1", "metadata": {"name": "own-kind"}},
        {"metadata": {"name": "web", "namespace": "shop"}, "spec": {"type": "LoadBalancer", "ports": [{"port": 80}]}},
    ]})
    g = write(tmp_path / "plain.json", {"kind": "List", "apiVersion": "v1", "items": [lb("x"), {"metadata": {"name": "kindless"}}]})
    inv = read_inventory([str(f), str(g)], CL)
    assert sorted(s.name for s in inv.services) == ["web", "x"]
    assert inv.kind_counts == {"<no kind>": 1, "ConfigMap": 1, "Service": 2}
    assert [(n.level, n.code, n.object) for n in inv.notes if n.code == "NO_KIND"] == [("warn", "NO_KIND", str(g))]


def test_raw_and_nested_services_equal_the_plain_lists(tmp_path):
    """The fast path reads the same Service whatever shape held it."""
    doc = lb("web", port=8443, loadBalancerSourceRanges=["10.0.0.0/8"], externalTrafficPolicy="Local")
    doc["metadata"]["annotations"] = {"a": "1"}
    raw = {k: v for k, v in copy.deepcopy(doc).items() if k not in ("kind", "apiVersion")}
    plain = read_inventory([str(write(tmp_path / "p.json", {"kind": "List", "items": [doc]}))], CL).services
    nested = read_inventory([str(write(tmp_path / "n.json", {"kind": "List", "items": [{"kind": "List", "items": [doc]}]}))], Cluster("c2")).services
    rawlist = read_inventory([str(write(tmp_path / "r.json", {"kind": "ServiceList", "apiVersion": "v1", "items": [raw]}))], Cluster("c3")).services
    full, notes = kube._parse_service(doc, "c", Source(str(tmp_path / "p.json")))
    assert notes == [] and plain == [full]
    from dataclasses import replace
    assert [replace(s, cluster="c", source=full.source) for s in nested + rawlist] == [full, full]


# --- sources that must be rendered first -----------------------------------------------------------

HELM_SVC = """\
apiVersion: v1
kind: Service
metadata:
  name: {{ include "shop.fullname" . }}
  labels:
    {{- include "shop.labels" . | nindent 4 }}
spec:
  type: {{ .Values.service.type }}
  ports:
  - port: {{ .Values.service.port }}
"""


def test_unrendered_helm_template_is_one_line_naming_the_chart(tmp_path, capsys):
    f = write(tmp_path / "charts" / "shop" / "templates" / "service.yaml", HELM_SVC)
    assert error_line(tmp_path, capsys, f) == (
        f"error: {f}:4: an unrendered Helm template ('{{{{' outside a string); render it first: "
        f"helm template RELEASE {tmp_path / 'charts' / 'shop'} | planner analyze -")


@pytest.mark.parametrize("text, line", [
    ("{{- if .Values.enabled }}\napiVersion: v1\nkind: Service\nmetadata:\n  name: x\n{{- end }}\n", 1),
    ("apiVersion: v1\nkind: Service\nmetadata:\n  name: x\nspec:\n  ports:\n  {{- range .Values.ports }}\n  - port: {{ . }}\n  {{- end }}\n", 7),
    # every {{ }} quoted: valid YAML, but the name is a template (no Kubernetes name holds '{{')
    ('# a comment\napiVersion: v1\nkind: Service\nmetadata:\n  name: "{{ .Release.Name }}-web"\nspec:\n  ports: [{port: 80}]\n', 2),
    ("apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  namespace: '{{ .Release.Namespace }}'\n", 1),
])
def test_helm_template_shapes(tmp_path, capsys, text, line):
    f = write(tmp_path / "svc.yaml", text)
    assert error_line(tmp_path, capsys, f) == (
        f"error: {f}:{line}: an unrendered Helm template ('{{{{' outside a string); render it first: helm template RELEASE CHART | planner analyze -")


def test_braces_inside_strings_of_rendered_manifests_are_data(tmp_path, capsys):
    f = write(tmp_path / "rendered.yaml", """\
apiVersion: v1
kind: ConfigMap
metadata: {name: alerting, namespace: mon}
data:
  quoted: "{{ .Labels.instance }} is down"
  single: '{{ $value }}'
  block: |
    {{ range .Alerts }}{{ .Annotations.summary }}{{ end }}
  plain: summary-{{ .x }}
---
apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: shop
  annotations: {note: "{{ not a template }}"}
spec: {type: LoadBalancer, ports: [{port: 80}]}
""")
    code, _, err = analyze(tmp_path, capsys, f)
    assert code == 0, err
    p = plan(tmp_path)
    assert p["summary"]["objects_read"] == {"ConfigMap": 1, "Service": 1}
    assert [s["name"] for s in p["services"]] == ["web"]


def test_chart_directory_is_refused_at_chart_yaml(tmp_path, capsys):
    chart = tmp_path / "shop"
    write(chart / "Chart.yaml", "apiVersion: v2\nname: shop\nversion: 0.1.0\n")
    write(chart / "templates" / "service.yaml", HELM_SVC)
    write(chart / "values.yaml", "service: {type: LoadBalancer, port: 80}\n")
    assert error_line(tmp_path, capsys, chart) == (
        f"error: {chart / 'Chart.yaml'}:1: a Helm chart's Chart.yaml, not rendered manifests; render the chart first: helm template RELEASE {chart} | planner analyze -")


@pytest.mark.parametrize("name, text, line", [
    ("kustomization.yaml", "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: shop\nresources: [svc.yaml]\n", 1),
    ("kustomization.yml", "# no kind or apiVersion: kustomize accepts that\nresources:\n- svc.yaml\nnamePrefix: prod-\n", 2),
    ("base.yaml", "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\npatches: []\n", 1),
])
def test_kustomization_is_one_line_saying_build_it(tmp_path, capsys, name, text, line):
    f = write(tmp_path / "k" / name, text)
    d = tmp_path / "k"
    assert error_line(tmp_path, capsys, f) == (
        f"error: {f}:{line}: a kustomization, not rendered manifests; build it first: kustomize build {d} | planner analyze - (or kubectl kustomize {d})")


def test_kustomization_in_a_directory_of_manifests_is_an_error_not_a_skip(tmp_path, capsys):
    """Its namespace / namePrefix / patches change what the manifests beside it become: read
    as they are, the plan would name Services that do not exist. So the whole read stops."""
    d = tmp_path / "overlay"
    write(d / "svc.yaml", yaml.safe_dump(lb("web", ns=None)))
    write(d / "kustomization.yaml", "namespace: shop\nnamePrefix: prod-\nresources: [svc.yaml]\n")
    assert error_line(tmp_path, capsys, d) == (
        f"error: {d / 'kustomization.yaml'}:1: a kustomization, not rendered manifests; build it first: kustomize build {d} | planner analyze - (or kubectl kustomize {d})")


def test_flux_kustomization_objects_are_cluster_objects_not_files_to_build(tmp_path):
    f = write(tmp_path / "flux.yaml", "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: apps, namespace: flux-system}\nspec: {path: ./apps}\n")
    inv = read_inventory([str(f)], CL)
    assert inv.kind_counts == {"Kustomization": 1}
    assert [n.message for n in inv.notes if n.code == "KIND_NOT_USED"] == ["1 Kustomization object(s) read; planner does not price this kind"]


JSONC_HINT = "JSON with comments ('//' or '/*'), which JSON does not allow; remove them first (whole-line // comments: grep -v '^[[:space:]]*//' FILE > clean.json)"


@pytest.mark.parametrize("text, line", [
    ('{\n  "apiVersion": "v1",\n  // the shop\n  "kind": "Service"\n}\n', 3),
    ('{"apiVersion": "v1", "kind": "List", "items": [] /* none yet */}', 1),
    ('{"apiVersion": "v1",\n "kind": "Service", // trailing\n "metadata": {"name": "x"}}', 2),
    ('\n\n// exported by a script\n{"apiVersion": "v1", "kind": "List", "items": []}\n', 3),
    ('/* header */ {"kind": "List", "items": []}', 1),
])
def test_json_with_comments_is_one_line(tmp_path, capsys, text, line):
    f = write(tmp_path / "inv.json", text)
    assert error_line(tmp_path, capsys, f) == f"error: {f}:{line}: {JSONC_HINT}"


def test_slashes_inside_json_strings_are_data(tmp_path):
    doc = lb("web")
    doc["metadata"]["annotations"] = {"link": "https://example.com//x", "c": "/* not a comment */"}
    inv = read_inventory([str(write(tmp_path / "s.json", doc))], CL)
    assert dict(inv.services[0].annotations) == {"link": "https://example.com//x", "c": "/* not a comment */"}


# --- load balancers planner does not price ---------------------------------------------------------

def test_multicluster_ingress_and_old_gateways_are_lb_not_priced(tmp_path, capsys):
    f = write(tmp_path / "mci.yaml", """\
apiVersion: networking.gke.io/v1
kind: MultiClusterIngress
metadata: {name: shop, namespace: shop}
spec: {template: {spec: {backend: {serviceName: shop-mcs, servicePort: 8080}}}}
---
apiVersion: networking.gke.io/v1
kind: MultiClusterService
metadata: {name: shop-mcs, namespace: shop}
spec: {template: {spec: {ports: [{port: 8080}]}}}
---
apiVersion: networking.x-k8s.io/v1alpha1
kind: Gateway
metadata: {name: old-gw}
spec: {gatewayClassName: istio, listeners: [{port: 80, protocol: HTTP}]}
---
apiVersion: example.com/v1
kind: MultiClusterIngress
metadata: {name: other, namespace: shop}
""")
    code, out, err = analyze(tmp_path, capsys, f, "-n", "edge")
    assert code == 0, err
    p = plan(tmp_path)
    notes = [(n["level"], n["object"], n["message"]) for n in p["notes"] if n["code"] == "LB_NOT_PRICED"]
    tail = "planner does not price it: its charges are not in the totals"
    assert notes == [
        ("warn", "Gateway main/edge/old-gw", f"a Gateway of the old Gateway API group (networking.x-k8s.io, v1alpha1); its controller may run a load balancer ({f}:11); {tail}"),
        ("warn", "MultiClusterIngress main/shop/shop", f"a GKE multi-cluster Ingress: one global external Application Load Balancer in the config cluster's project ({f}:1); {tail}"),
        ("warn", "MultiClusterService main/shop/shop-mcs", f"the backend of a GKE multi-cluster Ingress (its load balancer is the MultiClusterIngress's) ({f}:6); {tail}"),
    ]
    # a kind of that name from another group stays KIND_NOT_USED; the three are not in it
    assert [n["message"] for n in p["notes"] if n["code"] == "KIND_NOT_USED"] == ["1 MultiClusterIngress object(s) read; planner does not price this kind"]
    assert p["summary"]["objects_read"] == {"Gateway (networking.x-k8s.io)": 1, "MultiClusterIngress": 2, "MultiClusterService": 1}
    assert "  warn LB_NOT_PRICED: MultiClusterIngress main/shop/shop: " in out  # listed on the terminal


# --- the same object twice ---------------------------------------------------------------------------

def server_copy(doc: dict, n: int) -> dict:
    """``doc`` as the API server returns it: every server-set field filled (differently per n)."""
    d = copy.deepcopy(doc)
    d["metadata"].update({
        "uid": f"uid-{n}", "resourceVersion": str(100 + n), "creationTimestamp": f"2026-01-0{n}T00:00:00Z", "generation": n,
        "managedFields": [{"manager": f"m{n}", "operation": "Update"}],
        "annotations": {**d["metadata"].get("annotations", {}), "kubectl.kubernetes.io/last-applied-configuration": json.dumps({"n": n})},
    })
    d["spec"].update({"clusterIP": f"10.0.0.{n}", "clusterIPs": [f"10.0.0.{n}"], "healthCheckNodePort": 32000 + n})
    for p in d["spec"]["ports"]:
        p["nodePort"] = 31000 + n
    return d


def test_copies_differing_only_in_server_fields_are_one_service(tmp_path, capsys):
    doc = lb("web", externalTrafficPolicy="Local")
    doc["metadata"]["annotations"] = {"external-dns.alpha.kubernetes.io/hostname": "web.test"}
    a = write(tmp_path / "manifest.yaml", yaml.safe_dump(doc))
    b = write(tmp_path / "live.json", {"kind": "List", "items": [server_copy(doc, 1)]})
    c = write(tmp_path / "live2.json", {"kind": "List", "items": [server_copy(doc, 2)]})
    code, _, err = analyze(tmp_path, capsys, a, b, c)
    assert code == 0, err
    p = plan(tmp_path)
    assert [(s["name"], s["source"]) for s in p["services"]] == [("web", f"{a}:1")]
    assert p["summary"]["current_monthly_usd"] == 18.25  # one forwarding rule, not three
    assert [(n["level"], n["object"], n["message"]) for n in p["notes"] if n["code"] == "DUPLICATE_IDENTICAL"] == [
        ("info", "Service main/shop/web", f"read again, identical, from {b}; counted once"),
        ("info", "Service main/shop/web", f"read again, identical, from {c}; counted once"),
    ]


def test_copies_differing_in_status_merge_the_addresses(tmp_path):
    doc = lb("web")
    live = server_copy(doc, 1)
    live["status"] = {"loadBalancer": {"ingress": [{"ip": "34.1.1.1"}]}}
    later = server_copy(doc, 2)
    later["status"] = {"loadBalancer": {"ingress": [{"ip": "34.2.2.2"}]}}
    a, b, c = (write(tmp_path / f"{n}.json", d) for n, d in (("a", doc), ("b", live), ("c", later)))
    inv = read_inventory([str(a), str(b), str(c)], CL)
    assert [(s.ref, s.status_addresses, str(s.source)) for s in inv.services] == [("Service c/shop/web", ("34.1.1.1", "34.2.2.2"), str(a))]
    msg = "identical but for server-set status_addresses; counted once, addresses merged"
    assert codes(inv, "DUPLICATE_IDENTICAL") == [("info", "Service c/shop/web", f"read again from {b}, {msg}"), ("info", "Service c/shop/web", f"read again from {c}, {msg}")]


def test_ingress_copies_differing_in_status_are_one_ingress(tmp_path):
    ing = {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": {"name": "site", "namespace": "shop"},
           "spec": {"rules": [{"host": "a.test", "http": {"paths": [{"path": "/", "backend": {"service": {"name": "web", "port": {"number": 80}}}}]}}]}}
    live = copy.deepcopy(ing)
    live["metadata"].update({"uid": "u", "resourceVersion": "7", "generation": 3})
    live["status"] = {"loadBalancer": {"ingress": [{"ip": "34.9.9.9"}]}}
    inv = read_inventory([str(write(tmp_path / "a.json", ing)), str(write(tmp_path / "b.json", live))], CL)
    assert [(i.ref, i.status_addresses) for i in inv.ingresses] == [("Ingress c/shop/site", ("34.9.9.9",))]
    assert len(codes(inv, "DUPLICATE_IDENTICAL")) == 1


def test_gateway_copies_agree_when_one_holds_the_others_addresses(tmp_path, capsys):
    """A Gateway's addresses are spec (asked for) and status (given): the live copy may add
    status addresses to the manifest's, but two copies asking for different ones differ."""
    gw = {"apiVersion": "gateway.networking.k8s.io/v1", "kind": "Gateway", "metadata": {"name": "gw", "namespace": "infra"},
          "spec": {"gatewayClassName": "gke-l7-gxlb", "listeners": [{"name": "http", "port": 80, "protocol": "HTTP"}]}}
    live = copy.deepcopy(gw)
    live["metadata"]["uid"] = "u"
    live["status"] = {"addresses": [{"type": "IPAddress", "value": "34.5.5.5"}]}
    inv = read_inventory([str(write(tmp_path / "a.json", gw)), str(write(tmp_path / "b.json", live))], CL)
    assert [(g.ref, g.addresses) for g in inv.gateways] == [("Gateway c/infra/gw", ("34.5.5.5",))]
    other = copy.deepcopy(gw)
    other["spec"]["addresses"] = [{"type": "IPAddress", "value": "34.6.6.6"}]
    a, c = write(tmp_path / "a.json", live), write(tmp_path / "c.json", other)
    assert error_line(tmp_path, capsys, a, c) == f"error: {c}: Gateway infra/gw (cluster main) is also defined, differently, in {a}"


@pytest.mark.parametrize("change", [
    lambda d: d["spec"]["ports"][0].update(port=8080),
    lambda d: d["spec"].update(loadBalancerSourceRanges=["10.0.0.0/8"]),
    lambda d: d["metadata"].update(annotations={"networking.gke.io/load-balancer-type": "Internal"}),
    lambda d: d["spec"].update(type="NodePort"),
])
def test_real_differences_stay_an_error_naming_both_files(tmp_path, capsys, change):
    doc = lb("web")
    other = server_copy(doc, 1)
    change(other)
    a = write(tmp_path / "a.json", doc)
    b = write(tmp_path / "b.json", other)
    assert error_line(tmp_path, capsys, a, b) == f"error: {b}: Service shop/web (cluster main) is also defined, differently, in {a}"


# --- --namespace ---------------------------------------------------------------------------------

MANIFESTS = """\
# helm template shop charts/shop   (templates that set no namespace)
apiVersion: v1
kind: Service
metadata: {name: web}
spec: {type: LoadBalancer, ports: [{port: 80, name: http}]}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: site}
spec: {rules: [{host: a.test, http: {paths: [{path: /, backend: {service: {name: web, port: {number: 80}}}}]}}]}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: r}
spec: {parentRefs: [{name: gw}], rules: [{backendRefs: [{name: web, port: 80}]}]}
---
apiVersion: v1
kind: Service
metadata: {name: db, namespace: data}
spec: {type: LoadBalancer, ports: [{port: 5432}]}
---
apiVersion: v1
kind: Service
metadata: {name: explicit, namespace: default}
spec: {type: LoadBalancer, ports: [{port: 5433}]}
"""


def test_without_namespace_each_object_is_noted_in_default(tmp_path):
    f = write(tmp_path / "m.yaml", MANIFESTS)
    inv = read_inventory([str(f)], CL)
    assert sorted(s.ref for s in inv.services) == ["Service c/data/db", "Service c/default/explicit", "Service c/default/web"]
    tail = "; assumed 'default' (pass --namespace, or namespace: in the fleet file, if it is installed elsewhere)"
    assert codes(inv, "NAMESPACE_DEFAULTED") == [
        ("info", "Service c/default/web", f"no metadata.namespace ({f}:2){tail}"),
        ("info", "Ingress c/default/site", f"no metadata.namespace ({f}:7){tail}"),
        ("info", "HTTPRoute c/default/r", f"no metadata.namespace ({f}:12){tail}"),
    ]


def test_namespace_flag_places_objects_without_one(tmp_path, capsys):
    f = write(tmp_path / "m.yaml", MANIFESTS)
    code, _, err = analyze(tmp_path, capsys, f, "--namespace", "shop")
    assert code == 0, err
    p = plan(tmp_path)
    assert sorted((s["namespace"], s["name"]) for s in p["services"]) == [("data", "db"), ("default", "explicit"), ("shop", "web")]
    assert not [n for n in p["notes"] if n["code"] == "NAMESPACE_DEFAULTED"]
    inv = read_inventory([str(f)], CL, namespace="shop")
    assert [(i.ref,) for i in inv.ingresses] == [("Ingress c/shop/site",)]
    # a route's refs without a namespace are in the route's namespace: the one given
    assert [(r.ref, r.parents, [(b.namespace, b.service) for b in r.backends]) for r in inv.routes] == [("HTTPRoute c/shop/r", ("shop/gw",), [("shop", "web")])]


def test_short_flag_and_bad_namespace(tmp_path, capsys):
    f = write(tmp_path / "m.yaml", MANIFESTS)
    code, _, err = analyze(tmp_path, capsys, f, "-n", "shop")
    assert code == 0, err
    assert ("shop", "web") in {(s["namespace"], s["name"]) for s in plan(tmp_path)["services"]}
    assert error_line(tmp_path / "x", capsys, f, "--namespace", "Shop_1") == (
        "error: --namespace: namespace 'Shop_1' is not a namespace name (lowercase letters, digits and '-', at most 63)")


def test_fleet_namespace_per_cluster(tmp_path, capsys):
    write(tmp_path / "m.yaml", MANIFESTS)
    fleet = write(tmp_path / "fleet.yaml", yaml.safe_dump({"clusters": [
        {"name": "a", "cloud": "gcp", "project": "p", "region": "us-central1", "inventory": ["m.yaml"], "namespace": "shop"},
        {"name": "b", "cloud": "gcp", "project": "p", "region": "us-central1", "inventory": ["m.yaml"]},
    ]}, sort_keys=False))
    code, _, err = analyze(tmp_path, capsys, "--fleet", fleet)
    assert code == 0, err
    p = plan(tmp_path)
    assert sorted((s["cluster"], s["namespace"], s["name"]) for s in p["services"] if s["name"] == "web") == [("a", "shop", "web"), ("b", "default", "web")]
    assert sorted(n["object"] for n in p["notes"] if n["code"] == "NAMESPACE_DEFAULTED") == ["HTTPRoute b/default/r", "Ingress b/default/site", "Service b/default/web"]


def test_fleet_namespace_validated_and_not_combined_with_the_flag(tmp_path, capsys):
    write(tmp_path / "m.yaml", MANIFESTS)
    fleet = write(tmp_path / "fleet.yaml", "clusters:\n  - name: a\n    cloud: gcp\n    project: p\n    region: us-central1\n    inventory: [m.yaml]\n    namespace: -bad\n")
    assert error_line(tmp_path, capsys, "--fleet", fleet) == (
        f"error: {fleet}:7: clusters[0] (a): namespace '-bad' is not a namespace name (lowercase letters, digits and '-', at most 63)")
    good = write(tmp_path / "good.yaml", "clusters:\n  - name: a\n    cloud: gcp\n    project: p\n    region: us-central1\n    inventory: [m.yaml]\n")
    assert error_line(tmp_path, capsys, "--fleet", good, "-n", "shop") == (
        f"error: {good}: --fleet cannot be combined with --namespace; add those files as another cluster entry of the fleet file")


def test_kubectl_output_with_namespaces_gets_no_note(tmp_path):
    f = write(tmp_path / "k.json", {"kind": "List", "items": [lb(f"s{i}", ns="default" if i % 2 else "shop") for i in range(6)]})
    inv = read_inventory([str(f)], CL)
    assert len(inv.services) == 6 and codes(inv, "NAMESPACE_DEFAULTED") == []
