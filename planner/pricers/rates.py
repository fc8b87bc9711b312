"""Rate tables: ``pricing/<cloud>.yaml`` → :class:`Rate` look-ups. The one place a missing
rate or region is reported."""
from __future__ import annotations

from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path

import yaml

from planner.model import PlannerError, Rate
from planner.resources import pricing_dir


class RateTable:
    def __init__(self, cloud: str, path: Path, data: dict):
        self.cloud = cloud
        self.path = path
        self.currency = data.get("currency", "USD")
        self._regions: dict[str, dict[str, Rate]] = {}
        for region, rates in (data.get("regions") or {}).items():
            table: dict[str, Rate] = {}
            for key, spec in (rates or {}).items():
                try:
                    usd = Decimal(str(spec["usd"]))
                    table[key] = Rate(
                        key=f"{cloud}/{region}/{key}",
                        usd=usd,
                        unit=str(spec["unit"]),
                        source=str(spec["source"]),
                        effective=str(spec["effective"]),
                        unsure=bool(spec.get("unsure", False)),
                        note=str(spec.get("note", "")),
                    )
                except (KeyError, TypeError, InvalidOperation) as exc:
                    raise PlannerError(f"{path}: rate {region}/{key} is malformed ({exc!s}): needs usd, unit, source, effective") from None
            self._regions[str(region)] = table

    @property
    def regions(self) -> list[str]:
        return sorted(self._regions)

    def rate(self, region: str, key: str) -> Rate:
        table = self._regions.get(region)
        if table is None:
            known = ", ".join(r for r in self.regions if r != "global")
            raise PlannerError(f"region {region!r} is not in the {self.cloud} rate table {self.path.name} (regions: {known})")
        try:
            return table[key]
        except KeyError:
            raise PlannerError(f"{self.path.name}: region {region!r} has no rate {key!r}") from None

    def all_rates(self) -> list[Rate]:
        return [r for region in self.regions for _, r in sorted(self._regions[region].items())]


@lru_cache(maxsize=None)
def load_table(cloud: str, path: str | None = None) -> RateTable:
    p = Path(path) if path else pricing_dir() / f"{cloud}.yaml"
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PlannerError(f"{p}: no rate table for cloud {cloud!r}") from None
    except yaml.YAMLError as exc:
        raise PlannerError(f"{p}: invalid rate table: {exc}") from None
    if not isinstance(data, dict) or data.get("cloud") != cloud:
        raise PlannerError(f"{p}: not a {cloud} rate table (needs 'cloud: {cloud}')")
    return RateTable(cloud, p, data)
