"""A non-editable install, run from another directory, finds its rate tables, templates, schema
and demo (they live at the top level of the repo and are copied into the wheel)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.install


def test_wheel_install_runs_demo_from_elsewhere(tmp_path):
    wheels = tmp_path / "wheels"
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(ROOT)],
        capture_output=True, text=True, cwd=tmp_path,
    )
    assert build.returncode == 0, build.stderr[-2000:]
    (wheel,) = wheels.glob("planner-*.whl")

    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    py = env_dir / "bin" / "python"
    # Dependencies come from this test run's environment (a .pth adds its site-packages), the
    # package itself only from the wheel: nothing of the checkout is importable.
    site = subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], capture_output=True, text=True, check=True).stdout.strip()
    Path(site, "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    inst = subprocess.run([str(py), "-m", "pip", "install", "-q", "--no-deps", str(wheel)], capture_output=True, text=True)
    assert inst.returncode == 0, inst.stderr[-2000:]

    work = tmp_path / "elsewhere"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    run = subprocess.run([str(env_dir / "bin" / "planner"), "analyze", "--out", "out"], capture_output=True, text=True, cwd=work, env=env)
    assert run.returncode == 0, run.stderr
    where = subprocess.run([str(py), "-c", "import planner, planner.resources as r; print(planner.__file__); print(r.pricing_dir())"], capture_output=True, text=True, cwd=work, env=env, check=True).stdout.split()
    assert str(env_dir) in where[0] and str(ROOT) not in where[0]
    assert where[1].startswith(str(env_dir)) and where[1].endswith("_data/pricing")
    plan = json.loads((work / "out" / "plan.json").read_text())
    assert plan["summary"]["current_monthly_usd"] > 0
    assert (work / "out" / "report.html").stat().st_size > 0
    assert (work / "out" / "pulumi" / "__main__.py").exists()
    assert "wrote report: out/report.html" in run.stdout
