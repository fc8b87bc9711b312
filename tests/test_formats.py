"""Output formats: the registry, --format / planner render on the CLI, Markdown and CSV."""
from __future__ import annotations

import json
import re

import pandas as pd
import pytest

from planner.cli import main
from planner.render import DEFAULT_FORMATS, FORMATS, markdown, write_outputs
from planner.render.csvout import COLUMNS, defuse
from planner.render.jsonplan import validate
from tests.report_plans import synthetic_plan


@pytest.fixture(scope="module")
def demo_out(tmp_path_factory):
    out = tmp_path_factory.mktemp("formats")
    assert main(["analyze", "--out", str(out), "--format", "json", "--format", "html", "--format", "markdown", "--format", "csv"]) == 0
    return out, json.loads((out / "plan.json").read_text())


# --------------------------------------------------------------------------- registry / CLI

def test_registry_lists_every_format_with_a_writer():
    assert list(FORMATS) == ["json", "html", "markdown", "csv", "manifests"]
    assert DEFAULT_FORMATS == ("html", "json")
    for name, fmt in FORMATS.items():
        assert fmt.name == name
        mod = __import__(f"planner.render.{fmt.module}", fromlist=["write"])
        assert callable(mod.write), name


def test_write_outputs_default_and_chosen(tmp_path):
    plan = synthetic_plan(9)
    written = write_outputs(plan, tmp_path / "a")
    assert [label for label, _ in written] == ["plan", "report", "pulumi program"]
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == ["plan.json", "pulumi", "report.html"]
    written = write_outputs(plan, tmp_path / "b", ("csv", "markdown"))
    assert [label for label, _ in written] == ["plan", "markdown summary", "csv", "pulumi program"]
    assert sorted(p.name for p in (tmp_path / "b").iterdir()) == ["load-balancers.csv", "plan.json", "pulumi", "summary.md"]


def test_analyze_format_prints_each_written_path(tmp_path, capsys):
    out = tmp_path / "o"
    assert main(["analyze", "--out", str(out), "--format", "markdown", "--format", "csv"]) == 0
    lines = [l for l in capsys.readouterr().out.splitlines() if l.startswith("wrote ")]
    assert lines == [f"wrote plan: {out / 'plan.json'}", f"wrote markdown summary: {out / 'summary.md'}",
                     f"wrote csv: {out / 'load-balancers.csv'}", f"wrote pulumi program: {out / 'pulumi'}"]
    assert not (out / "report.html").exists()


def test_analyze_rejects_unknown_format(tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["analyze", "--out", str(tmp_path), "--format", "pdf"])
    assert exc.value.code == 2
    assert "invalid choice: 'pdf'" in capsys.readouterr().err


def test_render_rebuilds_outputs_from_plan_json_alone(demo_out, tmp_path, capsys):
    out, _ = demo_out
    plan_copy = tmp_path / "plan.json"
    plan_copy.write_text((out / "plan.json").read_text())
    assert main(["render", str(plan_copy), "--format", "html", "--format", "markdown", "--format", "csv"]) == 0
    printed = capsys.readouterr().out
    assert f"wrote report: {tmp_path / 'report.html'}" in printed
    for name in ("report.html", "summary.md", "load-balancers.csv", "plan.json"):
        assert (tmp_path / name).read_bytes() == (out / name).read_bytes(), name


@pytest.mark.parametrize("content, message", [
    ("{}", "not a valid plan: (top level): 'schema_version' is a required property"),
    ("{\n  \"schema_version\": ", "plan.json:2: not valid JSON"),
    (b"\xff\xfe\x00garbage", "not UTF-8 text"),
])
def test_render_bad_plan_is_one_line_exit_2(tmp_path, capsys, content, message):
    path = tmp_path / "plan.json"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    assert main(["render", str(path), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {path}") and message in err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert not (tmp_path / "o").exists()


def test_render_missing_plan(tmp_path, capsys):
    assert main(["render", str(tmp_path / "nope.json")]) == 2
    assert capsys.readouterr().err.startswith(f"error: {tmp_path / 'nope.json'}: cannot read")


def test_render_invalid_service_field(tmp_path, capsys):
    plan = synthetic_plan(3)
    plan["services"][1]["decision"] = "explode"
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan))
    assert main(["render", str(path)]) == 2
    assert "not a valid plan: services/1/decision: 'explode' is not one of" in capsys.readouterr().err


# --------------------------------------------------------------------------- markdown

def test_markdown_headline_and_top_savings(demo_out):
    out, plan = demo_out
    md = (out / "summary.md").read_text()
    s = plan["summary"]
    cur, new, sav = (f"${s[k]:,.2f}" for k in ("current_monthly_usd", "proposed_monthly_usd", "savings_monthly_usd"))
    assert md.startswith(f"## Load balancer plan: {cur} → {new} per month\n")
    assert f"| Monthly cost | {cur} | {new} |" in md
    assert f"| Load balancers | {s['load_balancers_before']} | {s['load_balancers_after']} |" in md
    assert f"**Savings: {sav} per month" in md
    top = sorted((x for x in plan["services"] if x["decision"] == "consolidate"),
                 key=lambda x: (-(round(x["current_monthly_usd"] - x["proposed_monthly_usd"], 2)), x["cluster"], x["namespace"], x["name"]))[:10]
    section = md[md.index("### Top savings"):md.index("### Notes")]
    rows = [l for l in section.splitlines() if l.startswith("| ") and "$" in l]
    assert len(rows) == len(top)
    for line, svc in zip(rows, top):
        assert line.startswith(f"| {svc['cluster']}/{svc['namespace']}/{markdown.cell(svc['name'])} |")
        assert f"${svc['current_monthly_usd']:,.2f} | ${svc['proposed_monthly_usd']:,.2f}" in line


def test_markdown_lists_blocking_and_warning_notes():
    plan = synthetic_plan(300)
    md = markdown.render(plan)
    warns = [n for n in plan["notes"] if n["level"] == "warn"]
    assert "### Notes: 1 blocking, 4 warning(s), 100 info" in md
    assert "| BLOCK | ROUTE\\_COLLISION | Service c0/ns000/svc-00000 | host svc-00000.ns000.example.com is claimed twice |" in md
    assert md.count("| WARN | PORT\\_CHANGES |") == len(warns) == 4
    assert "| INFO |" not in md


def test_markdown_truncates_long_note_lists_visibly():
    plan = synthetic_plan(3000)  # 31 warnings
    md = markdown.render(plan)
    assert md.count("| WARN |") == markdown.MAX_NOTES_PER_LEVEL
    assert "… and 6 more warnings in report.html / plan.json." in md


def test_markdown_hostile_names_cannot_break_tables_or_inject():
    plan = synthetic_plan(6)
    evil = "a|b`c`<img src=x onerror=alert(1)>[x](https://evil.example)*y*"
    for s in plan["services"]:
        s["name"] = evil + s["name"]
        s["entrypoint"] = s["entrypoint"] and s["entrypoint"] + "|x"
    plan["notes"].append({"level": "block", "object": "Service c0/ns/" + evil, "code": "X", "message": "m | <script>alert(1)</script>"})
    validate(plan)
    md = markdown.render(plan)
    assert "<img" not in md and "<script" not in md and "](" not in md.replace("\\](", "")
    assert "https://" not in md and "`c`" not in md
    tables = {"Top savings": 6, "Blocking": 5}  # a table of N columns has N + 1 unescaped pipes
    for title, pipes in tables.items():
        chunk = md[md.index(title):]
        chunk = chunk[:chunk.index("\n\n", chunk.index("\n|"))]
        lines = [l for l in chunk.splitlines() if l.startswith("|")]
        assert len(lines) >= 3
        for line in lines:
            assert len(re.findall(r"(?<!\\)\|", line)) == pipes, line
    assert "a\\|b\\`c\\`&lt;img src=x onerror=alert(1)&gt;\\[x\\](https:\\/\\/evil.example)\\*y\\*" in md


# --------------------------------------------------------------------------- csv

def test_csv_one_row_per_load_balancer(demo_out):
    out, plan = demo_out
    frame = pd.read_csv(out / "load-balancers.csv", dtype=str, keep_default_na=False)
    assert list(frame.columns) == COLUMNS
    assert len(frame) == len(plan["services"])
    for svc, row in zip(plan["services"], frame.to_dict("records")):
        assert (row["cluster"], row["namespace"], row["name"], row["decision"]) == (svc["cluster"], svc["namespace"], svc["name"], svc["decision"])
        assert row["reason_codes"] == ";".join(r["code"] for r in svc["reasons"])
        assert row["current_monthly_usd"] == f"{svc['current_monthly_usd']:.2f}"
        assert row["proposed_monthly_usd"] == f"{svc['proposed_monthly_usd']:.2f}"
        assert row["entrypoint"] == (svc["entrypoint"] or "")
        assert row["hosts"] == ";".join(svc["hosts"])
        assert row["ports"].split(";")[0].startswith(f"{svc['ports'][0]['port']}/{svc['ports'][0]['protocol']}")


@pytest.mark.parametrize("value, expected", [
    ("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"),
    ("+1+2", "'+1+2"),
    ("-2+3", "'-2+3"),
    ("@SUM(A1)", "'@SUM(A1)"),
    ("\t=1", "'\t=1"),
    ("web-1", "web-1"),
    ("a=b", "a=b"),
])
def test_csv_defuses_formulas(value, expected):
    assert defuse(value) == expected


def test_csv_formula_cells_written_defused(tmp_path):
    plan = synthetic_plan(3)
    plan["services"][0]["name"] = "=HYPERLINK(\"http://x\",\"y\")"
    plan["services"][1]["hosts"] = ["@evil.example.com", "ok.example.com"]
    plan["services"][2]["namespace"] = "-ns"
    path = FORMATS["csv"].write(plan, tmp_path / "x.csv")
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    assert frame.loc[0, "name"] == "'=HYPERLINK(\"http://x\",\"y\")"
    assert frame.loc[1, "hosts"] == "'@evil.example.com;ok.example.com"
    assert frame.loc[2, "namespace"] == "'-ns"
    assert frame.loc[2, "current_monthly_usd"] == f"{plan['services'][2]['current_monthly_usd']:.2f}"
