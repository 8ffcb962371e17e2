"""Programme definitions from plain data (the TOML of examples/), default statuses, version."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from pathlib import Path
from typing import Any

from roundtrip.language.wording import default_statuses
from roundtrip.programme.model import (
    LATER_FIELDS,
    MAIL_SETTINGS,
    Action,
    Department,
    Metric,
    Priority,
    Programme,
    Settings,
    Status,
)
from roundtrip.programme.schedule import bound_dates
from roundtrip.resources import example_dir, read_toml


def default_status_scale(language: str) -> tuple[Status, ...]:
    """The default status scale with labels in `language` and the others as aliases."""
    out = []
    for s in default_statuses():
        label = s.get(language) or s["en"]
        aliases = tuple(s[lang] for lang in ("fi", "sv", "en") if s.get(lang) and s[lang] != label)
        out.append(
            Status(
                key=s["key"],
                label=label,
                colour=s["colour"],
                done=bool(s.get("done")),
                needs_comment=bool(s.get("needs_comment")),
                attention=bool(s.get("attention")),
                aliases=aliases,
            )
        )
    return tuple(out)


_CHUNK = 5000  # actions encoded at a time: C-speed JSON without one huge string


_FieldNames = tuple[tuple[str, ...], tuple[tuple[str, object], ...]]
_field_names_of: dict[type, _FieldNames] = {}


def _field_names(cls: type) -> _FieldNames:
    """A dataclass's fields as (those always hashed, (later field, its default) pairs)."""
    got = _field_names_of.get(cls)
    if got is None:
        names = tuple(cls.__dataclass_fields__)  # type: ignore[attr-defined]
        later = tuple((k, LATER_FIELDS[k]) for k in names if k in LATER_FIELDS)
        got = tuple(k for k in names if k not in LATER_FIELDS), later
        _field_names_of[cls] = got
    return got


def _fields(o: Any) -> Any:
    """A dataclass's fields for the JSON encoder (the same dict dataclasses.asdict makes),
    without the LATER_FIELDS that hold their default."""
    if not hasattr(o, "__dataclass_fields__"):
        return str(o)
    always, later = _field_names(type(o))
    got = {k: getattr(o, k) for k in always}
    for k, default in later:
        value = getattr(o, k)
        if value != default:
            got[k] = value
    return got


def programme_version(p: Programme) -> str:
    """A short content hash of everything that shapes a return workbook.

    The hash of ``json.dumps(dataclasses.asdict(p with version=""), sort_keys=True,
    ensure_ascii=False)`` (so versions written into earlier workbooks still match), fed to
    sha256 in chunks by the C encoder instead: asdict deep-copies every object, which is
    slow for a regional programme. The send-out's settings (MAIL_SETTINGS) shape no
    workbook and are left out: the hash of a programme is what it was before they existed.
    """
    encode = json.JSONEncoder(sort_keys=True, ensure_ascii=False, default=_fields).encode
    h = hashlib.sha256(b'{"actions": [')
    for i in range(0, len(p.actions), _CHUNK):
        if i:
            h.update(b", ")
        h.update(encode(p.actions[i : i + _CHUNK])[1:-1].encode("utf-8"))
    rest = {
        "departments": p.departments,
        "priorities": p.priorities,
        "settings": {k: v for k, v in _fields(p.settings).items() if k not in MAIL_SETTINGS},
        "statuses": p.statuses,
        "version": "",
    }
    h.update(b"], " + encode(rest)[1:].encode("utf-8"))
    return h.hexdigest()[:12]


def with_version(p: Programme) -> Programme:
    return dataclasses.replace(p, version=programme_version(p))


def programme_from_dict(data: dict[str, Any]) -> Programme:
    """Build a Programme from the TOML layout of examples/*/programme.toml (trusted input)."""
    st = data["settings"]
    fields = {k: st[k] for k in st if k in Settings.__dataclass_fields__}
    if type(fields.get("mail_limit_mb")) is int:  # TOML's 10 for 10.0
        fields["mail_limit_mb"] = float(fields["mail_limit_mb"])
    settings = Settings(**fields)
    priorities = tuple(Priority(p["id"], p["title"]) for p in data.get("priorities", []))
    departments = tuple(
        Department(d["id"], d["name"], d.get("contact", ""), d.get("email", ""))
        for d in data.get("departments", [])
    )
    actions = []
    for a in data.get("actions", []):
        metrics = tuple(
            Metric(
                id=m["id"],
                action_id=a["id"],
                name=m["name"],
                kind=m.get("kind", "text"),
                unit=m.get("unit", ""),
                baseline=str(m.get("baseline", "")),
                target=str(m.get("target", "")),
                higher_is_better=bool(m.get("higher_is_better", True)),
                targets=_targets(m.get("targets", ())),
            )
            for m in a.get("metrics", [])
        )
        actions.append(
            Action(
                id=a["id"],
                priority_id=a["priority"],
                department_id=a["department"],
                text=a["action"],
                metrics=metrics,
                metric_text=a.get("metric_text", ""),
                schedule=a.get("schedule", ""),
                responsible=a.get("responsible", ""),
                origin=a.get("origin", ""),
                active=bool(a.get("active", True)),
                partners=tuple(a.get("partners", ())),
                start=str(a.get("start", "")),
                end=str(a.get("end", "")),
            )
        )
    statuses = (
        tuple(Status(**s) for s in data["statuses"])
        if data.get("statuses")
        else default_status_scale(settings.language)
    )
    return with_version(Programme(settings, priorities, departments, tuple(actions), statuses))


def _targets(rows: Any) -> tuple[tuple[str, str], ...]:
    """A metric's ``targets = [{ period = "2025", target = "30" }, ...]``, in bound order."""
    pairs = [(str(t["period"]), str(t["target"])) for t in rows]
    return tuple(sorted(pairs, key=lambda t: bound_dates(t[0])[::-1]))


def load_example(name: str) -> Programme:
    return programme_from_dict(read_toml(example_dir(name) / "programme.toml"))


def load_toml(path: Path) -> Programme:
    return programme_from_dict(read_toml(path))
