"""Renderers: each reads only the plan (a dict loaded from plan.json) and writes one format.

Every output format is registered once in :data:`FORMATS` (name → file name and the module
whose ``write(plan, path)`` produces it). ``write_outputs`` always writes ``plan.json`` and the
Pulumi program, plus the formats asked for (default: html and json).
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path

from planner.model import PlannerError


@dataclass(frozen=True)
class Format:
    name: str  # the --format value
    filename: str  # written under the output directory
    label: str  # how the CLI names it ("wrote <label>: <path>")
    module: str  # planner.render.<module>.write(plan, path) -> path

    def write(self, plan: dict, path: Path) -> Path:
        return importlib.import_module(f"planner.render.{self.module}").write(plan, path)


FORMATS: dict[str, Format] = {
    "json": Format("json", "plan.json", "plan", "jsonplan"),
    "html": Format("html", "report.html", "report", "html"),
    "markdown": Format("markdown", "summary.md", "markdown summary", "markdown"),
    "csv": Format("csv", "load-balancers.csv", "csv", "csvout"),
    "manifests": Format("manifests", "manifests", "kubernetes manifests", "manifests"),
}
DEFAULT_FORMATS = ("html", "json")


def write_outputs(plan: dict, out: Path, formats=DEFAULT_FORMATS) -> list[tuple[str, Path]]:
    """Write plan.json, the Pulumi program and each format in ``formats`` under ``out``;
    return (label, path) for everything written, plan first."""
    from planner.render import pulumi

    unknown = sorted(set(formats) - set(FORMATS))
    if unknown:
        raise PlannerError(f"unknown output format(s) {', '.join(unknown)}; choose from {', '.join(FORMATS)}")
    out = Path(out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise PlannerError(f"{out}: cannot create output directory: {exc.strerror or exc}") from None
    chosen = ["json"] + [name for name in FORMATS if name in formats and name != "json"]
    written = []
    for name in chosen:
        fmt = FORMATS[name]
        written.append((fmt.label, fmt.write(plan, out / fmt.filename)))
    written.append(("pulumi program", pulumi.write(plan, out / "pulumi")))
    return written
