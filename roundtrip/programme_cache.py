"""A parsed programme kept beside the workspace, keyed by the bytes of programme.xlsx.

Reading and checking programme.xlsx is the fixed cost of every command (8-10 s for a
regional programme of 180,000 actions, most of it checking every cell). The checked result
is saved as JSON lines (never pickle: a file in the workspace must not be able to run code)
under ``.cache/``, together with the SHA-256 of the programme.xlsx it came from and the
roundtrip version that read it. Any change to the file, or a new roundtrip, misses the cache
and reads programme.xlsx again; a cache that is damaged or unreadable is ignored. The cache
is only an accelerator: deleting ``.cache/`` changes nothing but speed.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from . import __version__
from .model import Action, Department, Metric, Priority, Programme, Settings, Status
from .workspace import atomic_path

log = logging.getLogger(__name__)

FORMAT = 2  # bump when the layout below changes
CHUNK = 2000  # actions per line of the cache file
CACHE_FILE = "programme.json"

_ACTION = ("metric_text", "schedule", "responsible", "origin", "active")


def content_key(path: Path) -> str:
    """What a cache entry must match: the file's SHA-256, the format and the reader version."""
    with open(path, "rb") as f:
        digest = hashlib.file_digest(f, "sha256").hexdigest()
    return f"{FORMAT}:{__version__}:{digest}"


def _action_row(a: Action) -> list[Any]:
    metrics = [
        [m.id, m.name, m.kind, m.unit, m.baseline, m.target, m.higher_is_better] for m in a.metrics
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
    }


def json_lines(p: Programme) -> Iterator[str]:
    """The cache body: to_json's data on one line, then the actions, CHUNK per line."""
    yield json.dumps(to_json(p), ensure_ascii=False, separators=(",", ":"))
    for i in range(0, len(p.actions), CHUNK):
        chunk = [_action_row(a) for a in p.actions[i : i + CHUNK]]
        yield json.dumps(chunk, ensure_ascii=False, separators=(",", ":"))


def from_json_lines(lines: Iterable[str]) -> Programme:
    """The Programme json_lines wrote (raises KeyError/TypeError/ValueError on anything else).

    Line by line, so the JSON of 180,000 actions is never in memory at once, and the texts
    repeated in every action (priority, department, kind, unit, an action's own id in its
    metrics) are one string object each.
    """
    it = iter(lines)
    head = json.loads(next(it))
    same: dict[str, str] = {}
    one = same.setdefault
    no_metrics: tuple[Metric, ...] = ()
    actions: list[Action] = []
    for line in it:
        for aid, pid, did, text, ms, *rest in json.loads(line):
            metrics = (
                tuple(
                    Metric(mid, aid, name, one(kind, kind), one(unit, unit), one(base, base),
                           one(target, target), hib)
                    for mid, name, kind, unit, base, target, hib in ms
                )
                if ms
                else no_metrics
            )  # fmt: skip
            actions.append(Action(aid, one(pid, pid), one(did, did), text, metrics, *rest))
    statuses = tuple(
        Status(key, label, colour, done, needs, attention, tuple(aliases))
        for key, label, colour, done, needs, attention, aliases in head["statuses"]
    )
    version = head["version"]
    if not isinstance(version, str) or not version:
        raise ValueError("no programme version in the cache")
    if len(actions) != head["actions"]:
        raise ValueError(f"{len(actions)} of {head['actions']} actions in the cache")
    return Programme(
        Settings(**head["settings"]),
        tuple(Priority(*x) for x in head["priorities"]),
        tuple(Department(*d) for d in head["departments"]),
        tuple(actions),
        statuses,
        version,
    )


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
        with atomic_path(path) as tmp, open(tmp, "w", encoding="utf-8") as f:
            f.write(json.dumps(key) + "\n")
            for line in json_lines(p):
                f.write(line + "\n")
    except OSError as exc:
        log.info("cannot write the programme cache %s: %s", path, exc)
