"""An Istio Gateway that selects no LoadBalancer Service's Pods is reported
(MESH_GATEWAY_UNMATCHED), and one that does is not (its Service is kept as a mesh gateway)."""
from __future__ import annotations

import json

from planner.cli import main

INVENTORY = """\
apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Service
  metadata: {name: web, namespace: shop}
  spec:
    type: LoadBalancer
    selector: {app: web}
    ports: [{name: http, port: 80, targetPort: 8080, protocol: TCP}]
- apiVersion: v1
  kind: Service
  metadata: {name: edge, namespace: mesh}
  spec:
    type: LoadBalancer
    selector: {role: edge-proxy}
    ports: [{name: http, port: 80, targetPort: 8080, protocol: TCP}]
- apiVersion: networking.istio.io/v1
  kind: Gateway
  metadata: {name: edge-gw, namespace: mesh}
  spec:
    selector: {role: edge-proxy}
    servers: [{port: {number: 80, name: http, protocol: HTTP}, hosts: ["*"]}]
- apiVersion: networking.istio.io/v1
  kind: Gateway
  metadata: {name: lonely-gw, namespace: mesh}
  spec:
    selector: {istio: other-ingressgateway}
    servers: [{port: {number: 80, name: http, protocol: HTTP}, hosts: ["*"]}]
"""


def test_unmatched_istio_gateway_is_noted(tmp_path):
    inv = tmp_path / "inv.yaml"
    inv.write_text(INVENTORY)
    assert main(["analyze", str(inv), "--out", str(tmp_path / "out")]) == 0
    plan = json.loads((tmp_path / "out" / "plan.json").read_text())
    mesh = [n for n in plan["notes"] if n["code"] == "MESH_GATEWAY_UNMATCHED"]
    assert mesh == [{
        "level": "info", "object": "Istio Gateway main/mesh/lonely-gw", "code": "MESH_GATEWAY_UNMATCHED",
        "message": "selects Pods (istio=other-ingressgateway) that no LoadBalancer Service read here selects; nothing to plan for it (its gateway Service may be ClusterIP or NodePort, or in another inventory)",
    }]
    edge = next(s for s in plan["services"] if s["name"] == "edge")
    assert edge["decision"] == "keep" and edge["reasons"][0]["code"] == "INGRESS_CONTROLLER"
    assert "Istio Gateway mesh/edge-gw selects its Pods (role=edge-proxy)" in edge["reasons"][0]["message"]
