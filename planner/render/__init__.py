"""Renderers: each reads only the plan (a dict loaded from plan.json) and writes one format.

Registered in FORMATS; ``write_outputs`` writes the default set.
"""
from __future__ import annotations

from pathlib import Path

from planner.model import PlannerError
from planner.render import jsonplan


def write_outputs(plan: dict, out: Path) -> list[tuple[str, Path]]:
    """Write plan.json, report.html and the Pulumi program under ``out``; return what was written."""
    from planner.render import html, pulumi

    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise PlannerError(f"{out}: cannot create output directory: {exc.strerror or exc}") from None
    written = [("plan", jsonplan.write(plan, out / "plan.json"))]
    written.append(("report", html.write(plan, out / "report.html")))
    written.append(("pulumi program", pulumi.write(plan, out / "pulumi")))
    return written
