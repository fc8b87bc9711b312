"""Pricers, one module per cloud, registered here."""
from __future__ import annotations

from planner.model import PlannerError


def get_pricer(cloud: str):
    if cloud == "gcp":
        from planner.pricers.gcp import GcpPricer

        return GcpPricer()
    raise PlannerError(f"no pricer for cloud {cloud!r} (available: gcp)")


PRICERS = ("gcp",)
