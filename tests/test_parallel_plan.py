"""``--strategy auto`` on a large inventory designs the later strategies in forked children
(planner.parallel.Beside): the plan is the same document as the one designed in this process,
whichever strategy wins, and a child's bad-input error still reaches the caller."""
from __future__ import annotations

import json

import pytest

import planner.consolidate as core
from planner.cli import main
from planner.model import PlannerError
from tests.conftest import ROOT


def _plan(tmp_path, name: str, *args: str) -> dict:
    assert main(["analyze", *args, "--out", str(tmp_path / name)]) == 0
    return json.loads((tmp_path / name / "plan.json").read_text())


@pytest.mark.parametrize("args", [(), ("--fleet", str(ROOT / "examples" / "fleet.yaml")), ("--migrate-ingress-nginx",)], ids=["demo", "fleet", "nginx"])
def test_forked_design_gives_the_same_plan(tmp_path, monkeypatch, args):
    monkeypatch.setattr(core, "PARALLEL_FROM", 10**9)
    serial = _plan(tmp_path, "serial", *args)
    calls = []
    monkeypatch.setattr(core, "PARALLEL_FROM", 1)
    monkeypatch.setattr(core, "_auto_beside", lambda ev, real=core._auto_beside: calls.append(1) or real(ev))
    forked = _plan(tmp_path, "forked", *args)
    assert calls == [1]  # the forked path ran
    assert forked == serial
    assert forked["inputs"]["strategy"] == "gateway"
    assert forked["inputs"]["strategy_reason"].startswith("auto: gateway is the cheapest feasible strategy (gateway $")


def test_a_strategy_chosen_from_a_childs_stub_is_designed_again_alike(tmp_path, monkeypatch):
    """When the child's strategy wins, this process designs it itself: same plan as serial."""
    real_choose = core.choose

    def prefer_ingress(plans):
        _, why = real_choose(plans)
        return "ingress", why + " (test: ingress forced)"

    monkeypatch.setattr(core, "choose", prefer_ingress)
    monkeypatch.setattr(core, "PARALLEL_FROM", 10**9)
    serial = _plan(tmp_path, "serial")
    monkeypatch.setattr(core, "PARALLEL_FROM", 1)
    forked = _plan(tmp_path, "forked")
    assert forked == serial
    assert forked["inputs"]["strategy"] == "ingress"
    # the demo under ingress: $182.50/month (the --compare figure)
    assert forked["summary"]["proposed_monthly_usd"] == 182.50


def test_a_childs_error_reaches_the_caller(tmp_path, monkeypatch, capsys):
    real_design = core.design

    def broken(ev, strategy):
        if strategy == "ingress":
            raise PlannerError("inventory.yaml:3: broken in the child")
        return real_design(ev, strategy)

    monkeypatch.setattr(core, "design", broken)
    monkeypatch.setattr(core, "PARALLEL_FROM", 1)
    assert main(["analyze", "--out", str(tmp_path / "out")]) == 2
    assert capsys.readouterr().err.strip().splitlines()[-1] == "error: inventory.yaml:3: broken in the child"


@pytest.mark.parametrize("winner", ["gateway", "ingress"])
def test_a_failing_early_prepare_counts_only_when_its_strategy_is_chosen(tmp_path, monkeypatch, capsys, winner):
    """auto prepares its first strategy's sections before the other's stub is back: an error
    there is the run's only when that strategy is chosen (as when it is prepared after the
    choice); when the other one wins, the plan is the serial one."""
    real_choose, real_prepare = core.choose, core.prepare

    def pick(plans):
        _, why = real_choose(plans)
        return winner, why + f" (test: {winner} forced)"

    def broken(ev, c):
        if c.strategy == "gateway":
            raise PlannerError("inventory.yaml:7: gateway's rows broke")
        return real_prepare(ev, c)

    monkeypatch.setattr(core, "choose", pick)
    monkeypatch.setattr(core, "PARALLEL_FROM", 10**9)
    serial = _plan(tmp_path, "serial") if winner == "ingress" else None
    monkeypatch.setattr(core, "prepare", broken)
    monkeypatch.setattr(core, "PARALLEL_FROM", 1)
    if winner == "ingress":
        assert _plan(tmp_path, "forked") == serial
    else:
        assert main(["analyze", "--out", str(tmp_path / "forked")]) == 2
        assert capsys.readouterr().err.strip().splitlines()[-1] == "error: inventory.yaml:7: gateway's rows broke"
