"""frozen_heap: the collector leaves the heap alone inside, and everything is ordinary after."""

from __future__ import annotations

import gc
import weakref

from roundtrip.parallel.heap import frozen_heap


class Node:
    pass


def _cycle() -> weakref.ref:
    a, b = Node(), Node()
    a.other, b.other = b, a
    return weakref.ref(a)


def test_objects_alive_at_entry_are_frozen_inside_and_collectable_after():
    assert gc.get_freeze_count() == 0
    ref = _cycle()  # garbage, but only the cyclic collector can free it
    with frozen_heap():
        assert gc.get_freeze_count() > 0
        gc.collect()
        assert ref() is not None  # frozen: a full collection does not walk it
    assert gc.get_freeze_count() == 0
    gc.collect()
    assert ref() is None


def test_nested_use_leaves_unfreezing_to_the_outer_one():
    with frozen_heap():
        frozen = gc.get_freeze_count()
        with frozen_heap():
            pass
        assert gc.get_freeze_count() == frozen
    assert gc.get_freeze_count() == 0


def test_garbage_made_inside_is_still_collected_inside():
    with frozen_heap():
        ref = _cycle()
        gc.collect()
        assert ref() is None


def test_commands_that_freeze_the_heap_leave_it_as_they_found_it(aura_ws, monkeypatch):
    """generate, status, register and summary freeze while they work, never after."""
    import datetime as dt

    from roundtrip.parallel import heap
    from roundtrip.register.status import period_status
    from roundtrip.register.workbook import write_register
    from roundtrip.returns.generate import generate_period
    from roundtrip.summary.workbook import write_summary

    seen = []
    real = heap.gc.freeze

    def freeze() -> None:
        seen.append(True)
        real()

    monkeypatch.setattr(heap.gc, "freeze", freeze)
    generate_period(aura_ws, "2025Q3", now=dt.datetime(2025, 9, 30, 12))
    assert gc.get_freeze_count() == 0
    period_status(aura_ws, "2025Q3")
    write_register(aura_ws)
    write_summary(aura_ws, "2025Q3")
    assert len(seen) == 4 and gc.get_freeze_count() == 0
