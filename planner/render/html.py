"""report.html: one self-contained, offline HTML file rendered from the plan alone.

``view_model(plan)`` does all the arithmetic and grouping in Python (Decimal); the jinja2
template ``templates/report.html.j2`` (autoescape on) only lays it out. Data for the
interactive parts (the load-balancer table, the charts) travels in a
``<script type="application/json">`` block whose ``<``, ``>`` and ``&`` are escaped, read by the
page's own script with ``JSON.parse`` and written into the DOM with ``textContent`` only.
Repeated strings travel once in a string table. Above ``PAGE_LISTS_ABOVE`` rows, the long lists
(routes per entrypoint, existing entrypoints, notes per level, DNS records) travel in the same
block and app.js shows them as paged, filterable tables, drawn when their section opens, so a
100,000-service report stays a small DOM; smaller plans keep them as HTML rows.
The chart library (Chart.js, MIT) is inlined from ``templates/vendor/``.
"""
from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache
from operator import itemgetter
from pathlib import Path
from typing import NamedTuple

from markupsafe import Markup

from planner.model import PlannerError
from planner.render.view import (
    nginx_migration,
    LEVEL_LABELS,
    LEVEL_ORDER,
    MOVE_FIRST,
    dec,
    generated_hosts,
    gib_text,
    loss_above,
    headline,
    loss_sentence,
    migration,
    money,
    move_overview,
    ports_text,
    rate,
    risks,
    service_refs,
)
from planner.resources import templates_dir

TEMPLATE = "report.html.j2"
MAX_CHART_GROUPS = 12  # bars per breakdown chart; the rest are summed into one "other" bar
OPEN_ROUTES_UP_TO = 40  # an entrypoint's route table starts expanded up to this many routes
OPEN_NOTES_UP_TO = 60  # a level's note list starts expanded up to this many notes
# Above this many rows in all (routes, existing entrypoints, notes, DNS records), those lists
# travel in the JSON block and app.js shows them as paged, filterable tables (textContent only)
# instead of one HTML row each: a 100,000-service report would otherwise hold ~1.7 M elements.
PAGE_LISTS_ABOVE = 2000
STALE_AFTER = timedelta(days=365)


# --------------------------------------------------------------------------- view model

class _Shape(NamedTuple):
    """What the money views read of a Service; Services alike in all of it are summed as one
    shape (a 100,000-service fleet has some 20,000)."""
    cluster: str
    namespace: str
    decision: str
    entrypoint: str | None
    current: Decimal  # monthly cost as exact cents (``dec``)
    proposed: Decimal


def _shapes(services: list[dict]) -> list[tuple[_Shape, int]]:
    """The Services' distinct shapes with how many Services have each, in order of first
    occurrence; each distinct cost is converted once. The raw costs are keyed with their type:
    an int and a float may be equal yet print (and so convert) differently."""
    counts = Counter((s["cluster"], s["namespace"], s["decision"], s.get("entrypoint"),
                      type(cur := s.get("current_monthly_usd")), cur, type(new := s.get("proposed_monthly_usd")), new)
                     for s in services)
    memo: dict = {}

    def cents(kind, value) -> Decimal:
        d = memo.get((kind, value))
        if d is None:
            d = memo[kind, value] = dec(value)
        return d

    return [(_Shape(cluster, namespace, decision, entrypoint, cents(ct, cur), cents(nt, new)), n)
            for (cluster, namespace, decision, entrypoint, ct, cur, nt, new), n in counts.items()]


def _group_costs(shapes: list[tuple[_Shape, int]], key) -> list[dict]:
    """Current and proposed monthly cost of the Services per group (``key(shape)``), largest
    current first. Only Services are grouped: what the plan's totals hold beyond them (existing
    Ingress/Gateway load balancers, shares of pools not allocated to a Service) is
    :func:`_outside_services`, shown beside the chart, never as a bar of its own that would
    read like a cluster."""
    cur: dict[str, Decimal] = defaultdict(Decimal)
    new: dict[str, Decimal] = defaultdict(Decimal)
    for shape, n in shapes:
        k = key(shape)
        cur[k] += shape.current * n
        new[k] += shape.proposed * n
    groups = sorted(cur, key=lambda k: (-cur[k], k))
    rows = [{"label": k, "current": cur[k], "proposed": new[k]} for k in groups]
    if len(rows) > MAX_CHART_GROUPS:
        rest = rows[MAX_CHART_GROUPS - 1:]
        rows = rows[: MAX_CHART_GROUPS - 1] + [{
            "label": f"{len(rest)} more",
            "current": sum((r["current"] for r in rest), Decimal(0)),
            "proposed": sum((r["proposed"] for r in rest), Decimal(0)),
        }]
    return rows


def _namespace_key(plan: dict):
    """The namespace breakdown's group of a shape: its namespace, with the cluster when the plan
    has several."""
    if len(plan.get("clusters", [])) <= 1:
        return lambda shape: f"{shape.namespace}"
    return lambda shape: f"{shape.cluster}/{shape.namespace}"


def _outside_services(plan: dict, shapes: list[tuple[_Shape, int]]) -> dict | None:
    """The part of the headline totals not carried by any Service (existing Ingress/Gateway
    load balancers and their share of pools), so the breakdowns plus this add up to the totals."""
    s = plan["summary"]
    cur = dec(s["current_monthly_usd"]) - sum((shape.current * n for shape, n in shapes), Decimal(0))
    new = dec(s["proposed_monthly_usd"]) - sum((shape.proposed * n for shape, n in shapes), Decimal(0))
    if not cur and not new:
        return None
    return {"current": cur, "proposed": new, "current_text": money(cur), "proposed_text": money(new),
            "existing": len(plan.get("existing_entrypoints", []))}


def _kept_share(shapes: list[tuple[_Shape, int]]) -> Decimal:
    """What the kept Services save (their share of a pool may shrink)."""
    return sum(((shape.current - shape.proposed) * n for shape, n in shapes if shape.decision != "consolidate"), Decimal(0))


def _chart_series(rows: list[dict]) -> dict:
    return {
        "labels": [r["label"] for r in rows],
        "current": [float(r["current"]) for r in rows],
        "proposed": [float(r["proposed"]) for r in rows],
    }


def _comparison(plan: dict) -> list[dict]:
    """Strategies side by side when the plan carries ``comparison`` (list, or dict by strategy)."""
    raw = plan.get("comparison")
    if not raw:
        return []
    items = raw.get("strategies", raw) if isinstance(raw, dict) else raw
    if isinstance(items, dict):
        items = [dict(v, strategy=k) for k, v in items.items() if isinstance(v, dict)]
    chosen = plan.get("inputs", {}).get("strategy")
    rows = []
    for it in items:
        if not isinstance(it, dict) or "strategy" not in it:
            continue
        monthly = it.get("proposed_monthly_usd", it.get("monthly_usd"))
        if monthly is None:
            continue
        savings = it.get("savings_monthly_usd")
        if savings is None:
            savings = dec(plan["summary"]["current_monthly_usd"]) - dec(monthly)
        risks = it.get("risks") or []
        if not risks and ("notes_warn" in it or "notes_block" in it):
            risks = [f"{it.get('notes_block', 0)} blocking, {it.get('notes_warn', 0)} warning note(s)"]
        rows.append({
            "strategy": str(it["strategy"]),
            "monthly": dec(monthly),
            "monthly_text": money(monthly),
            "savings_text": money(savings),
            "load_balancers": it.get("load_balancers_after", it.get("load_balancers")),
            "risks": [r if isinstance(r, str) else r.get("message", r.get("code", "")) for r in risks],
            "feasible": it.get("feasible", True),
            "chosen": str(it["strategy"]) == chosen,
        })
    rows.sort(key=lambda r: (r["monthly"], r["strategy"]))
    return rows


def _traffic(plan: dict) -> dict | None:
    """The break-even view when the plan carries traffic scenarios (GiB per month → savings)."""
    raw = plan.get("traffic_scenarios") or plan.get("summary", {}).get("traffic_scenarios")
    if not raw:
        return None
    points = []
    for it in raw:
        gib = next((it[k] for k in ("gib_per_service", "gib_per_service_month", "gib_per_month", "gib") if k in it), None)
        if gib is None:
            continue
        cur, new = it.get("current_monthly_usd"), it.get("proposed_monthly_usd")
        sav = it.get("savings_monthly_usd")
        if sav is None and cur is not None and new is not None:
            sav = dec(cur) - dec(new)
        if sav is None:
            continue
        points.append({"gib": Decimal(str(gib)), "savings": dec(sav),
                       "current": None if cur is None else dec(cur), "proposed": None if new is None else dec(new)})
    if not points:
        return None
    points.sort(key=lambda p: p["gib"])
    break_even = None
    for a, b in zip(points, points[1:]):
        if a["savings"] >= 0 > b["savings"] or a["savings"] <= 0 < b["savings"]:
            span = b["savings"] - a["savings"]
            break_even = a["gib"] + (b["gib"] - a["gib"]) * (-a["savings"]) / span if span else a["gib"]
            break
    per_service = any(k in it for it in raw for k in ("gib_per_service", "gib_per_service_month"))
    unit = "GiB in and out per service per month" if per_service else "GiB per month"
    return {
        "unit": unit,
        "rows": [{"gib": f"{p['gib']:,}", "savings_text": money(p["savings"]),
                  "current_text": "" if p["current"] is None else money(p["current"]),
                  "proposed_text": "" if p["proposed"] is None else money(p["proposed"])} for p in points],
        "chart": {"gib": [float(p["gib"]) for p in points], "savings": [float(p["savings"]) for p in points],
                  "break_even": None if break_even is None else float(break_even),
                  "current": [None if p["current"] is None else float(p["current"]) for p in points],
                  "proposed": [None if p["proposed"] is None else float(p["proposed"]) for p in points]},
        "break_even": None if break_even is None else f"{break_even.quantize(Decimal('1')):,}",
    }


def _rates(plan: dict, as_of: date | None) -> tuple[list[dict], str | None]:
    def parse(text):
        try:
            return date.fromisoformat(str(text)[:10])
        except ValueError:
            return None

    dates = [d for d in (parse(r.get("effective")) for r in plan.get("rates", [])) if d]
    table_as_of = parse((plan.get("rate_table") or {}).get("as_of", "")) if isinstance(plan.get("rate_table"), dict) else None
    ref = as_of or table_as_of or (max(dates) if dates else None)
    rows = []
    for r in sorted(plan.get("rates", []) + _rates_not_itemised(plan), key=lambda r: r["key"]):
        eff = parse(r.get("effective"))
        flags = []
        if r.get("unsure"):
            flags.append("unsure")
        if eff is None:
            flags.append("no valid date")
        elif r.get("stale") or (ref is not None and ref - eff > STALE_AFTER):
            flags.append("older than 1 year")
        rows.append({
            "key": r["key"], "usd": rate(r["usd"]), "unit": r.get("unit", ""), "source": r.get("source", ""),
            "effective": r.get("effective", ""), "note": r.get("note", ""), "flags": flags,
            "source_is_url": str(r.get("source", "")).startswith("https://"),
        })
    return rows, (ref.isoformat() if ref else None)


# A value the reader fills in: ``<vpc-network>``, ``<unused /23 CIDR>``, ``<stack>``.
_PLACEHOLDER = re.compile(r"<([A-Za-z][^<>]{0,60})>")


def _runbook(plan: dict) -> tuple[list[dict], list[str]]:
    """The runbook with each command split into text and placeholders (shown marked, and filled
    in by the form above the runbook), and the placeholders in order of first use."""
    steps, seen = [], {}
    cost = {str(p.get("phase")): p for p in plan.get("phases") or [] if isinstance(p, dict)}
    for step in plan.get("runbook", []):
        commands = []
        for cmd in step.get("commands", []):
            parts, pos = [], 0
            for m in _PLACEHOLDER.finditer(cmd):
                if m.start() > pos:
                    parts.append({"text": cmd[pos:m.start()], "ph": False})
                parts.append({"text": m.group(0), "ph": True})
                seen.setdefault(m.group(0), len(seen))
                pos = m.end()
            if pos < len(cmd):
                parts.append({"text": cmd[pos:], "ph": False})
            commands.append({"text": cmd, "parts": parts, "fill": any(x["ph"] for x in parts)})
        phase_cost = cost.get(str(step.get("phase")))
        steps.append(dict(step, commands=commands, fill=any(c["fill"] for c in commands),
                          monthly_text=money(phase_cost["monthly_usd"]) if phase_cost and "monthly_usd" in phase_cost else None))
    return steps, sorted(seen, key=seen.get)


def _rates_not_itemised(plan: dict) -> list[dict]:
    """Rates the figures use that ``plan.rates`` does not list: a cost line's or cost
    component's ``rate_key`` (with its ``rate_usd``), and the data-processing rates of
    ``summary.data_processing`` (the traffic scenarios and the loss threshold use them)."""
    listed = {r["key"] for r in plan.get("rates", [])}
    table = plan.get("rate_table") if isinstance(plan.get("rate_table"), dict) else {}
    where = f"rate table {table['file']}" if table.get("file") else "the plan's rate table"
    extra: dict[str, dict] = {}
    lines = [x for side in (plan.get("costs") or {}).values() if isinstance(side, list) for x in side]
    seen: set[int] = set()  # services share cost_components lists: a list read again adds nothing
    for holder in (plan.get("services", []), plan.get("entrypoints", []), plan.get("phases") or []):
        for item in holder:
            components = item.get("cost_components") if isinstance(item, dict) else None
            if components and id(components) not in seen:
                seen.add(id(components))
                lines += [c for c in components if isinstance(c, dict)]
    for line in lines:
        key = line.get("rate_key")
        if key and key not in listed and key not in extra and line.get("rate_usd") is not None:
            extra[key] = {"key": key, "usd": line["rate_usd"], "unit": line.get("unit", ""), "source": where,
                          "effective": table.get("as_of", ""), "note": "used by a cost line; not itemised in plan.rates",
                          "unsure": bool(line.get("unsure"))}
    dp = (plan.get("summary") or {}).get("data_processing") or {}
    has_data = any("data" in k.rsplit("/", 1)[-1] for k in listed | set(extra))
    if not has_data:
        cloud = table.get("cloud") or (plan.get("inputs") or {}).get("cloud") or ""
        for side, field in (("inbound", "inbound_usd_per_gib"), ("outbound", "outbound_usd_per_gib")):
            if dp.get(field) is not None:
                key = f"{cloud}/data processing {side}".lstrip("/")
                extra[key] = {"key": key, "usd": dp[field], "unit": "GiB", "source": f"{where} (planner prices lists each region's source)",
                              "effective": table.get("as_of", ""), "unsure": False,
                              "note": "data processing: " + ("in the totals (usage given)" if dp.get("priced") else "not in the idle totals; used by the traffic scenarios and the loss threshold")}
    return list(extra.values())


def _anchor_map(plan: dict, refs: list[str]) -> dict[str, int | str]:
    """Object strings (as notes name them) → the id of the element showing that object, or for
    a Service its row index (its element is ``svc-{i}``, :func:`_anchor_id`; notes in the JSON
    block carry the index). ``refs``: :func:`service_refs` of the plan."""
    anchors: dict[str, int | str] = dict(zip(refs, range(len(refs))))
    for i, e in enumerate(plan.get("existing_entrypoints", [])):
        anchors[f"{e['kind']} {e['cluster']}/{e['namespace']}/{e['name']}"] = f"existing-{i}"
    for i, e in enumerate(plan.get("entrypoints", [])):
        anchors.setdefault(f"{e['kind']} {e['name']}", f"entrypoint-{i}")
        anchors.setdefault(f"{e['kind']} {e.get('cluster', '')}/{e['namespace']}/{e['name']}", f"entrypoint-{i}")
    return anchors


def _anchor_id(target: int | str | None) -> str | None:
    """The element id of an :func:`_anchor_map` value."""
    return f"svc-{target}" if isinstance(target, int) else target


class _Strings(dict):
    """A string table: repeated strings (clusters, namespaces, messages...) travel once in the
    JSON block and rows carry their index (``strings[text]``; ``list(strings)`` is the table)."""

    def __missing__(self, text) -> int:
        i = self[text] = len(self)
        return i


def _costs(cur_raw, new_raw, memo: dict) -> tuple:
    key = (type(cur_raw), cur_raw, type(new_raw), new_raw)
    hit = memo.get(key)
    if hit is None:
        cur, new = dec(cur_raw), dec(new_raw)
        hit = memo[key] = (float(cur), money(cur), float(new), money(new), float(cur - new), money(cur - new))
    return hit


def _table_rows(plan: dict, strings: _Strings, risk: list[dict], generated: set, refs: list[str]) -> list[list]:
    """Compact rows for the load-balancer table (one per Service of type LoadBalancer); the
    columns in INTERNED_COLUMNS and the reasons' codes and messages are indices into ``strings``.
    A kept service shows no saving (its share of a pool may shrink, but it does not move)."""
    rows = []
    memo: dict = {}
    # services share their ports and reasons lists (the plan's rows do): each distinct list's
    # cells are made once, keyed by its id (the plan keeps every list alive meanwhile); the
    # strings table still grows in first-use order, as a hit's strings were interned at its miss
    ports_of: dict[int, str] = {}
    reasons_of: dict[int, list] = {}
    internal, external = strings["internal"], strings["external"]
    for i, s in enumerate(plan.get("services", [])):
        cur, cur_text, new, new_text, sav, sav_text = _costs(s["current_monthly_usd"], s["proposed_monthly_usd"], memo)
        moved = s["decision"] == "consolidate"
        if not moved:
            sav, sav_text = 0.0, "—"
        hosts = s.get("hosts") or []
        gen = [h for h in hosts if (refs[i], h) in generated] if generated and hosts else []
        cluster, namespace, decision = strings[s["cluster"]], strings[s["namespace"]], strings[s["decision"]]
        ports = ports_of.get(id(s.get("ports")))
        if ports is None:
            ports = ports_of[id(s.get("ports"))] = ports_text(s)
        reasons = reasons_of.get(id(s.get("reasons")))
        if reasons is None:
            reasons = reasons_of[id(s.get("reasons"))] = [[strings[r["code"]], strings[r["message"]]] for r in s.get("reasons") or []]
        rows.append([
            f"svc-{i}", cluster, namespace, s["name"], ports, decision, reasons,
            cur, cur_text, new, new_text, sav, sav_text,
            strings[s.get("entrypoint") or ""], ", ".join(hosts),
            internal if s.get("internal") else external,
            strings[risk[i]["level"] if moved else ""], ", ".join(gen),
        ])
    return rows


def _any(value) -> str:
    return "(any)" if value is None else str(value)


def _dash(value) -> str:
    return "—" if value is None else str(value)


def _route_generated(e: dict, r: dict, generated: set, hosts: set | frozenset = frozenset()) -> bool:
    """Whether a route's host is generated (see :func:`planner.render.view.generated_hosts`).
    ``hosts``: the hosts of ``generated``'s pairs, when the caller has them: a route whose host
    is not among them needs no pair built and looked up."""
    return bool(generated) and r.get("host") is not None and (
        r.get("source") == "generated"
        or ((not hosts or r["host"] in hosts)
            and (f"Service {e.get('cluster', '')}/{r.get('namespace')}/{r.get('service')}", r["host"]) in generated))


def _sorted_notes(plan: dict, anchors: dict) -> tuple[dict[str, list[dict]], dict[str, list[tuple]]]:
    """:func:`planner.render.view.notes_by_level`'s groups, and beside each level's notes, in
    the same order, their paged-list cells ``(code, object, message, plan index, object cell, anchor, note)``: a note
    on a Service names it as "Service cluster/namespace/name" and its object cell is the row
    index. One sort of tuples built in plan order, where the notes lie in memory one after
    another: at 100k (140,000 notes) that beats reading each note in sorted order."""
    cells: dict[str, list[tuple]] = {lvl: [] for lvl in LEVEL_ORDER}
    for i, n in enumerate(plan.get("notes", [])):
        obj = n["object"]
        target = anchors.get(obj)
        cell, anchor = (target, None) if isinstance(target, int) else (obj, target)
        cells.setdefault(n["level"], []).append((n["code"], obj, n["message"], i, cell, anchor, n))
    for items in cells.values():
        items.sort()  # by (code, object, message), then plan order: notes_by_level's stable sort
    return {lvl: [t[-1] for t in items] for lvl, items in cells.items()}, cells


def _lists(plan: dict, note_cells: dict[str, list[tuple]], strings: _Strings, generated: set) -> dict:
    """The long lists as compact rows for app.js's paged tables (see PAGE_LISTS_ABOVE);
    ``note_cells``: :func:`_sorted_notes`'s."""
    lists = {}
    hosts = {host for _, host in generated}
    for i, e in enumerate(plan.get("entrypoints", [])):
        lists[f"routes-{i}"] = [[_any(r["host"]), r["path"], strings[r["namespace"]], _dash(r["service"]), _dash(r["port"]),
                                 _route_generated(e, r, generated, hosts)]
                                for r in e.get("routes", [])]
    lists["existing"] = [
        [f"existing-{i}", e["kind"], f"{e['cluster']}/{e['namespace']}/{e['name']}", bool(e.get("internal")),
         strings[e["class"]], bool(e.get("priced")), "yes" if e.get("tls") else "no", e["forwarding_rules"],
         money(e["monthly_usd"]),
         [[_any(r["host"]), r["path"], _dash(r["service"]), _dash(r["port"])] for r in e.get("routes", [])]]
        for i, e in enumerate(plan.get("existing_entrypoints", []))]
    for lvl in LEVEL_ORDER:
        lists[f"notes-{lvl}"] = [[strings[code], cell, strings[message], anchor]
                                 for code, _, message, _, cell, anchor, _ in note_cells.get(lvl, [])]
    lists["dns"] = [[d["host"], ", ".join(d.get("old_addresses") or []) or "—", strings[d["entrypoint"]]]
                    for d in plan.get("dns_changes", [])]
    return lists


def _lb_parts(plan: dict, head: dict) -> dict:
    """What the load-balancer counts are made of, so they visibly differ from the count of
    Services: before = Services of type LoadBalancer + priced Ingress/Gateway load balancers;
    after = kept Services + new entrypoints + what remains of the existing ones."""
    before_other = head["lb_before"] - head["services_total"]
    after_other = head["lb_after"] - head["kept"] - len(plan.get("entrypoints", []))

    def text(parts):
        return " + ".join(f"{n} {label}" for n, label in parts if n)

    def plural(n, word):
        return word + ("" if n == 1 else "s")

    entry = len(plan.get("entrypoints", []))
    return {  # fewer load balancers than Services: some share one (an AKS cluster's, an AWS IngressGroup)
        "before": text([(head["services_total"], plural(head["services_total"], "Service")), (before_other, "Ingress/Gateway")])
        if before_other >= 0 else f"shared by {head['services_total']} {plural(head['services_total'], 'Service')}",
        "after": text([(head["kept"], plural(head["kept"], "kept Service")), (entry, plural(entry, "new entrypoint")),
                       (after_other, "existing Ingress/Gateway")])
        if after_other >= 0 else f"shared by {head['kept']} {plural(head['kept'], 'kept Service')} and {entry} {plural(entry, 'new entrypoint')}",
    }


TABLE_COLUMNS = ["id", "cluster", "namespace", "name", "ports", "decision", "reasons", "current", "current_text",
                 "proposed", "proposed_text", "saving", "saving_text", "entrypoint", "hosts", "visibility", "risk",
                 "generated_hosts"]
INTERNED_COLUMNS = ["cluster", "namespace", "decision", "entrypoint", "visibility", "risk"]


def _is_paged(plan: dict) -> bool:
    """Whether the long lists travel in the JSON block (see PAGE_LISTS_ABOVE)."""
    return (sum(len(e.get("routes", [])) for e in plan.get("entrypoints", []))
            + len(plan.get("existing_entrypoints", [])) + len(plan.get("notes", []))
            + len(plan.get("dns_changes", []))) > PAGE_LISTS_ABOVE


def _notes_view(groups: dict, anchors: dict, paged: bool) -> list[dict]:
    notes = []
    for lvl in LEVEL_ORDER:
        # paged: the template only counts a level's notes (app.js draws them from data.lists)
        items = groups.get(lvl, []) if paged else [dict(n, anchor=_anchor_id(anchors.get(n["object"]))) for n in groups.get(lvl, [])]
        notes.append({"level": lvl, "label": LEVEL_LABELS[lvl], "items": items,
                      "open": lvl == "block" or len(items) <= OPEN_NOTES_UP_TO})
    return notes


def _reason_counts(services: list[dict]) -> list[tuple[tuple[str, str], int]]:
    """((decision, reason code), services) pairs, most frequent first."""
    codes = Counter((s["decision"], r["code"]) for s in services for r in s.get("reasons") or [])
    return sorted(codes.items(), key=lambda kv: (-kv[1], kv[0]))


def _entrypoints_view(plan: dict, shapes: list[tuple[_Shape, int]], generated: set, paged: bool) -> list[dict]:
    """The new entrypoints with their routes, cost, and the current cost of the services they
    replace. Paged, the template only counts an entrypoint's routes (app.js draws them from
    data.lists): they stay the plan's."""
    members_of: dict[str, list] = defaultdict(lambda: [0, Decimal(0)])  # services, their current cost
    for shape, n in shapes:
        if shape.entrypoint:
            members = members_of[shape.entrypoint]
            members[0] += n
            members[1] += shape.current * n
    entrypoints = []
    for i, e in enumerate(plan.get("entrypoints", [])):
        count, replaces = members_of.get(e["name"], (0, Decimal(0)))
        entrypoints.append(dict(
            e, anchor=f"entrypoint-{i}",
            routes=e.get("routes", []) if paged else [dict(r, generated=_route_generated(e, r, generated)) for r in e.get("routes", [])],
            monthly_text=money(e["monthly_usd"]),
            visibility="internal" if e.get("internal") else "external",
            services_count=count,
            replaces_text=money(replaces),
            routes_open=len(e.get("routes", [])) <= OPEN_ROUTES_UP_TO,
        ))
    return entrypoints


def _charts(head: dict, by_cluster: list[dict], by_namespace: list[dict], reason_counts: list, comparison: list[dict], traffic: dict | None) -> dict:
    top = reason_counts[:MAX_CHART_GROUPS]
    return {
        "total": {"labels": ["Monthly cost"], "current": [float(head["current"])], "proposed": [float(head["proposed"])]},
        "cluster": _chart_series(by_cluster),
        "namespace": _chart_series(by_namespace),
        "reasons": {"labels": [f"{c} ({d})" for (d, c), _ in top], "counts": [n for _, n in top], "decisions": [d for (d, _), _ in top]},
        "comparison": {"labels": [r["strategy"] for r in comparison],
                       "monthly": [float(r["monthly"]) for r in comparison],
                       "current": float(head["current"])} if comparison else None,
        "traffic": traffic["chart"] if traffic else None,
    }


def _script_data(plan: dict, risk: list[dict], generated: set, lists_from: tuple | None, charts: dict, refs: list[str]) -> dict:
    """The JSON block's data: the load-balancer table's rows, the long lists when paged
    (``lists_from`` = (note cells,), see :func:`_lists`), the charts, and the string table the rows index."""
    strings = _Strings()
    data = {
        "columns": TABLE_COLUMNS,
        "interned": INTERNED_COLUMNS,
        "rows": _table_rows(plan, strings, risk, generated, refs),
        "lists": _lists(plan, *lists_from, strings, generated) if lists_from else None,
        "charts": charts,
    }
    data["strings"] = list(strings)
    return data


def _with_money(rows: list[dict]) -> list[dict]:
    return [dict(r, current_text=money(r["current"]), proposed_text=money(r["proposed"])) for r in rows]


def view_model(plan: dict, as_of: date | None = None) -> dict:
    """Everything the template shows, computed from the plan dict. ``as_of`` is the date rates
    are judged against (default: the newest effective date among the plan's rates)."""
    try:
        return _view_model(plan, as_of)
    except (KeyError, TypeError, AttributeError) as exc:
        raise PlannerError(f"plan: cannot render the report: missing or malformed field {exc}") from None


def _view_model(plan: dict, as_of: date | None) -> dict:
    head = headline(plan)
    services = plan.get("services", [])
    refs = service_refs(plan)
    anchors = _anchor_map(plan, refs)
    groups, note_cells = _sorted_notes(plan, anchors)
    paged = _is_paged(plan)
    notes = _notes_view(groups, anchors, paged)
    shapes = _shapes(services)
    risk = risks(plan, refs)
    generated = generated_hosts(plan, refs)
    moves, moves_total, risk_counts = move_overview(plan, MOVE_FIRST, risk)
    runbook_steps, placeholders = _runbook(plan)
    outside = _outside_services(plan, shapes)
    kept_share = _kept_share(shapes)
    by_cluster = _group_costs(shapes, lambda shape: shape.cluster)
    by_namespace = _group_costs(shapes, _namespace_key(plan))
    reason_counts = _reason_counts(services)
    comparison = _comparison(plan)
    traffic = _traffic(plan)
    rates, rates_as_of = _rates(plan, as_of)
    entrypoints = _entrypoints_view(plan, shapes, generated, paged)
    existing = [dict(e, anchor=f"existing-{i}", monthly_text=money(e["monthly_usd"]))
                for i, e in enumerate(plan.get("existing_entrypoints", []))]
    decisions = sorted({shape.decision for shape, _ in shapes})
    data = _script_data(plan, risk, generated, (note_cells,) if paged else None,
                        _charts(head, by_cluster, by_namespace, reason_counts, comparison, traffic), refs)
    clusters = plan.get("clusters", [])
    return {
        "head": head,
        "title": "Load balancer consolidation plan",
        "clusters": clusters,
        "clusters_text": ", ".join(f"{c['name']} ({c.get('cloud', '')} {c.get('project', '')} {c.get('region', '')})"
                                   for c in clusters),
        "inputs": plan.get("inputs", {}),
        "generator": plan.get("generator", {}),
        "schema_version": plan.get("schema_version", ""),
        "notes": notes,
        "notes_total": sum(len(g["items"]) for g in notes),
        "block_count": len(groups.get("block", [])),
        "warn_count": len(groups.get("warn", [])),
        "info_count": len(groups.get("info", [])),
        "by_cluster": _with_money(by_cluster),
        "by_namespace": _with_money(by_namespace),
        "reason_counts": [{"decision": d, "code": c, "count": n} for (d, c), n in reason_counts],
        "comparison": comparison,
        "traffic": traffic,
        "entrypoints": entrypoints,
        "existing": existing,
        "nginx": nginx_migration(plan),
        "runbook": runbook_steps,
        "placeholders": placeholders,
        "move_first": moves,
        "moves_total": moves_total,
        "risk_counts": risk_counts,
        "loss_sentence": loss_sentence(plan),
        "loss_gib_text": gib_text(loss_above(plan)) if loss_sentence(plan) else None,
        "migration": migration(plan),
        "outside": outside,
        "kept_share_text": money(kept_share) if kept_share else None,
        "lb_parts": _lb_parts(plan, head),
        "generated_count": len({h for _, h in generated}),
        "dns_changes": plan.get("dns_changes", []),
        "dns_open": len(plan.get("dns_changes", [])) <= OPEN_ROUTES_UP_TO,
        "paged": paged,
        "rates": rates,
        "rates_as_of": rates_as_of,
        "rates_flagged": sum(1 for r in rates if r["flags"]),
        "decisions": decisions,
        "services_count": len(services),
        "data_json": _ScriptJSON(data, made_of=(note_cells,)),
    }


# --------------------------------------------------------------------------- rendering

_SCRIPT_ESCAPES = (("&", "\\u0026"), ("<", "\\u003c"), (">", "\\u003e"), ("\u2028", "\\u2028"), ("\u2029", "\\u2029"))


def script_json(data) -> str:
    """JSON safe to place inside a <script> element: no ``<``, ``>`` or ``&`` survive literally,
    so ``</script>`` or ``<!--`` in an inventory string cannot end or change the block."""
    return _ScriptJSON(data).__html__()


class _ScriptJSON:
    """:func:`script_json`'s text, kept as orjson's escaped UTF-8 bytes when orjson wrote it:
    the template gets the text (``__html__``, as markup), :func:`write` writes the bytes as
    they are (no 40 MB decoded into text and encoded back). ``sources``: the data and what else
    it was ``made_of``, for :func:`write` to keep past the page (see ``_LAST_WRITTEN``)."""

    def __init__(self, data, made_of: tuple = ()):
        self.value = _script_json_value(data)
        self.sources = (data, *made_of)

    def __html__(self) -> str:
        return self.value.decode("utf-8") if isinstance(self.value, bytes) else self.value

    def utf8(self) -> bytes:
        return self.value if isinstance(self.value, bytes) else self.value.encode("utf-8")


def _script_json_value(data) -> bytes | str:
    try:
        import orjson

        raw = orjson.dumps(data)
    except (ImportError, TypeError):
        text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=False)
        for char, escape in _SCRIPT_ESCAPES:
            text = text.replace(char, escape)
        return text
    # the same replacements on orjson's UTF-8 bytes (faster than on the decoded text): in
    # UTF-8 a character's bytes never occur inside another character's, so each replaced
    # byte sequence is exactly an occurrence of that character
    for char, escape in _SCRIPT_ESCAPES:
        if _may_hold(raw, char):
            raw = raw.replace(char.encode("utf-8"), escape.encode("ascii"))
    return raw


def _may_hold(raw: bytes, char: str) -> bool:
    """False only when ``raw`` cannot hold ``char``'s UTF-8 bytes: its last byte is not in it.
    A single byte is found at memchr speed, while U+2028's three bytes are looked for at every
    U+2000-U+2FFF character (every "—" of the table) by the replace itself."""
    return char.encode("utf-8")[-1:] in raw


def _inline(rel: str) -> Markup:
    """A vendored / own script or stylesheet from templates/, inlined verbatim."""
    text = (templates_dir() / rel).read_text(encoding="utf-8")
    if "</script" in text.lower() or "</style" in text.lower():
        raise RuntimeError(f"templates/{rel} contains a closing script/style tag and cannot be inlined")
    return Markup(text)


@lru_cache(maxsize=1)
def _environment():
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir())),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env


def _pieces(vm: dict):
    """The page as jinja2 renders the view model ``vm``, piece by piece."""
    assets = {
        "css": _inline("report/report.css"),
        "app_js": _inline("report/app.js"),
        "chart_js": _inline("vendor/chart.umd.min.js"),
    }
    return _environment().get_template(TEMPLATE).generate(vm=vm, assets=assets)


def render(plan: dict, as_of: date | None = None) -> str:
    return "".join(_pieces(view_model(plan, as_of)))


#: what the template writes for the JSON block while write() renders (no inventory string can
#: hold it: autoescape turns every "<" of one into "&lt;"; no template or asset holds it)
DATA_MARK = Markup("<planner-data-block/>")


#: The last report write() wrote, with the objects its data block was made of (100,000 rows,
#: 140,000 note cells at 100k): kept until the next write() replaces it, as the CLI keeps its
#: last inventory and plan. Freeing them costs about 0.1 s, on the last step of the run, after
#: which the process exits.
_LAST_WRITTEN: list = []


def write(plan: dict, path: Path, as_of: date | None = None) -> Path:
    """``path.write_bytes(render(plan, as_of).encode("utf-8"))``, the pieces around the JSON
    block joined and encoded a stretch at a time (UTF-8 encodes character by character): no
    41 MB page and its bytes in memory. The JSON block is written from its UTF-8 bytes where
    the template placed DATA_MARK."""
    path = Path(path)
    vm = view_model(plan, as_of)
    data = vm["data_json"]
    pieces = _pieces(dict(vm, data_json=DATA_MARK))
    with open(path, "wb") as fh:
        text: list[str] = []  # the pieces not yet written
        for piece in pieces:
            if piece == DATA_MARK:
                fh.write("".join(text).encode("utf-8"))
                text.clear()
                fh.write(data.utf8())
                continue
            if DATA_MARK in piece:  # the template wrote it beside other text
                piece = str(piece).replace(DATA_MARK, data.__html__())  # str: Markup.replace escapes
            text.append(piece)
            if len(text) >= _PIECES_PER_WRITE:
                fh.write("".join(text).encode("utf-8"))
                text.clear()
        fh.write("".join(text).encode("utf-8"))
    _LAST_WRITTEN[:] = [vm]
    return path


_PIECES_PER_WRITE = 4096  # jinja2's pieces are short (39,000 make a 100k report's 2.7 MB of HTML)
