"""Work beside this process on the machine's second core: ``fn(*args)`` in a forked child.

Forking shares everything built so far (the inventory, the memo of rules) copy-on-write, so
nothing is sent to the child; only its result comes back, pickled through a pipe. It suits
steps that read shared state and return something small. Where ``os.fork`` is missing, or
when the caller says the input is too small to be worth a process, ``fn`` runs in this
process when the result is asked for, so the result is the same either way.

A child's :class:`~planner.model.PlannerError` is raised again in the parent with its message
(bad input still ends with one line and exit code 2); any other error comes back as a
RuntimeError carrying the child's traceback.
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
    this process by :meth:`result`)."""

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

    def result(self):
        if self.pid is None:
            return self.fn(*self.args)
        with os.fdopen(self.read_fd, "rb") as fh:
            data = fh.read()
        os.waitpid(self.pid, 0)
        ok, value = pickle.loads(data) if data else (False, ("RuntimeError", f"{getattr(self.fn, '__name__', 'the child')} exited without a result"))
        if ok:
            return value
        kind, message = value
        raise PlannerError(message) if kind == "PlannerError" else RuntimeError(message)


def _child_run(fn, args, fd: int) -> None:
    code = 0
    try:
        got = (True, fn(*args))
    except PlannerError as exc:
        got, code = (False, ("PlannerError", str(exc))), 2
    except BaseException:  # noqa: BLE001 - reported to the parent, which raises it
        got, code = (False, ("RuntimeError", traceback.format_exc())), 1
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(pickle.dumps(got, protocol=pickle.HIGHEST_PROTOCOL))
    finally:
        os._exit(code)
