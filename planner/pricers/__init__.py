"""Pricers, one module per cloud, registered here.

Every pricer has the same interface (see ``GcpPricer``): ``service_footprint``,
``ingress_footprint``, ``entrypoint_footprint``, ``data_rates``, ``price`` and a ``table``
(:class:`~planner.pricers.rates.RateTable`). To add a cloud: a ``pricing/<cloud>.yaml`` table, a
``planner/pricers/<cloud>.py`` pricer, an importer in ``planner/pricers/importers.py`` and one
line in :data:`PRICERS`.
"""
from __future__ import annotations

from importlib import import_module

from planner.model import PlannerError

#: cloud → (module, class). Loaded lazily.
PRICERS: dict[str, tuple[str, str]] = {
    "aws": ("planner.pricers.aws", "AwsPricer"),
    "azure": ("planner.pricers.azure", "AzurePricer"),
    "gcp": ("planner.pricers.gcp", "GcpPricer"),
}


def get_pricer(cloud: str, rates: str | None = None):
    """The pricer for ``cloud``, on its bundled table or on the table at ``rates``."""
    try:
        module, cls = PRICERS[cloud]
    except KeyError:
        raise PlannerError(f"no pricer for cloud {cloud!r} (available: {', '.join(sorted(PRICERS))})") from None
    from planner.pricers.rates import load_table

    table = load_table(cloud, rates) if rates else None
    return getattr(import_module(module), cls)(table)
