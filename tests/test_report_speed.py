"""The report's shortcuts give exactly what the plain code gives: money summed per distinct
service shape equals the per-service sums, and lists shared between services (ports, reasons,
risks, cost components, as the planner's plans share them) give the views an unshared copy
gives."""
from __future__ import annotations

import copy
from collections import defaultdict
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from planner.render import html, view
from planner.render.view import dec

costs = st.one_of(st.none(), st.integers(-3, 40), st.sampled_from([0.0, -0.0, 7.27, 7.2700001, 0.005, 1e16, 2.0**60]),
                  st.decimals(min_value=-50, max_value=50, places=3, allow_nan=False))
PORTS = [[{"port": 80, "protocol": "TCP", "name": "http"}], [{"port": 53, "protocol": "UDP"}], []]
REASONS = [[{"code": "HTTP_CONSOLIDATE", "message": "via gw-a"}], [{"code": "TCP_ONLY", "message": "raw"}, {"code": "UDP", "message": "u <b>"}], []]
RISKS = [{"level": "high", "because": ["PINNED_IP", "CLIENT_IP_HEADER"]}, {"level": "low", "because": []}, {"level": "medium", "because": ["PORT_CHANGES"]}]
COMPONENTS = [[{"rate_key": "gcp/x/fr", "rate_usd": 0.025, "unit": "hour"}], [{"rate_key": "gcp/y/fr", "rate_usd": None}, {"rate_key": "gcp/y/fr", "rate_usd": 0.01}], []]


@st.composite
def services(draw, min_size=0):
    """Services drawing their lists from small pools, so many share one list object."""
    out = []
    for i in range(draw(st.integers(min_size, 14))):
        s = {"cluster": draw(st.sampled_from(["c1", "c2", "c3"])), "namespace": draw(st.sampled_from(["a", "b"])),
             "name": f"s{i % 5}", "decision": draw(st.sampled_from(["consolidate", "keep"])),
             "current_monthly_usd": draw(costs), "proposed_monthly_usd": draw(costs),
             "ports": PORTS[draw(st.integers(0, 2))], "reasons": REASONS[draw(st.integers(0, 2))],
             "risk": RISKS[draw(st.integers(0, 2))], "cost_components": COMPONENTS[draw(st.integers(0, 2))],
             "hosts": [f"h{i}.example"]}
        if draw(st.booleans()):
            s["entrypoint"] = draw(st.sampled_from(["gw-a", "gw-b", ""]))
        if draw(st.booleans()):
            s["marginal_savings_monthly_usd"] = draw(costs)
        out.append(s)
    return out


def _plan(svcs: list[dict], clusters: int = 2) -> dict:
    return {"services": svcs, "clusters": [{"name": f"c{i}"} for i in range(clusters)], "rates": [],
            "summary": {"current_monthly_usd": 100, "proposed_monthly_usd": 50},
            "entrypoints": [{"name": "gw-a", "kind": "Gateway", "namespace": "g", "monthly_usd": 1}, {"name": "gw-b", "kind": "Gateway", "namespace": "g", "monthly_usd": 2}],
            "existing_entrypoints": [], "notes": []}


# ---- the plain per-service money views, as they were before shapes


def _plain_group_costs(svcs, key):
    cur, new = defaultdict(Decimal), defaultdict(Decimal)
    for s in svcs:
        cur[key(s)] += dec(s.get("current_monthly_usd"))
        new[key(s)] += dec(s.get("proposed_monthly_usd"))
    rows = [{"label": k, "current": cur[k], "proposed": new[k]} for k in sorted(cur, key=lambda k: (-cur[k], k))]
    if len(rows) > html.MAX_CHART_GROUPS:
        rest = rows[html.MAX_CHART_GROUPS - 1:]
        rows = rows[: html.MAX_CHART_GROUPS - 1] + [{"label": f"{len(rest)} more", "current": sum((r["current"] for r in rest), Decimal(0)),
                                                      "proposed": sum((r["proposed"] for r in rest), Decimal(0))}]
    return rows


def _exact(rows):
    """Rows with each Decimal as its text (so 7.27 and 7.270 differ, as they would print)."""
    return [{k: str(v) if isinstance(v, Decimal) else v for k, v in r.items()} for r in rows]


@settings(max_examples=400, deadline=None)
@given(services(), st.integers(1, 3))
def test_money_per_shape_is_the_per_service_money(svcs, clusters):
    plan = _plan(svcs, clusters)
    shapes = html._shapes(svcs)
    assert sum(n for _, n in shapes) == len(svcs)
    assert _exact(html._group_costs(shapes, lambda sh: sh.cluster)) == _exact(_plain_group_costs(svcs, lambda s: s["cluster"]))
    ns_key = (lambda s: f"{s['namespace']}") if clusters <= 1 else (lambda s: f"{s['cluster']}/{s['namespace']}")
    assert _exact(html._group_costs(shapes, html._namespace_key(plan))) == _exact(_plain_group_costs(svcs, ns_key))
    kept = sum((dec(s.get("current_monthly_usd")) - dec(s.get("proposed_monthly_usd")) for s in svcs if s["decision"] != "consolidate"), Decimal(0))
    assert str(html._kept_share(shapes)) == str(kept)
    outside = html._outside_services(plan, shapes)
    cur = dec(100) - sum((dec(s.get("current_monthly_usd")) for s in svcs), Decimal(0))
    new = dec(50) - sum((dec(s.get("proposed_monthly_usd")) for s in svcs), Decimal(0))
    assert (None if outside is None else (str(outside["current"]), str(outside["proposed"]))) == (None if not cur and not new else (str(cur), str(new)))
    for e in html._entrypoints_view(plan, shapes, set(), True):
        members = [dec(s.get("current_monthly_usd")) for s in svcs if s.get("entrypoint") and s["entrypoint"] == e["name"]]
        assert (e["services_count"], e["replaces_text"]) == (len(members), view.money(sum(members, Decimal(0))))


# ---- shared lists: the views of a plan equal those of its unshared copy


@settings(max_examples=300, deadline=None)
@given(services())
def test_shared_lists_give_the_views_of_an_unshared_copy(svcs):
    plan = _plan(svcs)
    apart = copy.deepcopy(plan)
    for s in apart["services"]:  # deepcopy keeps sharing within the copy: undo it service by service
        for k in ("ports", "reasons", "risk", "cost_components"):
            s[k] = copy.deepcopy(s[k])
    assert len({id(s["reasons"]) for s in apart["services"]}) == len(svcs)
    refs = view.service_refs(plan)
    assert view.risks(plan, refs) == view.risks(apart, refs)
    risk = view.risks(plan, refs)
    strings, strings_apart = html._Strings(), html._Strings()
    assert html._table_rows(plan, strings, risk, set(), refs) == html._table_rows(apart, strings_apart, risk, set(), refs)
    assert list(strings) == list(strings_apart)  # the string table grows in the same order
    table = list(strings)
    rows = html._table_rows(plan, html._Strings(), risk, set(), refs)
    for s, row, r in zip(svcs, rows, risk):  # and each cell is the plain one
        assert row[4] == view.ports_text(s)
        assert [[table[c], table[m]] for c, m in row[6]] == [[x["code"], x["message"]] for x in s["reasons"]]
        assert r == {"level": s["risk"]["level"], "because": sorted(s["risk"]["because"])}
    assert html._rates_not_itemised(plan) == html._rates_not_itemised(apart)
    assert html._reason_counts(plan["services"]) == html._reason_counts(apart["services"])


@settings(max_examples=300, deadline=None)
@given(services(min_size=1), st.integers(-2, 12))
def test_the_first_moves_are_the_first_of_all_moves_sorted(svcs, limit):
    plan = _plan(svcs)
    everything, total, counts = view.move_overview(plan, None)
    first, total_first, counts_first = view.move_overview(plan, limit)
    assert first == everything[:limit]
    risk = view.risks(plan)
    plain = sorted((-view.marginal_saving(s), view.RISK_ORDER[risk[i]["level"]], s["cluster"], s["namespace"], s["name"], i)
                   for i, s in enumerate(svcs) if s["decision"] == "consolidate" and view.marginal_saving(s) > 0)
    assert [(m["index"], m["saving"]) for m in everything] == [(k[-1], -k[0]) for k in plain]
    assert counts == {lvl: sum(1 for k in plain if risk[k[-1]]["level"] == lvl) for lvl in ("high", "medium", "low")}
    assert (total_first, counts_first) == (total, counts) and total == len(everything)


def _plain_anchor_map(plan, refs):
    anchors = {ref: f"svc-{i}" for i, ref in enumerate(refs)}
    for i, e in enumerate(plan.get("existing_entrypoints", [])):
        anchors[f"{e['kind']} {e['cluster']}/{e['namespace']}/{e['name']}"] = f"existing-{i}"
    for i, e in enumerate(plan.get("entrypoints", [])):
        anchors.setdefault(f"{e['kind']} {e['name']}", f"entrypoint-{i}")
        anchors.setdefault(f"{e['kind']} {e.get('cluster', '')}/{e['namespace']}/{e['name']}", f"entrypoint-{i}")
    return anchors


@settings(max_examples=300, deadline=None)
@given(services(), st.lists(st.tuples(st.sampled_from(["Service", "Ingress"]), st.sampled_from(["c1", "c2"]), st.sampled_from(["a", "g"]),
                                      st.sampled_from(["s0", "s1", "gw-a"])), max_size=4))
def test_anchors_by_row_index_are_the_element_ids(svcs, existing):
    """Services (duplicates: the last wins) by row index, overridden by an existing entrypoint
    naming the same string, entrypoints only where nothing else is: as the element ids were."""
    plan = dict(_plan(svcs), existing_entrypoints=[{"kind": k, "cluster": c, "namespace": n, "name": x} for k, c, n, x in existing])
    for e in plan["entrypoints"]:
        e["cluster"] = "c1"
    refs = view.service_refs(plan)
    plain = _plain_anchor_map(plan, refs)
    anchors = html._anchor_map(plan, refs)
    assert {k: html._anchor_id(v) for k, v in anchors.items()} == plain
    assert {k for k, v in anchors.items() if isinstance(v, int)} == {k for k, v in plain.items() if v.startswith("svc-")}


notes = st.lists(st.fixed_dictionaries({
    "level": st.sampled_from(["block", "warn", "info", "debug"]), "code": st.sampled_from(["A", "B"]),
    "object": st.sampled_from(["Service c1/a/s0", "Service c2/b/s1", "Gateway gw-a", "plan", "Ingress c1/a/x"]),
    "message": st.sampled_from(["m", "n <x>"]), "tag": st.integers(0, 3)}), max_size=20)


@settings(max_examples=300, deadline=None)
@given(services(), notes)
def test_notes_sorted_once_in_plan_order_are_notes_by_level_and_the_plain_rows(svcs, plan_notes):
    plan = dict(_plan(svcs), notes=plan_notes)
    refs = view.service_refs(plan)
    anchors = html._anchor_map(plan, refs)
    groups, cells = html._sorted_notes(plan, anchors)
    plain_groups = view.notes_by_level(plan)
    assert list(groups) == list(plain_groups)
    assert all([id(n) for n in groups[lvl]] == [id(n) for n in plain_groups[lvl]] for lvl in groups)  # ties too keep plan order
    strings, plain_strings = html._Strings(), html._Strings()
    lists = html._lists(plan, cells, strings, set())
    element = _plain_anchor_map(plan, refs)
    for lvl in view.LEVEL_ORDER:  # the rows as they were made from the sorted notes and the element ids
        plain_rows = []
        for n in plain_groups[lvl]:
            anchor = element.get(n["object"])
            obj = int(anchor[4:]) if anchor and anchor.startswith("svc-") else n["object"]
            plain_rows.append([plain_strings[n["code"]], obj, plain_strings[n["message"]], None if isinstance(obj, int) else anchor])
        assert lists[f"notes-{lvl}"] == plain_rows
    assert list(strings) == list(plain_strings)


# ---- the writers' short cuts: route hosts, the data block's bytes, the page's pieces

routes = st.fixed_dictionaries({"host": st.sampled_from([None, "a.example", "b.example", "c.example"]),
                                "namespace": st.sampled_from(["a", "b", None]), "service": st.sampled_from(["s0", "s1", None]),
                                "source": st.sampled_from(["generated", "external-dns", None])})
pairs = st.sets(st.tuples(st.sampled_from(["Service c1/a/s0", "Service c1/b/s1", "Service /a/s0", "Service c1/None/None"]),
                          st.sampled_from(["a.example", "b.example"])), max_size=5)


@settings(max_examples=500, deadline=None)
@given(routes, pairs, st.sampled_from([{"cluster": "c1"}, {}]))
def test_a_routes_host_looked_up_among_the_generated_hosts_first_is_the_pair_lookup(route, generated, entry):
    hosts = {h for _, h in generated}
    assert html._route_generated(entry, route, generated, hosts) is html._route_generated(entry, route, generated)


def test_the_page_is_the_same_written_a_few_pieces_at_a_time(tmp_path, monkeypatch):
    from tests.report_plans import synthetic_plan

    plan = synthetic_plan(300)
    page = html.render(plan).encode("utf-8")
    for per_write in (1, 3, 4096):
        monkeypatch.setattr(html, "_PIECES_PER_WRITE", per_write)
        html.write(plan, tmp_path / "report.html")
        assert (tmp_path / "report.html").read_bytes() == page
    assert html._LAST_WRITTEN[0]["data_json"].sources[0]["rows"]  # kept past the page, until the next write
