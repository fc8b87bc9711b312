"""The pricing side of the command line: ``analyze`` flags (``--cloud``, ``--rates``,
``--usage-default``) and the ``planner prices`` command (show a table, import a catalog).

cli.py only wires these in; the work is done by the pricing modules.
"""
from __future__ import annotations

import sys
from dataclasses import replace
from decimal import Decimal, InvalidOperation
from pathlib import Path


from planner.model import INFO, Inventory, Note, PlannerError, Usage
from planner.pricers import PRICERS
from planner.pricers.detect import CLOUDS, resolve_cloud
from planner.pricers.rates import load_table, table_cloud

#: How messages name each cloud.
CLOUD_NAMES = {"gcp": "GCP", "aws": "AWS", "azure": "Azure"}


def _a(cloud: str) -> str:
    """``a GCP``, ``an AWS``, ``an Azure``."""
    name = CLOUD_NAMES.get(cloud, cloud)
    return ("an " if name[:1].lower() in "aeiou" else "a ") + name


#: Region used for a single cluster when --region is not given, per cloud.
DEFAULT_REGION = {"gcp": "us-central1", "aws": "us-east-1", "azure": "eastus"}


def add_pricing_arguments(p) -> None:
    """The pricing flags of ``planner analyze``."""
    p.add_argument("--cloud", choices=sorted(PRICERS), default=None, help="cloud to price. Precedence: --cloud, else the cloud of the --rates table, else the fleet file's clouds, else detected from the inventory's annotations, classes and hostnames, else gcp")
    p.add_argument("--rates", default=None, metavar="FILE", help="rate table to use instead of the one bundled with planner (e.g. one written by 'planner prices import'); implies its cloud (show the bundled ones with 'planner prices --cloud CLOUD')")
    p.add_argument("--usage-default", default=None, metavar="GIB", dest="usage_default", help="GiB in and GiB out per month for every load balancer without a --usage row: prices data processing")


def _gib(text: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise PlannerError(f"--usage-default {text[:30]!r}: not a number of GiB") from None
    if not value.is_finite() or value < 0:
        raise PlannerError(f"--usage-default {text[:30]!r}: must be a non-negative number of GiB")
    return value


def apply_pricing_options(args, inv: Inventory) -> dict:
    """Resolve the cloud (--cloud > the --rates table's cloud > fleet > detection > gcp), align
    the clusters with it, apply ``--usage-default``; return the ``Options`` fields (cloud,
    cloud_reason, rates)."""
    fleet = getattr(args, "fleet", None)
    fleet_clouds = {c.cloud for c in inv.clusters.values()} if fleet else None
    rates = getattr(args, "rates", None)
    flag = getattr(args, "cloud", None)
    if rates:
        implied = table_cloud(rates)
        if flag and flag != implied:
            raise PlannerError(f"--rates {rates} is {_a(implied)} rate table but --cloud {flag} was given: drop --cloud or pass {_a(flag)} rate table")
        if not flag:
            fleet_other = sorted(c for c in (fleet_clouds or set()) if c and c != implied)
            if fleet_other:
                raise PlannerError(f"--rates {rates} is {_a(implied)} rate table but {fleet} lists {', '.join(fleet_other)} clusters: a plan prices one cloud")
            flag = implied
    cloud, reason, notes = resolve_cloud(inv, flag, fleet_clouds, str(fleet or "fleet file"))
    if rates and not getattr(args, "cloud", None):
        reason = reason.replace(f"--cloud {cloud}", f"--rates {Path(rates).name} (cloud: {cloud})", 1)
    inv.notes.extend(notes)
    for name, cl in sorted(inv.clusters.items()):
        region = cl.region
        if not fleet and getattr(args, "region", None) is None and cloud != "gcp":
            region = DEFAULT_REGION[cloud]
            inv.notes.append(Note(INFO, f"cluster {name}", "REGION_DEFAULTED", f"no --region given: priced in {region}, the {cloud} default (use --region)"))
        inv.clusters[name] = replace(cl, cloud=cloud, region=region)
    if cloud != "gcp" and any(fp.cloud == "gcp" for fp in inv.extra_footprints):
        raise PlannerError(f"--gcp-forwarding-rules lists GCP forwarding rules but the plan prices {cloud} ({reason}); drop it or use --cloud gcp")
    table = load_table(cloud, rates)  # fail early, naming the file
    for cl in sorted(inv.clusters.values(), key=lambda c: c.name):
        if not table.has_region(cl.region):
            hint = [c for c in CLOUDS if c != cloud and load_table(c).has_region(cl.region)]
            also = f"; {cl.region!r} is {_a(hint[0])} region: use --cloud {hint[0]}" if hint else ""
            raise PlannerError(f"region {cl.region!r} is not in the {cloud} rate table {table.name} (regions: {', '.join(table.regions)}), cluster {cl.name}{also}")
    if getattr(args, "usage_default", None) is not None:
        gib = _gib(str(args.usage_default))
        keys = [s.key for s in inv.load_balancers] + [i.key for i in inv.ingresses] + [g.key for g in getattr(inv, "gateways", []) if hasattr(g, "key")]
        filled = 0
        for key in sorted(set(keys)):
            if key not in inv.usage:
                inv.usage[key] = Usage(gib, gib)
                filled += 1
        inv.notes.append(Note(INFO, "inputs", "USAGE_DEFAULTED", f"--usage-default: {filled} load balancer(s) without usage rows priced at {gib} GiB in and {gib} GiB out per month"))
    return {"cloud": cloud, "cloud_reason": reason, "rates": rates}


# --- planner prices -------------------------------------------------------------------------
def add_prices_parser(sub) -> None:
    p = sub.add_parser(
        "prices",
        help="show the rate table in use, or import a cloud's price catalog into one",
        description="Print a rate table (its file, date, every rate with source and flags). "
        "'planner prices import CLOUD FILE...' turns a cloud's machine-readable catalog into a rate table.",
    )
    p.add_argument("--cloud", choices=CLOUDS, default=None, help="cloud whose bundled table to show (default: the --table file's cloud, else gcp)")
    p.add_argument("--region", default=None, metavar="REGION", help="show only this region (and the cloud's global meters)")
    p.add_argument("--table", default=None, metavar="PATH", help="rate table file to show instead of the one bundled with planner")
    psub = p.add_subparsers(dest="prices_command")
    imp = psub.add_parser(
        "import",
        help="import a price catalog into a rate table",
        description="gcp: Cloud Billing Catalog SKUs JSON (services/E505-1604-58F8/skus, 6F81-5844-456A for IPs); "
        "aws: Price List bulk offer JSON (AWSELB, and AmazonVPC for public IPv4; several files merge); "
        "azure: Retail Prices API JSON (Items[]).",
    )
    imp.add_argument("import_cloud", choices=CLOUDS, metavar="CLOUD", help="gcp, aws or azure")
    imp.add_argument("files", nargs="+", metavar="FILE", help="catalog JSON file(s)")
    imp.add_argument("--out", default=None, metavar="PATH", help="write the rate table here (default: standard output)")


def format_table(table, region: str | None = None) -> list[str]:
    regions = table.regions
    if region is not None:
        if not table.has_region(region):
            table.rate(region, "")  # PlannerError naming the region and the table's regions
        regions = [region] + (["global"] if table.has_region("global") and region != "global" else [])
    lines = [
        f"rate table: {table.path} (cloud {table.cloud}, {table.currency})",
        f"as of {table.as_of.isoformat()} (newest effective date); 'stale' = effective more than 365 days before that; 'unsure' = weak source",
    ]
    for r in regions:
        lines.append(f"{r}:")
        for rate in table.region_rates(r):
            name = rate.key.split("/", 2)[2]
            flags = "".join(f" [{f}]" for f, on in (("unsure", rate.unsure), ("stale", rate.stale)) if on)
            lines.append(f"  {name:<32} ${rate.usd} per {rate.unit:<10} effective {rate.effective}{flags}")
            lines.append(f"      source: {rate.source}")
            if rate.note:
                lines.append(f"      note: {rate.note}")
    return lines


def cmd_prices(args) -> int:
    if getattr(args, "prices_command", None) == "import":
        from planner.pricers.importers import dump_table, import_catalog, missing_rates

        imported = import_catalog(args.import_cloud, args.files)
        text = dump_table(imported, args.files)
        print(imported.summary(), file=sys.stderr)
        missing = missing_rates(imported)
        if missing:
            print(f"warning: the pricer will stop on these rates if a plan needs them (not in the catalog files): {', '.join(missing)}", file=sys.stderr)
        if args.out:
            out = Path(args.out)
            try:
                out.parent.mkdir(parents=True, exist_ok=True)
                out.write_text(text, encoding="utf-8")
            except OSError as exc:
                raise PlannerError(f"{out}: cannot write ({exc.strerror or exc.__class__.__name__})") from None
            load_table.__wrapped__(args.import_cloud, str(out))  # what was written must load
            print(f"wrote rate table: {out}")
        else:
            sys.stdout.write(text)
        return 0
    cloud = args.cloud
    if args.table:
        implied = table_cloud(args.table)
        if cloud and cloud != implied:
            raise PlannerError(f"--table {args.table} is {_a(implied)} rate table but --cloud {cloud} was given: drop --cloud")
        cloud = implied
    table = load_table(cloud or "gcp", args.table)
    for line in format_table(table, args.region):
        print(line)
    return 0
