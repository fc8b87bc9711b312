"""Locate the data that ships with planner: rate tables, templates, the plan schema, the demo.

In a source checkout (or an editable install) they are the top-level ``pricing/``,
``templates/``, ``schema/`` and ``examples/`` folders; a wheel carries copies inside the
package under ``planner/_data/`` (see ``pyproject.toml``).
"""
from __future__ import annotations

from pathlib import Path

_PKG = Path(__file__).resolve().parent


def data_dir(name: str) -> Path:
    """Return the directory holding ``name`` (pricing | templates | schema | examples)."""
    for candidate in (_PKG / "_data" / name, _PKG.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"planner data folder {name!r} not found beside {_PKG}")


def pricing_dir() -> Path:
    return data_dir("pricing")


def templates_dir() -> Path:
    return data_dir("templates")


def schema_path() -> Path:
    return data_dir("schema") / "plan.schema.json"


def demo_inventory() -> Path:
    return data_dir("examples") / "demo"
