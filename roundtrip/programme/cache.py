"""A parsed programme kept beside the workspace, keyed by the bytes of programme.xlsx.

Reading and checking programme.xlsx is the fixed cost of every command (for a regional
programme, most of it checking every cell). The checked result
is saved as JSON lines (never pickle: a file in the workspace must not be able to run code)
under ``.cache/``, together with the SHA-256 of the programme.xlsx it came from and the
roundtrip version that read it. Any change to the file, or a new roundtrip, misses the cache
and reads programme.xlsx again; a cache that is damaged or unreadable is ignored. The cache
is only an accelerator: deleting ``.cache/`` changes nothing but speed.

The actions are kept one line per department, with an index in the head line, so that
collect can validate a return against its own department's actions (`Slices`) without
building the whole programme first.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from roundtrip import __version__
from roundtrip.programme.model import (
    Action,
    Department,
    Metric,
    Priority,
    Programme,
    Settings,
    Status,
)
from roundtrip.workspace import atomic_path

log = logging.getLogger(__name__)

# Bump when the layout below changes, or when reading checks more (a cache of a file read
# before must not skip the new checks). 5: the send-out's settings, e-mail addresses checked.
# 6: partners and schedule bounds of actions, partners_report. 7: a department's line holds
# the actions it is a partner of too. 8: a metric's targets by year or period (the targets
# sheet), checked. 9: the publish_comments setting.
FORMAT = 9
CACHE_FILE = "programme.json"

_ACTION = ("metric_text", "schedule", "responsible", "origin", "active", "partners", "start", "end")


_last_key: tuple[tuple, str] | None = None  # (the file's identity, its key): one command's


def content_key(path: Path) -> str:
    """What a cache entry must match: the file's SHA-256, the format and the reader version.

    A command asks more than once (collect: for the cache and for its rejection ledger); the
    file is hashed again only when its size, modification time or inode differ."""
    global _last_key
    st = os.stat(path)
    ident = (os.fspath(path), st.st_size, st.st_mtime_ns, st.st_ino)
    last = _last_key
    if last is not None and last[0] == ident:
        return last[1]
    with open(path, "rb") as f:
        digest = hashlib.file_digest(f, "sha256").hexdigest()
    key = f"{FORMAT}:{__version__}:{digest}"
    _last_key = (ident, key)
    return key


def _action_row(a: Action) -> list[Any]:
    metrics = [
        [m.id, m.name, m.kind, m.unit, m.baseline, m.target, m.higher_is_better, m.targets]
        for m in a.metrics
    ]
    return [
        a.id,
        a.priority_id,
        a.department_id,
        a.text,
        metrics,
        *(getattr(a, k) for k in _ACTION),
    ]


def to_json(p: Programme) -> dict[str, Any]:
    """Everything but the actions, as JSON-ready data."""
    return {
        "settings": dataclasses.asdict(p.settings),
        "priorities": [[x.id, x.title] for x in p.priorities],
        "departments": [[d.id, d.name, d.contact, d.email] for d in p.departments],
        "statuses": [
            [s.key, s.label, s.colour, s.done, s.needs_comment, s.attention, list(s.aliases)]
            for s in p.statuses
        ],
        "version": p.version,
        "actions": len(p.actions),  # a file cut at a line break must not lose actions
        "pairs": sorted(p.partner_pairs()),  # (action, partner): known to a head alone
    }


def _groups(p: Programme) -> dict[str, tuple[list[int], list[int]]]:
    """Each department's action positions: (those it leads, those it is a partner of), the
    departments in the order of their first action, then those that are only partners."""
    groups: dict[str, tuple[list[int], list[int]]] = {}
    for i, a in enumerate(p.actions):
        groups.setdefault(a.department_id, ([], []))[0].append(i)
    for i, a in enumerate(p.actions):
        for d in dict.fromkeys(a.partners):
            if d != a.department_id:
                groups.setdefault(d, ([], []))[1].append(i)
    return groups


def json_lines(p: Programme) -> Iterator[str]:
    """The cache body: to_json's data on one line, then one line per department.

    A department's line is [its actions' positions in the programme, their rows, the rows of
    the actions it is a partner of]; the head says where each line starts (`index`:
    department -> [offset, length in bytes from the start of the first department line,
    number of active actions it leads, number of active actions it is a partner of]), so one
    department can be read alone (`Slices`), with the actions it shares.
    """
    groups = _groups(p)
    lines = []
    for own, shared in groups.values():
        rows = [_action_row(p.actions[i]) for i in own]
        partner_rows = [_action_row(p.actions[i]) for i in shared]
        lines.append(
            json.dumps([own, rows, partner_rows], ensure_ascii=False, separators=(",", ":"))
        )
    index: dict[str, list[int]] = {}
    offset = 0
    for (dept, (own, shared)), line in zip(groups.items(), lines, strict=True):
        size = len(line.encode("utf-8")) + 1  # and its line break
        active = sum(1 for i in own if p.actions[i].active)
        partnered = sum(1 for i in shared if p.actions[i].active)
        index[dept] = [offset, size, active, partnered]
        offset += size
    yield json.dumps({**to_json(p), "index": index}, ensure_ascii=False, separators=(",", ":"))
    yield from lines


def _actions_from(rows: list, same: dict[str, str]) -> Iterator[Action]:
    """The actions of one department line's rows (texts repeated in every action, such as the
    priority, department, kind and unit, are one string object each, through `same`)."""
    one = same.setdefault
    no_metrics: tuple[Metric, ...] = ()
    for aid, pid, did, text, ms, *rest in rows:
        metrics = (
            tuple(
                Metric(mid, aid, name, one(kind, kind), one(unit, unit), one(base, base),
                       one(target, target), hib, tuple(map(tuple, targets)) if targets else ())
                for mid, name, kind, unit, base, target, hib, targets in ms
            )
            if ms
            else no_metrics
        )  # fmt: skip
        mt, schedule, resp, origin, active, partners, start, end = rest
        yield Action(
            aid, one(pid, pid), one(did, did), text, metrics, mt, schedule, resp, origin, active,
            tuple(one(x, x) for x in partners) if partners else (), start, end,
        )  # fmt: skip


def _head(data: dict[str, Any], actions: tuple[Action, ...]) -> Programme:
    statuses = tuple(
        Status(key, label, colour, done, needs, attention, tuple(aliases))
        for key, label, colour, done, needs, attention, aliases in data["statuses"]
    )
    version = data["version"]
    if not isinstance(version, str) or not version:
        raise ValueError("no programme version in the cache")
    return Programme(
        Settings(**data["settings"]),
        tuple(Priority(*x) for x in data["priorities"]),
        tuple(Department(*d) for d in data["departments"]),
        actions,
        statuses,
        version,
    ).knowing_pairs(data["pairs"])


def from_json_lines(lines: Iterable[str]) -> Programme:
    """The Programme json_lines wrote (raises KeyError/TypeError/ValueError on anything else).

    Line by line, so the JSON of 180,000 actions is never in memory at once.
    """
    it = iter(lines)
    return _programme(json.loads(next(it)), it)


def _programme(head: dict[str, Any], lines: Iterable[str | bytes]) -> Programme:
    """The Programme of a parsed head line and the department lines after it."""
    n = head["actions"]
    actions: list[Action | None] = [None] * n
    same: dict[str, str] = {}
    for line in lines:
        positions, rows, _shared = json.loads(line)  # (shared: in their lead's line too)
        for i, a in zip(positions, _actions_from(rows, same), strict=True):
            if not 0 <= i < n or actions[i] is not None:
                raise ValueError(f"action position {i!r} out of place in the cache")
            actions[i] = a
    got = sum(a is not None for a in actions)
    if got != n:  # a file cut at a line break must not lose actions
        raise ValueError(f"{got} of {n} actions in the cache")
    return _head(head, tuple(actions))  # type: ignore[arg-type]


class Slices:
    """The cached programme one department at a time, for validating one department's return
    without building 180,000 actions: `head` has everything but the actions,
    `department(id)` the programme with that department's actions only (in programme order),
    `whole()` all of it.

    Opened by the key of the programme.xlsx bytes, as read_cached. The file stays open and is
    read by position (os.pread), so forked processes can share it, and a cache replaced
    meanwhile by another command (always a new file, renamed into place) is never mixed with
    this one. A damaged line raises ValueError, KeyError or TypeError.
    """

    def __init__(self, path: Path, key: str, data: dict[str, Any], base: int, fd: int) -> None:
        index = data["index"]
        if not isinstance(index, dict) or not all(
            isinstance(e, list) and len(e) == 4 and all(type(x) is int for x in e)
            for e in index.values()
        ):
            raise TypeError("no department index in the cache")
        self.path = path
        self.key = key
        self.head = _head(data, ())
        self._data = data
        self._index = index
        self._base = base
        self._fd = fd

    @classmethod
    def open(cls, cache_dir: Path, key: str) -> Slices | None:
        """The slices of the cached programme for `key`, or None (missing, stale, damaged)."""
        path = Path(cache_dir) / CACHE_FILE
        try:
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
        except OSError:
            return None
        try:
            with open(os.dup(fd), "rb") as f:
                if json.loads(f.readline() or b"null") != key:
                    raise LookupError  # stale: silently
                data = json.loads(f.readline())
                base = f.tell()
            return cls(path, key, data, base, fd)
        except LookupError:
            os.close(fd)
            return None
        except (OSError, ValueError, KeyError, TypeError) as exc:
            os.close(fd)
            log.info("ignoring the programme cache %s: %s", path, exc)
            return None

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1

    def __enter__(self) -> Slices:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __reduce__(self) -> tuple:
        # For processes that are spawned, not forked: open the file again, by its key.
        return (_reopen, (self.path, self.key, self.head.version))

    def _read(self, offset: int, size: int) -> bytes:
        if hasattr(os, "pread"):
            return os.pread(self._fd, size, self._base + offset)
        with open(os.dup(self._fd), "rb") as f:  # (one process only, where there is no pread)
            f.seek(self._base + offset)
            return f.read(size)

    def department(self, dept_id: str) -> Programme:
        """The programme with only `dept_id`'s actions, those it leads and then those it is a
        partner of (none for an unknown department)."""
        where = self._index.get(dept_id)
        if where is None:
            return self.head.with_actions(self.head.actions)
        offset, size, _active, _partnered = where
        data = self._read(offset, size)
        if len(data) != size or not data.endswith(b"\n"):
            raise ValueError(f"the cache line of department {dept_id!r} is cut")
        _positions, rows, shared_rows = json.loads(data)
        same: dict[str, str] = {}
        actions = tuple(_actions_from(rows, same))
        shared = tuple(_actions_from(shared_rows, same))
        if any(a.department_id != dept_id for a in actions) or any(
            dept_id not in a.partners for a in shared
        ):
            raise ValueError(f"the cache line of department {dept_id!r} holds other actions")
        return self.head.with_actions(actions + shared)

    def active_departments(self) -> frozenset[str]:
        """The departments with at least one active action to report on (from the index
        alone): one they lead, or, when partners report, one they are a partner of."""
        partners = self.head.settings.partners_report
        return frozenset(
            d
            for d, (_o, _s, active, partnered) in self._index.items()
            if active > 0 or (partners and partnered > 0)
        )

    def whole(self) -> Programme:
        """The whole programme of this cache file (raises as from_json_lines)."""
        size = os.fstat(self._fd).st_size - self._base
        return _programme(self._data, self._read(0, size).splitlines())


def _reopen(path: Path, key: str, version: str) -> Slices:
    got = Slices.open(path.parent, key)
    if got is None or got.head.version != version:
        raise ValueError(f"the programme cache {path} changed")
    return got


def read_cached(cache_dir: Path, key: str) -> Programme | None:
    """The cached programme for `key`, or None (missing, stale, damaged)."""
    path = cache_dir / CACHE_FILE
    try:
        with open(path, encoding="utf-8") as f:
            if json.loads(f.readline() or "null") != key:
                return None
            return from_json_lines(f)
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError, StopIteration) as exc:
        log.info("ignoring the programme cache %s: %s", path, exc)
        return None


def write_cached(cache_dir: Path, key: str, p: Programme) -> None:
    """Save `p` under `key`; a workspace that cannot be written to just stays uncached."""
    path = cache_dir / CACHE_FILE
    try:
        with atomic_path(path) as tmp, open(tmp, "wb") as f:  # bytes: the index counts them
            f.write(json.dumps(key).encode("utf-8") + b"\n")
            for line in json_lines(p):
                f.write(line.encode("utf-8") + b"\n")
    except OSError as exc:
        log.info("cannot write the programme cache %s: %s", path, exc)


def cached_language(path: Path, cache_dir: Path) -> str | None:
    """The language of the programme at `path` when the cache has it, without loading it: what
    `--help` speaks in a workspace (None when the programme was never loaded)."""
    try:
        key = content_key(path)
    except OSError:
        return None
    slices = Slices.open(cache_dir, key)
    if slices is None:
        return None
    with slices:
        return slices.head.settings.language
