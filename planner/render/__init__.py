"""Renderers: each reads only the plan (a dict loaded from plan.json) and writes one format.

Every output format is registered once in :data:`FORMATS` (name → file name and the module
whose ``write(plan, path)`` produces it). ``write_outputs`` always writes ``plan.json`` and the
Pulumi program, plus the formats asked for (default: html and json).

The output folder holds no stale files: ``DIR/.planner-outputs`` lists (sorted, relative) every
file the last run wrote; a re-run deletes the files of that list it does not write again (so
``--format json`` after ``--format html`` leaves no old report.html) and nothing else: a user's
file in DIR, a path outside DIR, a symlink's target are never touched.
"""
from __future__ import annotations

import importlib
import time
from dataclasses import dataclass
from pathlib import Path

from planner.model import PlannerError
from planner.parallel import Beside, Held, can_fork


@dataclass(frozen=True)
class Format:
    name: str  # the --format value
    filename: str  # written under the output directory
    label: str  # how the CLI names it ("wrote <label>: <path>")
    module: str  # planner.render.<module>.write(plan, path) -> path

    def write(self, plan: dict, path: Path) -> Path:
        return importlib.import_module(f"planner.render.{self.module}").write(plan, path)


FORMATS: dict[str, Format] = {
    "json": Format("json", "plan.json", "plan", "jsonplan"),
    "html": Format("html", "report.html", "report", "html"),
    "markdown": Format("markdown", "summary.md", "markdown summary", "markdown"),
    "csv": Format("csv", "load-balancers.csv", "csv", "csvout"),
    "manifests": Format("manifests", "manifests", "kubernetes manifests", "manifests"),
}
DEFAULT_FORMATS = ("html", "json")
MANIFEST = ".planner-outputs"


class EarlyProgram:
    """The Pulumi program of a large plan rendered early: called with the plan as soon as the
    sections the program reads are final (``finish`` calls it before it writes the plan's
    costs, notes and runbook, which the program does not read), it starts rendering the
    program in a forked child, beside the rest of the planning. Nothing is written until
    :func:`write_outputs` is given it and says so; :meth:`cancel` (the run failed) ends the
    child having written nothing. Small plans, or no fork: nothing happens early."""

    def __init__(self):
        self.held: Held | None = None

    def __call__(self, plan: dict) -> None:
        from planner.render import pulumi

        if self.held is None and len(plan.get("services") or ()) >= PARALLEL_FROM and can_fork():
            self.held = Held(pulumi.render, plan, then=pulumi.Program.write_to)

    def take(self) -> Held | None:
        held, self.held = self.held, None
        return held

    def cancel(self) -> None:
        if self.held is not None:
            self.take().cancel()


def write_outputs(plan: dict, out: Path, formats=DEFAULT_FORMATS, early: EarlyProgram | None = None) -> list[tuple[str, Path]]:
    """Write plan.json, the Pulumi program and each format in ``formats`` under ``out``;
    return (label, path) for everything written, plan first. ``early``: the program, when
    already rendered from this plan (see :class:`EarlyProgram`)."""
    held = early.take() if early is not None else None
    try:
        return _write_outputs(plan, out, formats, held)
    finally:
        if held is not None:
            held.cancel()  # nothing, once it was told to write


def _write_outputs(plan: dict, out: Path, formats, held: Held | None) -> list[tuple[str, Path]]:
    from planner.render import pulumi

    unknown = sorted(set(formats) - set(FORMATS))
    if unknown:
        raise PlannerError(f"unknown output format(s) {', '.join(unknown)}; choose from {', '.join(FORMATS)}")
    out = Path(out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise PlannerError(f"{out}: cannot create output directory: {exc.strerror or exc}") from None
    chosen = ["json"] + [name for name in FORMATS if name in formats and name != "json"]
    program_dir = out / "pulumi"
    writers = [(FORMATS[name].label, FORMATS[name].write, out / FORMATS[name].filename) for name in chosen]
    writers.append(("pulumi program", pulumi.write, program_dir))
    before, started = _stats(program_dir), time.time_ns()
    parallel = len(plan.get("services") or ()) >= PARALLEL_FROM
    started_early = {"pulumi program": held.go(program_dir)} if held is not None else {}
    written = list(zip([label for label, _, _ in writers], _write_all(plan, writers, FORKED if parallel else (), started_early)))
    files = [Path(path) for _, path in written[:-1]] + _written_since(program_dir, before, started)
    _replace_manifest(out, sorted({f.relative_to(out).as_posix() for f in files if f.is_file() and not f.is_symlink()}))
    return written


#: plans of at least this many services write the Pulumi program and plan.json each in a
#: forked process while this one writes the other formats (the renderers only read the plan).
#: On 2 cores: the program (the longest) on one, plan.json and the report on the other.
PARALLEL_FROM = 5000
FORKED = ("pulumi program", "plan")


def _write_all(plan: dict, writers: list[tuple], forked, started: dict | None = None) -> list[Path]:
    """``write(plan, path)`` of each (label, write, path), their results in that order. Those
    labelled in ``forked`` run in forked children, started first; those in ``started`` are
    running already (their outcome is collected as a child's); the rest here, in order,
    stopping at the first error. Every child is waited for, then the first error in the
    writers' order is raised: the one a serial run would have raised."""
    import gc

    gc.freeze()  # the plan's objects: no collection (here or in a child) writes to their pages
    try:
        children = dict(started or {})
        children.update((label, Beside(write, plan, path)) for label, write, path in writers if label in forked and label not in children)
        outcomes = {}
        for label, write, path in writers:
            if label not in children:
                outcomes[label] = Beside(write, plan, path, fork=False).outcome()
                if not outcomes[label][0]:
                    break
        outcomes.update((label, child.outcome()) for label, child in children.items())
    finally:
        gc.unfreeze()
    results = []
    for label, _, _ in writers:
        ok, value = outcomes.get(label, (True, None))
        if not ok:
            raise value
        results.append(value)
    return results


def _stats(folder: Path) -> dict[Path, tuple]:
    if not folder.is_dir():
        return {}
    return {f: (st.st_ino, st.st_size, st.st_mtime_ns) for f in folder.rglob("*") if f.is_file() and not f.is_symlink()
            for st in [f.stat()]}


def _written_since(folder: Path, before: dict[Path, tuple], started_ns: int) -> list[Path]:
    """The files a renderer wrote into ``folder``: new, changed, or modified since it started
    (files the user keeps there, such as a stack's ``Pulumi.<stack>.yaml``, are not)."""
    slack = 50_000_000  # the file-system clock may lag time.time_ns() by a tick
    return sorted(f for f, st in _stats(folder).items() if before.get(f) != st or st[2] >= started_ns - slack)


def _own_earlier_file(out: Path, rel: str) -> Path | None:
    """A path listed in an earlier manifest, if it is safe to delete: relative, no ``..``,
    not through a symlink, a regular file inside ``out``. Anything else is left alone."""
    if not rel or rel.startswith(("/", "\\")) or "\\" in rel or ":" in rel:
        return None
    parts = rel.split("/")
    if any(p in ("", ".", "..") for p in parts) or rel == MANIFEST:
        return None
    path = out
    for part in parts:
        path = path / part
        if path.is_symlink():
            return None
    try:
        inside = path.resolve().is_relative_to(out.resolve())
    except OSError:
        return None
    return path if inside and path.is_file() else None


def _replace_manifest(out: Path, files: list[str]) -> None:
    manifest = out / MANIFEST
    try:
        earlier = manifest.read_text(encoding="utf-8").splitlines() if manifest.is_file() and not manifest.is_symlink() else []
    except (OSError, UnicodeDecodeError):
        earlier = []
    keep = set(files)
    dirs = set()
    for rel in sorted(set(earlier) - keep):
        path = _own_earlier_file(out, rel.strip())
        if path is None:
            continue
        try:
            path.unlink()
        except OSError:
            continue
        dirs.update(p for p in path.parents if p != out and out in p.parents)
    for d in sorted(dirs, key=lambda p: -len(p.parts)):  # folders planner emptied, deepest first
        try:
            d.rmdir()
        except OSError:
            pass  # not empty: holds something planner did not write
    try:
        if manifest.is_symlink():
            manifest.unlink()
        manifest.write_text("".join(f"{rel}\n" for rel in files), encoding="utf-8")
    except OSError as exc:
        raise PlannerError(f"{manifest}: cannot write the list of outputs: {exc.strerror or exc}") from None
