"""Ctrl-C in a run with worker processes: one process handles it, and it stops them.

A terminal sends SIGINT to every process of its foreground group: the command and all its
workers. A worker interrupted between two tasks printed a traceback of its own under the
command's one line, and the early intake, interrupted while writing an archive copy, left its
temporary file behind. So every worker process ignores SIGINT (`ignore_interrupts`, run first
in each) and the command's process, the one the interrupt reaches, stops them: tasks not
started are cancelled; short tasks under way (a group of files, a few workbooks: a fraction
of a second) finish, so each file they write is whole; long ones whose output is not wanted
(queries, a sheet's rows in a scratch file) are ended at once (`stop_workers`).
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any


def ignore_interrupts(*_args: object) -> None:
    """(In a worker process, as it starts) leave Ctrl-C to the process that started it; a
    Ctrl-C held back while the worker was made (interrupts_held) is then dropped."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


@contextmanager
def interrupts_held() -> Iterator[None]:
    """Hold Ctrl-C back from this thread for the body, then let it through. Around starting
    workers: a process made meanwhile inherits it held, so a Ctrl-C in the moment before its
    first line (ignore_interrupts) is not a traceback of its own; this process still gets it
    once the body is done. Where the system has no signal mask (Windows), the body runs as is."""
    if (
        not hasattr(signal, "pthread_sigmask")
        or threading.current_thread() is not threading.main_thread()
    ):
        yield
        return
    before = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, before)


def stop_workers(pool: Any) -> None:
    """End `pool`'s workers now and shut it down (their work is not wanted any more)."""
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        process.terminate()
    pool.shutdown(wait=True, cancel_futures=True)


def close_pool(pool: Any, futures: Iterable[Any]) -> None:
    """Shut `pool` down once its `futures` are done; ones not done are not wanted any more (a
    failure, Ctrl-C): their workers are ended (stop_workers)."""
    if all(f.done() for f in futures):
        pool.shutdown(wait=True)
    else:
        stop_workers(pool)


@contextmanager
def pool_in_use(pool: Any) -> Iterator[Any]:
    """`with pool:`, except that when the body fails (Ctrl-C included) the tasks not started
    are cancelled rather than run (the workers ignore Ctrl-C: they would run them all)."""
    try:
        yield pool
    except BaseException:
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown(wait=True)
