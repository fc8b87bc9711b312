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


def _orjson_raw(value) -> bytes:
    import orjson

    return orjson.dumps(value, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS)


float_values = st.floats(allow_nan=True, allow_infinity=True) | st.floats(min_value=-1e-3, max_value=1e-3) | st.sampled_from(
    [1e-05, -1e-05, 9.99999e-05, 1e-07, 5e-324, 1e-4, 1.0001e-4, 0.0, -0.0, 1e16, 1.5e300, 2.2250738585072014e-308])
float_trees = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**63), max_value=2**63 - 1) | float_values | st.text(max_size=130),
    lambda inner: st.lists(inner, max_size=5) | st.tuples(inner, inner) | st.dictionaries(st.text(max_size=6), inner, max_size=5),
    max_leaves=30,
)


@settings(max_examples=1500, deadline=None)
@given(float_trees)
def test_cheap_float_checks_imply_the_walk(value):
    """When neither byte scan (orjson's text, marshal's bytes) finds its pattern, the Python walk
    agrees that orjson writes the floats as json does."""
    if not jsonplan._scan(value).maybe_non_finite and not jsonplan.maybe_small_float(_orjson_raw(value)):
        assert jsonplan._orjson_safe(value)


@pytest.mark.parametrize("value", [math.nan, -math.nan, math.inf, -math.inf, 1e-05, -3e-7, 5e-324, 9.99e-05])
@pytest.mark.parametrize("where", [lambda v: v, lambda v: [1, "x" * 127, {"a": (v,)}], lambda v: {"k": [0.5, v, -1]}])
def test_cheap_float_check_refuses_what_orjson_writes_differently(value, where):
    tree = where(value)
    assert jsonplan._scan(tree).maybe_non_finite or jsonplan.maybe_small_float(_orjson_raw(tree))
    assert jsonplan._scan(tree).maybe_non_finite == (not math.isfinite(value))
    assert jsonplan.dumps(tree) == _reference(tree)


def test_cheap_float_check_needs_no_walk_on_real_plans(demo_plan, monkeypatch):
    tricky = {"plan": demo_plan, "lengths": ["x" * 127, "y" * 255, -1, 32767, 2**31 - 1], "big": [1e16, -1.5e300, 0.0001]}
    monkeypatch.setattr(jsonplan, "_orjson_safe", lambda value: pytest.fail("walked"))
    assert not jsonplan._scan(tricky).maybe_non_finite
    assert not jsonplan.maybe_small_float(_orjson_raw(tricky))
    assert jsonplan.dumps(tricky) == _reference(tricky)
    assert jsonplan._scan({"plan": demo_plan, "x": [math.inf]}).maybe_non_finite


spaced = st.recursive(
    st.none() | st.integers(min_value=-(2**63), max_value=2**63 - 1) | st.floats(allow_nan=False, allow_infinity=False, min_value=-1e6, max_value=1e6).filter(lambda f: f == 0 or abs(f) >= 1e-4) | st.text(alphabet=" a\n\"é", max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(alphabet=" ab", max_size=4), inner, max_size=4),
    max_leaves=25,
)


@settings(max_examples=500, deadline=None)
@given(spaced)
def test_indent_halved_without_counting_when_no_string_has_two_spaces(value):
    """marshal's bytes without b"  " mean no string holds two spaces: the plain replace is exact."""
    raw = _orjson_raw(value)
    reference = json.dumps(value, indent=1, sort_keys=True, ensure_ascii=False).encode("utf-8")
    if not jsonplan._scan(value).maybe_double_space:
        assert jsonplan._halve_indent(raw, strings_single_spaced=True) == reference
    assert jsonplan._halve_indent(raw) == reference
    assert jsonplan.json_bytes(value, 1) == reference + b"\n"


def test_double_spaces_are_seen(demo_plan):
    from planner.render.pulumi import program_data

    assert not jsonplan._scan(program_data(demo_plan)).maybe_double_space  # program.json: the fast halving
    assert jsonplan._scan(demo_plan).maybe_double_space  # its runbook: "pulumi stack init <stack>  # once"
    assert jsonplan._scan({"a": ["x  y"]}).maybe_double_space
    assert jsonplan._scan({"a  b": 1}).maybe_double_space


def test_write_json_writes_json_bytes(tmp_path, demo_plan):
    for value, indent in ((demo_plan, 2), (demo_plan, 1), ({"x": math.nan, "y": "a  b"}, 1), ({"x": 1e-05}, 2)):
        jsonplan.write_json(tmp_path / "out.json", value, indent)
        assert (tmp_path / "out.json").read_bytes() == jsonplan.json_bytes(value, indent) == _reference_bytes(value, indent)


piece_trees = st.dictionaries(st.text(alphabet=" aé\u00ff\U0001f600b", max_size=4), spaced | float_trees | st.lists(spaced, max_size=9), max_size=6)


@settings(max_examples=200, deadline=None)
@given(piece_trees, st.sampled_from([1, 2]))
def test_written_in_pieces_as_in_one_go(tmp_path_factory, value, indent):
    """A dict written piece by piece (lists in slices, here of 3 items) is json.dumps' text;
    a piece the fast path cannot prove sends the whole dict down the one-go path."""
    path = tmp_path_factory.mktemp("pieces") / "out.json"
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(jsonplan, "SLICE", 3)
        jsonplan.write_json(path, value, indent)
    assert path.read_bytes() == _reference_bytes(value, indent)


def test_real_plans_are_written_in_pieces(tmp_path, demo_plan, monkeypatch):
    from planner.render.pulumi import program_data

    monkeypatch.setattr(jsonplan, "SLICE", 2)
    for value, indent in ((demo_plan, 2), (program_data(demo_plan), 1)):
        with open(tmp_path / "out.json", "wb") as fh:
            assert jsonplan._write_in_pieces(fh, value, indent)
        assert (tmp_path / "out.json").read_bytes() == _reference_bytes(value, indent)
        assert b"".join(jsonplan.json_pieces(value, indent)) == _reference_bytes(value, indent)


def _reference_bytes(value, indent):
    return (json.dumps(value, indent=indent, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")


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
