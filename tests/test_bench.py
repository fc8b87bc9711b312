"""The benchmark's generator is deterministic and realistic, and bench/run.py runs end to end at
a tiny N. Nothing here is timed: timings live in bench/results.json."""
from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import generate  # noqa: E402  (bench/generate.py)
import run as bench_run  # noqa: E402  (bench/run.py)


def _tree(d: Path) -> dict[str, bytes]:
    return {str(p.relative_to(d)): p.read_bytes() for p in sorted(d.rglob("*")) if p.is_file()}


def test_generator_is_deterministic_per_seed(tmp_path):
    a = generate.generate(300, 3, tmp_path / "a")
    b = generate.generate(300, 3, tmp_path / "b")
    c = generate.generate(300, 4, tmp_path / "c")
    assert a == b
    assert _tree(tmp_path / "a") == _tree(tmp_path / "b")
    assert _tree(tmp_path / "a") != _tree(tmp_path / "c")
    assert a["counts"] == {"LoadBalancer": 300, "ClusterIP": 600, "Ingress": 15}
    assert [c["file"] for c in a["clusters"]] == ["clusters/gke-prod-us-central1-000.json"]


def test_fleet_layout_at_100k():
    layout = generate.fleet_layout(100_000, 7)
    assert len(layout) == 200
    assert sum(c["load_balancers"] for c in layout) == 100_000
    assert len({c["name"] for c in layout}) == 200
    assert len({c["region"] for c in layout}) == 7
    # several clusters share a project and region: the forwarding-rule tier pools across them
    pools = Counter((c["project"], c["region"]) for c in layout)
    assert max(pools.values()) >= 2


def test_generated_fleet_is_kubectl_shaped_and_every_lb_is_planned(tmp_path):
    man = generate.generate(1200, 5, tmp_path / "f")
    assert len(man["clusters"]) == 2
    doc = json.loads((tmp_path / "f" / man["clusters"][0]["file"]).read_text())
    assert doc["kind"] == "List" and doc["apiVersion"] == "v1"
    svc = next(o for o in doc["items"] if o["kind"] == "Service" and o["spec"]["type"] == "LoadBalancer")
    assert {"uid", "resourceVersion", "creationTimestamp", "name", "namespace"} <= set(svc["metadata"])
    assert all("nodePort" in p for p in svc["spec"]["ports"])

    from planner.consolidate import Options, build_plan

    inv, how = bench_run.read_fleet_inventory(tmp_path / "f")
    assert len(inv.clusters) == 2
    plan = build_plan(inv, Options(files=inv.files))
    assert plan["summary"]["services_total"] == 1200
    assert len({(s["cluster"], s["namespace"], s["name"]) for s in plan["services"]}) == 1200
    first = Counter(s["reasons"][0]["code"] for s in plan["services"])
    for code in ("HTTP_CONSOLIDATE", "WELL_KNOWN_TCP_PORT", "GRPC_PLAINTEXT", "UDP", "MIXED_PROTOCOL", "INGRESS_CONTROLLER", "OPT_OUT"):
        assert first[code] > 0, code
    assert first["INGRESS_CONTROLLER"] == 2  # one ingress-nginx per cluster
    assert first["HTTP_CONSOLIDATE"] > 600
    codes = {n["code"] for n in plan["notes"]}
    assert {"SOURCE_RANGES_CLOUD_ARMOR", "SESSION_AFFINITY", "CLIENT_IP_HEADER", "PINNED_IP", "GRPC_HTTP2", "TLS_MANAGED_CERT", "WEBSOCKET_TIMEOUT"} <= codes
    assert any(s["internal"] for s in plan["services"])
    ex = {(e["class"], e["tls"]) for e in plan["existing_entrypoints"]}
    assert {("gce", True), ("gce", False), ("gce-internal", True), ("nginx", False)} <= ex
    assert plan["summary"]["objects_read"]["Service"] == 1200 * 3


def test_run_py_at_tiny_sizes(tmp_path):
    out = tmp_path / "results.json"
    rc = bench_run.main(["--sizes", "40,400", "--repeat", "2", "--pulumi-sizes", "", "--browser-sizes", "", "--work", str(tmp_path / "w"), "--json", str(out)])
    assert rc == 0
    res = json.loads(out.read_text())
    assert [r["n"] for r in res["rows"]] == [40, 400]
    for row in res["rows"]:
        assert row["errors"] == {}
        assert set(row["times"]) == set(bench_run.STAGES)
        assert all(isinstance(v, float) and v >= 0 for v in row["times"].values())
        assert set(row["cpu"]) == set(bench_run.STAGES) and row["total_cpu_s"] > 0
        assert row["total_s"] == pytest.approx(sum(row["times"].values()))
        assert row["floor_s"] > 0 and row["x_floor"] == pytest.approx(row["total_s"] / row["floor_s"])
        assert row["rss_mb"] > 10
        assert row["services"] == row["n"]
        assert row["cli_rc"] == 0 and row["cli_s"] > 0 and row["cli_rss_mb"] > 10
        # every repeat's end-to-end time and floor are kept (the best is cli_s / floor_s)
        assert len(row["cli_s_runs"]) == 2 and min(row["cli_s_runs"]) == row["cli_s"]
        assert len(row["floor_s_runs"]) == 2 and min(row["floor_s_runs"]) == row["floor_s"]
        assert set(row["children_cpu"]) == set(bench_run.STAGES) - {"price"} and row["cli_children_cpu_s"] >= 0  # price is inside plan
        assert row["cli_summary"][0].startswith("load balancers: ")
        assert row["output_bytes"]["plan.json"] > 0 and row["output_bytes"]["report.html"] > 0
    assert res["rows"][1]["objects"] == 400 * 3 + 20
    assert [(g["from"], g["to"]) for g in res["growth"]] == [(40, 400)]
    assert res["machine"]["nproc"] >= 1 and res["machine"]["python"]
    assert set(res["targets"]) == {"n", "total_under_15s", "under_4x_floor", "rss_under_2gb", "growth_at_most_12x_per_10x", "cpu_total_under_15s", "cpu_under_4x_floor", "cpu_growth_at_most_12x_per_10x", "cli_under_15s", "cli_under_4x_floor", "cli_rss_under_2gb"}
    assert [g["clock"] for g in res["growth"] + res["growth_cpu"]] == ["wall", "cpu"]


def test_growth_check_flags_a_stage_that_grows_too_fast():
    rows = [
        {"n": 1000, "times": {s: 1.0 for s in bench_run.STAGES}},
        {"n": 10000, "times": {**{s: 10.0 for s in bench_run.STAGES}, "read": 12.5}},
    ]
    (g,) = bench_run.growth(rows)
    assert g["ratios"]["read"] == 12.5 and g["allowed"] == 12.0
    n = len(bench_run.STAGES)
    assert g["ratios"]["total"] == round((10.0 * (n - 1) + 12.5) / n, 2)
    assert g["ok"] is False
    rows[1]["times"]["read"] = 11.9
    assert bench_run.growth(rows)[0]["ok"] is True


def test_best_of_repeats_keeps_lowest_times_and_highest_rss():
    a = {"times": {"read": 1.0, "html": None}, "cpu": {"read": 0.9, "html": None}, "rss_mb": 100.0, "validate_s": 0.5}
    b = {"times": {"read": 0.8, "html": 2.0}, "cpu": {"read": 1.1, "html": 1.0}, "rss_mb": 120.0, "validate_s": 0.4}
    best = bench_run._best(a, b, ("times", "cpu"))
    assert best["times"] == {"read": 0.8, "html": None} and best["cpu"] == {"read": 0.9, "html": None}
    assert best["rss_mb"] == 120.0 and best["validate_s"] == 0.4
    assert bench_run._best({}, b, ("times",)) is b
    assert bench_run._best(a, {"error": "boom"}, ("times",)) is a



def test_quick_runs_never_overwrite_the_tracked_results(tmp_path, monkeypatch, capsys):
    """Without --save, results go under the work folder (bench/out/ by default, gitignored);
    --save also writes the tracked bench/results.json."""
    tracked = tmp_path / "tracked-results.json"
    tracked.write_text("{}\n", encoding="utf-8")
    monkeypatch.setattr(bench_run, "RESULTS", tracked)
    work = tmp_path / "w"
    assert bench_run.main(["--sizes", "40", "--pulumi-sizes", "", "--browser-sizes", "", "--work", str(work)]) == 0
    assert tracked.read_text() == "{}\n"
    assert json.loads((work / "results.json").read_text())["rows"][0]["n"] == 40
    assert f"wrote {work / 'results.json'}" in capsys.readouterr().out
    assert bench_run.main(["--sizes", "40", "--pulumi-sizes", "", "--browser-sizes", "", "--work", str(work), "--save"]) == 0
    assert json.loads(tracked.read_text())["rows"][0]["n"] == 40
    assert f"wrote {tracked}" in capsys.readouterr().out


def test_default_work_folder_is_gitignored():
    assert bench_run.RESULTS == ROOT / "bench" / "results.json"
    assert "bench/out/" in (ROOT / ".gitignore").read_text().splitlines()


@pytest.mark.browser
def test_browser_child_reports_timings_without_asserting_them(tmp_path):
    if not bench_run.CHROMIUM.exists():
        pytest.skip("/usr/bin/chromium is missing")
    res = bench_run.child_browser(60, tmp_path / "b")
    assert res["n"] == 60 and res["report_mb"] > 0
    assert len(res["ready_attempts_ms"]) >= 1 and round(res["ready_ms"]) == min(res["ready_attempts_ms"])
    assert res["sort_ms"] is not None and res["filter_ms"] is not None
