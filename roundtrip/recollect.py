"""Re-running collect over files that are all stored already: decided by hashes alone.

At the scale of a regional roll-up (3,000 departments, 180,000 actions) loading the programme
is most of a re-run's cost; when every file is already in the register for this period there
is nothing to read or validate, so the result is built from the register without it.
"""

from __future__ import annotations

from pathlib import Path

from . import register
from .collect import (
    ALREADY,
    FEEDBACK_DIR,
    SKIPPED,
    CollectResult,
    FileOutcome,
    collect_sources,
    file_hash,
)
from .errors import UsageError
from .periods import parse_period
from .read import scan_sources
from .store import stored_submission
from .workspace import Workspace


def all_collected_already(
    ws: Workspace, period: str, paths: list[Path] | None
) -> CollectResult | None:
    """The result of a re-run where every file is stored already for this period, found by
    hashes alone (no programme to load, nothing to read); None when anything needs work."""
    try:
        per = parse_period(period)
        sources = collect_sources(ws, per, paths)
    except UsageError:
        return None  # the full run reports it, with the programme's cadence
    files, skipped = scan_sources(list(sources))
    if not files or not ws.db_path.is_file():
        return None
    conn = register.connect(ws.db_path)
    try:
        outcomes = []
        for path in files:
            try:
                digest = file_hash(path)
            except OSError:
                return None
            old = stored_submission(conn, digest)
            if old is None or old["period"] != str(per):
                return None
            dept, sid = old["department_id"], int(old["id"])
            outcomes.append(FileOutcome(path.name, path, ALREADY, dept, (), digest, sid))
    finally:
        conn.close()
    outcomes += [FileOutcome(p.name, p, SKIPPED, note=why) for p, why in skipped]
    return CollectResult(str(per), tuple(outcomes), None, ws.reports(per) / FEEDBACK_DIR, sources)
