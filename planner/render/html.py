"""Placeholder replaced by the report renderer."""
from pathlib import Path
def write(plan, path: Path) -> Path:
    path.write_text("report pending", encoding="utf-8"); return path
