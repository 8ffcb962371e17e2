"""The one way work is spread over worker processes, and done here when it cannot be.

Every parallel path starts its workers here (`Pool.start`). How they start, the start
method, is `start_method()`:

- ROUNDTRIP_START_METHOD (environment variable): fork, spawn or forkserver, as Python's
  multiprocessing names them; a value this system cannot do is a usage error;
- unset: fork where the platform has it (Linux, macOS: the workers inherit what is loaded,
  the programme above all, so nothing is pickled but the tasks), else the platform's default
  (spawn, on Windows).

Forked workers inherit this process's objects; spawned ones (spawn, forkserver) start afresh
and get only what is pickled to them: the caller's initializer and its arguments (pickled
once, not once a worker), the tasks, and the console language. Each worker ignores Ctrl-C
(interrupts.py) and reports its process id (worker_ids.py). Around that:

- `workers_for`: how many processes a piece of work is worth; below the caller's size
  threshold (`pool_min`, a `Threshold` where a spawned worker's start-up needs more work to
  pay for itself than a forked one's), or with one CPU, it is done in this process;
- `in_order`: the pattern of generate, collect's readers and the annotated copies: tasks
  sent in chunks, optionally only a window ahead of what the caller has used, the results
  handed back in order. A worker that dies (out of memory, say) breaks the pool: the files
  its workers left half written are removed and whatever was not delivered is done here, by
  the same code, so the result is the one a single process gives. Ctrl-C, or any failure of
  the caller, cancels the tasks not started and lets the short ones under way finish, so
  every file they write is whole;
- `Pool.submit` and `Pool.close` for the paths whose tasks are not a sequence (the
  summary's passes, its row blocks, the streamed register's sheets): what they do not
  collect when they close (a failure, Ctrl-C) is not wanted, and those workers are ended;
- `inherits`: whether workers inherit this process's objects (fork), for the paths that
  hand a forked worker nothing but an index and a spawned one what it needs (`shipped`:
  pickled, a database connection left behind: the worker opens its own);
- `context`: the start method's multiprocessing context, for the early intake's process.
"""

from __future__ import annotations

import io
import os
import pickle
import sqlite3
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from roundtrip.errors import UsageError
from roundtrip.language import _, console_language, pin_console_language
from roundtrip.parallel.interrupts import (
    close_pool,
    ignore_interrupts,
    interrupts_held,
    pool_in_use,
)
from roundtrip.parallel.worker_ids import WorkerIds

T = TypeVar("T")  # an item of work, as the caller has it
R = TypeVar("R")  # its result

START_METHOD_ENV = "ROUNDTRIP_START_METHOD"
START_METHODS = ("fork", "spawn", "forkserver")  # (multiprocessing's names)


def cpus() -> int:
    """The CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        return os.cpu_count() or 1


class Threshold(int):
    """A size threshold (a `pool_min`) that depends on how workers start: the int itself
    where they are forked, `spawned` where they start afresh (spawn, forkserver: each imports
    roundtrip and unpickles what it is given, a few tenths of a second, before its first
    task). `workers_for` takes the one of the start method in use; an int is both."""

    spawned: int

    def __new__(cls, forked: int, spawned: int) -> Threshold:
        self = super().__new__(cls, forked)
        self.spawned = spawned
        return self

    def now(self) -> int:
        """The threshold under the start method in use."""
        return int(self) if inherits() else self.spawned

    def __repr__(self) -> str:
        return f"Threshold({int(self)}, spawned={self.spawned})"


def workers_for(tasks: int, pool_min: int) -> int:
    """Processes to do `tasks` independent pieces of work with; 1 (this process alone) when
    there are fewer than `pool_min` of them (a pool would cost more than it saves) or one CPU.
    Above two CPUs one is left to the rest of the machine (`minimum`: pool_min under the
    start method in use)."""
    if tasks < minimum(pool_min):
        return 1
    n = cpus()
    return max(1, min(n, 2 if n <= 2 else n - 1))


def minimum(pool_min: int) -> int:
    """`pool_min` under the start method in use (a Threshold's, or the int itself); a
    ROUNDTRIP_START_METHOD this system cannot do is reported here, whatever the size."""
    start_method()
    return pool_min.now() if isinstance(pool_min, Threshold) else pool_min


def start_method() -> str:
    """How worker processes start: ROUNDTRIP_START_METHOD when set (UsageError when this
    system cannot start them that way), else fork where the platform has it, else the
    platform's default (spawn, on Windows)."""
    import multiprocessing as mp

    available = [m for m in START_METHODS if m in mp.get_all_start_methods()]
    chosen = os.environ.get(START_METHOD_ENV, "").strip()
    if chosen:
        if chosen.lower() not in available:
            raise UsageError(
                _(
                    "the environment variable {name} is {value!r}: this system can start "
                    "worker processes by {methods} (or leave it unset)"
                ).format(name=START_METHOD_ENV, value=chosen, methods=", ".join(available))
            )
        return chosen.lower()
    if "fork" in available:
        return "fork"
    return str(mp.get_context().get_start_method())


def inherits() -> bool:
    """Whether workers inherit this process's objects (they are forked)."""
    return start_method() == "fork"


def context() -> Any:
    """The multiprocessing context workers are started with (start_method)."""
    import multiprocessing as mp

    return mp.get_context(start_method())


def shipped(obj: Any) -> bytes:
    """`obj` pickled for a spawned worker (`unshipped` there), every database connection in
    it left behind (None there: a connection does not cross processes; the worker opens its
    own). Raises what pickle raises for what cannot be pickled (a closure, say)."""
    out = io.BytesIO()
    _NoConnections(out, pickle.HIGHEST_PROTOCOL).dump(obj)
    return out.getvalue()


def unshipped(data: bytes) -> Any:
    """(In a worker) what `shipped` pickled."""
    return pickle.loads(data)


class _NoConnections(pickle.Pickler):
    def reducer_override(self, obj: Any) -> Any:
        if isinstance(obj, sqlite3.Connection):
            return _none, ()
        return NotImplemented


def _none() -> None:
    return None


def _start_worker(
    started: WorkerIds,
    initializer: Callable[..., None] | bytes | None,
    args: tuple,
    language: str | None = None,
) -> None:
    """(In a worker, as it starts) leave Ctrl-C to the command, report the id, speak the
    command's language (a spawned worker), then the caller's own initializer (pickled once
    for spawned workers: `initializer` is then the bytes of it and its arguments)."""
    ignore_interrupts()
    started.started()
    if language is not None:
        pin_console_language(language)
    run = pickle.loads(initializer) if isinstance(initializer, bytes) else (initializer, args)
    if run[0] is not None:
        run[0](*run[1])


class Pool:
    """Worker processes that ignore Ctrl-C and report their ids (see the module docstring)."""

    def __init__(
        self, executor: ProcessPoolExecutor, started: WorkerIds, workers: int, inherits: bool
    ) -> None:
        self.executor = executor
        self.workers = workers
        self.inherits = inherits  # forked: the workers have this process's objects
        self._started = started
        self._broken = False

    @classmethod
    def start(
        cls,
        workers: int,
        initializer: Callable[..., None] | None = None,
        initargs: tuple = (),
    ) -> Pool | None:
        """A pool of `workers` processes, each running `initializer(*initargs)` first; None
        where no process can be started here (then the caller does the work itself)."""
        ctx = context()
        inherit = ctx.get_start_method() == "fork"
        try:
            started = WorkerIds(ctx)
        except (OSError, NotImplementedError):
            return None
        first: tuple = (started, initializer, initargs)
        if not inherit:  # pickled once here, not once a worker; and the console's language
            payload = pickle.dumps((initializer, initargs), pickle.HIGHEST_PROTOCOL)
            first = (started, payload, (), console_language())
        try:
            executor = ProcessPoolExecutor(workers, ctx, initializer=_start_worker, initargs=first)
        except (OSError, NotImplementedError):
            started.close()
            return None
        return cls(executor, started, workers, inherit)

    def submit(self, fn: Callable[..., Any], *args: Any) -> Future:
        with interrupts_held():  # (the executor makes its workers here)
            return self.executor.submit(fn, *args)

    def close(self, futures: Iterable[Future] = ()) -> None:
        """Shut down once `futures` are done; ones not done are not wanted any more (a
        failure, Ctrl-C): their workers are ended now."""
        try:
            close_pool(self.executor, futures)
        finally:
            self._started.close()

    @contextmanager
    def in_use(self) -> Iterator[Pool]:
        """The pool for the body, shut down after it: when the body fails (Ctrl-C included)
        the tasks not started are cancelled, the ones under way finish."""
        try:
            with pool_in_use(self.executor):
                yield self
        finally:
            self._started.close()

    def _break(self, temporaries: Iterable[Path]) -> None:
        """A worker died, and the executor ended the others, perhaps in the middle of a file:
        once they are gone, remove what they left in `temporaries` (folders)."""
        if not self._broken:
            self._broken = True
            self.executor.shutdown(wait=True, cancel_futures=True)
            self._started.remove_temporaries(temporaries)

    def in_order(
        self,
        items: Iterable[T],
        here: Callable[[Any], R],
        work: Callable[[list[Any]], list[R]],
        *,
        task: Callable[[T], Any] | None = None,
        chunk: int = 1,
        ahead: int = 0,
        temporaries: Iterable[Path] = (),
    ) -> Iterator[tuple[T, Callable[[], R | None]]]:
        """See `in_order` (the function): the pooled case."""
        window = self.workers * ahead if ahead > 0 else None
        queue: deque[tuple[T, _Task | None, int]] = deque()
        filling = _Task()
        folders = list(temporaries)

        def send(t: _Task) -> None:
            nonlocal filling
            if t is filling:
                filling = _Task()
            t.sent = True
            if t.args and not self._broken:
                try:
                    t.future = self.submit(work, t.args)  # (interrupts held: workers start)
                except BrokenProcessPool:
                    self._break(folders)

        def result(item: T, t: _Task, i: int) -> R:
            if t.future is not None:
                try:
                    return t.future.result()[i]
                except BrokenProcessPool:
                    self._break(folders)
            return here(item)

        def settle() -> tuple[T, Callable[[], R | None]]:
            item, t, i = queue.popleft()
            if t is None:
                return item, _nothing
            if not t.sent:  # its chunk is still being filled: send it as it is
                send(t)
            return item, lambda: result(item, t, i)

        for item in items:
            args = task(item) if task is not None else item
            if args is None:
                queue.append((item, None, 0))
            else:
                queue.append((item, filling, len(filling.args)))
                filling.args.append(args)
                if len(filling.args) >= chunk:
                    send(filling)
            while window is not None and len(queue) > window:
                yield settle()
        send(filling)
        while queue:
            yield settle()


class _Task:
    """Up to `chunk` items' arguments, sent to a worker as one call of `work`."""

    __slots__ = ("args", "future", "sent")

    def __init__(self) -> None:
        self.args: list[Any] = []
        self.future: Future | None = None  # None: not sent, or not taken (a broken pool)
        self.sent = False


def _nothing() -> None:
    return None


def in_order(
    items: Iterable[T],
    here: Callable[[Any], R],
    work: Callable[[list[Any]], list[R]],
    *,
    workers: int,
    task: Callable[[T], Any] | None = None,
    chunk: int = 1,
    ahead: int = 0,
    initializer: Callable[..., None] | None = None,
    initargs: tuple = (),
    temporaries: Iterable[Path] = (),
) -> Iterator[tuple[T, Callable[[], R | None]]]:
    """Each of `items`, in order, with a function that gives its result: `here(item)`, the
    work done in this process, or the same computed by a worker.

    With `workers` > 1 and a pool that starts, `task(item)` (default: the item itself) is
    what a worker is given for the item, `chunk` of them at a time in one call of
    `work(args) -> results` (a module-level function: it is sent by name); an item whose
    task is None needs no work (its result is None, and `here` never sees it). `items` is consumed as the results are
    used, at most `ahead` items per worker beyond them (0: all at once), so a caller may
    do its own part of each item (in order, in this process) while producing them. Where a
    worker died the result is `here(item)`, after the temporary files the workers left in
    `temporaries` (folders) are removed. Otherwise every item is done here, one by one, as
    it is used.
    """
    pool = Pool.start(workers, initializer, initargs) if workers > 1 else None
    if pool is None:
        for item in items:
            if task is not None and task(item) is None:
                yield item, _nothing
            else:
                yield item, _bind(here, item)
        return
    with pool.in_use():
        yield from pool.in_order(
            items, here, work, task=task, chunk=chunk, ahead=ahead, temporaries=temporaries
        )


def _bind(here: Callable[[Any], R], item: T) -> Callable[[], R]:
    return lambda: here(item)


def map_in_order(
    items: Iterable[T],
    here: Callable[[Any], R],
    work: Callable[[list[Any]], list[R]],
    **options: Any,
) -> Iterator[R]:
    """`in_order`'s results alone (every item has work)."""
    for _item, result in in_order(items, here, work, **options):
        yield result()  # type: ignore[misc]


def died(future: Future) -> bool:
    """The worker running `future` (done, or waited for here) died: the pool is broken."""
    return isinstance(future.exception(), BrokenProcessPool)
