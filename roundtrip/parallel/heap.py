"""Keep Python's cyclic garbage collector off a large, long-lived heap during bulk work.

A regional programme loads as about a million objects (180,000 actions). Every full
collection walks all of them, a few times per collect in this process and in every reader
process forked from it, for objects that live until the command ends anyway.
(Figures: docs/benchmarks.md, "Figures behind the code".)
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def frozen_heap() -> Iterator[None]:
    """Move every object alive now to the collector's permanent generation for the body.

    Processes forked inside the body inherit that. Afterwards the objects are ordinary again
    (collectable as before), so nothing outlives its use. Nested uses leave it to the outer.
    """
    if gc.get_freeze_count():
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


@contextmanager
def collector_paused() -> Iterator[None]:
    """No cyclic garbage collection meanwhile: hundreds of thousands of objects are made and
    kept, none in cycles, and the collector would walk them over and over (a large share of
    the time at 180,000 actions). Nested uses leave it to the outer."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()
