"""A parsed programme kept beside the workspace, keyed by the bytes of programme.xlsx.

Reading and checking programme.xlsx is the fixed cost of every command (8-10 s for a
regional programme of 180,000 actions, most of it checking every cell). The checked result
is saved as plain JSON (never pickle: a file in the workspace must not be able to run code)
under ``.cache/``, together with the SHA-256 of the programme.xlsx it came from and the
roundtrip version that read it. Any change to the file, or a new roundtrip, misses the cache
and reads programme.xlsx again; a cache that is damaged or unreadable is ignored. The cache
is only an accelerator: deleting ``.cache/`` changes nothing but speed.
"""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path
from typing import Any

from . import __version__
from .model import Action, Department, Metric, Priority, Programme, Settings, Status
from .workspace import atomic_path

log = logging.getLogger(__name__)

FORMAT = 1  # bump when the layout below changes
CACHE_FILE = "programme.json"

_ACTION = ("metric_text", "schedule", "responsible", "origin", "active")


def content_key(path: Path) -> str:
    """What a cache entry must match: the file's SHA-256, the format and the reader version."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return f"{FORMAT}:{__version__}:{h.hexdigest()}"


def to_json(p: Programme) -> dict[str, Any]:
    """The programme as JSON-ready lists (positional fields keep 180,000 actions compact)."""
    return {
        "settings": vars(p.settings),
        "priorities": [[x.id, x.title] for x in p.priorities],
        "departments": [[d.id, d.name, d.contact, d.email] for d in p.departments],
        "statuses": [
            [s.key, s.label, s.colour, s.done, s.needs_comment, s.attention, list(s.aliases)]
            for s in p.statuses
        ],
        "actions": [
            [
                a.id,
                a.priority_id,
                a.department_id,
                a.text,
                [
                    [
                        m.id,
                        m.action_id,
                        m.name,
                        m.kind,
                        m.unit,
                        m.baseline,
                        m.target,
                        m.higher_is_better,
                    ]
                    for m in a.metrics
                ],
                *(getattr(a, k) for k in _ACTION),
            ]
            for a in p.actions
        ],
        "version": p.version,
    }


def from_json(data: dict[str, Any]) -> Programme:
    """The Programme to_json wrote (raises KeyError/TypeError/ValueError on anything else)."""
    no_metrics: tuple[Metric, ...] = ()
    actions = tuple(
        Action(aid, pid, did, text, tuple(Metric(*m) for m in ms) if ms else no_metrics, *rest)
        for aid, pid, did, text, ms, *rest in data["actions"]
    )
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
    )


def read_cached(cache_dir: Path, key: str) -> Programme | None:
    """The cached programme for `key`, or None (missing, stale, damaged)."""
    path = cache_dir / CACHE_FILE
    try:
        with open(path, encoding="utf-8") as f:
            head = f.readline()
            if json.loads(head) != key:
                return None
            return from_json(json.loads(f.read()))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.info("ignoring the programme cache %s: %s", path, exc)
        return None


def write_cached(cache_dir: Path, key: str, p: Programme) -> None:
    """Save `p` under `key`; a workspace that cannot be written to just stays uncached."""
    path = cache_dir / CACHE_FILE
    try:
        with atomic_path(path) as tmp, open(tmp, "w", encoding="utf-8") as f:
            f.write(json.dumps(key) + "\n")
            json.dump(to_json(p), f, ensure_ascii=False, separators=(",", ":"))
    except OSError as exc:
        log.info("cannot write the programme cache %s: %s", path, exc)
