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

import contextlib
import ctypes
import heapq
import itertools
import os
import queue
import threading
import time


class Expired(BaseException):
    """The body of a `deadline` ran out of time (caught by that deadline, which re-raises it
    for its caller: see `deadline`)."""


class _Watchdog:
    """The process's one watchdog thread and the deadlines it keeps (a heap by time).

    The state is guarded by a plain lock, never a `threading.Condition`: the exception this
    raises can arrive at any Python-level call in the thread that armed it, and a Condition's
    ``__enter__``/``__exit__`` are Python functions, so it could arrive between taking the
    lock and letting it go, and leave it held (the next deadline then waits for ever). A
    ``_thread.lock`` and a ``SimpleQueue`` are C: ``with lock:`` always lets go. The watchdog
    is woken through the queue.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._wake: queue.SimpleQueue[None] = queue.SimpleQueue()
        self._heap: list[tuple[float, int]] = []
        self._armed: dict[int, tuple[int, type[Expired]]] = {}  # token -> thread, exception
        self._fired: set[int] = set()
        self._tokens = itertools.count()
        self._pid = -1  # the process the thread runs in (a forked child has none)

    def token(self) -> int:
        return next(self._tokens)

    def arm(self, token: int, seconds: float, exc: type[Expired]) -> None:
        start = False
        with self._lock:
            if self._pid != os.getpid():
                self._pid, start = os.getpid(), True
                self._heap.clear()
                self._armed.clear()
                self._fired.clear()
                self._wake = queue.SimpleQueue()
            heapq.heappush(self._heap, (time.monotonic() + seconds, token))
            self._armed[token] = (threading.get_ident(), exc)
        if start:
            threading.Thread(target=self._watch, name="roundtrip-deadline", daemon=True).start()
        self._wake.put(None)

    def disarm(self, token: int) -> bool:
        """Forget `token`; True when its exception was raised (it may still be pending)."""
        with self._lock:
            self._armed.pop(token, None)
            fired = token in self._fired
            self._fired.discard(token)
        return fired

    def _watch(self) -> None:
        while True:
            with self._lock:
                now = time.monotonic()
                while self._heap and (
                    self._heap[0][0] <= now or self._heap[0][1] not in self._armed
                ):
                    _, token = heapq.heappop(self._heap)
                    target = self._armed.pop(token, None)
                    if target is not None:
                        self._fired.add(token)
                        _raise_in(*target)
                wait = self._heap[0][0] - now if self._heap else None
                wake = self._wake
            with contextlib.suppress(queue.Empty):
                wake.get(timeout=wait)


_WATCHDOG = _Watchdog()


def _raise_in(thread: int, exc: type[BaseException] | None) -> None:
    """Raise `exc` in `thread` at its next bytecode (None: take back one not raised yet)."""
    ctypes.pythonapi.PyThreadState_SetAsyncExc(
        ctypes.c_ulong(thread), ctypes.py_object(exc) if exc is not None else None
    )


class Deadline:
    """``with Deadline(seconds) as expired:`` raises (a subclass of) `Expired`, the class it
    yields, in this thread if the body runs longer than `seconds`; <= 0: no limit.

    The exception can arrive as the body ends, before ``__exit__`` has run a line (a Python
    ``__exit__`` is a call, and a call is where it is delivered): it then reaches the code
    around the ``with``. Code that must turn every timeout into its own error catches
    `Expired` around the ``with`` too and calls `settle` there (returns.safety.time_limited).
    """

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.expired: type[Expired] = type("Expired", (Expired,), {})
        self._token: int | None = None

    def __enter__(self) -> type[Expired]:
        if self.seconds > 0:
            self._token = _WATCHDOG.token()
            try:
                _WATCHDOG.arm(self._token, self.seconds, self.expired)
            except BaseException:
                self.settle()  # an enclosing limit stopped the arming: nothing left armed
                raise
        return self.expired

    def __exit__(self, *exc: object) -> None:
        self.settle()

    def settle(self) -> None:
        """Disarm (once; again is nothing): see `_settle`."""
        token, self._token = self._token, None
        if token is not None:
            _settle(token, self.expired)


def deadline(seconds: float) -> Deadline:
    """`Deadline(seconds)`: ``with deadline(2) as expired: ...``."""
    return Deadline(seconds)


def _settle(token: int, expired: type[Expired]) -> None:
    """Disarm `token`; if the watchdog raised in the same instant the body ended, take back
    the exception still pending, or drop it if it arrives here. An enclosing deadline's
    exception arriving here is raised once this one is settled (else this token could stay
    armed and fire later, in code it never limited)."""
    enclosing: Expired | None = None
    while True:
        try:
            if _WATCHDOG.disarm(token):
                _raise_in(threading.get_ident(), None)
            break
        except expired:
            continue  # arrived while disarming: the body had already ended
        except Expired as other:
            enclosing = other
    if enclosing is not None:
        raise enclosing
