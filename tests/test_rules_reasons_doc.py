"""docs/reasons.md documents every reason / note code the code base can emit.

Codes are found by reading planner's source (AST): the third argument of ``Note(...)``, the
code argument of ``keep(...)`` / ``note(...)`` / ``_keep(...)``, ``{"code": "X"}`` dict
literals, ``(LEVEL, "X", message)`` tuples, ``reason=("X", message)`` keywords and
``("X", message)`` pairs. The demo plan's codes are checked too (what is actually emitted),
with their levels.
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "reasons.md"
CODE = re.compile(r"^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$|^[A-Z]{3,}$")
ROW = re.compile(r"^\|\s*`([A-Z][A-Z0-9_]*)`\s*\|\s*([^|]+)\|\s*([^|]+)\|\s*([^|]+)\|")


def _const(node) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str) and CODE.match(node.value):
        return node.value
    return None


def _is_message(node) -> bool:
    return isinstance(node, ast.JoinedStr) or (isinstance(node, ast.Constant) and isinstance(node.value, str) and " " in node.value)


def codes_in_source(root: Path = ROOT / "planner") -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for f in sorted(root.rglob("*.py")):
        tree = ast.parse(f.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            cands = []
            if isinstance(node, ast.Call):
                fn = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
                if fn == "Note" and len(node.args) >= 3:
                    cands.append(node.args[2])
                if fn in ("keep", "_keep"):
                    cands += node.args[:2]
                if fn == "note" and len(node.args) >= 2:
                    cands.append(node.args[1])
                for kw in node.keywords:
                    if kw.arg == "code":
                        cands.append(kw.value)
                    if kw.arg == "reason" and isinstance(kw.value, ast.Tuple) and kw.value.elts:
                        cands.append(kw.value.elts[0])
            elif isinstance(node, ast.Dict):
                cands += [v for k, v in zip(node.keys, node.values) if isinstance(k, ast.Constant) and k.value == "code"]
            elif isinstance(node, ast.Tuple) and len(node.elts) >= 2:
                a, b = node.elts[0], node.elts[1]
                if isinstance(a, ast.Name) and a.id in ("INFO", "WARN", "BLOCK"):
                    cands.append(b)
                elif len(node.elts) == 2 and _const(a) and _is_message(b):
                    cands.append(a)
            for c in cands:
                code = _const(c)
                if code:
                    found.setdefault(code, set()).add(str(f.relative_to(ROOT)))
    return found


def documented() -> dict[str, set[str]]:
    """code -> levels allowed by the doc's Level column ('keep' allows the info 'kept:' note)."""
    out: dict[str, set[str]] = {}
    for line in DOC.read_text(encoding="utf-8").splitlines():
        m = ROW.match(line)
        if m:
            levels = set(re.findall(r"[a-z]+", m.group(2)))
            if "keep" in levels:
                levels.add("info")
            assert m.group(3).strip() and m.group(4).strip(), f"{m.group(1)}: meaning and what-to-do must be filled in"
            out[m.group(1)] = levels
    return out


def test_scanner_finds_codes_of_every_kind():
    found = codes_in_source()
    # one of each way of writing a code, so a scanner regression cannot pass silently
    for code in ("OPT_OUT", "PORT_CHANGES", "ROUTE_COLLISION", "HTTP_CONSOLIDATE", "TRAFFIC_BREAK_EVEN", "INGRESS_FOLDED", "FOLD_HOSTLESS", "KIND_NOT_USED"):
        assert code in found, code
    assert len(found) >= 50


def test_every_code_in_source_is_documented():
    doc = documented()
    missing = {c: sorted(files) for c, files in codes_in_source().items() if c not in doc}
    assert not missing, f"codes missing from docs/reasons.md: {missing}"


def test_doc_has_no_duplicate_rows():
    rows = [ROW.match(line).group(1) for line in DOC.read_text(encoding="utf-8").splitlines() if ROW.match(line)]
    assert len(rows) == len(set(rows))


@pytest.mark.parametrize("args", [[], ["--strategy", "ingress"], ["--keep-nonstandard-ports"]])
def test_demo_codes_and_levels_are_documented(tmp_path, args):
    import json

    from planner.cli import main

    assert main(["analyze", "--out", str(tmp_path), *args]) == 0
    plan = json.loads((tmp_path / "plan.json").read_text())
    doc = documented()
    for n in plan["notes"]:
        assert n["code"] in doc, n
        assert n["level"] in doc[n["code"]], n
    for s in plan["services"]:
        for r in s["reasons"]:
            assert r["code"] in doc, r
    for x in plan["existing_entrypoints"]:
        if "reason" in x:
            assert x["reason"]["code"] in doc
