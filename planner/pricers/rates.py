"""Rate tables: ``pricing/<cloud>.yaml`` → :class:`Rate` look-ups. The one place a missing
rate or region is reported.

A table is YAML::

    cloud: aws
    currency: USD
    regions:
      us-east-1:
        nlb_hour: {usd: "0.0225", unit: hour, source: "...", effective: "2026-10-01", unsure: false}

An optional ``settings`` mapping carries pricer options that are not rates (``aks_outbound_rules``
for Azure, ``alb_ingress_classes`` for AWS; see docs/pricing.md).

Every rate carries its source (URL or catalog SKU / meter id) and effective date. ``as_of`` is the
newest effective date in the table (not the wall clock, so output is deterministic); a rate whose
effective date is more than :data:`STALE_AFTER_DAYS` before ``as_of`` is ``stale``.
"""
from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path

import yaml

from planner.model import PlannerError, Rate
from planner.resources import pricing_dir

STALE_AFTER_DAYS = 365
# The tables' notes cite the maintainers' research file, which users of planner do not have.
_RESEARCH_FILE = re.compile(r"PRICING-FACTS(?:\.md)?")


def public_note(text: str) -> str:
    """A rate's note as users see it (plan.json, report, ``planner prices``): no reference to
    files that ship only with the maintainers' notes."""
    return _RESEARCH_FILE.sub("planner's price research", text)
CLOUDS = ("gcp", "aws", "azure")


def _date(text: str, where: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        raise PlannerError(f"{where}: effective date {text[:40]!r} is not YYYY-MM-DD") from None


class RateTable:
    def __init__(self, cloud: str, path: Path, data: dict):
        self.cloud = cloud
        self.path = path
        self.currency = str(data.get("currency", "USD"))
        if self.currency != "USD":
            raise PlannerError(f"{path}: currency {self.currency!r} is not supported (planner prices in USD)")
        self._regions: dict[str, dict[str, Rate]] = {}
        settings = data.get("settings", {}) or {}
        if not isinstance(settings, dict):
            raise PlannerError(f"{path}: 'settings' must be a mapping (e.g. aks_outbound_rules: 1)")
        #: Pricer options that are not rates (AKS outbound rules, extra ALB Ingress classes...).
        self.settings: dict = dict(settings)
        regions = data.get("regions")
        if not isinstance(regions, dict) or not regions:
            raise PlannerError(f"{path}: no 'regions' mapping in the rate table")
        parsed: list[tuple[str, str, dict, Decimal, dt.date]] = []
        for region, rates in regions.items():
            if not isinstance(rates, dict):
                raise PlannerError(f"{path}: region {region!r} must map rate names to rates")
            for key, spec in rates.items():
                if not isinstance(spec, dict):
                    raise PlannerError(f"{path}: rate {region}/{key} must be a mapping with usd, unit, source, effective (found {type(spec).__name__})")
                try:
                    usd = Decimal(str(spec["usd"]))
                    if not usd.is_finite() or usd < 0:
                        raise InvalidOperation("usd must be a non-negative number")
                    for req in ("unit", "source", "effective"):
                        if not str(spec[req]).strip():
                            raise KeyError(req)
                except KeyError as exc:
                    raise PlannerError(f"{path}: rate {region}/{key} is malformed (missing {exc.args[0]!r}): needs usd, unit, source, effective") from None
                except (TypeError, InvalidOperation, ValueError):
                    raise PlannerError(f"{path}: rate {region}/{key} is malformed (usd {str(spec.get('usd'))[:30]!r} is not a non-negative number): needs usd, unit, source, effective") from None
                parsed.append((str(region), str(key), spec, usd, _date(str(spec["effective"]), f"{path}: rate {region}/{key}")))
        self.as_of: dt.date = max(p[4] for p in parsed)
        horizon = self.as_of - dt.timedelta(days=STALE_AFTER_DAYS)
        for region, key, spec, usd, eff in parsed:
            self._regions.setdefault(region, {})[key] = Rate(
                key=f"{cloud}/{region}/{key}",
                usd=usd,
                unit=str(spec["unit"]),
                source=public_note(str(spec["source"])),
                effective=str(spec["effective"]),
                unsure=bool(spec.get("unsure", False)),
                note=public_note(str(spec.get("note", ""))),
                stale=eff < horizon,
            )

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def regions(self) -> list[str]:
        return sorted(self._regions)

    def has_region(self, region: str) -> bool:
        return region in self._regions

    def rate(self, region: str, key: str) -> Rate:
        table = self._regions.get(region)
        if table is None:
            known = ", ".join(r for r in self.regions if r != "global")
            raise PlannerError(f"region {region!r} is not in the {self.cloud} rate table {self.path.name} (regions: {known})")
        try:
            return table[key]
        except KeyError:
            raise PlannerError(f"{self.path.name}: region {region!r} has no rate {key!r}") from None

    def find(self, region: str, key: str) -> Rate | None:
        """The rate if the table has it, else None (for optional, more specific rates)."""
        return self._regions.get(region, {}).get(key)

    def region_rates(self, region: str) -> list[Rate]:
        if region not in self._regions:
            self.rate(region, "")  # raises the region error
        return [r for _, r in sorted(self._regions[region].items())]

    def all_rates(self) -> list[Rate]:
        return [r for region in self.regions for _, r in sorted(self._regions[region].items())]

    def describe(self) -> dict:
        """What the plan records about the table in use (``plan.rate_table``)."""
        rates = self.all_rates()
        return {
            "cloud": self.cloud,
            "file": self.path.name,
            "as_of": self.as_of.isoformat(),
            "currency": self.currency,
            "regions": self.regions,
            "stale_after_days": STALE_AFTER_DAYS,
            "unsure_rates": sum(1 for r in rates if r.unsure),
            "stale_rates": sum(1 for r in rates if r.stale),
        }


def yaml_error(path: Path, exc: yaml.YAMLError) -> str:
    """One line for a YAML syntax error: file, line and column, and PyYAML's short problem
    (never its multi-line dump with the quoted source)."""
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    where = f":{mark.line + 1}:{mark.column + 1}" if mark is not None else ""
    problem = getattr(exc, "problem", None) or getattr(exc, "context", None) or exc.__class__.__name__
    return f"{path}{where}: not a valid YAML rate table: {' '.join(str(problem).split())}"


def table_cloud(path: str) -> str:
    """The cloud a rate table file names (``cloud: gcp|aws|azure``), for ``--rates FILE``
    implying the cloud; the file's problems as one line each."""
    p = Path(path)
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PlannerError(f"{p}: rate table not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise PlannerError(f"{p}: cannot read rate table ({exc.__class__.__name__})") from None
    except yaml.YAMLError as exc:
        raise PlannerError(yaml_error(p, exc)) from None
    if not isinstance(data, dict):
        raise PlannerError(f"{p}: not a rate table (a YAML mapping with cloud, currency and regions; found {type(data).__name__})")
    cloud = data.get("cloud")
    if cloud not in CLOUDS:
        raise PlannerError(f"{p}: not a rate table: 'cloud' must be one of {', '.join(CLOUDS)} (found {cloud!r})")
    return cloud


@cache
def load_table(cloud: str, path: str | None = None) -> RateTable:
    p = Path(path) if path else pricing_dir() / f"{cloud}.yaml"
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PlannerError(f"{p}: no rate table for cloud {cloud!r}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise PlannerError(f"{p}: cannot read rate table ({exc.__class__.__name__})") from None
    except yaml.YAMLError as exc:
        raise PlannerError(yaml_error(p, exc)) from None
    if not isinstance(data, dict) or data.get("cloud") != cloud:
        found = data.get("cloud") if isinstance(data, dict) else None
        raise PlannerError(f"{p}: not a {cloud} rate table (needs 'cloud: {cloud}', found {found!r})")
    return RateTable(cloud, p, data)
