"""Build the hostile and broken returns corpus from a REAL generated workbook.

`make_base_workspace(dir)` creates the Aura workspace and generates the returns the corpus
starts from; `build_corpus(workspace, out_dir)` writes one file (or folder) per case into
`out_dir` and returns the cases with what collect must do with each:

* ``accepted``  stored, no problems;           * ``warnings`` stored, with a warning;
* ``stored``    accepted or with warnings;     * ``rejected`` not stored, an error;
* ``not_stored`` rejected or skipped (lock files, duplicates): the register is unchanged.

`fragment` must appear (case-insensitively) in what collect reports for the file (the messages
are in the programme's language: Finnish for Aura; the console's English lines, without the
file's own name, count too); `sheet` and
`cell`, when given, must be where it is reported. `before` are files collected first in the
same workspace (a duplicate, a newer return). `checks` are values that must be stored exactly:
(table, row id, SQL expression, expected), e.g. ("metric_values", "P1-01-M2", "value_num", 29000).

Nothing here is committed as a file: the tests build the corpus into a temporary folder.
"""

from __future__ import annotations

import datetime as dt
import secrets
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .makers import (
    ACTIONS,
    BLANK_PLAN,
    COMMENT_COL,
    COUNT_METRIC,
    DEPT,
    FIRST,
    FORMULA_TEXTS,
    IDENTITY,
    METRICS,
    NOW,
    ON_TRACK,
    OTHER_DEPT,
    OTHER_PERIOD,
    PERIOD,
    PROGRESS_COL,
    STATUS_COL,
    VALUE_COL,
    YESNO_METRIC,
    _actual_bomb,
    _append_rows,
    _cell_xml,
    _col,
    _copy_identity,
    _corrupt,
    _declared_bomb,
    _delete_row,
    _edit,
    _encrypt,
    _entity_bomb,
    _far_cell,
    _fill,
    _hide_rows,
    _identity_edit,
    _insert_column,
    _merge_comments,
    _ods_repeated_bomb,
    _plain_zip,
    _rename_sheet,
    _rewrite_zip,
    _set,
    _set_text,
    _sort_rows_desc,
    _with_macros,
    soffice_convert,
)


@dataclass(frozen=True)
class Case:
    name: str
    path: Path
    expect: str  # accepted | warnings | stored | rejected | not_stored
    fragment: str = ""
    sheet: str = ""
    cell: str = ""
    before: tuple[Path, ...] = ()
    checks: tuple[tuple[str, str, str, object], ...] = ()
    department: str = DEPT
    bomb: bool = False  # run in a subprocess with a timeout
    libreoffice: bool = False
    note: str = ""


@dataclass
class _Base:
    ws: Path
    secret: bytes
    returns: dict[tuple[str, str], Path]  # (department, period) -> generated workbook
    filled: Path = Path()
    other_secret: bytes = b""
    out: Path = Path()
    cases: list[Case] = field(default_factory=list)


def make_base_workspace(root: Path) -> Path:
    """The Aura workspace with YEP and HAL returns for PERIOD and YEP's for OTHER_PERIOD."""
    from roundtrip.init import init_workspace
    from roundtrip.returns.generate import generate_period
    from roundtrip.workspace import Workspace

    init_workspace(root, example="aura")
    ws = Workspace(root)
    generate_period(ws, PERIOD, [DEPT, OTHER_DEPT], now=NOW)
    generate_period(ws, OTHER_PERIOD, [DEPT], now=NOW)
    return root


def _generated(ws: Path) -> dict[tuple[str, str], Path]:
    out = {}
    for period in (PERIOD, OTHER_PERIOD):
        for f in sorted((ws / "outbox" / period).glob("*.xlsx")):
            dept = f.stem.split("_")[1]
            out[(dept, period)] = f
    return out


def _secret(ws: Path) -> bytes:
    import sqlite3

    conn = sqlite3.connect(f"file:{ws / 'roundtrip.db'}?mode=ro", uri=True)
    try:
        row = conn.execute("SELECT value FROM meta WHERE key = 'secret'").fetchone()
    finally:
        conn.close()
    return bytes.fromhex(row[0])


# --- the corpus ------------------------------------------------------------------------------


def build_corpus(workspace: Path, out_dir: Path, libreoffice: bool | None = None) -> list[Case]:
    """Write every case into `out_dir`; `workspace` is made by make_base_workspace."""
    from roundtrip.programme.workbook import load_programme

    out_dir.mkdir(parents=True, exist_ok=True)
    if libreoffice is None:
        libreoffice = shutil.which("soffice") is not None
    programme = load_programme(workspace / "programme.xlsx")
    b = _Base(workspace, _secret(workspace), _generated(workspace), out=out_dir)
    b.filled = _fill(b.returns[(DEPT, PERIOD)], out_dir / "ok_baseline.xlsx", programme)
    cases = b.cases

    def add(name: str, expect: str, make: Callable[[Path], object], suffix=".xlsx", **kw) -> None:
        path = out_dir / f"{name}{suffix}"
        make(path)
        cases.append(Case(name, path, expect, **kw))

    def fill(name: str, expect: str, suffix=".xlsx", **kw) -> None:
        over = {k: kw.pop(k) for k in ("answers", "metrics", "plan", "proposals") if k in kw}
        over.update({k: kw.pop(k) for k in ("metric_comments",) if k in kw})
        add(
            name,
            expect,
            lambda p: _fill(b.returns[(DEPT, PERIOD)], p, programme, **over),
            suffix,
            **kw,
        )

    def edit(name: str, expect: str, *fns: Callable, suffix=".xlsx", **kw) -> None:
        def make(p: Path) -> None:
            shutil.copyfile(b.filled, p)
            for fn in fns:
                _edit(p, p, fn)

        add(name, expect, make, suffix, **kw)

    from roundtrip.demo.fill import ActionAnswer as A

    cases.append(
        Case("ok_baseline", b.filled, "accepted", checks=(("answers", FIRST, "progress", 50),))
    )

    # --- DESIGN.md "Collect: what real returns look like" ---
    edit(
        "rows_sorted",
        "stored",
        _sort_rows_desc,
        checks=(("answers", FIRST, "status_key", "on_track"),),
    )
    edit("rows_filtered_hidden", "stored", _hide_rows)
    edit("column_inserted", "stored", _insert_column)
    edit("sheet_renamed", "stored", _rename_sheet)
    extra_sheet = lambda wb: wb.create_sheet("Muistiinpanot").cell(1, 1, "omat muistiinpanot")  # noqa: E731
    edit("extra_sheet_added", "stored", extra_sheet)
    fill(
        "status_not_in_list",
        "rejected",
        answers={FIRST: A("Melkein valmis", 90, "x")},
        fragment="tila ei ole listalla",
        sheet=ACTIONS,
        cell=f"{STATUS_COL}4",
    )
    fill(
        "status_trailing_space",
        "stored",
        answers={FIRST: A("Valmis ", 100, "")},
        checks=(("answers", FIRST, "status_key", "done"),),
    )
    fill(
        "status_other_case",
        "stored",
        answers={FIRST: A("VALMIS", 100, "")},
        checks=(("answers", FIRST, "status_key", "done"),),
    )
    fill(
        "status_other_language",
        "stored",
        answers={FIRST: A("Completed", 100, "")},
        checks=(("answers", FIRST, "status_key", "done"),),
    )
    fill(
        "number_as_text",
        "stored",
        metrics={COUNT_METRIC: "12"},
        checks=(("metric_values", COUNT_METRIC, "value_num", 12),),
    )
    for tag, sep in (("space", " "), ("nbsp", "\u00a0"), ("nnbsp", "\u202f")):
        fill(
            f"thousands_{tag}",
            "stored",
            metrics={COUNT_METRIC: f"29{sep}000"},
            checks=(("metric_values", COUNT_METRIC, "value_num", 29000),),
        )
    fill(
        "decimal_in_count",
        "rejected",
        metrics={COUNT_METRIC: "1 234,5"},
        fragment="1234,5 ei ole kokonaisluku",
        sheet=METRICS,
        cell=f"{VALUE_COL}5",
    )
    fill(
        "percent_text",
        "stored",
        answers={FIRST: A(ON_TRACK, "50 %", "")},
        checks=(("answers", FIRST, "progress", 50),),
    )
    edit(
        "percent_fraction",
        "stored",
        _set(ACTIONS, FIRST, PROGRESS_COL, 0.5, "0%"),
        checks=(("answers", FIRST, "progress", 50),),
    )
    fill(
        "progress_over_100",
        "rejected",
        answers={FIRST: A(ON_TRACK, 150, "")},
        fragment="150 ei ole välillä 0–100",
        sheet=ACTIONS,
        cell=f"{PROGRESS_COL}4",
    )
    fill(
        "yesno_lowercase_text",
        "stored",
        metrics={YESNO_METRIC: "kyllä"},
        checks=(("metric_values", YESNO_METRIC, "value_num", 1),),
    )
    fill("date_text_in_schedule", "stored", plan={(BLANK_PLAN, "schedule"): "15.3.2025"})
    edit(
        "date_cell_in_schedule",
        "stored",
        _set(
            ACTIONS, BLANK_PLAN, _col("actions", "schedule"), dt.datetime(2025, 3, 15), "d.m.yyyy"
        ),
    )
    edit(
        "date_serial_in_schedule",
        "stored",
        _set(ACTIONS, BLANK_PLAN, _col("actions", "schedule"), 45731, "d.m.yyyy"),
    )
    edit(
        "formula_no_saved_value",
        "not_stored",
        _set(METRICS, COUNT_METRIC, VALUE_COL, "=10+5"),
        fragment="kaava",
        sheet=METRICS,
        cell=f"{VALUE_COL}5",
    )
    add(
        "formula_with_saved_value",
        "stored",
        lambda p: _cell_xml(b.filled, p, METRICS, f"{VALUE_COL}5", "<f>10+5</f><v>15</v>"),
        checks=(("metric_values", COUNT_METRIC, "value_num", 15),),
    )
    add(
        "formula_external_link",
        "rejected",
        lambda p: _cell_xml(
            b.filled, p, METRICS, f"{VALUE_COL}5", "<f>'C:\\[other.xlsx]Sheet1'!A1</f><v>7</v>"
        ),
        fragment="kaava",
        sheet=METRICS,
        cell=f"{VALUE_COL}5",
    )
    edit("merged_comment_cells", "stored", _merge_comments)
    fill(
        "status_needs_comment",
        "not_stored",
        answers={FIRST: A("Merkittäviä haasteita", 20, "")},
        fragment="kommentti on pakollinen",
        sheet=ACTIONS,
    )
    add("empty_return", "stored", lambda p: shutil.copyfile(b.returns[(DEPT, PERIOD)], p))
    edit("action_row_deleted", "stored", _delete_row(ACTIONS, "P4-03"))
    edit("action_id_typed_over", "not_stored", _set(ACTIONS, FIRST, "A", "P9-99"), fragment="P9-99")

    # identity: old version, other period/department, edits, copies, foreign signatures
    edit(
        "old_format_version",
        "rejected",
        _identity_edit(b.secret, format_version="0"),
        fragment="muotoversio",
    )
    edit(
        "old_programme_version",
        "stored",
        _identity_edit(b.secret, programme_version="0123456789ab"),
    )
    add(
        "other_period_file",
        "rejected",
        lambda p: _fill(b.returns[(DEPT, OTHER_PERIOD)], p, programme),
        fragment=OTHER_PERIOD,
    )
    add(
        "other_department_file",
        "stored",
        lambda p: _fill(b.returns[(OTHER_DEPT, PERIOD)], p, programme, dept=OTHER_DEPT),
        department=OTHER_DEPT,
        note="identified by identity, not by who sent it",
    )
    edit(
        "identity_sheet_deleted",
        "rejected",
        lambda wb: wb.remove(wb[IDENTITY]),
        fragment="tunnistevälilehteä ei löytynyt",
    )
    edit(
        "identity_department_switched",
        "rejected",
        _identity_edit(None, department_id=OTHER_DEPT),
        fragment="tunnisteen allekirjoitus ei täsmää",
    )
    edit(
        "identity_period_changed",
        "rejected",
        _identity_edit(None, period="2025Q4"),
        fragment="tunnisteen allekirjoitus ei täsmää",
    )
    edit(
        "identity_ids_altered",
        "rejected",
        _identity_edit(None, action_ids=" ".join(a.id for a in programme.actions_of(DEPT)[:-1])),
        fragment="tunnisteen allekirjoitus ei täsmää",
    )
    edit(
        "identity_from_other_department",
        "rejected",
        _copy_identity(b.returns[(OTHER_DEPT, PERIOD)]),
    )
    b.other_secret = secrets.token_bytes(32)
    edit(
        "signature_other_workspace",
        "rejected",
        _identity_edit(b.other_secret),
        fragment="allekirjoitus ei täsmää",
    )

    # the same file twice; a newer return replacing an older one
    add(
        "same_file_twice",
        "not_stored",
        lambda p: shutil.copyfile(b.filled, p),
        before=(b.filled,),
        fragment="already",
    )
    fill(
        "newer_replaces_older",
        "stored",
        answers={FIRST: A("Valmis", 100, "Valmis nyt.")},
        before=(b.filled,),
        checks=(("answers", FIRST, "status_key", "done"),),
    )

    # not workbooks
    lock = out_dir / f"~${b.filled.name}"
    lock.write_bytes(b"\x0cTesti Tayttaja".ljust(165, b"\x00"))
    cases.append(Case("lock_file", lock, "not_stored", note="skipped: never a return"))
    add(
        "csv_file",
        "rejected",
        lambda p: p.write_text("Tunnus;Tila\nP1-01;Valmis\n", "utf-8"),
        suffix=".csv",
        fragment="csv",
    )
    add("zero_bytes", "rejected", lambda p: p.write_bytes(b""), fragment="tiedosto on tyhjä")
    add("directory_named_xlsx", "not_stored", lambda p: p.mkdir(), note="skipped: not a file")
    add(
        "random_bytes",
        "rejected",
        lambda p: p.write_bytes(secrets.token_bytes(4096)),
        fragment="ei ole Excel-työkirja",
    )
    add(
        "pdf_as_xlsx",
        "rejected",
        lambda p: p.write_bytes(b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF\n"),
        fragment="pdf",
    )
    add(
        "html_as_xlsx",
        "rejected",
        lambda p: p.write_text(
            "<!DOCTYPE html><html><body><table><tr><td>P1-01</td></tr></table></body></html>"
        ),
        fragment="verkkosivu (HTML)",
    )
    add("plain_zip_as_xlsx", "rejected", lambda p: _plain_zip(p), fragment="zip-paketti")
    add(
        "truncated",
        "rejected",
        lambda p: p.write_bytes(b.filled.read_bytes()[: b.filled.stat().st_size // 2]),
        fragment="vioittunut",
    )
    add("corrupt_zip", "rejected", lambda p: _corrupt(b.filled, p), fragment="vioittunut")
    add("encrypted", "rejected", lambda p: _encrypt(b.filled, p), fragment="suojattu salasanalla")

    # bombs
    add(
        "zip_bomb_declared",
        "rejected",
        lambda p: _declared_bomb(b.filled, p),
        fragment="kuin missään palautustyökirjassa",
        bomb=True,
    )
    add(
        "zip_bomb_actual",
        "rejected",
        lambda p: _actual_bomb(b.filled, p, 210, declare=4096),
        fragment="vioittunut",
        bomb=True,
    )
    add(
        "zip_bomb_ratio",
        "rejected",
        lambda p: _actual_bomb(b.filled, p, 60),
        fragment="kuin missään palautustyökirjassa",
        bomb=True,
    )
    add(
        "zip_many_members",
        "rejected",
        lambda p: _rewrite_zip(b.filled, p, extra={f"xl/media/x{i}.bin": b"" for i in range(2500)}),
        fragment="kuin missään palautustyökirjassa",
        bomb=True,
    )
    add(
        "xml_entity_bomb",
        "rejected",
        lambda p: _entity_bomb(b.filled, p),
        fragment="DOCTYPE",
        bomb=True,
    )
    add(
        "cell_at_xfd1048576",
        "rejected",
        lambda p: _far_cell(b.filled, p, "XFD1048576", 1048576),
        fragment="kuin missään palautustyökirjassa",
        bomb=True,
    )
    add(
        "macros_xlsm",
        "warnings",
        lambda p: _with_macros(b.filled, p),
        suffix=".xlsm",
        fragment="makroja",
    )

    # names
    for tag, name in (
        ("dots", "YEP..2025Q3.."),
        ("reserved", "CON"),
        ("control", "ctrl\x07\x1b[31mred"),
    ):
        path = out_dir / f"{name}.xlsx"
        _fill(b.returns[(DEPT, PERIOD)], path, programme, answers={FIRST: A(ON_TRACK, 40, tag)})
        cases.append(Case(f"name_{tag}", path, "stored", note=f"file name {name!r}"))

    # size and shape extremes
    add(
        "rows_100k_appended",
        "warnings",
        lambda p: _append_rows(b.filled, p, 100_000),
        fragment="riviä",
        bomb=True,
        note="decided by read.py: rows past MAX_ROWS are ignored with a warning",
    )
    edit("column_xfd_used", "stored", lambda wb: wb[ACTIONS].cell(4, 16384, "x"))
    long = ("Pitkä kommentti. " * 2000)[:32767]
    fill(
        "comment_32767_chars",
        "stored",
        answers={FIRST: A(ON_TRACK, 50, long)},
        checks=(("answers", FIRST, "length(comment)", 32767),),
    )
    if libreoffice:
        _libreoffice_cases(b, cases)

    # more of what people type and paste
    emoji = "Hyvä 👍 — ok ✓ «citat» עברית"
    fill(
        "comment_unicode",
        "stored",
        answers={FIRST: A(ON_TRACK, 50, emoji)},
        checks=(("answers", FIRST, "comment", emoji),),
    )
    fill(
        "status_zero_width_space",
        "stored",
        answers={FIRST: A("Valmis\u200b", 100, "")},
        checks=(("answers", FIRST, "status_key", "done"),),
    )
    fill(
        "thousands_comma_ambiguous",
        "rejected",
        metrics={COUNT_METRIC: "1,000"},
        fragment="1,000",
        sheet=METRICS,
        cell=f"{VALUE_COL}5",
    )
    fill(
        "negative_count",
        "rejected",
        metrics={COUNT_METRIC: -5},
        fragment="-5",
        sheet=METRICS,
        cell=f"{VALUE_COL}5",
    )
    fill(
        "number_with_unit",
        "stored",
        metrics={COUNT_METRIC: "12 kpl"},
        checks=(("metric_values", COUNT_METRIC, "value_num", 12),),
    )
    edit(
        "yesno_boolean_cell",
        "stored",
        _set(METRICS, YESNO_METRIC, VALUE_COL, True),
        checks=(("metric_values", YESNO_METRIC, "value_num", 1),),
    )
    add(
        "excel_error_cell",
        "rejected",
        lambda p: _cell_xml(b.filled, p, METRICS, f"{VALUE_COL}5", "<v>#DIV/0!</v>", "e"),
        fragment="#DIV/0!",
        sheet=METRICS,
        cell=f"{VALUE_COL}5",
    )
    add(
        "formula_error_cell",
        "rejected",
        lambda p: _cell_xml(b.filled, p, METRICS, f"{VALUE_COL}5", "<f>1/0</f><v>#DIV/0!</v>", "e"),
        sheet=METRICS,
        cell=f"{VALUE_COL}5",
    )
    edit(
        "date_in_progress",
        "rejected",
        _set(ACTIONS, FIRST, PROGRESS_COL, dt.datetime(2025, 9, 30), "d.m.yyyy"),
        sheet=ACTIONS,
        cell=f"{PROGRESS_COL}4",
    )
    if libreoffice:
        xls = b.out / "lo" / "xls" / "lo_return.xls"
        add("xls_renamed_xlsx", "stored", lambda p: shutil.copyfile(xls, p), libreoffice=True)
    edit(
        "comment_formula_text",
        "stored",
        *(_set_text(ACTIONS, aid, COMMENT_COL, text) for aid, text in FORMULA_TEXTS.items()),
        checks=tuple(("answers", aid, "comment", text) for aid, text in FORMULA_TEXTS.items()),
    )

    return cases


def _libreoffice_cases(b: _Base, cases: list[Case]) -> None:
    """Real .ods, .xls, .csv and re-saved .xlsx from LibreOffice (conversions run in parallel)."""
    from concurrent.futures import ThreadPoolExecutor

    lo = b.out / "lo"
    src = lo / "src" / "lo_return.xlsx"
    src.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(b.filled, src)
    jobs = (  # name, filter, output folder, expect, fragment
        ("libreoffice_ods", "ods", lo / "ods", "stored", ""),
        ("libreoffice_xls", "xls:MS Excel 97", lo / "xls", "stored", ""),
        ("libreoffice_csv", "csv", lo / "csv", "rejected", "CSV-tiedostoa ei voi"),
        ("libreoffice_resaved_xlsx", "xlsx:Calc MS Excel 2007 XML", lo / "xlsx", "stored", ""),
    )
    with ThreadPoolExecutor(len(jobs)) as pool:
        list(pool.map(lambda j: soffice_convert([src], j[2], j[1]), jobs))
    for name, target, folder, expect, frag in jobs:
        out = folder / f"{src.stem}.{target.split(':')[0]}"
        if out.exists():
            cases.append(Case(name, out, expect, fragment=frag, libreoffice=True))
    ods = lo / "ods" / f"{src.stem}.ods"
    if ods.exists():
        bomb = lo / "ods_repeated_cells.ods"
        _ods_repeated_bomb(ods, bomb)
        cases.append(
            Case(
                "libreoffice_ods_repeated_cells",
                bomb,
                "rejected",
                fragment="kuin missään palautustyökirjassa",
                bomb=True,
            )
        )
