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
