"""Re-running collect over files that are all dealt with already: decided by hashes alone.

At the scale of a regional roll-up (3,000 departments, 180,000 actions) loading the programme
is most of a re-run's cost; when every file is either in the register for this period or was
finally rejected under the very same programme.xlsx (see ledger.py), there is nothing to read
or validate, so the result is built from the register and the ledger without it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from roundtrip.collect.intake import file_hash
from roundtrip.collect.outcome import (
    ALREADY,
    REJECTED,
    SKIPPED,
    CollectResult,
    FileOutcome,
    collect_sources,
    programme_key,
)
from roundtrip.collect.reporting import FEEDBACK_DIR, REPORT_FILE, feedback_target
from roundtrip.errors import UsageError
from roundtrip.language import set_console_language
from roundtrip.programme.periods import parse_period
from roundtrip.register import db as register
from roundtrip.register import rejections as ledger
from roundtrip.register import shared
from roundtrip.register.submissions import stored_submissions
from roundtrip.returns.read import scan_sources
from roundtrip.workspace import Workspace

# Files hashed and looked up at a time: one query each on a shared register, and a run with
# a new file stops within the first of them (a cold collect hashes its files once more later).
LOOKUP = 100


def _looked_up(conn: Any, files: list[Path]) -> Iterator[tuple[Path, str | None, Any]]:
    """(file, its content hash, its stored submission or None), a batch at a time; the hash
    None (and the end) for a file that cannot be read."""
    for i in range(0, len(files), LOOKUP):
        batch = files[i : i + LOOKUP]
        try:
            digests = [file_hash(path) for path in batch]
        except OSError:
            yield batch[0], None, None
            return
        stored = stored_submissions(conn, digests)
        for path, digest in zip(batch, digests, strict=True):
            yield path, digest, stored.get(digest)


def all_collected_already(
    ws: Workspace, period: str, paths: list[Path] | None, database: str | None = None
) -> CollectResult | None:
    """The result of a re-run where every file is stored already for this period, found by
    hashes alone (no programme to load, nothing to read); None when anything needs work.
    `database`: a shared register's URL (else the workspace's roundtrip.db)."""
    try:
        per = parse_period(period)
        sources = collect_sources(ws, per, paths)
    except UsageError:
        return None  # the full run reports it, with the programme's cadence
    files, skipped = scan_sources(list(sources))
    if not files or (database is None and not ws.db_path.is_file()):
        return None
    key = programme_key(ws)
    language = _programmes_language(ws, key)  # None: not cached (the console stays as it is)
    final = ledger.final_rejections(ws.reports(per) / ledger.REJECTIONS_FILE, key)
    conn = shared.connect(database) if database else register.connect(ws.db_path)
    try:
        outcomes = []
        for path, digest, old in _looked_up(conn, files):
            if digest is None:
                return None
            if old is not None and old["period"] == str(per):
                dept, sid = old["department_id"], int(old["id"])
                outcomes.append(FileOutcome(path.name, path, ALREADY, dept, (), digest, sid))
                continue
            rejected = final.get(digest) if old is None else None
            if not rejected:
                return None
            problems = ledger.problems_of(rejected, path.name)
            if problems is None or language is None:
                return None
            copy = feedback_target(ws, per, path.name, path.suffix, language)
            outcomes.append(
                FileOutcome(
                    path.name,
                    path,
                    REJECTED,
                    rejected.get("department_id"),
                    problems,
                    digest,
                    feedback=copy if copy.is_file() else None,
                )
            )
    finally:
        conn.close()
    outcomes += [FileOutcome(p.name, p, SKIPPED, note=why) for p, why in skipped]
    if language:
        set_console_language(language)  # as after a full run, unless the user chose one
    report = ws.reports(per) / REPORT_FILE
    return CollectResult(
        str(per),
        tuple(outcomes),
        report if report.is_file() and any(o.verdict == REJECTED for o in outcomes) else None,
        ws.reports(per) / FEEDBACK_DIR,
        sources,
    )


def _programmes_language(ws: Workspace, key: str) -> str | None:
    """The programme's language, read from the head of its cache, not by loading it."""
    from roundtrip.programme.cache import Slices

    slices = Slices.open(ws.cache_dir, key) if key else None
    if slices is None:
        return None
    with slices:
        return slices.head.settings.language
