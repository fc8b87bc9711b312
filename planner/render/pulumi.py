"""Placeholder replaced by the Pulumi renderer."""
from pathlib import Path
def write(plan, path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True); return path
