"""A time limit on a piece of Python work, without signals: the same on every platform.

`deadline(seconds)` raises `Expired` in the thread that runs its body once the body has
run `seconds`. One watchdog thread per process keeps every armed deadline; when one passes,
it raises the exception into the thread that armed it (CPython's
``PyThreadState_SetAsyncExc``), which sees it at its next bytecode, as it would a signal
handler's. Unlike SIGALRM and ``setitimer`` this exists on Windows, works in any thread and in
worker processes however they were started, and arming costs a lock and a heap entry (no
thread or timer per call, which matters at thousands of files a run).

What it cannot do, no more than a signal could: stop native code in the middle of one call
(a Rust or C reader); the exception is raised when that call returns to Python. Work that
size limits cannot bound must run in a process that is ended instead.

`Expired` is a BaseException, so that an ``except Exception`` in the work it stops does not
swallow it; each deadline raises its own subclass, so that nested deadlines in one thread
each catch only their own.
"""

from __future__ import annotations

import ctypes
import heapq
import itertools
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager


class Expired(BaseException):
    """The body of a `deadline` ran out of time (caught by that deadline, which re-raises it
    for its caller: see `deadline`)."""


class _Watchdog:
    """The process's one watchdog thread and the deadlines it keeps (a heap by time)."""

    def __init__(self) -> None:
        self._cond = threading.Condition(threading.Lock())
        self._heap: list[tuple[float, int]] = []
        self._armed: dict[int, tuple[int, type[Expired]]] = {}  # token -> thread, exception
        self._fired: set[int] = set()
        self._tokens = itertools.count()
        self._pid = -1  # the process the thread runs in (a forked child has none)

    def arm(self, seconds: float, exc: type[Expired]) -> int:
        with self._cond:
            if self._pid != os.getpid():
                self._pid = os.getpid()
                self._heap.clear()
                self._armed.clear()
                self._fired.clear()
                threading.Thread(target=self._watch, name="roundtrip-deadline", daemon=True).start()
            token = next(self._tokens)
            self._armed[token] = (threading.get_ident(), exc)
            heapq.heappush(self._heap, (time.monotonic() + seconds, token))
            self._cond.notify()
            return token

    def disarm(self, token: int) -> bool:
        """Forget `token`; True when its exception was raised (it may still be pending)."""
        with self._cond:
            self._armed.pop(token, None)
            fired = token in self._fired
            self._fired.discard(token)
            return fired

    def _watch(self) -> None:
        with self._cond:
            while True:
                now = time.monotonic()
                while self._heap and (
                    self._heap[0][0] <= now or self._heap[0][1] not in self._armed
                ):
                    _, token = heapq.heappop(self._heap)
                    target = self._armed.pop(token, None)
                    if target is not None:
                        self._fired.add(token)
                        _raise_in(*target)
                self._cond.wait(self._heap[0][0] - now if self._heap else None)


_WATCHDOG = _Watchdog()


def _raise_in(thread: int, exc: type[BaseException] | None) -> None:
    """Raise `exc` in `thread` at its next bytecode (None: take back one not raised yet)."""
    ctypes.pythonapi.PyThreadState_SetAsyncExc(
        ctypes.c_ulong(thread), ctypes.py_object(exc) if exc is not None else None
    )


@contextmanager
def deadline(seconds: float) -> Iterator[type[Expired]]:
    """Raise (a subclass of) `Expired` in this thread if the body runs longer than `seconds`;
    `seconds` <= 0: no limit. Yields the class it would raise."""
    expired = type("Expired", (Expired,), {})
    if seconds <= 0:
        yield expired
        return
    token = _WATCHDOG.arm(seconds, expired)
    try:
        yield expired
    finally:
        _settle(token, expired)


def _settle(token: int, expired: type[Expired]) -> None:
    """Disarm `token`; if the watchdog raised in the same instant the body ended, take back
    the exception still pending, or drop it if it arrives here."""
    while True:
        try:
            if _WATCHDOG.disarm(token):
                _raise_in(threading.get_ident(), None)
            return
        except expired:
            continue  # arrived while disarming: the body had already ended
