"""The Pulumi program of a large plan is rendered early, in a forked child, while the plan is
finished and the other files are written (planner.render.EarlyProgram over
planner.parallel.Held): the same files byte for byte, nothing written when the run fails
after it started, and no child left behind."""
from __future__ import annotations

import hashlib
import json
import os

import pytest

import planner.render as render
from planner.cli import main
from planner.model import PlannerError
from planner.parallel import Held


def _hashes(folder):
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*")) if p.is_file()}


def _no_child_left():
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)


def _touch(value, path):
    path.write_text(str(value))
    return path


@pytest.mark.parametrize("fork", [True, False])
def test_held_runs_then_on_the_word_to_go(tmp_path, fork):
    held = Held(lambda n: n * 21, 2, then=_touch, fork=fork)
    assert not (tmp_path / "out").exists()  # first ran (in the child); then waits
    assert held.go(tmp_path / "out").result() == tmp_path / "out"
    assert (tmp_path / "out").read_text() == "42"
    _no_child_left()


def test_held_cancelled_does_nothing_more(tmp_path):
    seen = tmp_path / "first"
    held = Held(_touch, "x", seen, then=_touch)
    held.cancel()
    _no_child_left()
    assert seen.read_text() == "x"  # first did run, in the child
    assert list(tmp_path.iterdir()) == [seen]
    held.cancel()  # twice is nothing


@pytest.mark.parametrize("fork", [True, False])
def test_held_first_error_is_raised_at_go(tmp_path, fork):
    def broken(_):
        raise PlannerError("plan: not a plan the Pulumi renderer can read")

    held = Held(broken, None, then=_touch, fork=fork)
    with pytest.raises(PlannerError, match="not a plan the Pulumi renderer"):
        held.go(tmp_path / "out").result()
    assert not (tmp_path / "out").exists()
    _no_child_left()


def _analyze(out, *extra):
    return main(["analyze", *extra, "--out", str(out), "--format", "html", "--format", "json", "--format", "markdown"])


@pytest.mark.parametrize("extra", [(), ("--strategy", "ingress"), ("--migrate-ingress-nginx",)])
def test_early_program_writes_what_the_late_one_does(tmp_path, monkeypatch, capsys, extra):
    """The demo planned with the early program (every plan large enough) and without: every
    output file is the same, the program's included."""
    monkeypatch.setattr(render, "PARALLEL_FROM", 10**9)
    assert _analyze(tmp_path / "late", *extra) == 0
    started = []
    real_call = render.EarlyProgram.__call__

    def spy(self, plan):
        real_call(self, plan)
        started.append(self.held is not None)

    monkeypatch.setattr(render.EarlyProgram, "__call__", spy)
    monkeypatch.setattr(render, "PARALLEL_FROM", 1)
    assert _analyze(tmp_path / "early", *extra) == 0
    assert started == [True]  # called once, and it forked
    late, early = _hashes(tmp_path / "late"), _hashes(tmp_path / "early")
    assert {"pulumi/program.json", "pulumi/__main__.py", "plan.json", "report.html", ".planner-outputs"} <= set(early)
    assert early == late
    _no_child_left()


def test_a_run_failing_after_the_early_start_writes_no_program(tmp_path, monkeypatch, capsys):
    """check_chosen raises after finish (the early program is rendered by then): exit 2 with
    the one-line error, no output file at all, and the child is gone."""
    from planner.consolidate import designed

    def refuse(plan, inv):
        raise PlannerError("routes.yaml:3: route a.example.com/ could not be placed (see the ROUTE_COLLISION note)")

    monkeypatch.setattr(designed, "check_chosen", refuse)
    monkeypatch.setattr(render, "PARALLEL_FROM", 1)
    assert _analyze(tmp_path / "out") == 2
    assert "routes.yaml:3: route a.example.com/ could not be placed" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()
    _no_child_left()


def test_early_program_error_is_raised_in_serial_order(tmp_path, monkeypatch, capsys):
    """The early program fails to render: the run ends with that error, as a late one would,
    after the other writers finished (their files complete, no manifest written)."""
    from planner.render import pulumi

    def broken(plan):
        raise PlannerError("plan: not a plan the Pulumi renderer can read (KeyError: 'routes')")

    monkeypatch.setattr(pulumi, "render", broken)
    monkeypatch.setattr(render, "PARALLEL_FROM", 1)
    assert _analyze(tmp_path / "out") == 2
    assert "not a plan the Pulumi renderer can read (KeyError: 'routes')" in capsys.readouterr().err
    assert (tmp_path / "out" / "plan.json").read_bytes().endswith(b"}\n")
    assert not (tmp_path / "out" / "pulumi").exists()
    assert not (tmp_path / "out" / ".planner-outputs").exists()
    _no_child_left()


@pytest.mark.parametrize("extra", [(), ("--strategy", "ingress")])
def test_ready_comes_before_the_money(tmp_path, monkeypatch, capsys, extra):
    """``ready`` (the early program's fork) is called once the sections the program reads are
    final and before the money is worked out: the phases, leftover addresses and every row's
    cost components come after it, in the finished plan only."""
    seen = []

    def spy(self, plan):
        seen.append({
            "phases": plan["phases"], "leftovers": plan["leftover_addresses"], "notes": plan["notes"],
            "components": sum("cost_components" in s for s in plan["services"]) + sum("cost_components" in e for e in plan["entrypoints"]),
            "services": len(plan["services"]), "dns": len(plan["dns_changes"]),
        })

    monkeypatch.setattr(render.EarlyProgram, "__call__", spy)
    assert _analyze(tmp_path / "out", *extra) == 0
    plan = json.loads((tmp_path / "out" / "plan.json").read_text())
    assert seen == [{"phases": None, "leftovers": None, "notes": None, "components": 0, "services": len(plan["services"]), "dns": len(plan["dns_changes"])}]
    assert plan["services"] and all("cost_components" in s for s in plan["services"])
    assert [p["phase"] for p in plan["phases"]] == ["build", "cutover", "retire"]
