"""Shared fixtures. Pulumi mocks are installed by tests/pulumi_harness.py where needed."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "examples" / "demo"


@pytest.fixture
def demo_plan(tmp_path):
    """The demo's plan, built through the CLI into a scratch directory."""
    from planner.cli import main

    assert main(["analyze", "--out", str(tmp_path / "out")]) == 0
    return json.loads((tmp_path / "out" / "plan.json").read_text())


@pytest.fixture(autouse=True)
def _plans_written_keep_their_money_invariants(monkeypatch):
    """Every plan.json the suite writes (CLI, renderers) is checked: summary = entries =
    cost components (planner.consolidate.checks)."""
    from planner.consolidate.checks import money_problems
    from planner.render import jsonplan

    real = jsonplan.write

    def write(plan, path):
        if "phases" in plan:  # hand-made plans of renderer tests predate phases
            assert money_problems(plan) == [], money_problems(plan)
        return real(plan, path)

    monkeypatch.setattr(jsonplan, "write", write)
