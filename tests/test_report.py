"""report.html content, without a browser: numbers, rows, reasons, notes, runbook, rates,
escaping of hostile inventories, offline-ness and determinism."""
from __future__ import annotations

import copy
import json
import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from planner.cli import main
from planner.model import PlannerError
from planner.render import html as report
from planner.render.jsonplan import validate
from planner.render.view import money
from tests.report_plans import report_data, synthetic_plan, table_rows

HOSTILE = Path(__file__).resolve().parent / "fixtures" / "hostile"


def _testid(page: str, tid: str) -> str:
    m = re.search(rf'data-testid="{tid}">([^<]*)<', page)
    assert m, tid
    return m.group(1)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    assert main(["analyze", "--out", str(out)]) == 0
    plan = json.loads((out / "plan.json").read_text())
    return plan, (out / "report.html").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    out = tmp_path_factory.mktemp("hostile")
    assert main(["analyze", str(HOSTILE), "--out", str(out)]) == 0
    return json.loads((out / "plan.json").read_text()), (out / "report.html").read_text(encoding="utf-8")


def test_money_format():
    assert money(1234.56) == "$1,234.56"
    assert money(0) == "$0.00"
    assert money(1234567.5) == "$1,234,567.50"
    assert money(-12.3) == "-$12.30"


def test_headline_cards_equal_the_plan(demo):
    plan, page = demo
    s = plan["summary"]
    assert _testid(page, "current-monthly") == f"${s['current_monthly_usd']:,.2f}"
    assert _testid(page, "proposed-monthly") == f"${s['proposed_monthly_usd']:,.2f}"
    assert _testid(page, "savings-monthly") == f"${s['savings_monthly_usd']:,.2f}"
    assert _testid(page, "lb-before") == str(s["load_balancers_before"])
    assert _testid(page, "lb-after") == str(s["load_balancers_after"])
    assert _testid(page, "rules-before") == str(s["forwarding_rules_before"])
    assert _testid(page, "rules-after") == str(s["forwarding_rules_after"])
    assert s["data_processing"]["message"] in page


def test_headline_thousands_separator():
    plan = synthetic_plan(30)
    plan["summary"].update(current_monthly_usd=1234.56, proposed_monthly_usd=234.5, savings_monthly_usd=1000.06)
    validate(plan)
    page = report.render(plan)
    assert _testid(page, "current-monthly") == "$1,234.56"
    assert _testid(page, "proposed-monthly") == "$234.50"
    assert _testid(page, "savings-monthly") == "$1,000.06"
    assert _testid(page, "savings-pct") == "81%"
    assert "$12,000.72 per year" in page


def test_every_service_is_a_row_with_its_reasons_and_costs(demo):
    plan, page = demo
    rows = table_rows(page)
    assert len(rows) == len(plan["services"]) > 0
    for svc, row in zip(plan["services"], rows):
        assert (row["cluster"], row["namespace"], row["name"]) == (svc["cluster"], svc["namespace"], svc["name"])
        assert [r[0] for r in row["reasons"]] == [r["code"] for r in svc["reasons"]]
        assert [r[1] for r in row["reasons"]] == [r["message"] for r in svc["reasons"]]
        assert row["decision"] == svc["decision"]
        assert row["current_text"] == f"${svc['current_monthly_usd']:,.2f}"
        assert row["proposed_text"] == f"${svc['proposed_monthly_usd']:,.2f}"
        assert row["entrypoint"] == (svc["entrypoint"] or "")
    names = {r["name"] for r in rows}
    assert {"payments-api", "kafka", "game-server"} <= names


def test_entrypoints_and_routes_are_listed(demo):
    plan, page = demo
    assert plan["entrypoints"]
    for i, ep in enumerate(plan["entrypoints"]):
        assert f'id="entrypoint-{i}"' in page
        assert f"<code>{ep['namespace']}/{ep['name']}</code>" in page
        for r in ep["routes"]:
            if r["host"]:
                assert f"<td>{r['host']}</td>" in page
    for e in plan["existing_entrypoints"]:
        assert f"<code>{e['cluster']}/{e['namespace']}/{e['name']}</code>" in page


def test_notes_grouped_by_level_with_links_to_rows(demo):
    plan, page = demo
    sections = {}
    for lvl, nxt in (("block", 'id="notes-warn"'), ("warn", 'id="notes-info"'), ("info", 'id="runbook"')):
        start = page.index(f'id="notes-{lvl}"')
        sections[lvl] = page[start:page.index(nxt, start)]
    rows = {f"Service {r['cluster']}/{r['namespace']}/{r['name']}": r["id"] for r in table_rows(page)}
    for lvl, chunk in sections.items():
        mine = [n for n in plan["notes"] if n["level"] == lvl]
        assert f"({len(mine)})</h3>" in chunk
        assert chunk.count(f'<span class="level level-{lvl}">{lvl.upper()}</span></td>') == len(mine)
        for n in mine:
            assert f"<code>{n['code']}</code>" in chunk
            if n["object"] in rows:
                assert f'<a href="#{rows[n["object"]]}" class="obj-link">{n["object"]}</a>' in chunk
    assert any(n["object"] in rows for n in plan["notes"])


def test_runbook_commands_and_dns_changes(demo):
    plan, page = demo
    assert [s["phase"] for s in plan["runbook"]] == ["build", "cutover", "retire"]
    for step in plan["runbook"]:
        assert f'id="phase-{step["phase"]}"' in page
        block = page[page.index(f'id="phase-{step["phase"]}"'):]
        block = block[block.index('<pre class="commands">'):block.index("</pre>")]
        shown = re.sub(r"<[^>]+>", "", block).replace("&lt;", "<").replace("&gt;", ">").replace("&#39;", "'").replace("&amp;", "&")
        assert shown.splitlines() == step["commands"]
    assert "pulumi config set planner:phase retire" in page
    for d in plan["dns_changes"]:
        assert f"<td>{d['host']}</td>" in page


def test_rates_with_source_date_and_flags():
    plan = synthetic_plan(12)
    vm = report.view_model(plan)
    by_key = {r["key"]: r for r in vm["rates"]}
    assert vm["rates_as_of"] == "2026-10-01"  # newest effective date in the plan, not today
    assert by_key["gcp/global/forwarding_rule_first5"]["flags"] == []
    assert by_key["gcp/europe-west3/forwarding_rule_additional"]["flags"] == ["unsure"]
    assert by_key["gcp/asia-south1/data_processing_inbound"]["flags"] == ["older than 1 year"]  # 2025-06-30
    assert by_key["gcp/us-central1/forwarding_rule_additional"]["usd"] == "$0.010"
    # judged against another date, the same rate is current
    assert report.view_model(plan, as_of=date(2026, 6, 1))["rates"][0]["flags"] == []
    page = report.render(plan)
    rates = page[page.index('id="rates"'):]
    assert "https://cloud.google.com/load-balancing/pricing" in rates
    assert "2025-06-30" in rates and "2026-10-01" in rates
    assert rates.count('<span class="badge badge-flag">unsure</span>') == 1
    assert rates.count('<span class="badge badge-flag">older than 1 year</span>') == 1
    assert rates.count('<span class="badge badge-ok">current</span>') == 2


def test_demo_rates_carry_source_and_date(demo):
    plan, page = demo
    assert plan["rates"]
    for r in plan["rates"]:
        assert f"<code>{r['key']}</code>" in page
        assert r["effective"] in page


def test_breakdowns_add_up_to_the_headline(demo):
    plan, _ = demo
    vm = report.view_model(plan)
    # the bars are Services only; what they leave out is shown beside them, not as a bar
    # today: the folded gce Ingress ($18.25). After: the 3 reserved IPs left unused (3 x 7.30 =
    # $21.90, owned by no Service), less what kept services show above the shrunken pool (a kept
    # service shows today's share; 18 rules cost 113.15 after, their shares today add up to more)
    kept_today = sum(Decimal(str(x["current_monthly_usd"])) for x in plan["services"] if x["decision"] == "keep")
    assert vm["outside"]["current"] == Decimal("18.25")
    assert vm["outside"]["proposed"] == Decimal("21.90") - (kept_today - Decimal("113.15")) == Decimal("14.97")
    for rows in (vm["by_namespace"], vm["by_cluster"]):
        assert sum(r["current"] for r in rows) + vm["outside"]["current"] == vm["head"]["current"]
        assert sum(r["proposed"] for r in rows) + vm["outside"]["proposed"] == vm["head"]["proposed"]
    namespaces = {s["namespace"] for s in plan["services"]}
    assert {r["label"] for r in vm["by_namespace"]} == namespaces
    assert [r["label"] for r in vm["by_cluster"]] == ["main"]
    assert "existing Ingress/Gateway" not in report_data(report.render(plan))["charts"]["cluster"]["labels"]


def test_many_groups_are_summed_into_one_bar():
    plan = synthetic_plan(600, clusters=2, namespaces=50)
    vm = report.view_model(plan)
    labels = [r["label"] for r in vm["by_namespace"]]
    assert len(labels) == report.MAX_CHART_GROUPS
    # two clusters: groups are cluster/namespace, 2 x 50 = 100 of them; 11 bars + the rest
    assert all("/" in label for label in labels[:-1])
    assert labels[-1] == "89 more"
    assert sum(r["current"] for r in vm["by_namespace"]) == vm["head"]["current"]
    chart = report_data(report.render(plan))["charts"]["namespace"]
    assert chart["labels"] == labels


def test_strategy_comparison_and_break_even_when_present():
    plan = synthetic_plan(30)
    page = report.render(plan)
    assert 'id="strategies"' not in page
    assert "carries no traffic scenarios" in page
    assert report_data(page)["charts"]["comparison"] is None
    plan["comparison"] = [
        {"strategy": "gateway", "chosen": True, "load_balancers_after": 12, "proposed_monthly_usd": 87.6, "savings_monthly_usd": 94.9, "risks": ["warn PORT_CHANGES x5"]},
        {"strategy": "ingress", "chosen": False, "load_balancers_after": 19, "proposed_monthly_usd": 140.16, "savings_monthly_usd": 42.34, "risks": []},
    ]
    plan["traffic_scenarios"] = [
        {"gib_per_service": 0, "current_monthly_usd": 500.0, "proposed_monthly_usd": 400.0, "savings_monthly_usd": 100.0},
        {"gib_per_service": 100, "current_monthly_usd": 600.0, "proposed_monthly_usd": 550.0, "savings_monthly_usd": 50.0},
        {"gib_per_service": 1000, "current_monthly_usd": 1500.0, "proposed_monthly_usd": 1900.0, "savings_monthly_usd": -400.0},
    ]
    page = report.render(plan)
    chunk = page[page.index('id="strategies"'):page.index('id="break-even"')]
    assert "gateway <span class=\"badge badge-chosen\">chosen</span>" in chunk
    assert "<td class=\"num\">$140.16</td><td class=\"num\">$42.34</td>" in chunk
    assert "<li>warn PORT_CHANGES x5</li>" in chunk
    # savings fall from $50 at 100 GiB to -$400 at 1,000 GiB: zero at 100 + 900 * 50/450 = 200
    assert "Savings reach zero at about <strong>200 GiB in and out per service per month</strong>" in page
    assert '<th scope="row" class="num">1,000</th><td class="num">$1,500.00</td><td class="num">$1,900.00</td><td class="num">-$400.00</td>' in page
    charts = report_data(page)["charts"]
    assert charts["comparison"]["labels"] == ["gateway", "ingress"]
    assert charts["traffic"]["savings"] == [100.0, 50.0, -400.0]
    assert charts["traffic"]["gib"] == [0.0, 100.0, 1000.0]  # a linear axis, not evenly spaced labels
    assert charts["traffic"]["break_even"] == 200.0


def test_hostile_inventory_is_escaped(hostile):
    plan, page = hostile
    # the payloads did reach the plan (so this test checks something) ...
    raw = json.dumps(plan)
    assert "<script>alert(1)</script>" in raw and "onerror=alert(1)" in raw
    # ... and reach the page only escaped: our three script elements and no other markup
    assert len(re.findall(r"<script\b", page)) == 3
    assert re.findall(r"<script[^>]*>", page) == ['<script type="application/json" id="planner-data">', "<script>", "<script>"]
    for bad in ("<img", "<svg", "<script>alert", "</script><script>", "onerror=\"window", "javascript:alert"):
        assert bad not in page.replace("[link](javascript:alert(1))", ""), bad
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page  # shown to the reader, as text
    assert "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;" in page
    # every string still round-trips through the JSON block intact
    rows = {r["name"]: r for r in table_rows(page)}
    kept = {s["name"]: s for s in plan["services"]}["kept-db"]
    assert rows["kept-db"]["reasons"][0][1] == kept["reasons"][0]["message"]
    assert "<script>window.__pwned=1;alert(1)</script>" in rows["kept-db"]["reasons"][0][1]


def test_script_json_cannot_end_its_element():
    value = {"name": "</script><script>alert(1)</script><!-- & \u2028"}
    text = report.script_json(value)
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text) == value


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=300, deadline=None)
@given(st.recursive(st.none() | st.integers(min_value=-(2**63), max_value=2**63 - 1) | st.text(alphabet=st.sampled_from("<>&/\u2028\u2029é😀\u0026ab\\\"")) | st.text(),
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4), max_leaves=20))
def test_script_json_escapes_on_bytes_as_on_text(value):
    """The escapes applied to orjson's UTF-8 bytes give the text the escapes on the decoded text gave."""
    import orjson

    text = orjson.dumps(value).decode("utf-8")
    for char, escape in (("&", "\\u0026"), ("<", "\\u003c"), (">", "\\u003e"), ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(char, escape)
    assert report.script_json(value) == text
    assert json.loads(text) == value


def test_report_is_offline_and_self_contained(demo):
    _, page = demo
    assert not re.search(r"<(script|img|link|iframe|object|embed)\b[^>]*\b(src|href)=", page)
    assert "Content-Security-Policy" in page and "default-src 'none'" in page
    assert "Chart.js v4" in page  # the chart library is inlined
    assert "@import" not in page and "url(http" not in page


def test_render_is_deterministic_and_timeless(demo):
    plan, page = demo
    again = report.render(copy.deepcopy(plan))
    assert again == page
    assert date.today().isoformat() not in page


def test_plan_without_required_fields_is_a_planner_error():
    plan = synthetic_plan(3)
    del plan["services"][0]["name"]
    with pytest.raises(PlannerError, match="plan: cannot render the report"):
        report.render(plan)


def test_synthetic_plans_are_valid():
    validate(synthetic_plan(50))


def _inline_lists(plan: dict) -> dict:
    """What the small-plan page shows as HTML rows, in the paged lists' row shape."""
    vm = report.view_model(plan)
    any_ = lambda v: "(any)" if v is None else str(v)  # noqa: E731
    dash = lambda v: "—" if v is None else str(v)  # noqa: E731
    out = {f"routes-{i}": [[any_(r["host"]), r["path"], r["namespace"], dash(r["service"]), dash(r["port"]), r["generated"]] for r in e["routes"]]
           for i, e in enumerate(vm["entrypoints"])}
    out["existing"] = [[e["anchor"], e["kind"], f"{e['cluster']}/{e['namespace']}/{e['name']}", bool(e.get("internal")), e["class"],
                        bool(e.get("priced")), "yes" if e.get("tls") else "no", e["forwarding_rules"], e["monthly_text"],
                        [[any_(r["host"]), r["path"], dash(r["service"]), dash(r["port"])] for r in e["routes"]]]
                       for e in vm["existing"]]
    for g in vm["notes"]:
        out[f"notes-{g['level']}"] = [[n["code"], n["object"], n["message"], n["anchor"]] for n in g["items"]]
    out["dns"] = [[d["host"], ", ".join(d["old_addresses"]) or "—", d["entrypoint"]] for d in plan["dns_changes"]]
    return out


def _paged_lists(page: str) -> dict:
    """The paged lists of a large-plan page, string-table indices resolved as app.js does."""
    data = report_data(page)
    S, rows = data["strings"], table_rows(page)
    out = {}
    for key, items in data["lists"].items():
        if key.startswith("routes-"):
            out[key] = [[r[0], r[1], S[r[2]], r[3], r[4], r[5]] for r in items]
        elif key == "existing":
            out[key] = [r[:4] + [S[r[4]]] + r[5:] for r in items]
        elif key.startswith("notes-"):
            out[key] = [[S[c], f"Service {rows[o]['cluster']}/{rows[o]['namespace']}/{rows[o]['name']}" if isinstance(o, int) else o,
                         S[m], f"svc-{o}" if isinstance(o, int) else a] for c, o, m, a in items]
        else:
            out[key] = [[h, old, S[e]] for h, old, e in items]
    return out


def test_long_lists_become_paged_data_with_the_same_rows(demo, monkeypatch):
    plan, small = demo
    assert report_data(small)["lists"] is None and 'class="paged"' not in small  # the demo stays all HTML
    want = _inline_lists(plan)
    monkeypatch.setattr(report, "PAGE_LISTS_ABOVE", 0)
    page = report.render(plan)
    assert _paged_lists(page) == want
    assert sum(len(v) for v in want.values()) > 40 and want["existing"] and want["dns"] and want["notes-warn"]
    anchors = {r[3] for k in ("notes-block", "notes-warn", "notes-info") for r in want[k]}
    assert {"existing-0", "existing-1", "svc-0"} <= anchors  # links to every kind of object noted
    # one paged table per list shown; no HTML row per route, note or DNS record
    levels = sum(1 for lvl in ("block", "warn", "info") if want[f"notes-{lvl}"])
    assert page.count('<div class="paged" data-list=') == len(plan["entrypoints"]) + 1 + levels + 1
    for d in plan["dns_changes"]:
        assert f"<td>{d['host']}</td>" not in page
    assert 'class="obj-link"' not in page
    # the rest of the page is unchanged: headline, entrypoint facts, counts, runbook, rates
    for i, ep in enumerate(plan["entrypoints"]):
        assert f'id="entrypoint-{i}"' in page and f"<code>{ep['namespace']}/{ep['name']}</code>" in page
        assert f'data-list="routes-{i}"' in page
    assert _testid(page, "current-monthly") == _testid(small, "current-monthly")
    for lvl in ("block", "warn", "info"):
        assert f"({len(want['notes-' + lvl])})</h3>" in page
    assert "Large tables print their first page only" in page
    assert table_rows(page) == table_rows(small)


def test_hostile_inventory_is_escaped_in_paged_lists(hostile, monkeypatch):
    plan, _ = hostile
    monkeypatch.setattr(report, "PAGE_LISTS_ABOVE", 0)
    page = report.render(plan)
    assert report_data(page)["lists"]
    assert re.findall(r"<script[^>]*>", page) == ['<script type="application/json" id="planner-data">', "<script>", "<script>"]
    for bad in ("<img", "<svg", "<script>alert", "</script><script>", "onerror=\"window", "javascript:alert"):
        assert bad not in page.replace("[link](javascript:alert(1))", ""), bad
    assert "<script>alert(1)</script>" in json.dumps(report_data(page)["strings"] + [report_data(page)["lists"]])


# --------------------------------------------------------------------------- issue 13: the reviewer's report

from planner.render import view  # noqa: E402


def test_risk_from_plan_or_from_warn_codes(demo):
    plan, _ = demo
    by_name = {s["name"]: r for s, r in zip(plan["services"], view.risks(plan))}
    # the demo plan carries each service's risk (services[].risk): the report shows it as it is
    assert by_name["payments-api"] == {"level": "high", "because": ["BACKEND_TIMEOUT_DEFAULT", "PINNED_IP", "TLS_MANAGED_CERT"]}
    assert by_name["recommendations"] == {"level": "high", "because": ["BACKEND_TIMEOUT_DEFAULT", "CLIENT_IP_HEADER"]}
    assert by_name["chat"] == {"level": "medium", "because": ["WEBSOCKET_TIMEOUT"]}  # has its own timeout
    assert by_name["search-frontend"] == {"level": "low", "because": []}  # planner.io/backend-timeout set
    assert by_name["docs"] == {"level": "medium", "because": ["BACKEND_TIMEOUT_DEFAULT", "HOST_GENERATED"]}
    assert by_name["kafka"] == by_name["grafana"] == {"level": "low", "because": []}  # kept: nothing changes for them
    # without the plan's risk, the report derives it from the warn codes, graded as the core
    # grades them (highest first: a pinned IP / client IP high, the 30 s default timeout medium)
    bare = copy.deepcopy(plan)
    for x in bare["services"]:
        x.pop("risk", None)
    derived = dict(zip((x["name"] for x in bare["services"]), view.risks(bare)))
    assert derived["payments-api"] == {"level": "high", "because": ["PINNED_IP", "BACKEND_TIMEOUT_DEFAULT", "TLS_MANAGED_CERT"]}
    assert derived["recommendations"] == {"level": "high", "because": ["CLIENT_IP_HEADER", "BACKEND_TIMEOUT_DEFAULT"]}
    # the plan's own risk wins
    p = copy.deepcopy(plan)
    docs = next(s for s in p["services"] if s["name"] == "docs")
    docs["risk"] = {"level": "high", "because": ["ROUTE_COLLISION"]}
    assert dict(zip((s["name"] for s in p["services"]), view.risks(p)))["docs"] == {"level": "high", "because": ["ROUTE_COLLISION"]}


def test_move_first_in_the_report_links_rows_and_skips_kept(demo):
    plan, page = demo
    section = page[page.index('id="move-first"'):page.index('id="charts"')]
    rows = re.findall(r'<a href="#svc-(\d+)" class="move-link">([^<]+)</a></th><td class="num">([^<]+)</td>\s*<td><span class="risk risk-(\w+)">', section)
    assert len(rows) == 10
    names = [plan["services"][int(i)]["name"] for i, _, _, _ in rows]
    # each moved service retires one rule beyond the first five: $7.30; ties: low risk first, then name
    assert names[:3] == ["search-frontend", "status-page", "chat"]
    assert [(sav, risk) for _, _, sav, risk in rows[:3]] == [("$7.30", "low"), ("$7.30", "medium"), ("$7.30", "medium")]
    assert all(plan["services"][int(i)]["decision"] == "consolidate" for i, _, _, _ in rows)
    assert "(10 of 11; the rest are in the table below)" in section
    assert "3 high, 7 medium, 1 low." in section


def test_move_first_orders_by_marginal_savings_when_present():
    plan = synthetic_plan(12)
    moved = [s for s in plan["services"] if s["decision"] == "consolidate"]
    for k, s in enumerate(moved):
        s["marginal_savings_monthly_usd"] = float(k)  # the last moved service saves most
    order = [m["service"]["name"] for m in view.move_first(plan)]
    assert order == [s["name"] for s in moved[::-1] if s["marginal_savings_monthly_usd"] > 0]
    assert view.move_first(plan)[0]["saving_text"] == f"${len(moved) - 1:.2f}"


def test_kept_services_show_no_saving_and_their_pool_share_is_explained(demo):
    plan, page = demo
    rows = table_rows(page)
    kept = [r for r in rows if r["decision"] == "keep"]
    assert kept and all(r["saving_text"] == "—" and r["saving"] == 0 for r in kept)
    assert all(r["risk"] == "" for r in kept)
    moved = [r for r in rows if r["decision"] == "consolidate"]
    assert all(r["saving_text"] == money(r["current"] - r["proposed"]) for r in moved)
    # a kept service is shown at today's cost (no share of someone else's saving): no pooled-share line
    assert all(r["current"] == r["proposed"] for r in kept)
    assert 'data-testid="kept-share"' not in page


def test_service_and_load_balancer_counts_are_labelled(demo):
    plan, page = demo
    assert _testid(page, "services-count") == "28 Services of type LoadBalancer"
    assert _testid(page, "lb-count") == "29 load balancers today (28 Services + 1 Ingress/Gateway)"
    assert "18 load balancers (17 kept Services + 1 new entrypoint)" in page


def test_headline_says_when_traffic_turns_the_saving_into_a_loss(demo):
    plan, page = demo
    # $51.40 saved idle; 11 moved services each add 0.008 $/GiB net (L7 in + out, less passthrough
    # inbound): zero at 51.40 / 0.088 = 584.09 GiB per moved service per month
    assert view.loss_above(plan).quantize(Decimal("0.1")) == Decimal("584.1")
    assert _testid(page, "loss-short") == "a loss above ≈584 GiB per moved service per month"
    assert "above about 584 GiB in and out per moved service per month, data processing makes the plan cost more than today." in page
    p = copy.deepcopy(plan)
    p["summary"]["loss_above_gib_per_service_month"] = 2500
    assert "above about 2,500 GiB" in report.render(p)
    p["summary"]["loss_above_gib_per_service_month"] = None
    assert 'data-testid="loss-above"' not in report.render(p)


def test_phases_overlap_and_payback_are_shown_when_present(demo):
    plan, page = demo
    older = copy.deepcopy(plan)
    older.pop("phases")
    for k in ("migration_overlap_usd", "overlap_days", "payback_days"):
        older["summary"].pop(k)
    assert 'data-testid="migration"' not in report.render(older)  # older plans: nothing invented
    assert 'data-testid="migration"' in page
    p = copy.deepcopy(plan)
    p["phases"] = [{"phase": "build", "monthly_usd": 230.5, "cost_components": []},
                   {"phase": "cutover", "monthly_usd": 230.5, "cost_components": []},
                   {"phase": "retire", "monthly_usd": 116.8, "cost_components": []}]
    p["summary"].update(migration_overlap_usd=43.61, overlap_days=7, payback_days=13.8)
    out = report.render(p)
    assert ("Running old and new load balancers side by side for 7 days costs $43.61 once. "
            "The monthly saving pays that back in 14 days.") in out
    costs = out[out.index('data-testid="phase-costs"'):]
    assert '<th scope="row">build</th><td class="num">$230.50</td>' in costs
    assert '<th scope="row">retire</th><td class="num">$116.80</td>' in costs
    assert '<span class="fine phase-cost">· $230.50/month while in this phase</span>' in out


def test_rates_used_include_data_processing(demo):
    plan, page = demo
    assert not any("data" in r["key"] for r in plan["rates"])  # today's plans do not itemise them
    rates = page[page.index('id="rates"'):]
    for side in ("inbound", "outbound"):
        assert f"<code>gcp/data processing {side}</code></th><td class=\"num\">$0.008</td><td>GiB</td><td>2026-10-01</td>" in rates
    assert "rate table gcp.yaml (planner prices lists each region&#39;s source)" in rates
    # a rate a cost line uses but plan.rates misses is listed too
    p = copy.deepcopy(plan)
    p["costs"]["proposed"].append({"component": "proxy", "monthly_usd": 1.0, "quantity": 730.0, "rate_key": "gcp/us-central1/proxy_instance_hour",
                                   "rate_usd": 0.025, "unit": "hour"})
    keys = [r["key"] for r in report.view_model(p)["rates"]]
    assert "gcp/us-central1/proxy_instance_hour" in keys and keys == sorted(keys)


def test_runbook_placeholders_are_a_marked_form(tmp_path):
    # every group moves, so the runbook has the internal Gateway's proxy-only subnet step too
    from planner.cli import main

    assert main(["analyze", "--consolidate-anyway", "--out", str(tmp_path), "--format", "json"]) == 0
    page = report.render(json.loads((tmp_path / "plan.json").read_text()))
    book = page[page.index('id="runbook"'):page.index('id="rates"')]
    assert '<h3 id="runbook-fill-h">Fill in before running</h3>' in book
    for ph in ("&lt;stack&gt;", "&lt;vpc-network&gt;", "&lt;unused /23 CIDR&gt;", "&lt;managed-zone&gt;"):
        assert f'<input type="text" data-ph="{ph}"' in book
        assert f'<span class="ph" data-ph="{ph}">{ph}</span>' in book
    assert book.count('<span class="badge badge-fill">fill in</span>') == 1 + 2  # the legend + build + cutover
    assert '--network=<span class="ph" data-ph="&lt;vpc-network&gt;">&lt;vpc-network&gt;</span>' in book
    css = (Path(report.templates_dir()) / "report" / "report.css").read_text()
    assert "white-space: pre-wrap; overflow-wrap: anywhere;" in css  # long commands wrap, never cut


def test_generated_hosts_get_a_badge():
    plan = synthetic_plan(6)
    svc = next(s for s in plan["services"] if s["decision"] == "consolidate")
    ref = f"Service {svc['cluster']}/{svc['namespace']}/{svc['name']}"
    plan["notes"].append({"level": "info", "object": ref, "code": "HOST_GENERATED", "message": f"no hostname: {svc['hosts'][0]} generated"})
    page = report.render(plan)
    row = next(r for r in table_rows(page) if r["name"] == svc["name"])
    assert row["generated_hosts"] == svc["hosts"][0]
    assert sum(1 for r in table_rows(page) if r["generated_hosts"]) == 1
    assert page.count('title="host generated by planner (HOST_GENERATED)">generated</span>') == 1
    assert "Hosts marked <span class=\"badge badge-generated\">generated</span> (1)" in page
    # a route marked source "generated" (the plan contract) is enough on its own
    plan = synthetic_plan(6)
    plan["entrypoints"][0]["routes"][0]["source"] = "generated"
    page = report.render(plan)
    assert page.count('title="host generated by planner (HOST_GENERATED)">generated</span>') == 1
    assert sum(1 for r in table_rows(page) if r["generated_hosts"]) == 1


def test_counts_say_when_load_balancers_are_shared():
    plan = synthetic_plan(9)
    plan["summary"]["load_balancers_before"] = 2  # e.g. one shared AKS load balancer per cluster
    plan["summary"]["load_balancers_after"] = 1
    page = report.render(plan)
    assert _testid(page, "lb-count") == "2 load balancers today (shared by 9 Services)"
    assert "1 load balancer (shared by 3 kept Services and 5 new entrypoints)" in page


@pytest.mark.parametrize("size", [3, 2500])
def test_written_report_is_the_rendered_page(tmp_path, size):
    """write streams jinja2's pieces to the file: the bytes of render's page, small or paged."""
    plan = synthetic_plan(size)
    report.write(plan, tmp_path / "report.html")
    assert (tmp_path / "report.html").read_bytes() == report.render(plan).encode("utf-8")
