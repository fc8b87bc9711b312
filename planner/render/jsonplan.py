"""plan.json: the plan, validated against schema/plan.schema.json, written deterministically."""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from planner.resources import schema_path


@lru_cache(maxsize=1)
def _validator():
    import jsonschema

    schema = json.loads(schema_path().read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(schema)


def validate(plan: dict) -> None:
    """Raise jsonschema.ValidationError when ``plan`` breaks the published schema."""
    _validator().validate(plan)


def dumps(plan: dict) -> str:
    return json.dumps(plan, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def write(plan: dict, path: Path) -> Path:
    validate(plan)
    path.write_text(dumps(plan), encoding="utf-8")
    return path


def load(path: Path) -> dict:
    return json.loads(Path(path).read_text(encoding="utf-8"))
