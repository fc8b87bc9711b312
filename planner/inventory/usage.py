"""``--usage FILE``: GiB in and out per month per load balancer, for data-processing charges.

CSV (header required; ``cluster`` column optional)::

    service,gib_in,gib_out
    shop/storefront,120,900
    staging/shop/cart,3.5,10

YAML (or JSON)::

    usage:
      - {service: shop/storefront, gib_in: 120, gib_out: 900}
      - {service: staging/shop/cart, gib_in: 3.5, gib_out: 10}

``service`` is ``namespace/name`` or ``cluster/namespace/name``; a two-part name means the
file's default cluster (the fleet entry it belongs to) or, without one, the only cluster that
has that object. It may name a LoadBalancer Service, an Ingress or a Gateway. Rows naming
nothing known become ``warn`` notes (USAGE_UNKNOWN_OBJECT); malformed rows are errors with
``FILE:LINE``.
"""
from __future__ import annotations

import csv
import io
from decimal import Decimal, InvalidOperation

from planner.inventory.loader import decode, load_config, read_bytes
from planner.model import WARN, Inventory, Note, PlannerError, Usage

COLUMNS = ("service", "gib_in", "gib_out")
OPTIONAL = ("cluster",)


def _gib(path: str, line: int, field: str, value) -> Decimal:
    if isinstance(value, bool) or value is None or (isinstance(value, str) and not value.strip()):
        raise PlannerError(f"{path}:{line}: {field} must be a number of GiB, got {str(value)[:30]!r}")
    try:
        d = Decimal(str(value).strip())
    except InvalidOperation:
        raise PlannerError(f"{path}:{line}: {field} must be a number of GiB, got {str(value)[:30]!r}") from None
    if not d.is_finite() or d < 0:
        raise PlannerError(f"{path}:{line}: {field} must be a finite number >= 0, got {str(value)[:30]!r}")
    if d > Decimal("1e12"):
        raise PlannerError(f"{path}:{line}: {field} {str(value)[:30]} GiB per month is not plausible")
    return d


def _rows(path: str) -> list[tuple[int, dict]]:
    """(line, {service, gib_in, gib_out[, cluster]}) for every row, format by content."""
    text = decode(path, read_bytes(path))
    if not text.strip():
        raise PlannerError(f"{path}: empty file")
    first = text.lstrip().splitlines()[0]
    if path.lower().endswith(".csv") or (first.startswith("service") and "," in first) or (first.startswith("cluster,")):
        reader = csv.reader(io.StringIO(text))
        header = None
        rows: list[tuple[int, dict]] = []
        try:
            for rec in reader:
                line = reader.line_num
                if not rec or all(not c.strip() for c in rec) or rec[0].lstrip().startswith("#"):
                    continue
                if header is None:
                    header = [h.strip().lower() for h in rec]
                    unknown = [h for h in header if h not in COLUMNS + OPTIONAL]
                    missing = [c for c in COLUMNS if c not in header]
                    if unknown or missing or len(set(header)) != len(header):
                        raise PlannerError(f"{path}:{line}: CSV header must be {','.join(COLUMNS)} (optional: cluster); got {','.join(header)[:80]!r}")
                    continue
                if len(rec) != len(header):
                    raise PlannerError(f"{path}:{line}: expected {len(header)} columns, found {len(rec)}")
                rows.append((line, dict(zip(header, (c.strip() for c in rec)))))
        except csv.Error as exc:
            raise PlannerError(f"{path}:{reader.line_num}: invalid CSV: {exc}") from None
        if header is None:
            raise PlannerError(f"{path}: no CSV header")
        return rows
    doc, lines = load_config(path)
    items = doc.get("usage") if isinstance(doc, dict) and set(doc) == {"usage"} else doc
    if not isinstance(items, list):
        raise PlannerError(f"{path}:{lines[()]}: a usage file is a list of {{service, gib_in, gib_out}} (under 'usage:') or a CSV")
    prefix = ("usage",) if items is not doc else ()
    out = []
    for i, item in enumerate(items):
        line = lines.get(prefix + (i,), lines[()])
        if not isinstance(item, dict):
            raise PlannerError(f"{path}:{line}: usage row must be a mapping with {', '.join(COLUMNS)}")
        unknown = sorted(str(k) for k in item if k not in COLUMNS + OPTIONAL)
        if unknown:
            raise PlannerError(f"{path}:{line}: unknown key {unknown[0][:40]!r} (allowed: {', '.join(COLUMNS + OPTIONAL)})")
        out.append((line, item))
    return out


def read_usage(path: str, inv: Inventory, default_cluster: str | None = None) -> None:
    """Add the file's rows to ``inv.usage`` (Decimal GiB); unknown names become warn notes."""
    known: dict[tuple[str, str, str], str] = {}
    for s in inv.load_balancers:
        known[s.key] = s.ref
    for o in list(inv.ingresses) + list(inv.gateways):
        known.setdefault(o.key, o.ref)
    seen: dict[tuple, int] = {}
    for line, row in _rows(path):
        for col in COLUMNS:
            if col not in row:
                raise PlannerError(f"{path}:{line}: missing {col!r}")
        name = row["service"]
        if not isinstance(name, str) or not name.strip():
            raise PlannerError(f"{path}:{line}: 'service' must be namespace/name or cluster/namespace/name")
        parts = name.strip().split("/")
        cluster = row.get("cluster")
        if cluster is not None and (not isinstance(cluster, str) or not cluster):
            raise PlannerError(f"{path}:{line}: 'cluster' must be a cluster name")
        if len(parts) == 3 and all(parts):
            if cluster and cluster != parts[0]:
                raise PlannerError(f"{path}:{line}: cluster {cluster!r} contradicts service {name[:80]!r}")
            cluster = parts[0]
            ns, nm = parts[1], parts[2]
        elif len(parts) == 2 and all(parts):
            ns, nm = parts
        else:
            raise PlannerError(f"{path}:{line}: service {name[:80]!r} must be namespace/name or cluster/namespace/name")
        gib_in = _gib(path, line, "gib_in", row["gib_in"])
        gib_out = _gib(path, line, "gib_out", row["gib_out"])
        if cluster is None:
            cluster = default_cluster
        if cluster is None:
            matches = sorted(k for k in known if k[1:] == (ns, nm))
            if len(matches) > 1:
                raise PlannerError(f"{path}:{line}: {ns}/{nm} exists in clusters {', '.join(k[0] for k in matches)}; write cluster/namespace/name")
            cluster = matches[0][0] if matches else (sorted(inv.clusters)[0] if len(inv.clusters) == 1 else "?")
        key = (cluster, ns, nm)
        if key in seen:
            raise PlannerError(f"{path}:{line}: {cluster}/{ns}/{nm} already given at line {seen[key]}")
        seen[key] = line
        if key not in known:
            inv.notes.append(Note(WARN, f"{path}:{line}", "USAGE_UNKNOWN_OBJECT", f"usage row names {cluster}/{ns}/{nm}, which is no LoadBalancer Service, Ingress or Gateway in the inventory; ignored"))
            continue
        if key in inv.usage:
            raise PlannerError(f"{path}:{line}: usage for {cluster}/{ns}/{nm} is already given by another usage file")
        inv.usage[key] = Usage(gib_in=gib_in, gib_out=gib_out)
