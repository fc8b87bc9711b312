"""Catalog importers: the clouds' machine-readable price lists → a planner rate table.

``planner prices import gcp|aws|azure FILE... [--out PATH]`` reads

- **gcp**: Cloud Billing Catalog ``services/E505-1604-58F8/skus`` (and ``6F81-5844-456A`` for
  static IPs) responses: ``{"skus": [...]}``. Price = ``units + nanos/1e9`` of the tier starting
  at 0 (or the first non-zero tier), region from ``serviceRegions`` (``global`` for global SKUs),
  effective date from ``pricingInfo[].effectiveTime``.
- **aws**: Price List bulk offer files (``AWSELB``, and ``AmazonVPC`` for public IPv4):
  ``products`` × ``terms.OnDemand``; the rate is chosen by ``operation`` and the ``usagetype``
  suffix, the region by ``attributes.regionCode`` or the usage-type prefix.
- **azure**: Retail Prices API responses ``{"Items": [...]}``; ``type == "Consumption"`` only;
  the Load Balancer meters and the Standard static public IPv4 meter.

Every rate written names its catalog record (SKU / meter id) as its source and the record's
effective date. Records that map to no rate are counted, not dropped silently: the importer
returns a summary the CLI prints. When several records give the same rate, the newest wins and
the rate is marked ``unsure`` with a note naming the alternatives.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

import yaml

from planner.model import PlannerError

MAX_CATALOG_BYTES = 256 * 1024 * 1024


@dataclass
class Imported:
    cloud: str
    rates: dict[str, dict[str, dict]] = field(default_factory=dict)  # region -> key -> rate
    alternatives: dict[tuple[str, str], list[dict]] = field(default_factory=dict)
    records: int = 0
    used: int = 0
    ignored: dict[str, int] = field(default_factory=dict)  # reason -> count

    def ignore(self, reason: str) -> None:
        self.ignored[reason] = self.ignored.get(reason, 0) + 1

    def put(self, region: str, key: str, rate: dict) -> None:
        self.used += 1
        cur = self.rates.setdefault(region, {}).get(key)
        if cur is None:
            self.rates[region][key] = rate
            return
        self.alternatives.setdefault((region, key), [cur]).append(rate)
        best = max(self.alternatives[(region, key)], key=lambda r: (r["effective"], r["usd"], r["source"]))
        self.rates[region][key] = best

    def table(self) -> dict:
        regions: dict[str, dict] = {}
        for region in sorted(self.rates):
            regions[region] = {}
            for key in sorted(self.rates[region]):
                rate = dict(self.rates[region][key])
                alts = self.alternatives.get((region, key))
                if alts and len({(a["usd"], a["effective"]) for a in alts}) > 1:
                    others = sorted({f"{a['usd']} ({a['effective']})" for a in alts if a is not self.rates[region][key]})
                    rate["unsure"] = True
                    rate["note"] = f"{len(alts)} catalog records matched; newest kept; others: {', '.join(others)}"
                regions[region][key] = rate
        return {"cloud": self.cloud, "currency": "USD", "hours_per_month": 730, "regions": regions}

    def summary(self) -> str:
        ign = ", ".join(f"{n} {why}" for why, n in sorted(self.ignored.items())) or "none"
        n_rates = sum(len(v) for v in self.rates.values())
        return f"{self.records} catalog record(s) read, {self.used} used for {n_rates} rate(s) in {len(self.rates)} region(s); ignored: {ign}"


def _load(path: str) -> object:
    p = Path(path)
    try:
        if p.stat().st_size > MAX_CATALOG_BYTES:
            raise PlannerError(f"{path}: catalog file larger than {MAX_CATALOG_BYTES // (1024 * 1024)} MiB")
        return json.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PlannerError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise PlannerError(f"{path}: cannot read ({exc.__class__.__name__})") from None
    except json.JSONDecodeError as exc:
        raise PlannerError(f"{path}:{exc.lineno}: not JSON ({exc.msg})") from None


def _usd(value, where: str) -> str:
    try:
        d = Decimal(str(value))
    except InvalidOperation:
        raise PlannerError(f"{where}: price {str(value)[:40]!r} is not a number") from None
    if not d.is_finite() or d < 0:
        raise PlannerError(f"{where}: price {str(value)[:40]!r} is not a non-negative number")
    return format(d.normalize(), "f") if d != 0 else "0"


def _rate(usd: str, unit: str, source: str, effective: str) -> dict:
    return {"usd": usd, "unit": unit, "source": source, "effective": effective, "unsure": False}


# --- GCP -------------------------------------------------------------------------------------
#: (description pattern, rate key, expected usage unit); first match wins.
GCP_SKUS = [
    (re.compile(r"forwarding rule minimum", re.IGNORECASE), "forwarding_rule_first5", "h"),
    (re.compile(r"forwarding rule additional", re.IGNORECASE), "forwarding_rule_additional", "h"),
    (re.compile(r"application load balancer inbound data processing", re.IGNORECASE), "data_inbound_gib", "GiBy"),
    (re.compile(r"application load balancer outbound data processing", re.IGNORECASE), "data_outbound_gib", "GiBy"),
    (re.compile(r"passthrough network load balancer inbound data processing", re.IGNORECASE), "passthrough_data_inbound_gib", "GiBy"),
    (re.compile(r"static ip", re.IGNORECASE), "address_reserved_unused_hour", "h"),
]
GCP_UNITS = {"h": "hour", "GiBy": "GiB"}


def _gcp_price(sku: dict, where: str) -> tuple[str, str, str]:
    infos = sku.get("pricingInfo")
    if not isinstance(infos, list) or not infos or not isinstance(infos[0], dict):
        raise PlannerError(f"{where}: no pricingInfo")
    info = max((i for i in infos if isinstance(i, dict)), key=lambda i: str(i.get("effectiveTime", "")))
    expr = info.get("pricingExpression") or {}
    tiers = expr.get("tieredRates") or []
    if not isinstance(tiers, list) or not tiers:
        raise PlannerError(f"{where}: no pricingExpression.tieredRates")
    prices = []
    for t in sorted(tiers, key=lambda t: float(t.get("startUsageAmount", 0) or 0)):
        up = t.get("unitPrice") or {}
        if up.get("currencyCode", "USD") != "USD":
            raise PlannerError(f"{where}: currency {str(up.get('currencyCode'))[:10]!r}; import the catalog with currencyCode=USD")
        prices.append(Decimal(str(up.get("units", "0") or "0")) + Decimal(int(up.get("nanos", 0) or 0)) / Decimal(10**9))
    price = next((p for p in prices if p > 0), prices[0])
    effective = str(info.get("effectiveTime", ""))[:10]
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", effective):
        raise PlannerError(f"{where}: pricingInfo.effectiveTime {effective!r} is not a date")
    return _usd(price, where), str(expr.get("usageUnit", "")), effective


def import_gcp(docs: list[tuple[str, object]]) -> Imported:
    out = Imported("gcp")
    for path, doc in docs:
        skus = doc.get("skus") if isinstance(doc, dict) else doc
        if not isinstance(skus, list):
            raise PlannerError(f"{path}: not a Cloud Billing Catalog SKU list (needs 'skus': [...])")
        for i, sku in enumerate(skus):
            out.records += 1
            if not isinstance(sku, dict) or "skuId" not in sku:
                raise PlannerError(f"{path}: skus[{i}] is not a SKU record (needs skuId)")
            where = f"{path}: SKU {str(sku['skuId'])[:40]}"
            desc = str(sku.get("description", ""))
            match = next(((key, unit) for rx, key, unit in GCP_SKUS if rx.search(desc)), None)
            if match is None:
                out.ignore("SKU(s) not used by planner")
                continue
            key, want_unit = match
            usd, unit, effective = _gcp_price(sku, where)
            if unit != want_unit:
                out.ignore(f"SKU(s) with an unexpected usage unit (not {want_unit})")
                continue
            regions = [str(r) for r in sku.get("serviceRegions") or []]
            if regions == ["global"] or desc.strip().lower().endswith(" global"):
                regions = ["global"]
            if not regions:
                out.ignore("SKU(s) without serviceRegions")
                continue
            source = f"GCP Cloud Billing Catalog SKU {sku['skuId']} '{desc}'"
            for region in regions:
                out.put(region, key, _rate(usd, GCP_UNITS[unit], source, effective))
    for region, rates in out.rates.items():  # the pricer reads data_inbound_gib for passthrough LBs too
        if "passthrough_data_inbound_gib" in rates and "data_inbound_gib" not in rates:
            rates["data_inbound_gib"] = rates["passthrough_data_inbound_gib"]
        if "forwarding_rule_first5" in rates and region != "global":
            # no catalog SKU for Envoy proxy instances is mapped: infracost prices a proxy-hour at
            # the region's forwarding-rule-minimum SKU; kept unsure (see docs/pricing.md)
            fr = rates["forwarding_rule_first5"]
            rates.setdefault("proxy_instance_hour", dict(_rate(fr["usd"], "hour", f"{fr['source']} (proxy instance-hour priced at this SKU, as infracost does)", fr["effective"]), unsure=True,
                                                         note="no catalog SKU for regional Envoy proxy instances is mapped; the forwarding-rule-minimum price is assumed"))
        if "forwarding_rule_first5" in rates:
            rates.setdefault("address_on_forwarding_rule_hour", _rate("0", "hour", "https://cloud.google.com/vpc/network-pricing#ipaddress (external IPv4 used by a forwarding rule: no charge)", rates["forwarding_rule_first5"]["effective"]))
    return out


# --- AWS -------------------------------------------------------------------------------------
#: (operation or None for any, usagetype suffix) → (rate key, unit)
AWS_RATES = {
    ("LoadBalancing:Application", "LoadBalancerUsage"): ("alb_hour", "hour"),
    ("LoadBalancing:Application", "LCUUsage"): ("alb_lcu_hour", "LCU-hour"),
    ("LoadBalancing:Network", "LoadBalancerUsage"): ("nlb_hour", "hour"),
    ("LoadBalancing:Network", "LCUUsage"): ("nlb_nlcu_hour", "NLCU-hour"),
    ("LoadBalancing", "LoadBalancerUsage"): ("clb_hour", "hour"),
    ("LoadBalancing", "DataProcessing-Bytes"): ("clb_data_gb", "GB"),
    (None, "PublicIPv4:InUseAddress"): ("public_ipv4_hour", "hour"),
}
#: usage-type prefix → region, for records without attributes.regionCode.
AWS_PREFIX = {"": "us-east-1", "USE1": "us-east-1", "USE2": "us-east-2", "USW1": "us-west-1", "USW2": "us-west-2", "EU": "eu-west-1", "EUW2": "eu-west-2", "EUW3": "eu-west-3", "EUC1": "eu-central-1", "APN1": "ap-northeast-1", "APN2": "ap-northeast-2", "APS1": "ap-southeast-1", "APS2": "ap-southeast-2", "APS3": "ap-south-1"}


def import_aws(docs: list[tuple[str, object]]) -> Imported:
    out = Imported("aws")
    for path, doc in docs:
        if not isinstance(doc, dict) or not isinstance(doc.get("products"), dict) or not isinstance(doc.get("terms"), dict):
            raise PlannerError(f"{path}: not an AWS Price List offer file (needs 'products' and 'terms')")
        offer = str(doc.get("offerCode", "?"))
        on_demand = doc["terms"].get("OnDemand") or {}
        for sku, product in sorted(doc["products"].items()):
            out.records += 1
            if not isinstance(product, dict):
                raise PlannerError(f"{path}: products[{sku[:40]!r}] is not an object")
            attrs = product.get("attributes") or {}
            usagetype, operation = str(attrs.get("usagetype", "")), str(attrs.get("operation", ""))
            hit = None
            for (op, suffix), target in AWS_RATES.items():
                if (op is None or op == operation) and (usagetype == suffix or usagetype.endswith("-" + suffix)):
                    hit, prefix = target, usagetype[: -len(suffix)].rstrip("-")
                    break
            if hit is None:
                out.ignore("product(s) not used by planner")
                continue
            region = str(attrs.get("regionCode") or AWS_PREFIX.get(prefix, ""))
            if not region:
                out.ignore("product(s) with an unknown usage-type prefix and no regionCode")
                continue
            terms = on_demand.get(sku)
            if not isinstance(terms, dict) or not terms:
                out.ignore("product(s) without an OnDemand term")
                continue
            for term in sorted(terms.values(), key=lambda t: str(t.get("effectiveDate", ""))):
                dims = [d for d in (term.get("priceDimensions") or {}).values() if isinstance(d, dict)]
                dims.sort(key=lambda d: float(d.get("beginRange", "0") or 0))
                if not dims:
                    out.ignore("term(s) without priceDimensions")
                    continue
                dim = next((d for d in dims if Decimal(str((d.get("pricePerUnit") or {}).get("USD", "0"))) > 0), dims[0])
                if "USD" not in (dim.get("pricePerUnit") or {}):
                    raise PlannerError(f"{path}: SKU {sku[:40]} has no USD price")
                usd = _usd(dim["pricePerUnit"]["USD"], f"{path}: SKU {sku[:40]}")
                effective = str(term.get("effectiveDate", ""))[:10]
                if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", effective):
                    raise PlannerError(f"{path}: SKU {sku[:40]} effectiveDate {effective!r} is not a date")
                key, unit = hit
                source = f"AWS Price List {offer} SKU {sku} rateCode {dim.get('rateCode', '?')} ({operation or '-'} {usagetype}): {str(dim.get('description', ''))[:120]}"
                out.put(region, key, _rate(usd, unit, source, effective))
    return out


# --- Azure -----------------------------------------------------------------------------------
AZURE_METERS = {
    "Standard Included LB Rules and Outbound Rules": ("lb_rules_first5_hour", "1 Hour", "hour"),
    "Standard Overage LB Rules and Outbound Rules": ("lb_rule_additional_hour", "1 Hour", "hour"),
    "Standard Data Processed": ("lb_data_gb", "1 GB", "GB"),
    "Standard IPv4 Static Public IP": ("public_ipv4_hour", "1 Hour", "hour"),
}


def import_azure(docs: list[tuple[str, object]]) -> Imported:
    out = Imported("azure")
    for path, doc in docs:
        items = doc.get("Items") if isinstance(doc, dict) else None
        if not isinstance(items, list):
            raise PlannerError(f"{path}: not an Azure Retail Prices response (needs 'Items': [...])")
        for i, item in enumerate(items):
            out.records += 1
            if not isinstance(item, dict):
                raise PlannerError(f"{path}: Items[{i}] is not an object")
            if item.get("type") != "Consumption":
                out.ignore("item(s) not of type Consumption")
                continue
            meter = AZURE_METERS.get(str(item.get("meterName", "")))
            if meter is None or (meter[0].startswith("lb_") and item.get("serviceName") != "Load Balancer"):
                out.ignore("meter(s) not used by planner")
                continue
            key, want_unit, unit = meter
            if item.get("unitOfMeasure") != want_unit or float(item.get("tierMinimumUnits", 0) or 0) != 0:
                out.ignore("item(s) with another unit of measure or a higher tier")
                continue
            if item.get("currencyCode", "USD") != "USD":
                raise PlannerError(f"{path}: Items[{i}] currency {str(item.get('currencyCode'))[:10]!r}; query the API with currencyCode='USD'")
            region = str(item.get("armRegionName") or "global").lower()
            usd = _usd(item.get("retailPrice"), f"{path}: Items[{i}]")
            effective = str(item.get("effectiveStartDate", ""))[:10]
            if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", effective):
                raise PlannerError(f"{path}: Items[{i}] effectiveStartDate {effective!r} is not a date")
            source = f"Azure Retail Prices meterId {item.get('meterId', '?')} '{item.get('meterName')}' ({item.get('productName', '?')}, {item.get('skuName', '?')}, {item.get('armRegionName') or 'Global'})"
            out.put(region, key, _rate(usd, unit, source, effective))
    return out


IMPORTERS = {"gcp": import_gcp, "aws": import_aws, "azure": import_azure}


def import_catalog(cloud: str, paths: list[str]) -> Imported:
    if cloud not in IMPORTERS:
        raise PlannerError(f"no importer for cloud {cloud!r} (available: {', '.join(sorted(IMPORTERS))})")
    result = IMPORTERS[cloud]([(p, _load(p)) for p in paths])
    if not result.rates:
        raise PlannerError(f"{', '.join(paths)}: no {cloud} load-balancer rate found ({result.summary()})")
    return result


#: Rates each pricer looks up, per region kind ("*" = every region; "global" = the global one).
REQUIRED = {
    # GCP has no global data-processing rate (global LBs are charged at their region's rate)
    "gcp": {"global": ("forwarding_rule_first5", "forwarding_rule_additional"), "*": ("forwarding_rule_first5", "forwarding_rule_additional", "data_inbound_gib", "data_outbound_gib")},
    "aws": {"*": ("alb_hour", "alb_lcu_hour", "nlb_hour", "nlb_nlcu_hour", "clb_hour", "clb_data_gb", "public_ipv4_hour")},
    "azure": {"global": ("lb_rules_first5_hour", "lb_rule_additional_hour", "lb_data_gb"), "*": ("public_ipv4_hour",)},
}


def missing_rates(imported: Imported) -> list[str]:
    """``region/key`` the pricer would need but the import did not find (sorted)."""
    req = REQUIRED[imported.cloud]
    out = []
    regions = set(imported.rates) | ({"global"} if "global" in req else set())
    for region in sorted(regions):
        keys = req.get("global", ()) if region == "global" and "global" in req else req["*"]
        out.extend(f"{region}/{k}" for k in keys if k not in imported.rates.get(region, {}))
    return out


def _safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "_", text)[:100]


def dump_table(imported: Imported, paths: list[str]) -> str:
    header = (
        f"# {imported.cloud} rate table imported by 'planner prices import {imported.cloud}' from: {', '.join(_safe(Path(p).name) for p in paths)}\n"
        f"# {imported.summary()}\n"
    )
    return header + yaml.safe_dump(imported.table(), sort_keys=False, default_flow_style=False, allow_unicode=False, width=1000)
