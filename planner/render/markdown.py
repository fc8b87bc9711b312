"""summary.md: a compact GitHub-flavoured summary of the plan for pull-request comments.

Headline numbers, the largest savings, and the blocking / warning notes. Every string from the
plan goes through :func:`cell`, which escapes Markdown punctuation and HTML, so a ``|``,
backtick, ``<`` or ``[..](..)`` in an inventory name can neither break a table nor inject
markup or links. The summary links nowhere: it names report.html for the details.
"""
from __future__ import annotations

import re
from pathlib import Path

from planner.render.view import MOVE_FIRST, headline, loss_sentence, migration, money, move_overview, notes_by_level

TOP_SAVINGS = MOVE_FIRST
MAX_NOTES_PER_LEVEL = 25

# Escaped everywhere: what could open emphasis, a code span, a link/image or end a table cell.
# ``#``, ``!``, ``-``, ``+`` are harmless mid-line (every line starts with our own text).
_PUNCT = re.compile(r"([\\`*_{}\[\]|~])")
# GitHub autolinks bare URLs, www. names and e-mail addresses: break each with an escape.
_AUTOLINK = re.compile(r"(?i)(://|www\.|@)")


def cell(value) -> str:
    """Text safe inside a GFM table cell or paragraph: HTML-escaped, Markdown punctuation
    backslash-escaped (so no emphasis, code span, link or autolink can form), one line."""
    text = " ".join(str(value).split())
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    text = _PUNCT.sub(r"\\\1", text)
    return _AUTOLINK.sub(lambda m: {"://": ":\\/\\/", "@": "\\@"}.get(m.group(1), m.group(1)[:3] + "\\."), text)


def _table(header: list[str], align: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(align) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return lines


def render(plan: dict) -> str:
    h = headline(plan)
    strategy = cell(plan.get("inputs", {}).get("strategy", ""))
    lines = [
        f"## Load balancer plan: {h['current_text']} → {h['proposed_text']} per month",
        "",
        *_table(["", "Now", "After"], ["---", "---:", "---:"], [
            ["Monthly cost", h["current_text"], h["proposed_text"]],
            ["Load balancers", str(h["lb_before"]), str(h["lb_after"])],
            *([["Forwarding rules", str(h["rules_before"]), str(h["rules_after"])]] if h["rules_before"] is not None else []),
        ]),
        "",
        f"**Savings: {h['savings_text']} per month ({h['savings_pct']}%), {h['savings_yearly_text']} per year.** "
        f"{h['consolidated']} service(s) move behind {len(plan.get('entrypoints', []))} new entrypoint(s) "
        f"(strategy {strategy}); {h['kept']} stay on their own load balancer.",
    ]
    loss = loss_sentence(plan)
    if loss:
        lines += ["", f"**Traffic caveat:** {loss}"]
    if h["data_processing"]:
        lines += ["", ("Data processing included: " if h["data_processing_priced"] else "Idle cost only: ") + cell(h["data_processing"]) + "."]
    mig = migration(plan)
    if mig:
        lines += ["", "**Cost of migrating:** " + (mig["sentence"] or "monthly cost per phase below.")]
        if mig["phases"]:
            lines += ["", *_table(["Phase", "Monthly cost while in it"], ["---", "---:"],
                                  [[cell(ph["phase"]), ph["monthly_text"]] for ph in mig["phases"]])]
    top, total, _ = move_overview(plan, TOP_SAVINGS)
    lines += ["", f"### Move first ({len(top)} of {total} saving moves, largest saving first)", ""]
    if top:
        lines += _table(["#", "Service", "Entrypoint", "Saves / month", "Risk", "Because"], ["---:", "---", "---", "---:", "---", "---"], [
            [str(i), cell(m["ref"]), cell(m["entrypoint"]), m["saving_text"], m["risk"], cell(", ".join(m["because"]) or "—")]
            for i, m in enumerate(top, 1)
        ])
        lines += ["", "Risk: high = clients pinned to the old address or reading the client's source IP must change something "
                  "(pinned IP, client IP header); medium = behaviour clients may notice (port, timeouts including the 30 s default, "
                  "new certificate, generated hostname); low = nothing known. "
                  "Kept services show no saving: they stay on their own load balancer."]
    else:
        lines.append("No service saves money by moving.")
    groups = notes_by_level(plan)
    counts = {lvl: len(groups.get(lvl, [])) for lvl in ("block", "warn", "info")}
    lines += ["", f"### Notes: {counts['block']} blocking, {counts['warn']} warning(s), {counts['info']} info"]
    for lvl, title in (("block", "Blocking"), ("warn", "Warnings")):
        items = groups.get(lvl, [])
        if not items:
            continue
        lines += ["", f"**{title} ({len(items)})**", ""]
        lines += _table(["Level", "Code", "Object", "Message"], ["---", "---", "---", "---"], [
            [lvl.upper(), cell(n["code"]), cell(n["object"]), cell(n["message"])] for n in items[:MAX_NOTES_PER_LEVEL]
        ])
        if len(items) > MAX_NOTES_PER_LEVEL:
            lines += ["", f"… and {len(items) - MAX_NOTES_PER_LEVEL} more {title.lower()} in report.html / plan.json."]
    lines += ["", "Full report: report.html (charts, every load balancer, runbook, rates). Generated by planner "
              + cell(plan.get("generator", {}).get("version", "")) + "."]
    return "\n".join(lines) + "\n"


def write(plan: dict, path: Path) -> Path:
    path = Path(path)
    path.write_text(render(plan), encoding="utf-8")
    return path
