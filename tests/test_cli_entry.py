"""The ``planner`` command (``planner.cli:entry``) exits as soon as its output is flushed,
without tearing down the run's objects; ``main`` keeps only the last run's."""
import subprocess
import sys
from pathlib import Path

import pytest

from planner import cli

REPO = Path(__file__).resolve().parents[1]


def _entry(*argv: str, cwd: Path):
    code = "import sys; from planner.cli import entry; sys.argv = ['planner', *sys.argv[1:]]; entry()"
    return subprocess.run([sys.executable, "-c", code, *argv], cwd=cwd, capture_output=True, text=True, env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"})


def test_entry_flushes_every_line_and_exits_with_mains_code(tmp_path):
    done = _entry("analyze", "--out", str(tmp_path / "out"), cwd=REPO)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("load balancers: ")
    # the last lines name every file written: nothing is lost to the hard exit
    assert lines[-1] == f"wrote pulumi program: {tmp_path / 'out' / 'pulumi'}"
    assert f"wrote plan: {tmp_path / 'out' / 'plan.json'}" in lines
    assert (tmp_path / "out" / "plan.json").read_bytes().endswith(b"}\n")
    assert (tmp_path / "out" / "report.html").read_bytes().rstrip().endswith(b"</html>")


def test_entry_keeps_exit_code_2_and_the_one_line_error(tmp_path):
    done = _entry("analyze", str(tmp_path / "missing.yaml"), "--out", str(tmp_path / "out"), cwd=REPO)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and done.stderr.startswith("error: ") and "missing.yaml" in done.stderr


def test_entry_usage_error_is_argparse_exit_2(tmp_path):
    done = _entry("analyze", "--no-such-flag", cwd=REPO)
    assert done.returncode == 2 and "unrecognized arguments: --no-such-flag" in done.stderr


def test_main_keeps_only_the_last_runs_plan(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(REPO)
    assert cli.main(["analyze", "--out", str(tmp_path / "a")]) == 0
    first = cli._LAST_RUN[1]
    assert cli.main(["analyze", "--strategy", "ingress", "--out", str(tmp_path / "b")]) == 0
    assert len(cli._LAST_RUN) == 2 and cli._LAST_RUN[1] is not first
    assert cli._LAST_RUN[1]["inputs"]["strategy"] == "ingress"
    assert first["inputs"]["strategy"] != "ingress"


def test_console_script_is_entry():
    text = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    assert 'planner = "planner.cli:entry"' in text
