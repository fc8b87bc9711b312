"""Choosing a strategy: fewest block notes, then the lowest proposed cost, then gateway first;
``--compare`` rows side by side."""
from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from planner.model import BLOCK, WARN

#: ``auto`` tries these in order; on a tie the earlier one wins.
STRATEGY_ORDER = ("gateway", "ingress")
STRATEGY_CHOICES = ("auto", *STRATEGY_ORDER)


def blocks(plan: dict) -> int:
    return sum(1 for n in plan["notes"] if n["level"] == BLOCK)


def choose(plans: dict[str, dict]) -> tuple[str, str]:
    """Cheapest feasible strategy: fewest block notes, then lowest proposed monthly cost,
    then the order of STRATEGY_ORDER (gateway first)."""
    ranked = sorted(plans, key=lambda n: (blocks(plans[n]), Decimal(str(plans[n]["summary"]["proposed_monthly_usd"])), STRATEGY_ORDER.index(n)))
    best = ranked[0]
    costs = "; ".join(f"{n} ${plans[n]['summary']['proposed_monthly_usd']:,.2f}/month, {blocks(plans[n])} block note(s)" for n in STRATEGY_ORDER)
    tie = any(plans[n]["summary"]["proposed_monthly_usd"] == plans[best]["summary"]["proposed_monthly_usd"] and blocks(plans[n]) == blocks(plans[best]) for n in ranked[1:])
    return best, f"auto: {best} is the cheapest feasible strategy ({costs}){'; tie goes to gateway' if tie else ''}"


def comparison_row(name: str, plan: dict, chosen: bool) -> dict:
    s = plan["summary"]
    by_code: dict[str, int] = defaultdict(int)
    for n in plan["notes"]:
        if n["level"] in (WARN, BLOCK):
            by_code[f"{n['level']} {n['code']}"] += 1
    risks = [f"{k} x{v}" for k, v in sorted(by_code.items())]
    if name == "ingress" and plan["entrypoints"]:
        risks.append("GKE Ingress is in maintenance mode; Google recommends the Gateway API")
    return {
        "strategy": name,
        "chosen": chosen,
        "entrypoints": len(plan["entrypoints"]),
        "load_balancers_after": s["load_balancers_after"],
        "forwarding_rules_after": s["forwarding_rules_after"],
        "proposed_monthly_usd": s["proposed_monthly_usd"],
        "savings_monthly_usd": s["savings_monthly_usd"],
        "services_consolidated": s["services_consolidated"],
        "notes_warn": sum(1 for n in plan["notes"] if n["level"] == WARN),
        "notes_block": blocks(plan),
        "risks": risks,
    }
