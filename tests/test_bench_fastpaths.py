"""The speed-ups found by the benchmark change nothing a user sees: plan.json text is byte for
byte what ``json.dumps`` wrote, and validation accepts and rejects exactly what ``jsonschema``
does, with jsonschema's own error."""
from __future__ import annotations

import copy
import json
import math

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.render import jsonplan


def _reference(value) -> str:
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70) | st.floats(allow_nan=True, allow_infinity=True) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=25,
)


@settings(max_examples=300, deadline=None)
@given(json_values)
def test_dumps_is_byte_identical_to_json_dumps(value):
    assert jsonplan.dumps(value) == _reference(value)


@settings(max_examples=200, deadline=None)
@given(json_values)
def test_json_text_indent_1_is_byte_identical(value):
    assert jsonplan.json_text(value, 1) == json.dumps(value, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


@pytest.mark.parametrize("value", [1e-05, 3.1e-05, -2e-7, float("nan"), float("inf"), 1e16, 1.5e300, 0.0001, 0.0, -0.0, 2**64, {1: "int key"}])
def test_dumps_edge_values(value):
    assert jsonplan.dumps({"x": value}) == _reference({"x": value})


def test_orjson_fast_path_is_taken_for_real_plans(demo_plan):
    assert jsonplan._orjson_safe(demo_plan)
    assert jsonplan.dumps(demo_plan) == _reference(demo_plan)
    assert not jsonplan._orjson_safe({"a": [{"b": 1e-05}]})
    assert not jsonplan._orjson_safe({"a": (math.nan,)})


def test_fast_validator_is_installed_and_agrees(demo_plan):
    assert jsonplan._fast_validator() is not None  # jsonschema-rs is a dependency
    jsonplan.validate(demo_plan)
    assert jsonplan._fast_validator().is_valid(demo_plan)


@pytest.mark.parametrize(
    "path, value, message",
    [
        (("services", 0, "decision"), "maybe", "'maybe' is not one of ['consolidate', 'keep']"),
        (("summary", "services_total"), "many", "'many' is not of type 'integer'"),
        (("notes", 0, "code"), "lower_case", "'lower_case' does not match '^[A-Z][A-Z0-9_]*$'"),
    ],
)
def test_invalid_plans_raise_jsonschemas_own_error(demo_plan, path, value, message):
    bad = copy.deepcopy(demo_plan)
    target = bad
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    assert not jsonplan._fast_validator().is_valid(bad)
    with pytest.raises(jsonschema.ValidationError) as err:
        jsonplan.validate(bad)
    assert err.value.message == message
    with pytest.raises(jsonschema.ValidationError) as ref:
        jsonschema.Draft202012Validator(json.loads(jsonplan.schema_path().read_text())).validate(bad)
    assert ref.value.message == err.value.message


def test_cli_runs_a_command_without_the_cyclic_gc_and_restores_it(monkeypatch, tmp_path, capsys):
    import gc

    import planner.cli as cli
    from planner.model import PlannerError

    seen = []
    monkeypatch.setattr(cli, "cmd_analyze", lambda args: seen.append(gc.isenabled()) or 0)
    assert gc.isenabled()
    assert cli.main(["analyze", "--out", str(tmp_path)]) == 0
    assert seen == [False] and gc.isenabled()

    def fail(args):
        raise PlannerError("x.json: broken")

    monkeypatch.setattr(cli, "cmd_analyze", fail)
    assert cli.main(["analyze", "--out", str(tmp_path)]) == 2
    assert capsys.readouterr().err == "error: x.json: broken\n"
    assert gc.isenabled()


def test_scenario_footprint_copy_equals_dataclasses_replace():
    import dataclasses
    from decimal import Decimal

    from planner.model import Footprint, Usage
    from planner.pricers.extras import _with_usage

    fp = Footprint(owner="Service c/ns/web", cloud="gcp", project="p", region="us-central1", kind="l7", forwarding_rules=2,
                   usage=Usage(Decimal(1), Decimal(2)), addresses=3, lb_type="alb", group="g", internal=True, azs=2)
    u = Usage(Decimal(100), Decimal(100))
    fast, ref = _with_usage(fp, u), dataclasses.replace(fp, usage=u)
    assert fast == ref and hash(fast) == hash(ref) and repr(fast) == repr(ref)
    assert fast.usage is u and fp.usage == Usage(Decimal(1), Decimal(2))
    with pytest.raises(dataclasses.FrozenInstanceError):
        fast.usage = None
