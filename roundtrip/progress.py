"""Progress reporting: the library takes an optional callback, the CLI decides how to show it."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")

# progress(items, label, total) -> items (possibly wrapped to show a bar)
Progress = Callable[[Iterable[T], str, int], Iterable[T]]


def no_progress(items: Iterable[T], label: str = "", total: int = 0) -> Iterator[T]:
    yield from items
