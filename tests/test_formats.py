"""Output formats: the registry, --format / planner render on the CLI, Markdown and CSV."""
from __future__ import annotations

import json
import os
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
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == [".planner-outputs", "plan.json", "pulumi", "report.html"]
    written = write_outputs(plan, tmp_path / "b", ("csv", "markdown"))
    assert [label for label, _ in written] == ["plan", "markdown summary", "csv", "pulumi program"]
    assert sorted(p.name for p in (tmp_path / "b").iterdir()) == [".planner-outputs", "load-balancers.csv", "plan.json", "pulumi", "summary.md"]


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

def test_markdown_headline_and_move_first(demo_out):
    out, plan = demo_out
    md = (out / "summary.md").read_text()
    s = plan["summary"]
    cur, new, sav = (f"${s[k]:,.2f}" for k in ("current_monthly_usd", "proposed_monthly_usd", "savings_monthly_usd"))
    assert md.startswith(f"## Load balancer plan: {cur} → {new} per month\n")
    assert f"| Monthly cost | {cur} | {new} |" in md
    assert f"| Load balancers | {s['load_balancers_before']} | {s['load_balancers_after']} |" in md
    assert f"**Savings: {sav} per month" in md
    # demo: $51.40 saved idle; each of the 11 moved services adds L7 processing in and out
    # (0.008 + 0.008) and stops passthrough inbound (0.008): 11 x 0.008 = $0.088 per GiB, so the
    # saving is gone at 51.40 / 0.088 = 584.09 GiB per moved service per month
    assert ("**Traffic caveat:** Heavy traffic turns this saving into a loss: above about 584 GiB in and out per moved "
            "service per month, data processing makes the plan cost more than today.") in md
    section = md[md.index("### Move first"):md.index("### Notes")]
    assert section.startswith("### Move first (10 of 11 saving moves, largest saving first)")  # the 11 moved services
    rows = [l for l in section.splitlines() if l.startswith("| ") and "$" in l]
    assert len(rows) == 10
    # every moved service retires one rule beyond the pool's first five: $7.30 each (marginal,
    # given its pool); ties: low risk first, then medium, then high, then by name
    assert rows[0] == "| 1 | main/search/search-frontend | planner-external | $7.30 | low | — |"
    assert rows[1] == "| 2 | main/default/status-page | planner-external | $7.30 | medium | BACKEND\\_TIMEOUT\\_DEFAULT, HOST\\_GENERATED |"
    assert rows[2] == "| 3 | main/platform/chat | planner-external | $7.30 | medium | WEBSOCKET\\_TIMEOUT |"
    assert rows[9] == "| 10 | main/shop/cart | planner-external | $7.30 | high | BACKEND\\_TIMEOUT\\_DEFAULT, PINNED\\_IP, TLS\\_MANAGED\\_CERT |"
    assert "storefront" not in section  # kept: never in the list


def test_markdown_uses_marginal_savings_risk_phases_and_loss_threshold():
    plan = synthetic_plan(9)
    moved = [x for x in plan["services"] if x["decision"] == "consolidate"]
    moved[0]["marginal_savings_monthly_usd"] = 0.5
    moved[1]["marginal_savings_monthly_usd"] = 40.0
    moved[1]["risk"] = {"level": "high", "because": ["PINNED_IP"]}
    moved[2]["marginal_savings_monthly_usd"] = -1.0  # moving it alone costs more: not a move to start with
    plan["phases"] = [{"phase": "build", "monthly_usd": 120.5, "cost_components": []},
                      {"phase": "cutover", "monthly_usd": 120.5, "cost_components": []},
                      {"phase": "retire", "monthly_usd": 20.0, "cost_components": []}]
    plan["summary"].update(migration_overlap_usd=56.25, overlap_days=14, payback_days=17.6, loss_above_gib_per_service_month=1234.4)
    md = markdown.render(plan)
    rows = [l for l in md[md.index("### Move first"):].splitlines() if l.startswith("| ") and "$" in l]
    assert rows[0] == f"| 1 | c{moved[1]['cluster'][1:]}/{moved[1]['namespace']}/{moved[1]['name']} | {moved[1]['entrypoint']} | $40.00 | high | PINNED\\_IP |"
    assert rows[-1].endswith("| $0.50 | low | — |")
    assert moved[2]["name"] not in md[md.index("### Move first"):md.index("### Notes")]
    assert "above about 1,234 GiB in and out per moved service per month" in md
    assert ("**Cost of migrating:** Running old and new load balancers side by side for 14 days costs $56.25 once. "
            "The monthly saving pays that back in 18 days.") in md
    assert "| build | $120.50 |" in md and "| retire | $20.00 |" in md
    plan["summary"]["loss_above_gib_per_service_month"] = None  # the plan says: never a loss
    assert "Traffic caveat" not in markdown.render(plan)


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
    tables = {"Move first": 7, "Blocking": 5}  # a table of N columns has N + 1 unescaped pipes
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


# --------------------------------------------------------------------------- no stale outputs

PULUMI_FILES = ["pulumi/Pulumi.yaml", "pulumi/__main__.py", "pulumi/program.json", "pulumi/requirements.txt"]


def test_rerun_removes_only_its_own_earlier_files(tmp_path):
    out = tmp_path / "r"
    assert main(["analyze", "--out", str(out), "--format", "html", "--format", "json", "--format", "csv"]) == 0
    assert (out / ".planner-outputs").read_text() == "\n".join(["load-balancers.csv", "plan.json", *PULUMI_FILES, "report.html"]) + "\n"
    (out / "notes-for-review.txt").write_text("mine", encoding="utf-8")
    (out / "pulumi" / "Pulumi.dev.yaml").write_text("config: {}\n", encoding="utf-8")  # a stack the user created
    os.utime(out / "pulumi" / "Pulumi.dev.yaml", (1_700_000_000, 1_700_000_000))  # written before this run
    assert main(["analyze", "--out", str(out), "--format", "json"]) == 0
    assert not (out / "report.html").exists() and not (out / "load-balancers.csv").exists()
    assert (out / "notes-for-review.txt").read_text() == "mine"
    assert (out / "pulumi" / "Pulumi.dev.yaml").read_text() == "config: {}\n"
    assert (out / ".planner-outputs").read_text() == "\n".join(["plan.json", *PULUMI_FILES]) + "\n"
    assert sorted(p.name for p in out.iterdir()) == [".planner-outputs", "notes-for-review.txt", "plan.json", "pulumi"]


def test_tampered_manifest_never_deletes_outside_the_folder(tmp_path):
    out = tmp_path / "r"
    outside = tmp_path / "precious.txt"
    outside.write_text("keep", encoding="utf-8")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "data.txt").write_text("keep", encoding="utf-8")
    assert main(["analyze", "--out", str(out), "--format", "json"]) == 0
    (out / "link").symlink_to(elsewhere, target_is_directory=True)
    (out / "mine.txt").write_text("keep", encoding="utf-8")
    with (out / ".planner-outputs").open("a", encoding="utf-8") as fh:
        fh.write(f"../precious.txt\n{outside}\nlink/data.txt\npulumi/../../precious.txt\n.\n\n")
    assert main(["analyze", "--out", str(out), "--format", "json"]) == 0
    assert outside.read_text() == "keep"
    assert (elsewhere / "data.txt").read_text() == "keep"
    assert (out / "mine.txt").read_text() == "keep"
    assert (out / ".planner-outputs").read_text() == "\n".join(["plan.json", *PULUMI_FILES]) + "\n"


def test_render_also_prunes_what_it_no_longer_writes(tmp_path):
    out = tmp_path / "r"
    assert main(["analyze", "--out", str(out), "--format", "json", "--format", "markdown"]) == 0
    assert (out / "summary.md").is_file()
    assert main(["render", str(out / "plan.json"), "--format", "html"]) == 0
    assert not (out / "summary.md").exists() and (out / "report.html").is_file()
    assert "summary.md" not in (out / ".planner-outputs").read_text()
