"""load-balancers.csv: one row per Service of type LoadBalancer, written with pandas.

Named ``csvout`` so it never shadows the standard library's ``csv``. Text cells that a
spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``, ``@``, tab or carriage
return) get a leading ``'``; money is written with exactly two decimals.
"""
from __future__ import annotations

from pathlib import Path

from planner.render.view import dec, ports_text, reason_codes

COLUMNS = ["cluster", "namespace", "name", "decision", "reason_codes", "current_monthly_usd",
           "proposed_monthly_usd", "entrypoint", "hosts", "ports"]
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def defuse(value: str) -> str:
    """Neutralise spreadsheet formula injection (OWASP CSV injection)."""
    return "'" + value if value.startswith(FORMULA_START) else value


def rows(plan: dict) -> list[dict]:
    out = []
    for s in plan.get("services", []):
        out.append({
            "cluster": s["cluster"],
            "namespace": s["namespace"],
            "name": s["name"],
            "decision": s["decision"],
            "reason_codes": ";".join(reason_codes(s)),
            "current_monthly_usd": f"{dec(s['current_monthly_usd']):.2f}",
            "proposed_monthly_usd": f"{dec(s['proposed_monthly_usd']):.2f}",
            "entrypoint": s.get("entrypoint") or "",
            "hosts": ";".join(s.get("hosts") or []),
            "ports": ports_text(s).replace(", ", ";"),
        })
    return out


def write(plan: dict, path: Path) -> Path:
    import pandas as pd

    frame = pd.DataFrame(rows(plan), columns=COLUMNS, dtype=object)
    for col in (c for c in COLUMNS if not c.endswith("_usd")):
        values = frame[col].astype(str)
        frame[col] = values.where(~values.str.startswith(FORMULA_START), "'" + values)
    path = Path(path)
    frame.to_csv(path, index=False, lineterminator="\n")
    return path
