"""The writers' shortcuts give exactly what the plain code gives: a piece of a large JSON file is
orjson's text cut out of a one-item list, a route rule's canonical text comes from orjson when it
provably equals json's and sorts as json's spaced text sorts, and the report's shared service
references change no view."""
from __future__ import annotations

import json
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.render import jsonplan, pulumi, view
from planner.render.pulumi import _rule_key

leaves = (st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70)
          | st.floats(allow_nan=True, allow_infinity=True) | st.sampled_from([1e-05, -3e-7, 9.99e-05, 0.0001, 1e16, -0.0])
          | st.text(alphabet=st.characters(max_codepoint=0x130) | st.sampled_from(["\x7f", "\u2028", "\U0001f600"]), max_size=6))
values = st.recursive(leaves, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=4), inner, max_size=4),
                      max_leaves=20)


def _spaced(value) -> str:
    return json.dumps(value, sort_keys=True)


@settings(max_examples=600, deadline=None)
@given(values)
def test_rule_key_is_jsons_compact_text(value):
    assert _rule_key({"v": value}) == json.dumps({"v": value}, sort_keys=True, separators=(",", ":")).encode("ascii")


@settings(max_examples=300, deadline=None)
@given(st.lists(values, min_size=2, max_size=6))
def test_rule_keys_group_and_sort_as_jsons_spaced_text(items):
    rules = [{"v": v} for v in items]
    assert sorted(range(len(rules)), key=lambda i: (_rule_key(rules[i]), i)) == sorted(range(len(rules)), key=lambda i: (_spaced(rules[i]), i))
    for a in rules:
        for b in rules:
            assert (_rule_key(a) == _rule_key(b)) == (_spaced(a) == _spaced(b))


plain = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False).filter(lambda f: f == 0 or abs(f) >= 1e-4) | st.text(alphabet=" ab\n\"é", max_size=5).filter(lambda t: "  " not in t),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(alphabet="ab", max_size=3), inner, max_size=3),
    max_leaves=15,
)


def _deeper(text: str, levels: int, indent: int) -> str:
    pad = " " * (indent * levels)
    return text.replace("\n", "\n" + pad)


@settings(max_examples=300, deadline=None)
@given(plain, st.lists(plain, min_size=1, max_size=4), st.sampled_from([1, 2]))
def test_a_piece_is_its_value_at_its_depth(value, items, indent):
    """A dict entry's value one level deep; a slice of a long list's items two levels deep, one per line."""
    option = jsonplan._orjson_option()
    text = json.dumps(value, indent=indent, sort_keys=True, ensure_ascii=False)
    assert bytes(jsonplan._piece((value, False), option, indent)) == _deeper(text, 1, indent).encode("utf-8")
    lines = [" " * (2 * indent) + _deeper(json.dumps(v, indent=indent, sort_keys=True, ensure_ascii=False), 2, indent) for v in items]
    assert bytes(jsonplan._piece((items, True), option, indent)) == ",\n".join(lines).encode("utf-8")


def test_a_piece_that_needs_the_exact_path_is_refused():
    assert jsonplan._piece(([1, {"x": 1e-05}], True), jsonplan._orjson_option(), 2) is None
    assert jsonplan._piece((-2e-7, False), jsonplan._orjson_option(), 1) is None
    assert jsonplan._piece(({"x": [float("nan")]}, False), jsonplan._orjson_option(), 2) is None
    assert jsonplan._piece((["a  b"], True), jsonplan._orjson_option(), 1) is None  # two spaces: halving would touch them
    assert jsonplan._piece((["a  b"], True), jsonplan._orjson_option(), 2) is not None
    assert jsonplan._piece(([2**64], True), jsonplan._orjson_option(), 2) is None  # orjson refuses it


def test_shared_service_refs_change_no_view(demo_plan):
    refs = view.service_refs(demo_plan)
    assert refs == [view.service_ref(s) for s in demo_plan["services"]]
    assert view.risks(demo_plan, refs) == view.risks(demo_plan)
    assert view.generated_hosts(demo_plan, refs) == view.generated_hosts(demo_plan)


def test_risks_are_derived_from_notes_when_a_plan_gives_none(demo_plan):
    bare = json.loads(json.dumps(demo_plan))
    for s in bare["services"]:
        s.pop("risk", None)
    bare["services"][0]["risk"] = {"level": "high", "because": ["PINNED_IP"]}
    derived = view.risks(bare, view.service_refs(bare))
    assert derived[0] == {"level": "high", "because": ["PINNED_IP"]}
    assert derived[1:] == view.risks(dict(bare, services=bare["services"][1:]))


def _two_pass_slug(raw: str) -> str:
    """The slug as resource_name built it before: runs of [^a-z0-9-] to "-", then runs of "-" to one."""
    return re.sub(r"-{2,}", "-", re.sub(r"[^a-z0-9-]+", "-", raw.lower())).strip("-")


@settings(max_examples=1000, deadline=None)
@given(st.text(alphabet=st.sampled_from("aZ9-_.*/ é\u0130K"), max_size=12))
def test_one_pass_slug_is_the_two_pass_slug(raw):
    assert pulumi._SLUG.sub("-", raw.lower()).strip("-") == _two_pass_slug(raw)



def test_report_written_from_the_json_blocks_bytes_is_the_rendered_page(tmp_path, demo_plan, monkeypatch):
    from planner.render import html

    hostile = dict(demo_plan, notes=[dict(n, message=n["message"] + " </script> é\u2028") for n in demo_plan["notes"]])
    for plan in (demo_plan, hostile):
        page = html.render(plan).encode("utf-8")
        with monkeypatch.context() as mp:  # the block's bytes are written as they are, never decoded
            mp.setattr(html._ScriptJSON, "__html__", lambda self: pytest.fail("decoded"))
            html.write(plan, tmp_path / "report.html")
        assert (tmp_path / "report.html").read_bytes() == page
    text = html.view_model(demo_plan)["data_json"].__html__()
    monkeypatch.setattr(html, "_pieces", lambda vm: iter(["<p>", f"x{vm['data_json']}y", "</p>"]))  # the mark beside text
    html.write(demo_plan, tmp_path / "mid.html")
    assert (tmp_path / "mid.html").read_bytes() == f"<p>x{text}y</p>".encode("utf-8")


def test_the_data_mark_is_in_no_template_or_asset():
    from planner.render import html
    from planner.resources import templates_dir

    for rel in (html.TEMPLATE, "report/report.css", "report/app.js", "vendor/chart.umd.min.js"):
        assert html.DATA_MARK not in (templates_dir() / rel).read_text(encoding="utf-8")


def test_keys_join_the_parts_as_text():
    assert pulumi._key("c", "ns", "web") == "c/ns/web"
    assert pulumi._key("c", 8080, None, True) == "c/8080/None/True"
