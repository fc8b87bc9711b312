"""Layering (STYLE.md §11): the model imports nothing of ours; renderers read only the plan;
pricers never render; only the CLI wires every stage together."""
from __future__ import annotations

import ast
from pathlib import Path

PKG = Path(__file__).resolve().parent.parent / "planner"

# layer -> planner packages it must not import
FORBIDDEN = {
    "model": {"planner.inventory", "planner.pricers", "planner.consolidate", "planner.render", "planner.cli"},
    "inventory": {"planner.consolidate", "planner.render", "planner.cli"},
    "pricers": {"planner.inventory", "planner.consolidate", "planner.render", "planner.cli"},
    "consolidate": {"planner.inventory", "planner.render", "planner.cli"},
    "render": {"planner.inventory", "planner.pricers", "planner.consolidate", "planner.cli"},
    "parallel": {"planner.inventory", "planner.pricers", "planner.consolidate", "planner.render", "planner.cli"},
}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def _layer(path: Path) -> str | None:
    rel = path.relative_to(PKG)
    if rel.parts[0] in ("model.py", "parallel.py"):
        return rel.parts[0][:-3]
    return rel.parts[0] if rel.parts[0] in FORBIDDEN else None


def test_layers_respected():
    violations = []
    checked = 0
    for path in sorted(PKG.rglob("*.py")):
        layer = _layer(path)
        if layer is None:
            continue
        checked += 1
        for name in _imports(path):
            for bad in FORBIDDEN[layer]:
                if name == bad or name.startswith(bad + "."):
                    violations.append(f"{path.relative_to(PKG)} imports {name}")
    assert checked >= 10
    assert violations == []


def test_planning_core_functions_stay_short():
    """The planning core reads as small named steps (issue 11, kept by issue 14): no function
    in planner/consolidate/ is over 80 lines."""
    long = []
    for path in sorted((PKG / "consolidate").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.end_lineno - node.lineno + 1 > 80:
                long.append(f"{path.relative_to(PKG)}:{node.lineno} {node.name} ({node.end_lineno - node.lineno + 1} lines)")
    assert long == []
