"""Money invariants of a plan, for tests and for anyone reading a plan.json: every priced thing
is the sum of its cost components, the retire phase is the proposed total, entrypoint shares
add up to the entrypoint's cost, and no entry claims more than the plan's totals."""
from __future__ import annotations

from decimal import Decimal


def _d(x) -> Decimal:
    return Decimal(str(x))


def _sum(rows, key="monthly_usd") -> Decimal:
    return sum((_d(r[key]) for r in rows), Decimal(0))


def money_problems(plan: dict) -> list[str]:
    """What breaks the invariants (empty: none). Plans older than phases are only partly checked."""
    out = []
    for label, rows, key in (("services", plan.get("services", []), "current_monthly_usd"), ("entrypoints", plan.get("entrypoints", []), "monthly_usd"),
                             ("existing_entrypoints", plan.get("existing_entrypoints", []), "monthly_usd"), ("phases", plan.get("phases", []), "monthly_usd")):
        for r in rows:
            if "cost_components" in r and _sum(r["cost_components"]) != _d(r[key]):
                out.append(f"{label} {r.get('name', r.get('phase'))}: components {_sum(r['cost_components'])} != {key} {r[key]}")
    s = plan["summary"]
    phases = {p["phase"]: p for p in plan.get("phases", [])}
    if "retire" in phases and _d(phases["retire"]["monthly_usd"]) != _d(s["proposed_monthly_usd"]):
        out.append(f"retire phase {phases['retire']['monthly_usd']} != proposed {s['proposed_monthly_usd']}")
    if _d(s["current_monthly_usd"]) - _d(s["proposed_monthly_usd"]) != _d(s["savings_monthly_usd"]):
        out.append("savings != current - proposed")
    moving = [r for r in plan.get("services", []) if r["decision"] == "consolidate"]
    nginx = _sum(plan.get("nginx_migration", []), "gateway_share_usd")  # migrated ingress-nginx Ingresses' share
    if _sum(moving, "proposed_monthly_usd") + nginx != _sum(plan.get("entrypoints", [])):
        out.append(f"moved services' shares {_sum(moving, 'proposed_monthly_usd')} != entrypoints {_sum(plan.get('entrypoints', []))}")
    for r in plan.get("services", []):
        if r["decision"] == "keep" and (r["proposed_monthly_usd"] != r["current_monthly_usd"] or r.get("marginal_savings_monthly_usd", 0) != 0):
            out.append(f"kept service {r['name']} shows a saving")
    today = _sum(plan.get("services", []), "current_monthly_usd") + _sum(plan.get("existing_entrypoints", []))
    if today > _d(s["current_monthly_usd"]):
        out.append(f"entries cost {today} today, more than the summary's {s['current_monthly_usd']}")
    return out
