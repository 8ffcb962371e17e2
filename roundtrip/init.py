"""`roundtrip init`: create a workspace from an example, a raw action table or a definition."""

from __future__ import annotations

import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from roundtrip.errors import ConfigError, UsageError, WorkspaceError
from roundtrip.programme.model import Programme
from roundtrip.workspace import Workspace, atomic_path, atomic_write_bytes

FOLDERS = ("outbox", "inbox", "archive", "reports")
IMPORT_REPORT = Path("reports") / "import-report.txt"


@dataclass(frozen=True)
class InitResult:
    root: Path
    programme: Programme
    source: str  # what the programme came from, for the user
    folders: tuple[str, ...] = FOLDERS
    import_report: tuple[str, ...] = ()
    import_report_path: Path | None = None
    notes: tuple[str, ...] = field(default=())

    def lines(self) -> list[str]:
        p = self.programme
        n_metrics = sum(len(a.metrics) for a in p.actions)
        out = [
            f"Created workspace {self.root} from {self.source}",
            f"  folders: {', '.join(f + '/' for f in self.folders)}",
            f"  programme.xlsx: {p.settings.name}: {len(p.priorities)} priorities, "
            f"{len(p.departments)} departments, {len(p.actions)} actions, {n_metrics} metrics",
        ]
        counts = Counter(a.department_id for a in p.actions if a.active)
        for d in p.departments:
            out.append(f"    {d.id:<6} {d.name}: {counts.get(d.id, 0)} action(s)")
        out.append("  roundtrip.db: the register, with this workspace's signing secret")
        if self.import_report_path is not None:
            out.append(
                f"  import report ({len(self.import_report)} note(s)): {self.import_report_path}"
            )
            out.extend(f"    {line}" for line in self.import_report[:12])
            if len(self.import_report) > 12:
                out.append(f"    ... {len(self.import_report) - 12} more in the report")
        out.extend(self.notes)
        first = p.settings.first_period or "PERIOD"
        out.append(
            f"Next: review {self.root / 'programme.xlsx'} in Excel, then run "
            f"'roundtrip -w {self.root} check' and 'roundtrip -w {self.root} generate {first}'"
        )
        return out


def _validated(prog: Programme, source: str) -> bytes:
    """programme.xlsx for `prog`, checked by loading it back as `check` will."""
    from roundtrip.programme.workbook import load_programme, write_programme

    with tempfile.TemporaryDirectory(prefix="roundtrip-init-") as tmp:
        path = Path(tmp) / "programme.xlsx"
        write_programme(prog, path)
        try:
            load_programme(path)
        except ConfigError as exc:
            raise ConfigError(
                exc.problems,
                f"{source} does not make a valid programme ({len(exc.problems)} problem(s); "
                "cells refer to the programme.xlsx it would become)",
            ) from exc
        return path.read_bytes()


def _from_programme_file(path: Path) -> tuple[Programme, bytes | None]:
    """A given definition: .xlsx is validated and copied as is; .toml is converted."""
    from roundtrip.programme.bundled import load_toml
    from roundtrip.programme.workbook import load_programme

    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        return load_programme(path), path.read_bytes()
    if suffix == ".toml":
        try:
            return load_toml(path), None
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ConfigError(
                [], f"{path.name}: not a programme definition (missing or bad field: {exc})"
            ) from exc
    raise UsageError(f"{path.name}: --programme takes a programme.xlsx or a programme.toml file")


def init_workspace(
    target: Path,
    example: str | None = None,
    table: Path | None = None,
    programme: Path | None = None,
) -> InitResult:
    """Create the workspace at `target` from exactly one source; never overwrites one."""
    given = [
        name
        for name, v in (("--example", example), ("--from-table", table), ("--programme", programme))
        if v
    ]
    if len(given) != 1:
        what = "none" if not given else " and ".join(given)
        raise UsageError(
            f"give exactly one source for the programme ({what} given): e.g. "
            "'roundtrip init WORKSPACE --example aura', '--from-table FILE' or '--programme FILE'"
        )
    target = Path(target)
    ws = Workspace(target.resolve())
    if target.exists() and not target.is_dir():
        raise WorkspaceError(f"{target} exists and is not a folder")
    existing = [p.name for p in (ws.programme_path, ws.db_path) if p.exists()]
    if existing:
        raise WorkspaceError(
            f"{target} is already a workspace (found {', '.join(existing)}); refusing to "
            "overwrite it: choose a new folder, or remove those files yourself"
        )

    # Build (and validate) the programme before creating anything on disk.
    raw: bytes | None = None
    report: tuple[str, ...] = ()
    if example:
        from roundtrip.programme.bundled import load_example

        prog, source = load_example(example), f"the bundled example {example!r}"
    elif table:
        from roundtrip.programme.table_import import import_table

        imported = import_table(Path(table))
        prog, report, source = imported.programme, tuple(imported.report), f"table {table}"
    else:
        assert programme is not None
        prog, raw = _from_programme_file(Path(programme))
        source = f"programme file {programme}"

    from roundtrip.register.db import connect, secret

    if raw is None:
        raw = _validated(prog, source)

    try:
        for folder in FOLDERS:
            (ws.root / folder).mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise WorkspaceError(
            f"cannot create the workspace {target} ({exc.strerror or exc})"
        ) from exc
    atomic_write_bytes(ws.programme_path, raw)
    report_path = None
    if table:
        report_path = ws.root / IMPORT_REPORT
        body = "\n".join([f"Import of {Path(table).name}", "", *report, ""])
        with atomic_path(report_path) as tmp:
            tmp.write_text(body, encoding="utf-8")
    conn = connect(ws.db_path)
    try:
        secret(conn)
    finally:
        conn.close()
    return InitResult(
        root=target,
        programme=prog,
        source=source,
        import_report=report,
        import_report_path=report_path,
    )
