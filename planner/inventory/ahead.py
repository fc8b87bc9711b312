"""Inventory files parsed ahead in a forked worker: the second core reads half a large fleet.

The reader (:func:`planner.inventory.read_inventory`) takes the files in their fixed order. A
:class:`ReadAhead` forks one worker that parses files from the END of the list while this
process parses from the start; they meet in the middle (each file is claimed once, under a
lock, by whichever side gets to it first), so the two halves balance however long each file
takes. The worker writes each file's result as one pickle into an anonymous in-memory file and
says where on a pipe (a few bytes, so it never waits for this process); this process unpickles
it, and uses it when its turn comes, so objects, notes and errors arise in the same order as a
read in one process. Each time this process claims a file of its own, it first loads the
results the worker has finished meanwhile (unpickled and rebuilt by ``load``): that work is
done while the worker still parses, not all at the end, so the two sides finish together.
(A pipe carrying the pickles themselves stalled the worker: it fills in 64 KiB, and the
thread draining it waits for the GIL behind this process's parsing.)

Exactness: the worker only runs a pure function of the file (``parse``). When it fails for
any reason (a bad file, a bug, the worker gone), that file is simply parsed again here, by the
code that reads every other file: error messages, exit code and partial results stay the ones
of a read in one process.
"""
from __future__ import annotations

import os
import pickle
import select
import struct
import sys
from collections import defaultdict, deque
from typing import Callable

#: Fleets with fewer bytes of inventory files than this are read in this process (a fork and
#: the pickles cost more than they save on small inputs).
PARALLEL_MIN_BYTES = int(os.environ.get("PLANNER_PARALLEL_READ_BYTES", 16 * 1024 * 1024))
_HEAD = struct.Struct("<qqq")  # (task index, offset, length) of one result in the store


def read_ahead(tasks: list[tuple[str, str]], parse: Callable, load: Callable | None = None) -> ReadAhead | None:
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
    if size < PARALLEL_MIN_BYTES:
        return None
    try:
        return ReadAhead(tasks, parse, load)
    except (OSError, ImportError):  # no fork, semaphore or shared memory here: read in this process
        return None


class ReadAhead:
    """``parse(path, cluster)`` for some of ``tasks`` in a forked worker; :meth:`take` gives the
    worker's result for a task (``load`` of it, when given), or None (parse it here). Use as a
    context manager, or call :meth:`close` (the worker is stopped, also when reading ends early
    with an error)."""

    def __init__(self, tasks: list[tuple[str, str]], parse: Callable, load: Callable | None = None):
        import multiprocessing

        ctx = multiprocessing.get_context("fork")
        self._tasks = tasks
        self._queue: dict[tuple[str, str], deque[int]] = defaultdict(deque)
        for i, task in enumerate(tasks):
            self._queue[task].append(i)
        # bounds[0]: tasks below it are this process's; bounds[1]: tasks from it on the worker's
        self._lock = ctx.Lock()
        self._bounds = ctx.RawArray("q", [0, len(tasks)])
        self._where: dict[int, tuple[int, int]] = {}  # task -> (offset, length) in the store
        self._load = load
        self._loaded: dict[int, object] = {}  # task -> its result, loaded ahead of its turn
        self._eof = False
        self._store = _anonymous_file()
        sys.stdout.flush()
        sys.stderr.flush()
        self._notify, write_fd = os.pipe()
        try:
            self._pid = os.fork()
        except OSError:
            for fd in (self._notify, write_fd):
                os.close(fd)
            self._store.close()
            raise
        if self._pid == 0:  # the worker: never returns
            os.close(self._notify)
            self._work(parse, write_fd)
        os.close(write_fd)

    # --- the worker -----------------------------------------------------------------------
    def _claim_from_end(self) -> int | None:
        with self._lock:
            j = self._bounds[1] - 1
            if j < self._bounds[0]:
                return None
            self._bounds[1] = j
            return j

    def _work(self, parse: Callable, notify: int) -> None:
        try:
            offset = 0
            store = self._store.fileno()
            while (j := self._claim_from_end()) is not None:
                try:
                    payload = pickle.dumps(parse(*self._tasks[j]), protocol=pickle.HIGHEST_PROTOCOL)
                except Exception:  # noqa: BLE001 - this process parses the file again and reports it
                    payload = b""
                _write_all(store, payload)
                _write_all(notify, _HEAD.pack(j, offset, len(payload)))
                offset += len(payload)
        finally:
            os._exit(0)

    # --- this process -----------------------------------------------------------------------
    def _read_notice(self) -> int | None:
        """Read one of the worker's notices: the task whose result is in (None: it is gone)."""
        head = _read_exact(self._notify, _HEAD.size)
        if head is None:
            self._eof = True
            return None
        j, offset, length = _HEAD.unpack(head)
        self._where[j] = (offset, length)
        return j

    def _wait_for(self, i: int) -> None:
        """Read the worker's notices until task ``i``'s result is in (or the worker is gone)."""
        while i not in self._where and i not in self._loaded and not self._eof:
            self._read_notice()

    def _load_ready(self) -> None:
        """Load every result the worker has finished, without waiting for more."""
        while not self._eof and select.select([self._notify], [], [], 0)[0]:
            j = self._read_notice()
            if j is not None:
                self._loaded[j] = self._result(j)

    def _result(self, i: int):
        """Task ``i``'s result from the store, loaded; None when the worker failed on it."""
        offset, length = self._where.pop(i, (0, 0))
        data = _pread_exact(self._store.fileno(), length, offset) if length else None
        if data is None:
            return None
        result = pickle.loads(data)
        return self._load(result) if self._load is not None else result

    def take(self, path: str, cluster: str):
        """The worker's ``parse(path, cluster)`` (loaded) for the next read of this task, or None
        when this process is to parse it (not a task, claimed here first, or the worker failed)."""
        queue = self._queue.get((path, cluster))
        if not queue:
            return None
        i = queue.popleft()
        with self._lock:
            mine = i < self._bounds[1]  # not claimed by the worker: it never will be now
            if mine:
                self._bounds[0] = max(self._bounds[0], i + 1)
        if mine:
            self._load_ready()  # while the worker parses on
            return None
        self._wait_for(i)
        if i in self._loaded:
            return self._loaded.pop(i)
        return self._result(i)

    def close(self) -> None:
        if self._pid:
            import signal

            try:
                os.kill(self._pid, signal.SIGKILL)  # done, or reading stopped early: its work is not needed
            except ProcessLookupError:
                pass
            os.waitpid(self._pid, 0)
            self._pid = 0
            os.close(self._notify)
            self._store.close()

    def __enter__(self) -> ReadAhead:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _anonymous_file():
    """A file with no name, in memory where the platform allows (Linux memfd), else a
    temporary file; shared with the worker across the fork."""
    if hasattr(os, "memfd_create"):
        try:
            return open(os.memfd_create("planner-read-ahead", os.MFD_CLOEXEC), "r+b", buffering=0)
        except OSError:
            pass
    import tempfile

    return tempfile.TemporaryFile(buffering=0)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _read_exact(fd: int, n: int) -> bytes | None:
    """``n`` bytes of ``fd``, or None at its end (the worker exited or was killed mid-write)."""
    chunks, got = [], 0
    while got < n:
        chunk = os.read(fd, n - got)
        if not chunk:
            return None
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


def _pread_exact(fd: int, n: int, offset: int) -> bytes | None:
    """``n`` bytes of ``fd`` from ``offset``, or None when it ends first (never expected)."""
    data = os.pread(fd, n, offset)
    while len(data) < n:  # a regular file gives it all at once; never assume it
        more = os.pread(fd, n - len(data), offset + len(data))
        if not more:
            return None
        data += more
    return data
