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


class Held(Beside):
    """``first(*args)`` started now in a forked child, which then waits for this process's
    word: :meth:`go` (``*more``) has it run ``then(first's result, *more)`` and send that back
    (collected with :meth:`outcome` / :meth:`result`, as for :class:`Beside`); :meth:`cancel`,
    or this process ending, ends it having done nothing more. An exception of ``first`` is
    kept until :meth:`go`, and raised as ``then``'s would be. It suits work whose output must
    not appear before the caller knows everything else succeeded (files written only on
    success). Without fork, both run in this process when the outcome is asked for."""

    def __init__(self, first, *args, then, fork: bool = True):
        self.more, self.go_fd = None, None
        self.fn, self.args, self.pid = _held_step(first, args, then, lambda: self.more), (), None
        if not (fork and can_fork()):
            return
        sys.stdout.flush()
        sys.stderr.flush()
        self.read_fd, write_fd = os.pipe()
        go_read, self.go_fd = os.pipe()
        self.pid = os.fork()
        if self.pid == 0:  # the child: first now; then only on the word to go
            os.close(self.read_fd)
            os.close(self.go_fd)
            _held_child(first, args, then, go_read, write_fd)
        os.close(write_fd)
        os.close(go_read)

    def go(self, *more) -> Held:
        """Let the child run ``then``; returns self (collect its outcome)."""
        self.more = more
        if self.pid is not None:
            with os.fdopen(self.go_fd, "wb") as fh:
                fh.write(pickle.dumps(more, protocol=pickle.HIGHEST_PROTOCOL))
            self.go_fd = None
        return self

    def cancel(self) -> None:
        """End the child without ``then`` (nothing once :meth:`go` was called)."""
        if self.pid is None or self.go_fd is None:
            return
        os.close(self.go_fd)  # end of file: the child leaves at once
        self.go_fd = None
        os.close(self.read_fd)
        os.waitpid(self.pid, 0)
        self.pid = None
        self.fn = _cancelled


def _cancelled():
    raise RuntimeError("the held step was cancelled")


def _held_step(first, args, then, more):
    """``then(first(*args), *more())`` as one step (``more`` is read when it runs)."""

    def step():
        return then(first(*args), *more())

    step.__name__ = getattr(then, "__name__", "a held step")
    return step


def _held_child(first, args, then, go_fd: int, out_fd: int) -> None:
    try:
        got = (True, first(*args))
    except BaseException as exc:  # noqa: BLE001 - kept for the word to go, then raised as then's
        got = (False, exc)
    with os.fdopen(go_fd, "rb") as fh:
        word = fh.read()
    if not word:  # cancelled, or the parent is gone: nothing more to do
        os._exit(0)
    more = pickle.loads(word)
    _child_run(_held_step(_kept, (got,), then, lambda: more), (), out_fd)


def _kept(got: tuple[bool, object]):
    """The value of an (ok, value) outcome, or its exception raised."""
    ok, value = got
    if not ok:
        raise value
    return value
