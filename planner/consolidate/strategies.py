"""Strategies: how consolidated services are grouped into new entrypoints.

A strategy maps each movable service to an entrypoint *slot* (cluster, namespace, visibility)
and says what that entrypoint is. One function per strategy, registered in STRATEGIES.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from planner.model import Service

GATEWAY_NAMESPACE = "planner-gateway"
GATEWAY_CLASS = {False: "gke-l7-global-external-managed", True: "gke-l7-rilb"}
INGRESS_CLASS = {False: "gce", True: "gce-internal"}


@dataclass(frozen=True)
class Slot:
    name: str
    kind: str  # Gateway | Ingress
    namespace: str
    cluster: str
    internal: bool
    cls: str


def _prefix(cluster: str, multi_cluster: bool) -> str:
    return f"{cluster}-" if multi_cluster else ""


def gateway(svc: Service, internal: bool, multi_cluster: bool) -> Slot:
    """One GKE Gateway per cluster and visibility; HTTPRoutes in each service's namespace."""
    vis = "internal" if internal else "external"
    return Slot(f"{_prefix(svc.cluster, multi_cluster)}planner-{vis}", "Gateway", GATEWAY_NAMESPACE, svc.cluster, internal, GATEWAY_CLASS[internal])


def ingress(svc: Service, internal: bool, multi_cluster: bool) -> Slot:
    """One GKE Ingress per cluster, namespace and visibility (an Ingress cannot cross namespaces)."""
    suffix = "-internal" if internal else ""
    return Slot(f"{_prefix(svc.cluster, multi_cluster)}planner-{svc.namespace}{suffix}", "Ingress", svc.namespace, svc.cluster, internal, INGRESS_CLASS[internal])


STRATEGIES: dict[str, Callable[[Service, bool, bool], Slot]] = {"gateway": gateway, "ingress": ingress}
