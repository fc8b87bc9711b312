"""write_outputs writes the Pulumi program in a forked process for large plans: the same
files byte for byte, the same manifest, and a writer's error still reaches the caller."""
from __future__ import annotations

import hashlib

import pytest

import planner.render as render
from planner.model import PlannerError
from planner.render import write_outputs
from tests.report_plans import synthetic_plan


def _hashes(folder):
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_forked_program_writes_the_same_bytes(tmp_path, monkeypatch):
    plan = synthetic_plan(12)
    monkeypatch.setattr(render, "PARALLEL_FROM", 10**9)
    serial = write_outputs(plan, tmp_path / "serial", ("html", "markdown"))
    monkeypatch.setattr(render, "PARALLEL_FROM", 1)
    forked = write_outputs(plan, tmp_path / "forked", ("html", "markdown"))
    assert [label for label, _ in forked] == [label for label, _ in serial] == ["plan", "report", "markdown summary", "pulumi program"]
    assert forked[-1][1] == tmp_path / "forked" / "pulumi"
    got, want = _hashes(tmp_path / "forked"), _hashes(tmp_path / "serial")
    assert "pulumi/__main__.py" in got and ".planner-outputs" in got
    assert got == want


def test_forked_program_error_is_raised_in_the_caller(tmp_path, monkeypatch):
    from planner.render import pulumi

    def broken(plan, path):
        raise PlannerError(f"{path}: cannot write the program")

    monkeypatch.setattr(pulumi, "write", broken)
    monkeypatch.setattr(render, "PARALLEL_FROM", 1)
    with pytest.raises(PlannerError, match="pulumi: cannot write the program"):
        write_outputs(synthetic_plan(3), tmp_path / "out")
