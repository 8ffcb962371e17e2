"""The programme a return is validated against in collect, and a workbook made from in generate.

(status needs only the departments with active actions to report on: the cache's index says
which.) A department's slice holds the actions it leads and those it is a partner of.

Validating a return needs the programme's settings, departments, statuses and priorities, and
the actions and metrics its identity lists, which are its department's. Building all the
actions of a regional programme would keep a core busy before the first file can be read,
so when the programme's cache is current collect validates each return against its own
department's slice of it (`ByDepartment`), read from the cache as the return arrives.

The result is the same as against the whole programme: a return whose identity lists an
action or metric its department's slice does not have (an earlier version of the programme,
an action since moved) is validated against the whole programme, built once in that process.
generate makes each department's workbook from its slice in the same way. Without a current
cache (the first command after programme.xlsx changed) the programme is read whole
(`Whole`), which also writes the cache for the next run.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Protocol

from roundtrip.errors import WorkspaceError
from roundtrip.language import _
from roundtrip.parallel.heap import collector_paused
from roundtrip.programme.cache import Slices, content_key
from roundtrip.programme.model import Programme

SLICES_KEPT = 16  # departments kept per process (a department's files come together)


class Source(Protocol):
    head: Programme  # everything but (perhaps) the actions

    def for_department(self, dept_id: str) -> Programme: ...

    def active_departments(self) -> frozenset[str]: ...

    def for_return(self, identity: Mapping[str, str]) -> Programme: ...

    def close(self) -> None: ...


class Whole:
    """The whole programme, loaded."""

    def __init__(self, programme: Programme) -> None:
        self.head = programme

    def for_department(self, dept_id: str) -> Programme:
        return self.head

    def active_departments(self) -> frozenset[str]:
        """The departments with at least one active action to report on (reported_by)."""
        return frozenset(d.id for d in self.head.departments if self.head.reported_by(d.id))

    def for_return(self, identity: Mapping[str, str]) -> Programme:
        return self.head

    def close(self) -> None:
        pass


class ByDepartment:
    """Each return's department slice of the cached programme (see the module's docstring)."""

    def __init__(self, slices: Slices, path: Path) -> None:
        self.head = slices.head
        self._slices = slices
        self._path = path
        self._kept: dict[str, Programme] = {}
        self._whole: Programme | None = None

    def for_department(self, dept_id: str) -> Programme:
        """The programme with `dept_id`'s actions only (the whole one if its line is damaged)."""
        part = self._kept.get(dept_id)
        if part is None:
            try:
                part = self._slices.department(dept_id)
            except (OSError, ValueError, KeyError, TypeError):
                return self.whole()
            if len(self._kept) >= SLICES_KEPT:
                self._kept.pop(next(iter(self._kept)))
            self._kept[dept_id] = part
        return part

    def active_departments(self) -> frozenset[str]:
        return self._slices.active_departments()

    def for_return(self, identity: Mapping[str, str]) -> Programme:
        ident = identity
        part = self.for_department(ident.get("department_id", ""))
        if part is self._whole:
            return part
        actions = {a.id for a in part.actions}
        if any(i not in actions for i in ident.get("action_ids", "").split()):
            return self.whole()
        metrics = {m.id for a in part.actions for m in a.metrics}
        if any(i not in metrics for i in ident.get("metric_ids", "").split()):
            return self.whole()
        return part

    def whole(self) -> Programme:
        """The whole programme of the slices' cache file (else of programme.xlsx, which must
        still be the same programme)."""
        if self._whole is None:
            from roundtrip.programme.workbook import load_programme

            try:
                with collector_paused():  # 450,000 new objects, no cycles
                    self._whole = self._slices.whole()
            except (OSError, ValueError, KeyError, TypeError):  # a damaged cache file
                got = load_programme(self._path)
                if got.version != self.head.version:
                    raise WorkspaceError(
                        _("{file} changed while this command ran: run it again").format(
                            file=self._path.name
                        )
                    ) from None
                self._whole = got
        return self._whole

    def close(self) -> None:
        self._slices.close()


def open_source(path: Path, cache_dir: Path) -> Source:
    """ByDepartment over the current cache of programme.xlsx at `path`; else the whole
    programme, read (and cached) by load_programme, which reports a broken programme."""
    from roundtrip.programme.workbook import load_programme

    try:
        slices = Slices.open(cache_dir, content_key(path))
    except OSError:
        slices = None
    if slices is None:
        return Whole(load_programme(path, cache_dir))
    return ByDepartment(slices, path)
