"""Which processes a pool ran, so that what a killed one left half written can be removed.

A process pool whose worker dies (out of memory, say) is broken: the executor kills the other
workers too, perhaps in the middle of a file. Files are written atomically (workspace.
atomic_path), under a temporary name that carries the writing process's id; each worker
reports its id when it starts, so the caller can remove exactly those temporary files before
it does the rest of the work itself.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from roundtrip.workspace import TEMP_PREFIX


class WorkerIds:
    """The ids of a pool's worker processes (pass `started` as the pool's initializer)."""

    def __init__(self, ctx: Any) -> None:
        self._queue = ctx.SimpleQueue()

    def started(self, *_args: object) -> None:
        """(In a worker, as it starts) report this process's id."""
        self._queue.put(os.getpid())

    def remove_temporaries(self, folders: Iterable[Path]) -> None:
        """Remove the temporary files the workers left in `folders` (after the pool is gone)."""
        pids = []
        while not self._queue.empty():
            pids.append(self._queue.get())
        for folder in set(folders):
            for pid in pids:
                for tmp in Path(folder).glob(f"{TEMP_PREFIX}{pid}-*"):
                    tmp.unlink(missing_ok=True)

    def close(self) -> None:
        self._queue.close()
