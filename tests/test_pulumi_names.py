"""Names and limits: every GCP resource name and Kubernetes name the program registers fits
(GCP: ``[a-z]([-a-z0-9]{0,61}[a-z0-9])?``; Kubernetes: DNS label <= 63 or subdomain <= 253), even
for a 57-character namespace and a 63-character service name, shortened deterministically
with a hash suffix."""
from __future__ import annotations

import re

import pytest

import crd_validate
import plan_factory as f
from planner.render import pulumi as render_pulumi

from pulumi_harness import run_program
from test_crds import k8s_objects

GCP_NAME = re.compile(r"^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$")
NS = "n" * 57
SVC = "s" * 63


def _plan(strategy):
    return f.plan(
        # HTTP with its TLS twin (TLS-only would stay under the ingress strategy: TLS_ONLY_INGRESS)
        f.svc(SVC, ports=((80, "TCP", "http"), (443, "TCP", "https")), ns=NS, ann={f.DNS: "pay.example.org"}, load_balancer_source_ranges=("198.51.100.0/24",)),
        f.svc("web", ns=NS, ann={f.DNS: "www.example.org"}, session_affinity="ClientIP"),
        strategy=strategy, consolidate_anyway=True)  # two rules save nothing: moved to test the names


@pytest.mark.parametrize("strategy", ["gateway", "ingress"])
def test_long_namespace_and_service_names_fit_every_limit(strategy, tmp_path):
    plan = _plan(strategy)
    assert any(len(ep["name"]) > 63 or len(ep["address"]["name"]) > 63 for ep in plan["entrypoints"]) or strategy == "gateway"
    out = render_pulumi.write(plan, tmp_path / "p")
    run = run_program(out, {"gcp:project": "p", "planner:phase": "retire", "planner:dns-zone": "z"})
    gcp = [r for r in run.resources if r.typ.startswith("gcp:") and r.typ != "gcp:dns/recordSet:RecordSet"]
    assert {r.typ.split(":")[1] for r in gcp} >= {"compute/globalAddress", "compute/securityPolicy"}
    bad = [(r.typ, r.inputs["name"]) for r in gcp if not GCP_NAME.match(r.inputs["name"])]
    assert bad == []
    objs = k8s_objects(run)
    assert [e for o in objs for e in crd_validate.errors(o)] == []
    for o in objs:
        name = o["metadata"]["name"]
        if o["kind"] != "Service":  # the user's own Service, patched under its name
            assert len(name) <= 63 and crd_validate.DNS_LABEL.match(name), (o["kind"], name)
    # what refers to a shortened name uses the same one
    addr = {r.inputs["name"] for r in run.resources if r.typ == "gcp:compute/globalAddress:GlobalAddress"}
    if strategy == "ingress":
        refs = {o["metadata"]["annotations"]["kubernetes.io/ingress.global-static-ip-name"] for o in objs if o["kind"] == "Ingress"}
    else:
        refs = {a["value"] for o in objs if o["kind"] == "Gateway" for a in o["spec"]["addresses"] if o["spec"]["gatewayClassName"].endswith("external-managed")}
        gws = {o["metadata"]["name"] for o in objs if o["kind"] == "Gateway"}
        assert {p["name"] for o in objs if o["kind"] == "HTTPRoute" for p in o["spec"]["parentRefs"]} <= gws
    assert refs == addr


def test_shortening_is_deterministic_and_keeps_a_readable_head():
    a = render_pulumi.resource_name("planner", NS, "ip")
    assert a == render_pulumi.resource_name("planner", NS, "ip") and len(a) == 63
    assert a.startswith("planner-nnnn") and re.search(r"-[0-9a-f]{8}$", a)
    assert a != render_pulumi.resource_name("planner", NS + "x", "ip")
