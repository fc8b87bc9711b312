"""The CLI contract of `planner analyze` (issue 2): outputs, summary text, exit codes."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from planner.cli import main

ROOT = Path(__file__).resolve().parent.parent
DEMO_JSON = ROOT / "examples" / "demo" / "kubectl-svc-ingress.json"


def test_demo_writes_plan_report_program_and_prints_summary(tmp_path, capsys):
    out = tmp_path / "r"
    assert main(["analyze", "--out", str(out)]) == 0
    stdout = capsys.readouterr().out
    plan = json.loads((out / "plan.json").read_text())
    s = plan["summary"]
    assert f"load balancers: {s['load_balancers_before']} -> {s['load_balancers_after']}" in stdout
    assert f"monthly cost:   ${s['current_monthly_usd']:,.2f} -> ${s['proposed_monthly_usd']:,.2f}" in stdout
    assert f"savings ${s['savings_monthly_usd']:,.2f}/month" in stdout
    for name in ("plan.json", "report.html", "pulumi"):
        assert f"{out / name}" in stdout
    assert (out / "report.html").is_file()
    assert (out / "pulumi").is_dir()


def test_stdin_and_directory_inputs_give_the_same_plan(tmp_path, monkeypatch):
    import io

    a, b = tmp_path / "a", tmp_path / "b"
    assert main(["analyze", str(ROOT / "examples" / "demo"), "--out", str(a)]) == 0
    text = DEMO_JSON.read_text()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(text.encode())))
    assert main(["analyze", "-", str(ROOT / "examples" / "demo" / "helm-platform.yaml"), "--out", str(b)]) == 0
    pa = json.loads((a / "plan.json").read_text())
    pb = json.loads((b / "plan.json").read_text())
    assert pa["summary"] == pb["summary"]
    strip = lambda plan: [{k: v for k, v in s.items() if k != "source"} for s in plan["services"]]  # noqa: E731
    assert strip(pa) == strip(pb)
    from_stdin = [s for s in pb["services"] if s["source"] == "-"]
    assert len(from_stdin) == len(pb["services"]) - 1  # status-page comes from the helm file
    assert pb["inputs"]["files"][0] == "-"


def test_same_input_gives_byte_identical_outputs(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    assert main(["analyze", "--out", str(a)]) == 0
    assert main(["analyze", "--out", str(b)]) == 0
    for rel in ("plan.json", "report.html", "pulumi/__main__.py"):
        if (a / rel).exists():
            assert (a / rel).read_bytes() == (b / rel).read_bytes(), rel


def test_missing_file_is_one_line_exit_2(tmp_path, capsys):
    missing = tmp_path / "nope.json"
    assert main(["analyze", str(missing), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert err == f"error: {missing}: no such file or directory\n"


def test_unknown_region_names_region_and_known_ones(tmp_path, capsys):
    assert main(["analyze", "--region", "mars-north1", "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: region 'mars-north1' is not in the gcp rate table gcp.yaml (regions: ")
    assert "us-central1" in err and "\n" not in err


def test_installed_script_never_prints_a_traceback(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"kind": "List", "items": [')
    proc = subprocess.run([str(Path(sys.executable).parent / "planner"), "analyze", str(bad), "--out", str(tmp_path / "o")], capture_output=True, text=True)
    assert proc.returncode == 2
    assert proc.stderr.startswith(f"error: {bad}:1: invalid JSON")
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr


def test_summary_names_auto_choice_and_traffic_scenarios(tmp_path, capsys):
    assert main(["analyze", "--out", str(tmp_path / "o")]) == 0
    out = capsys.readouterr().out
    plan = json.loads((tmp_path / "o" / "plan.json").read_text())
    assert plan["inputs"]["strategy_requested"] == "auto"
    assert f"[auto -> {plan['inputs']['strategy']}]" in out
    by_gib = {r["gib_per_service"]: r for r in plan["traffic_scenarios"]}
    line = next(line for line in out.splitlines() if line.startswith("with traffic:"))
    assert f"100 GiB/service/month saves ${by_gib[100]['savings_monthly_usd']:,.2f}" in line
    assert by_gib[1000]["savings_monthly_usd"] < 0  # the demo costs more at 1 TiB/service
    assert f"1,000 GiB/service/month costs ${-by_gib[1000]['savings_monthly_usd']:,.2f}" in line


def test_demo_plan_names_its_files_relative_to_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    assert main(["analyze", "--out", str(tmp_path / "o")]) == 0
    plan = json.loads((tmp_path / "o" / "plan.json").read_text())
    assert plan["inputs"]["files"] == ["examples/demo/helm-platform.yaml", "examples/demo/kubectl-svc-ingress.json"]


def test_objects_left_out_are_listed_on_the_terminal(tmp_path, capsys):
    inv = tmp_path / "inv.yaml"
    docs = []
    for i in range(12):
        docs.append(f"apiVersion: v1\nkind: Service\nmetadata: {{name: bad{i:02d}, namespace: web}}\nspec:\n  type: LoadBalancer\n  ports: [{{port: \"80\"}}]\n")
    docs.append("apiVersion: v1\nkind: Service\nmetadata: {name: good, namespace: web}\nspec:\n  type: LoadBalancer\n  ports: [{port: 80, name: http}]\n")
    inv.write_text("---\n".join(docs))
    assert main(["analyze", str(inv), "--out", str(tmp_path / "o")]) == 0
    captured = capsys.readouterr()
    lines = [line for line in captured.out.splitlines() if line.startswith("  warn BAD_PORT: ")]
    assert len(lines) == 10
    assert lines[0] == f"  warn BAD_PORT: Service main/web/bad00: spec.ports[0].port '80' is not a port number ({inv}:1); left out of pricing"
    assert "  ... and 2 more object(s) left out: see the report's notes" in captured.out
    assert "note: no usable" not in captured.err  # one Service was usable
    plan = json.loads((tmp_path / "o" / "plan.json").read_text())
    assert [s["name"] for s in plan["services"]] == ["good"]
    assert sum(1 for n in plan["notes"] if n["code"] == "BAD_PORT") == 12
