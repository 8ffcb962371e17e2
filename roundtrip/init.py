"""`roundtrip init`: create a workspace from an example, a raw action table or a definition."""

from __future__ import annotations

import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from roundtrip.errors import ConfigError, UsageError, WorkspaceError
from roundtrip.language import _, console_language, format_number, ngettext, set_console_language
from roundtrip.language.console import shell_word
from roundtrip.programme.model import Programme
from roundtrip.workspace import Workspace, atomic_path, atomic_write_bytes, usable_folder

FOLDERS = ("outbox", "inbox", "archive", "reports")
IMPORT_REPORT = Path("reports") / "import-report.txt"
PRINTED_REPORT = 300  # lines of it printed; a regional table's report is read in the file


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
        lang = console_language()
        n_metrics = sum(len(a.metrics) for a in p.actions)
        n_priorities, n_departments, n_actions = (
            len(p.priorities),
            len(p.departments),
            len(p.actions),
        )
        figures = ", ".join(
            text.format(n=format_number(n, lang))
            for text, n in (
                (ngettext("{n} priority", "{n} priorities", n_priorities), n_priorities),
                (ngettext("{n} department", "{n} departments", n_departments), n_departments),
                (ngettext("{n} action", "{n} actions", n_actions), n_actions),
                (ngettext("{n} metric", "{n} metrics", n_metrics), n_metrics),
            )
        )
        out = [
            _("Created workspace {folder} from {source}").format(
                folder=self.root, source=self.source
            ),
            _("  folders: {folders}").format(folders=", ".join(f + "/" for f in self.folders)),
            _("  programme.xlsx: {name}: {figures}").format(name=p.settings.name, figures=figures),
        ]
        active = Counter(a.department_id for a in p.actions if a.active)
        for d in p.departments:
            n = active.get(d.id, 0)
            out.append(
                f"    {d.id:<6} "
                + ngettext("{name}: {n} action", "{name}: {n} actions", n).format(
                    name=d.name, n=format_number(n, lang)
                )
            )
        out.append(_("  roundtrip.db: the register, with this workspace's signing secret"))
        if self.import_report_path is not None:
            n = sum(1 for line in self.import_report if line.startswith(" "))
            out.append(
                ngettext(
                    "  import report ({n} note): {file}", "  import report ({n} notes): {file}", n
                ).format(n=n, file=self.import_report_path)
            )
            shown = self.import_report[:PRINTED_REPORT]
            out.extend(f"    {line}" for line in shown)
            if len(self.import_report) > len(shown):
                more = len(self.import_report) - len(shown)
                out.append(_("    ... {n} more lines in the report").format(n=more))
        out.extend(self.notes)
        first = p.settings.first_period or _("PERIOD")
        folder = shell_word(self.root)
        out.append(
            _("Next: review {file} in Excel, then run:").format(file=self.root / "programme.xlsx")
        )
        out.append(f"  roundtrip -w {folder} check")
        out.append(f"  roundtrip -w {folder} generate {shell_word(first)}")
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
            n = len(exc.problems)
            raise ConfigError(
                exc.problems,
                ngettext(
                    "{source} does not make a valid programme ({n} problem; cells refer to the "
                    "programme.xlsx it would become)",
                    "{source} does not make a valid programme ({n} problems; cells refer to the "
                    "programme.xlsx it would become)",
                    n,
                ).format(source=source, n=n),
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
                [],
                _("{file}: not a programme definition (missing or bad field: {error})").format(
                    file=path.name, error=exc
                ),
            ) from exc
    raise UsageError(
        _("{file}: --programme takes a programme.xlsx or a programme.toml file").format(
            file=path.name
        )
    )


def init_workspace(
    target: Path,
    example: str | None = None,
    table: Path | None = None,
    programme: Path | None = None,
    columns: str | None = None,
    database: str | None = None,
) -> InitResult:
    """Create the workspace at `target` from exactly one source; never overwrites one.

    `database`: the URL of a shared register (register/programmes.py). With no source, the
    workspace takes the programme in force there (a coordinator joining); with one, its
    programme is published there when the register has none yet."""
    given = [
        name
        for name, v in (("--example", example), ("--from-table", table), ("--programme", programme))
        if v
    ]
    if database and not given:
        return _join(target, database)
    if len(given) != 1:
        options = ", ".join(given)
        what = _("{options} given").format(options=options) if given else _("none given")
        raise UsageError(
            _(
                "give exactly one source for the programme ({given}): e.g. "
                "'roundtrip init WORKSPACE --example aura', '--from-table FILE' or "
                "'--programme FILE'"
            ).format(given=what)
        )
    if columns and not table:
        raise UsageError(_("--columns goes with --from-table: it names the table's columns"))
    target = usable_folder(target)
    ws = Workspace(target.resolve())
    if target.exists() and not target.is_dir():
        raise WorkspaceError(_("{path} exists and is not a folder").format(path=target))
    existing = [p.name for p in (ws.programme_path, ws.db_path) if p.exists()]
    if existing:
        raise WorkspaceError(
            _(
                "{folder} is already a workspace (found {files}); refusing to overwrite it: "
                "choose a new folder, or remove those files yourself"
            ).format(folder=target, files=", ".join(existing))
        )

    # Build (and validate) the programme before creating anything on disk.
    raw: bytes | None = None
    report: tuple[str, ...] = ()
    if example:
        from roundtrip.programme.bundled import load_example

        prog = load_example(example)
        set_console_language(prog.settings.language)  # as loading its programme.xlsx will
        source = _("the bundled example {name!r}").format(name=example)
    elif table:
        from roundtrip.programme.tables.importer import import_table

        imported = import_table(Path(table), columns=columns, speak=set_console_language)
        prog, report = imported.programme, tuple(imported.report)
        set_console_language(prog.settings.language)
        source = _("table {file}").format(file=table)
    else:
        assert programme is not None
        prog, raw = _from_programme_file(Path(programme))
        source = _("programme file {file}").format(file=programme)

    from roundtrip.register.db import connect
    from roundtrip.register.submissions import secret

    if raw is None:
        raw = _validated(prog, source)

    _make_folders(ws, target)
    atomic_write_bytes(ws.programme_path, raw)
    report_path = None
    if table:
        report_path = ws.root / IMPORT_REPORT
        title = _("Import of {file}").format(file=Path(table).name)
        body = "\n".join([title, "", *report, ""])
        with atomic_path(report_path) as tmp:
            tmp.write_text(body, encoding="utf-8")
    conn = connect(ws.db_path)
    try:
        secret(conn)
    finally:
        conn.close()
    if database:
        from roundtrip.register.programmes import agree

        agree(ws, database)
    return InitResult(
        root=target,
        programme=prog,
        source=source,
        import_report=report,
        import_report_path=report_path,
    )


def _join(target: Path, database: str) -> InitResult:
    """A new workspace of the programme in force on the shared register at `database`."""
    from roundtrip.programme.workbook import load_programme
    from roundtrip.register.programmes import agree, in_force
    from roundtrip.register.shared import shown

    target = usable_folder(target)
    ws = Workspace(target.resolve())
    if ws.programme_path.exists():
        raise WorkspaceError(
            _(
                "{folder} is already a workspace (found {files}); refusing to overwrite it: "
                "choose a new folder, or remove those files yourself"
            ).format(folder=target, files=ws.programme_path.name)
        )
    if not in_force(database):
        raise UsageError(
            _(
                "the shared register {url} has no programme yet: give the first one with "
                "--example, --from-table or --programme"
            ).format(url=shown(database))
        )
    _make_folders(ws, target)
    agree(ws, database)
    prog = load_programme(ws.programme_path, ws.cache_dir)
    return InitResult(
        root=target,
        programme=prog,
        source=_("the shared register {url}").format(url=shown(database)),
    )


def _make_folders(ws: Workspace, target: Path) -> None:
    """The workspace's folders (FOLDERS), or one line saying why they cannot be made."""
    try:
        for folder in FOLDERS:
            (ws.root / folder).mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise WorkspaceError(
            _("cannot create the workspace {folder} ({error})").format(
                folder=target, error=exc.strerror or exc
            )
        ) from exc
