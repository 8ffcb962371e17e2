"""The rejection ledger: reports/PERIOD/rejections.jsonl, one JSON object per rejected file.

`status` reads it (who was rejected, and why). `collect` also uses it to skip work: a file whose
rejection was *final* (decided by its bytes alone: not a timeout, not a disk or register
error) under the very same programme.xlsx and roundtrip version is rejected again, with the
same problems, without being read again. So re-running collect over an inbox where everything
is either stored or known to be rejected is decided by hashes alone.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from roundtrip.errors import Problem, WorkspaceError
from roundtrip.language import _
from roundtrip.workspace import atomic_path

REJECTIONS_FILE = "rejections.jsonl"
_FIELDS = ("message", "sheet", "cell", "severity", "value")


def entry(
    digest: str,
    name: str,
    dept: str | None,
    period: str,
    received_at: str,
    collected_at: str,
    problems: tuple[Problem, ...],
    programme_key: str = "",
    final: bool = False,
) -> dict[str, Any]:
    """One line of the ledger. `final`: the same bytes will always be rejected so."""
    errors = [p for p in problems if p.severity == "error"]
    out: dict[str, Any] = {
        "content_hash": digest,
        "original_name": name,
        "department_id": dept,
        "period": period,
        "received_at": received_at,
        "collected_at": collected_at,
        "errors": len(errors),
        "warnings": len(problems) - len(errors),
        "first_message": str(errors[0]) if errors else "",
    }
    if final and programme_key:
        out["programme_key"] = programme_key
        out["problems"] = [[getattr(p, f) for f in _FIELDS] for p in problems]
    return out


def _key(e: dict[str, Any]) -> tuple[str, str]:
    return str(e.get("content_hash")), str(e.get("programme_key", ""))


def read_entries(path: Path) -> list[dict[str, Any]]:
    """Every readable entry, in order. Unreadable lines are skipped: the log is ours, and a
    torn last line must not stop `status` or `collect`."""
    if not path.is_file():
        return []
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise WorkspaceError(
            _("cannot read the log of rejected files {path}: {reason}").format(
                path=path, reason=exc
            )
        ) from exc
    return _parse(text)


def _parse(text: str) -> list[dict[str, Any]]:
    out = []
    for line in text.splitlines():
        try:
            obj = json.loads(line)
        except ValueError:
            continue
        if isinstance(obj, dict):
            out.append(obj)
    return out


def append(path: Path, entries: list[dict[str, Any]]) -> None:
    """Add entries, one per (file content, programme) pair: a file rejected again under the
    same programme adds nothing; under a changed programme it is logged again."""
    if not entries:
        return
    existing = path.read_text(encoding="utf-8") if path.is_file() else ""
    seen = {_key(e) for e in _parse(existing)}
    new = []
    for e in entries:
        if _key(e) not in seen:
            seen.add(_key(e))
            new.append(json.dumps(e, ensure_ascii=False))
    if not new:
        return
    if existing and not existing.endswith("\n"):
        existing += "\n"
    with atomic_path(path) as tmp:
        tmp.write_text(existing + "\n".join(new) + "\n", encoding="utf-8")


def final_rejections(path: Path, programme_key: str) -> dict[str, dict[str, Any]]:
    """content hash -> its final rejection under `programme_key` (entries that can be reused)."""
    out = {}
    for e in read_entries(path):
        if programme_key and e.get("programme_key") == programme_key and "problems" in e:
            out[str(e.get("content_hash"))] = e
    return out


def problems_of(e: dict[str, Any], file: str) -> tuple[Problem, ...] | None:
    """The problems stored with a final rejection (as Problems of `file`); None if damaged."""
    try:
        got = tuple(
            Problem(file, *(str(v) for v in item)) for item in e["problems"] if len(item) == 5
        )
    except (KeyError, TypeError):
        return None
    if len(got) != len(e["problems"]) or not any(p.severity == "error" for p in got):
        return None
    return got


class Pending:
    """The entries of one collect run, written together at its end."""

    def __init__(self, programme_key: str = "") -> None:
        self.programme_key = programme_key
        self.entries: list[dict[str, Any]] = []

    def add(
        self,
        digest: str,
        name: str,
        dept: str | None,
        period: str,
        received_at: str,
        collected_at: str,
        problems: tuple[Problem, ...],
        *,
        final: bool = False,
    ) -> None:
        """entry(...) under this run's programme."""
        self.entries.append(
            entry(
                digest,
                name,
                dept,
                period,
                received_at,
                collected_at,
                problems,
                programme_key=self.programme_key,
                final=final,
            )
        )
