"""Work beside this process on the machine's second core: ``fn(*args)`` in a forked child.

Forking shares everything built so far (the inventory, the memo of rules) copy-on-write, so
nothing is sent to the child; only its result comes back, pickled through a pipe. It suits
steps that read shared state and return something small. Where ``os.fork`` is missing, or
when the caller says the input is too small to be worth a process, ``fn`` runs in this
process when the result is asked for, so the result is the same either way.

A child's exception is raised again in the parent, of its own type: a
:class:`~planner.model.PlannerError` with its message (bad input still ends with one line and
exit code 2), any other with the child's traceback added as a note (or, when it cannot be
pickled, as a RuntimeError carrying that traceback).
"""
from __future__ import annotations

import os
import pickle
import sys
import traceback

from planner.model import PlannerError


def can_fork() -> bool:
    return hasattr(os, "fork")


class Beside:
    """``fn(*args)`` started now in a forked child (``fork=False`` or no fork: run lazily in
    this process by :meth:`outcome` / :meth:`result`)."""

    def __init__(self, fn, *args, fork: bool = True):
        self.fn, self.args, self.pid = fn, args, None
        if not (fork and can_fork()):
            return
        sys.stdout.flush()
        sys.stderr.flush()
        self.read_fd, write_fd = os.pipe()
        self.pid = os.fork()
        if self.pid == 0:  # the child: run, send (ok, value) back, leave without cleanup handlers
            os.close(self.read_fd)
            _child_run(fn, args, write_fd)
        os.close(write_fd)

    def outcome(self) -> tuple[bool, object]:
        """(True, the result) or (False, the exception to raise); waits for the child."""
        if self.pid is None:
            return _outcome(self.fn, *self.args)
        with os.fdopen(self.read_fd, "rb") as fh:
            data = fh.read()
        os.waitpid(self.pid, 0)
        name = getattr(self.fn, "__name__", "a forked step")
        try:
            return pickle.loads(data) if data else (False, RuntimeError(f"{name} exited without a result"))
        except Exception:  # noqa: BLE001 - an exception class that cannot be rebuilt
            return False, RuntimeError(f"{name} failed with an error that could not be passed back")

    def result(self):
        """The result, or the child's exception raised here."""
        ok, value = self.outcome()
        if not ok:
            raise value
        return value


def _outcome(fn, *args) -> tuple[bool, object]:
    try:
        return True, fn(*args)
    except Exception as exc:  # noqa: BLE001 - raised by the caller when it collects the outcome
        return False, exc


def _child_run(fn, args, fd: int) -> None:
    code = 0
    try:
        got = (True, fn(*args))
    except BaseException as exc:  # noqa: BLE001 - passed to the parent, which raises it
        code = 2 if isinstance(exc, PlannerError) else 1
        if not isinstance(exc, PlannerError):
            exc.add_note(f"in a forked child ({getattr(fn, '__name__', fn)}):\n" + traceback.format_exc())
        got = (False, exc)
    try:
        try:
            data = pickle.dumps(got, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception:  # noqa: BLE001 - an exception (or result) pickle cannot carry
            data = pickle.dumps((False, RuntimeError(traceback.format_exc() if got[0] else "".join(traceback.format_exception(got[1])))))
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
    finally:
        os._exit(code)
