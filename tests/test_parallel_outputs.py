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


def test_forked_errors_are_raised_in_serial_order(tmp_path, monkeypatch):
    """plan.json and the program both fail in their children, the report here succeeds: the
    caller gets plan.json's error (a serial run stops there), of its own type, and nothing
    is left running."""
    from planner.render import jsonplan, pulumi

    def broken_plan(plan, path):
        raise IsADirectoryError(21, "Is a directory", str(path))

    def broken_program(plan, path):
        raise PlannerError(f"{path}: cannot write the program")

    monkeypatch.setattr(jsonplan, "write", broken_plan)
    monkeypatch.setattr(pulumi, "write", broken_program)
    monkeypatch.setattr(render, "PARALLEL_FROM", 1)
    with pytest.raises(IsADirectoryError) as err:
        write_outputs(synthetic_plan(3), tmp_path / "out")
    assert err.value.filename == str(tmp_path / "out" / "plan.json")
    assert any("in a forked child" in note for note in getattr(err.value, "__notes__", []))
    assert (tmp_path / "out" / "report.html").is_file()
    assert not (tmp_path / "out" / ".planner-outputs").exists()


def test_an_error_here_still_waits_for_the_children(tmp_path, monkeypatch):
    from planner.render import html

    def broken_report(plan, path, as_of=None):
        raise PlannerError("plan: cannot render the report: missing or malformed field 'x'")

    monkeypatch.setattr(html, "write", broken_report)
    monkeypatch.setattr(render, "PARALLEL_FROM", 1)
    with pytest.raises(PlannerError, match="cannot render the report"):
        write_outputs(synthetic_plan(3), tmp_path / "out")
    # the children finished (waited for) before the error was raised: their files are complete
    assert (tmp_path / "out" / "plan.json").read_bytes().endswith(b"}\n")
    assert (tmp_path / "out" / "pulumi" / "program.json").is_file()
