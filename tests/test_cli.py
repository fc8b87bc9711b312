"""The CLI contract of `planner analyze` (issue 2): outputs, summary text, exit codes."""
from __future__ import annotations

import json
import re
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


# --- issue 13: small CLI things ------------------------------------------------------------

def _one_line_exit_2(capsys, argv) -> str:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    return err.strip()


import pytest  # noqa: E402


@pytest.mark.parametrize("domain", ["bad domain", "a..b", "localhost", "a-.example.com", "x_y.example.com", "example.123"])
def test_invalid_domain_is_one_line_exit_2(tmp_path, capsys, domain):
    err = _one_line_exit_2(capsys, ["analyze", "--domain", domain, "--out", str(tmp_path / "o")])
    assert err == f"error: --domain {domain!r}: not a DNS domain name (dot-separated labels of letters, digits and inner '-', e.g. example.com)"
    assert not (tmp_path / "o").exists()


def test_valid_domain_is_lower_cased_into_generated_hosts(tmp_path):
    assert main(["analyze", "--domain", "Corp.Example.ORG.", "--out", str(tmp_path / "o"), "--format", "json"]) == 0
    plan = json.loads((tmp_path / "o" / "plan.json").read_text())
    assert plan["inputs"]["domain"] == "corp.example.org"
    assert "docs.platform.corp.example.org" in next(s for s in plan["services"] if s["name"] == "docs")["hosts"]


def test_typo_flag_on_analyze_prints_the_analyze_usage(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["analyze", "--strategyy", "gateway"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: planner analyze ")
    assert err.strip().endswith("planner analyze: error: unrecognized arguments: --strategyy")


def test_typo_flag_on_prices_import_prints_its_usage(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["prices", "import", "gcp", "x.json", "--outt", "t.yaml"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: planner prices import ")
    assert "planner prices import: error: unrecognized arguments: --outt t.yaml" in err


def test_bad_yaml_rate_table_is_one_line(tmp_path, capsys):
    bad = tmp_path / "rates.yaml"
    bad.write_text('cloud: aws\nregions:\n  us-east-1: {nlb_hour: {usd: "1"\n', encoding="utf-8")
    err = _one_line_exit_2(capsys, ["analyze", "--rates", str(bad), "--out", str(tmp_path / "o")])
    assert err == f"error: {bad}:4:1: not a valid YAML rate table: expected ',' or '}}', but got '<stream end>'"


@pytest.mark.parametrize("body, message", [
    ("- just\n- a list\n", "not a rate table (a YAML mapping with cloud, currency and regions; found list)"),
    ("cloud: mars\nregions: {}\n", "not a rate table: 'cloud' must be one of gcp, aws, azure (found 'mars')"),
    ("cloud: aws\nregions:\n  us-east-1:\n    nlb_hour: '0.02'\n", "rate us-east-1/nlb_hour must be a mapping with usd, unit, source, effective (found str)"),
    ("cloud: aws\nregions:\n  us-east-1:\n    nlb_hour: {usd: '0.02', unit: hour, effective: '2026-01-01'}\n", "rate us-east-1/nlb_hour is malformed (missing 'source'): needs usd, unit, source, effective"),
    ("cloud: aws\nregions:\n  us-east-1:\n    nlb_hour: {usd: 'cheap', unit: hour, source: s, effective: '2026-01-01'}\n", "rate us-east-1/nlb_hour is malformed (usd 'cheap' is not a non-negative number): needs usd, unit, source, effective"),
])
def test_wrong_shape_rate_table_is_one_line(tmp_path, capsys, body, message):
    bad = tmp_path / "rates.yaml"
    bad.write_text(body, encoding="utf-8")
    err = _one_line_exit_2(capsys, ["analyze", "--rates", str(bad), "--out", str(tmp_path / "o")])
    assert err == f"error: {bad}: {message}"


def test_rates_file_implies_its_cloud_and_a_mismatch_is_one_error(tmp_path, capsys):
    table = tmp_path / "my-aws.yaml"
    table.write_text((ROOT / "pricing" / "aws.yaml").read_text(), encoding="utf-8")
    assert main(["analyze", "--rates", str(table), "--out", str(tmp_path / "o"), "--format", "json"]) == 0
    plan = json.loads((tmp_path / "o" / "plan.json").read_text())
    assert plan["inputs"]["cloud"] == "aws"
    assert plan["inputs"]["cloud_reason"].startswith("--rates my-aws.yaml (cloud: aws)")
    assert plan["clusters"][0]["region"] == "us-east-1"
    capsys.readouterr()
    err = _one_line_exit_2(capsys, ["analyze", "--rates", str(table), "--cloud", "gcp", "--out", str(tmp_path / "p")])
    assert err == f"error: --rates {table} is an AWS rate table but --cloud gcp was given: drop --cloud or pass a GCP rate table"


def test_region_error_says_a_gcp_region_and_lists_global(tmp_path, capsys):
    err = _one_line_exit_2(capsys, ["analyze", "--cloud", "aws", "--region", "us-central1", "--out", str(tmp_path / "o")])
    assert err == ("error: region 'us-central1' is not in the aws rate table aws.yaml (regions: ap-northeast-2, eu-west-1, "
                   "eu-west-2, us-east-1), cluster main; 'us-central1' is a GCP region: use --cloud gcp")
    err = _one_line_exit_2(capsys, ["analyze", "--region", "eastus", "--out", str(tmp_path / "o")])
    assert "(regions: asia-east1, asia-south1, europe-west1, europe-west3, global, southamerica-west1, us-central1, us-east1)" in err
    assert err.endswith("'eastus' is an Azure region: use --cloud azure")


def test_cloud_help_states_the_precedence(capsys):
    with pytest.raises(SystemExit):
        main(["analyze", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert ("Precedence: --cloud, else the cloud of the --rates table, else the fleet file's clouds, else detected from "
            "the inventory's annotations, classes and hostnames, else gcp") in text
    assert "pricing/<cloud>.yaml" not in text


def test_prices_output_names_no_file_users_lack(capsys):
    for argv in (["prices"], ["prices", "--cloud", "aws"], ["prices", "--cloud", "azure"], ["prices", "--help"]):
        try:
            assert main(argv) == 0
        except SystemExit as exc:  # --help
            assert exc.code == 0
        out = capsys.readouterr().out
        for missing in ("PRICING-FACTS", "shared/", "pricing/<cloud>"):
            assert missing not in out, (argv, missing)
        # a repository docs/ path (a URL's /docs/ segment is a public page, not a file)
        assert not re.search(r"(?<![/\w.-])docs/", out), argv
    main(["prices", "--cloud", "aws", "--region", "eu-west-1"])  # no Price List file for it here
    assert "planner's price research gives none: the us-east-1 figure is assumed, not verified" in capsys.readouterr().out


def test_readme_links_only_inside_the_repository_and_says_how_to_get_pulumi():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert readme.startswith("# planner")
    first_block = readme[readme.index("```sh"):readme.index("```", readme.index("```sh") + 5)]
    assert [l.split("#")[0].strip() for l in first_block.splitlines()[1:]] == ["make demo", "make test"]
    for target in re.findall(r"\]\(([^)]*)\)", readme):  # every Markdown link stays in the repository
        assert not re.match(r"[a-z]+:", target) and not target.startswith(("/", "..")), target
        if not target.startswith("#"):
            assert (ROOT / target.split("#")[0]).exists(), target
    assert "../" not in readme and "PRICING-FACTS" not in readme
    # the official install command is the one outside address; example values in sample YAML
    # (the Argo CD Application's repoURL on example.com, the in-cluster API server) are not links
    urls = [u for u in re.findall(r"https?://[^\s,}]+", readme) if not re.match(r"https://([a-z.-]+\.)?example\.com/|https://kubernetes\.default\.svc$", u)]
    assert urls == ["https://get.pulumi.com"]
    assert "`curl -fsSL https://get.pulumi.com | sh`" in readme
    assert "`pulumi login --local`" in readme and "no Pulumi account needed" in readme
    facts = (ROOT / "docs" / "pricing.md").read_text(encoding="utf-8")
    section = facts[facts.index("## Facts the README relies on"):]
    for source in ("https://cloud.google.com/load-balancing/pricing", "https://aws.amazon.com/vpc/pricing/",
                   "https://azure.microsoft.com/pricing/details/load-balancer/", "https://www.pulumi.com/docs/install/",
                   "https://www.pulumi.com/docs/iac/cli/commands/pulumi_login/"):
        assert source in section, source
