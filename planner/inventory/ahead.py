"""Inventory files parsed ahead in a forked worker: the second core reads half a large fleet.

The reader (:func:`planner.inventory.read_inventory`) takes the files in their fixed order. A
:class:`ReadAhead` forks one worker that parses files from the END of the list while this
process parses from the start; they meet in the middle (each file is claimed once, under a
lock, by whichever side gets to it first), so the two halves balance however long each file
takes. The worker sends each file's result as one pickle; this process unpickles it when its
turn comes, so objects, notes and errors arise in the same order as a read in one process.

Exactness: the worker only runs a pure function of the file (``parse``). When it fails for
any reason (a bad file, a bug, the worker gone), that file is simply parsed again here, by the
code that reads every other file: error messages, exit code and partial results stay the ones
of a read in one process.
"""
from __future__ import annotations

import os
import pickle
import struct
import sys
import threading
from collections import defaultdict, deque
from typing import Callable

#: Fleets with fewer bytes of inventory files than this are read in this process (a fork and
#: the pickles cost more than they save on small inputs).
PARALLEL_MIN_BYTES = int(os.environ.get("PLANNER_PARALLEL_READ_BYTES", 16 * 1024 * 1024))
_HEAD = struct.Struct("<qq")  # (task index, payload length)


def read_ahead(tasks: list[tuple[str, str]], parse: Callable) -> ReadAhead | None:
    """A started ReadAhead over ``tasks`` ((path, cluster) in reading order), or None when the
    input is too small, has a single file, or the platform cannot fork."""
    if len(tasks) < 2 or not hasattr(os, "fork"):
        return None
    size = 0
    for path, _ in tasks:
        try:
            size += os.path.getsize(path)
        except OSError:
            pass  # the reader reports it, in its place
    return ReadAhead(tasks, parse) if size >= PARALLEL_MIN_BYTES else None


class ReadAhead:
    """``parse(path, cluster)`` for some of ``tasks`` in a forked worker; :meth:`take` gives the
    worker's result for a task, or None (parse it here). Use as a context manager (the worker
    is stopped on exit, also when reading ends early with an error)."""

    def __init__(self, tasks: list[tuple[str, str]], parse: Callable):
        import multiprocessing

        ctx = multiprocessing.get_context("fork")
        self._tasks = tasks
        self._queue: dict[tuple[str, str], deque[int]] = defaultdict(deque)
        for i, task in enumerate(tasks):
            self._queue[task].append(i)
        # bounds[0]: tasks below it are this process's; bounds[1]: tasks from it on the worker's
        self._lock = ctx.Lock()
        self._bounds = ctx.RawArray("q", [0, len(tasks)])
        self._results: dict[int, bytes] = {}
        self._cond = threading.Condition()
        self._eof = False
        sys.stdout.flush()
        sys.stderr.flush()
        read_fd, write_fd = os.pipe()
        self._pid = os.fork()
        if self._pid == 0:  # the worker: never returns
            os.close(read_fd)
            self._work(parse, write_fd)
        os.close(write_fd)
        self._drain_thread = threading.Thread(target=self._drain, args=(read_fd,), daemon=True)
        self._drain_thread.start()

    # --- the worker -----------------------------------------------------------------------
    def _claim_from_end(self) -> int | None:
        with self._lock:
            j = self._bounds[1] - 1
            if j < self._bounds[0]:
                return None
            self._bounds[1] = j
            return j

    def _work(self, parse: Callable, fd: int) -> None:
        try:
            with os.fdopen(fd, "wb") as out:
                while (j := self._claim_from_end()) is not None:
                    try:
                        payload = pickle.dumps(parse(*self._tasks[j]), protocol=pickle.HIGHEST_PROTOCOL)
                    except Exception:  # noqa: BLE001 - this process parses the file again and reports it
                        payload = b""
                    out.write(_HEAD.pack(j, len(payload)))
                    out.write(payload)
                    out.flush()
        finally:
            os._exit(0)

    # --- this process -----------------------------------------------------------------------
    def _drain(self, fd: int) -> None:
        """Collect the worker's results as they come (a thread: the pipe never fills, so the
        worker runs ahead; reading releases the GIL)."""
        with os.fdopen(fd, "rb") as inp:
            while True:
                head = inp.read(_HEAD.size)
                if len(head) < _HEAD.size:
                    break
                j, n = _HEAD.unpack(head)
                body = inp.read(n)
                if len(body) < n:
                    break
                with self._cond:
                    self._results[j] = body
                    self._cond.notify_all()
        with self._cond:
            self._eof = True
            self._cond.notify_all()

    def take(self, path: str, cluster: str):
        """The worker's ``parse(path, cluster)`` for the next read of this task, or None when
        this process is to parse it (not a task, claimed here first, or the worker failed)."""
        queue = self._queue.get((path, cluster))
        if not queue:
            return None
        i = queue.popleft()
        with self._lock:
            if i < self._bounds[1]:  # not claimed by the worker: it never will be now
                self._bounds[0] = max(self._bounds[0], i + 1)
                return None
        with self._cond:
            while i not in self._results and not self._eof:
                self._cond.wait()
            body = self._results.pop(i, b"")
        return pickle.loads(body) if body else None

    def close(self) -> None:
        if self._pid:
            import signal

            try:
                os.kill(self._pid, signal.SIGKILL)  # done, or reading stopped early: its work is not needed
            except ProcessLookupError:
                pass
            os.waitpid(self._pid, 0)
            self._pid = 0
            self._drain_thread.join()

    def __enter__(self) -> ReadAhead:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
