"""CLI wiring of the consolidation options: --compare, --strategy, --keep-nonstandard-ports,
--no-fold-ingresses (on the bundled demo)."""
from __future__ import annotations

import json

from planner.cli import main


def _run(tmp_path, capsys, *args):
    assert main(["analyze", "--out", str(tmp_path), *args]) == 0
    return capsys.readouterr().out, json.loads((tmp_path / "plan.json").read_text())


def test_compare_prints_strategies_side_by_side(tmp_path, capsys):
    out, plan = _run(tmp_path, capsys, "--compare")
    lines = out.splitlines()
    i = lines.index("compare:")
    table = lines[i + 1:i + 8]
    assert table[0].split() == ["strategy", "gateway", "*", "ingress"]
    # gateway: see test_demo_plan ($160.30). ingress: only platform (chat, docs) and search
    # (elasticsearch, search-frontend) pay as Ingresses of their own namespace (the others stay:
    # NO_SAVINGS, TLS_ONLY_INGRESS...): 25 regional rules stay = 18.25 + 20 x 7.30 = $164.25; the two
    # new Ingresses' 2 global rules join shop-legacy's 2 in the flat pool: $18.25 → $182.50,
    # savings 211.70 - 182.50 = $29.20; load balancers 24 Services + shop-legacy + 2 = 27
    assert table[1].split()[-2:] == ["18", "27"]  # load balancers after
    assert table[3].split()[-2:] == ["$160.30", "$182.50"]  # monthly cost after
    assert table[4].split()[-2:] == ["$51.40", "$29.20"]  # savings
    assert table[6].startswith("  (* chosen: auto: gateway is the cheapest feasible strategy (gateway $160.30/month")
    assert [r["strategy"] for r in plan["comparison"]] == ["gateway", "ingress"]


def test_strategy_ingress(tmp_path, capsys):
    out, plan = _run(tmp_path, capsys, "--strategy", "ingress")
    assert plan["inputs"]["strategy"] == plan["inputs"]["strategy_requested"] == "ingress"
    assert "comparison" not in plan and "compare:" not in out
    assert all(e["kind"] == "Ingress" for e in plan["entrypoints"])
    # the ingress strategy leaves the existing gce Ingress alone
    assert {x["name"]: x["decision"] for x in plan["existing_entrypoints"]} == {"blog": "keep", "shop-legacy": "keep"}


def test_keep_nonstandard_ports_and_no_fold(tmp_path, capsys):
    _, plan = _run(tmp_path, capsys, "--keep-nonstandard-ports", "--no-fold-ingresses")
    kept = {s["name"] for s in plan["services"] if s["decision"] == "keep" and s["reasons"][0]["code"] == "NONSTANDARD_PORT"}
    assert kept == {"autocomplete", "catalog-api", "elasticsearch", "grafana", "vault-ui"}  # fraud-scoring: GRPC_PLAINTEXT first
    assert plan["inputs"]["options"] == {"keep_nonstandard_ports": True, "fold_ingresses": False, "compare": False}
    legacy = next(x for x in plan["existing_entrypoints"] if x["name"] == "shop-legacy")
    assert (legacy["decision"], legacy["reason"]["code"]) == ("keep", "FOLD_DISABLED")


def test_bad_strategy_is_a_usage_error(capsys):
    try:
        main(["analyze", "--strategy", "mesh"])
    except SystemExit as exc:
        assert exc.code == 2
    assert "invalid choice: 'mesh'" in capsys.readouterr().err
