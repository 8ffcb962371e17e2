"""The one way work is spread over worker processes, and done here when it cannot be.

Every parallel path starts its workers here (`Pool.start`): forked where the platform can
(the workers inherit what is loaded, the programme above all, so nothing is pickled but the
tasks), else the platform's own way (spawn, on Windows); each worker ignores Ctrl-C
(interrupts.py) and reports its process id (worker_ids.py). Around that:

- `workers_for`: how many processes a piece of work is worth; below the caller's size
  threshold (`pool_min`), or with one CPU, it is done in this process;
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
- `context`: the start method, for the early intake's single process.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from roundtrip.parallel.interrupts import close_pool, ignore_interrupts, pool_in_use
from roundtrip.parallel.worker_ids import WorkerIds

T = TypeVar("T")  # an item of work, as the caller has it
R = TypeVar("R")  # its result


def cpus() -> int:
    """The CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def workers_for(tasks: int, pool_min: int) -> int:
    """Processes to do `tasks` independent pieces of work with; 1 (this process alone) when
    there are fewer than `pool_min` of them (a pool would cost more than it saves) or one CPU.
    Above two CPUs one is left to the rest of the machine."""
    if tasks < pool_min:
        return 1
    n = cpus()
    return max(1, min(n, 2 if n <= 2 else n - 1))


def context(fork_only: bool = False) -> Any:
    """The multiprocessing context workers are started with: fork where the platform has it
    (the workers inherit this process's objects), else the platform's default (spawn, on
    Windows: what the workers need is pickled); None with `fork_only` and no fork (for work
    that relies on inheriting module state)."""
    import multiprocessing as mp

    if "fork" in mp.get_all_start_methods():
        return mp.get_context("fork")
    return None if fork_only else mp.get_context()


def _start_worker(started: WorkerIds, initializer: Callable[..., None] | None, args: tuple) -> None:
    """(In a worker, as it starts) leave Ctrl-C to the command, report the id, then the
    caller's own initializer."""
    ignore_interrupts()
    started.started()
    if initializer is not None:
        initializer(*args)


class Pool:
    """Worker processes that ignore Ctrl-C and report their ids (see the module docstring)."""

    def __init__(self, executor: ProcessPoolExecutor, started: WorkerIds, workers: int) -> None:
        self.executor = executor
        self.workers = workers
        self._started = started
        self._broken = False

    @classmethod
    def start(
        cls,
        workers: int,
        initializer: Callable[..., None] | None = None,
        initargs: tuple = (),
        *,
        fork_only: bool = False,
    ) -> Pool | None:
        """A pool of `workers` processes, each running `initializer(*initargs)` first; None
        where no process can be started here (then the caller does the work itself)."""
        ctx = context(fork_only)
        if ctx is None:
            return None
        try:
            started = WorkerIds(ctx)
        except (OSError, NotImplementedError):
            return None
        try:
            executor = ProcessPoolExecutor(
                workers, ctx, initializer=_start_worker, initargs=(started, initializer, initargs)
            )
        except (OSError, NotImplementedError):
            started.close()
            return None
        return cls(executor, started, workers)

    def submit(self, fn: Callable[..., Any], *args: Any) -> Future:
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
                    t.future = self.executor.submit(work, t.args)
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
