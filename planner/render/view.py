"""Shared view helpers for the human-facing renderers (HTML, Markdown, CSV).

They read only the plan dict and do the little arithmetic the outputs need (sums, differences,
grouping) in ``Decimal``, so templates and formatters never compute.
"""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
LEVEL_ORDER = ("block", "warn", "info")
LEVEL_LABELS = {"block": "Blocking", "warn": "Warnings", "info": "Information"}


def dec(value) -> Decimal:
    """A plan number (float rounded to cents, or int) as an exact Decimal in cents."""
    if value is None:
        return Decimal(0)
    if isinstance(value, Decimal):
        return value.quantize(CENT, rounding=ROUND_HALF_UP)
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


def money(value) -> str:
    """``$1,234.56``; negative amounts as ``-$12.30``."""
    d = dec(value)
    sign = "-" if d < 0 else ""
    return f"{sign}${abs(d):,.2f}"


def rate(value) -> str:
    """A unit rate with as many decimals as it needs (at least 3): ``$0.025``."""
    d = Decimal(str(value)).normalize()
    places = max(3, -d.as_tuple().exponent)
    return f"${d:,.{places}f}"


def service_ref(svc: dict) -> str:
    """The object string notes use for a Service: ``Service cluster/namespace/name``."""
    return f"Service {svc['cluster']}/{svc['namespace']}/{svc['name']}"


def ports_text(svc: dict) -> str:
    parts = []
    for p in svc.get("ports") or []:
        label = f"{p.get('port')}/{p.get('protocol', 'TCP')}"
        if p.get("name"):
            label += f" ({p['name']})"
        parts.append(label)
    return ", ".join(parts)


def reason_codes(svc: dict) -> list[str]:
    return [r["code"] for r in svc.get("reasons") or []]


def saving(svc: dict) -> Decimal:
    return dec(svc.get("current_monthly_usd")) - dec(svc.get("proposed_monthly_usd"))


def headline(plan: dict) -> dict:
    """The numbers every format leads with, as Decimals / ints plus formatted strings."""
    s = plan["summary"]
    current, proposed, savings = dec(s["current_monthly_usd"]), dec(s["proposed_monthly_usd"]), dec(s["savings_monthly_usd"])
    pct = (savings / current * 100).quantize(Decimal("1"), rounding=ROUND_HALF_UP) if current else Decimal(0)
    return {
        "current": current,
        "proposed": proposed,
        "savings": savings,
        "savings_yearly": savings * 12,
        "savings_pct": int(pct),
        "current_text": money(current),
        "proposed_text": money(proposed),
        "savings_text": money(savings),
        "savings_yearly_text": money(savings * 12),
        "lb_before": s["load_balancers_before"],
        "lb_after": s["load_balancers_after"],
        "rules_before": s.get("forwarding_rules_before"),
        "rules_after": s.get("forwarding_rules_after"),
        "services_total": s.get("services_total", len(plan.get("services", []))),
        "consolidated": s.get("services_consolidated", 0),
        "kept": s.get("services_kept", 0),
        "data_processing": (s.get("data_processing") or {}).get("message", ""),
        "data_processing_priced": bool((s.get("data_processing") or {}).get("priced")),
    }


def notes_by_level(plan: dict) -> dict[str, list[dict]]:
    groups: dict[str, list[dict]] = {lvl: [] for lvl in LEVEL_ORDER}
    for n in plan.get("notes", []):
        groups.setdefault(n["level"], []).append(n)
    for lvl in groups:
        groups[lvl].sort(key=lambda n: (n["code"], n["object"], n["message"]))
    return groups


def top_savings(plan: dict, limit: int = 10) -> list[dict]:
    """Consolidated services with the largest monthly saving, largest first (ties by name)."""
    rows = [s for s in plan.get("services", []) if s.get("decision") == "consolidate" and saving(s) > 0]
    rows.sort(key=lambda s: (-saving(s), s["cluster"], s["namespace"], s["name"]))
    return rows[:limit]
