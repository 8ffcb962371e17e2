"""Every .xlsx the tool writes is valid against the ECMA-376 Transitional schemas, hostile text
included.

One workspace goes through a quarter: a programme whose action titles and department name
are hostile, returns generated from it, filled by departments with hostile comments (one
accepted, one rejected), collected (validation report, annotated copies), the register in
both its forms (Excel tables; streamed by StreamBook above `table_limit`) and the council
summary (its long lists are the bulk rows of roundtrip.xlsx.bulk). Text that no .xlsx can
carry as typed (U+FFFE, U+FFFF, control characters) also goes in raw where Python code hands
it on: a submission in the register, problems given to the annotated copy (both its fast path
and the openpyxl fallback) and to the validation report.

Each output is checked by tests/ooxml.py (well-formed XML, schema-valid parts) and read back:
formula-like text is a string cell, never a formula; a literal `_x0041_` reads back as typed
(as Excel decodes `_xHHHH_`); no cell holds more than Excel's 32,767 UTF-16 units.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import re
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pytest
from lxml import etree
from ooxml import SML, validate_part, validate_xlsx
from registry_builder import RegistryBuilder

from roundtrip.errors import Problem

PERIOD = "2025Q3"
NOW = dt.datetime(2025, 10, 1, 8, 0, tzinfo=dt.UTC)
MAJOR = "Merkittäviä haasteita"  # needs a comment, reaches the summary's attention list

HYPERLINK = '=HYPERLINK("http://x","y")'
LOOKALIKE = "_x0041_ as typed"  # Excel would show "A as typed" if it were not protected
# In the programme: openpyxl (filling the returns) writes it back unprotected into the
# department's file, so "B title" may come back from there; "A as typed" never may.
TITLE_LOOKALIKE = "_x0042_ title"
EMOJI = "😀" * 20_000 + " end"  # 40,000 UTF-16 units
FORMULAS = (HYPERLINK, "+cmd", "@SUM(1)")
# What a department types, as text: Excel stores the characters XML cannot hold as _xHHHH_.
TYPED = (
    HYPERLINK,
    LOOKALIKE,
    "nonchar \ufffe and \uffff",
    "control \x01 escape \x1b[31m",
    EMOJI,
    "+cmd",
    "@SUM(1)",
)
# The same text handed on by Python code (the register, problems): nothing escaped.
RAW = (
    HYPERLINK,
    "_x0041_ raw",
    "raw \ufffe and \uffff",
    "raw \x01 and \x1b[31m",
    "😀" * 20_000 + " raw",
    "+cmd",
    "@SUM(1)",
)
DEPARTMENT_NAME = "Yritys _x0042_ \x01 =HYPERLINK(1) +cmd"

# Placeholders written by openpyxl (which refuses these characters), then replaced in the XML
# by what Excel writes for them.
_EXCEL_FORMS = {
    "\ufffe": "_xFFFE_",
    "\uffff": "_xFFFF_",
    "\x01": "_x0001_",
    "\x1b": "_x001B_",
    "_x0041_": "_x005F_x0041_",
    "_x0042_": "_x005F_x0042_",
}
_MARK = {ch: f"QQ{i}QQ" for i, ch in enumerate(_EXCEL_FORMS)}


def _placeholders(text: str) -> str:
    for ch, mark in _MARK.items():
        text = text.replace(ch, mark)
    return text


def _as_excel_writes(path: Path) -> None:
    """Replace the placeholders in `path`'s XML by Excel's own escapes (_xHHHH_)."""
    tmp = path.with_name(path.name + ".tmp")
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename.endswith(".xml"):
                for ch, mark in _MARK.items():
                    data = data.replace(mark.encode(), _EXCEL_FORMS[ch].encode())
            zout.writestr(info, data)
    os.replace(tmp, path)


def _hostile_programme(path: Path, departments: tuple[str, ...]) -> None:
    """The departments' action titles and the first one's name made hostile (programme.xlsx)."""
    wb = openpyxl.load_workbook(path)
    typed = tuple(TITLE_LOOKALIKE if t == LOOKALIKE else t for t in TYPED)
    titles = {d: iter(typed) for d in departments}
    for row in wb["toimenpiteet"].iter_rows(min_row=2):  # Aura's actions (in Finnish)
        title = next(titles[row[2].value], None) if row[2].value in titles else None
        if title is not None:
            row[3].value = _placeholders(title)
            row[3].data_type = "s"
    for row in wb["toimialat"].iter_rows(min_row=2):  # and its departments
        if row[0].value == departments[0]:
            row[1].value = _placeholders(DEPARTMENT_NAME)
            row[1].data_type = "s"
    wb.save(path)
    _as_excel_writes(path)


def _raw_problems(name: str, sheet: str) -> list[Problem]:
    out = [
        Problem(name, f"not a status: {text}", sheet, f"K{4 + i}", "error", text)
        for i, text in enumerate(RAW)
    ]
    out.append(Problem(name, f"whole file: {RAW[2]} {RAW[1]}", "", "", "warning", RAW[3]))
    return out


@pytest.fixture(scope="module")
def quarter(aura_base, tmp_path_factory) -> dict:
    """One hostile quarter generated and collected: the workspace and its files."""
    from roundtrip.collect.run import collect_period
    from roundtrip.demo.fill import ActionAnswer, fill_return
    from roundtrip.programme.workbook import load_programme
    from roundtrip.returns.generate import generate_period
    from roundtrip.workspace import Workspace

    base = tmp_path_factory.mktemp("ooxml")
    ws = Workspace(base / "aura")
    shutil.copytree(aura_base, ws.root)
    _hostile_programme(ws.programme_path, ("YEP", "HAL"))
    programme = load_programme(ws.programme_path)
    generated = generate_period(ws, PERIOD, ["YEP", "HAL"], now=NOW)
    source = {f.path.stem.split("_")[1]: f.path for f in generated.files}

    inbox = ws.inbox(PERIOD)
    inbox.mkdir(parents=True, exist_ok=True)
    # YEP: accepted (with warnings), every comment hostile, a major status (the summary).
    answers = {
        a.id: ActionAnswer(MAJOR, 50, _placeholders(text))
        for a, text in zip(programme.actions_of("YEP"), TYPED, strict=False)
    }
    fill_return(source["YEP"], inbox / "yep.xlsx", answers, signer=_placeholders("S \x01"))
    _as_excel_writes(inbox / "yep.xlsx")
    # HAL: rejected, the hostile text typed as its statuses (echoed in the report and copy).
    answers = {
        a.id: ActionAnswer(_placeholders(text), None, _placeholders(text))
        for a, text in zip(programme.actions_of("HAL"), TYPED, strict=False)
    }
    fill_return(source["HAL"], inbox / "hal.xlsx", answers)
    _as_excel_writes(inbox / "hal.xlsx")
    result = collect_period(ws, PERIOD, now=NOW)
    verdicts = {f.name: f.verdict for f in result.files}
    assert verdicts == {"hal.xlsx": "rejected", "yep.xlsx": "warnings"}, result.lines()

    # KUL: a submission with the raw text, as the register holds whatever it was given.
    kul = programme.actions_of("KUL")
    reg = RegistryBuilder(ws.db_path)
    reg.submission(
        "KUL",
        PERIOD,
        "2025-10-02T09:00:00",
        answers=[(a.id, "major", 10, text) for a, text in zip(kul, RAW, strict=False)],
        proposals=[("P1", RAW[0], RAW[2], RAW[3], RAW[1], RAW[4])],
        problems=[("warning", "Toimenpiteet", "K4", RAW[2], RAW[3])],
    )
    reg.close()

    return {"ws": ws, "source": source, "hal": inbox / "hal.xlsx", "out": base / "out"}


def _fast_copy(q) -> list[Path]:
    from roundtrip.collect.annotate import write_fast_copy

    problems = _raw_problems(q["hal"].name, "Toimenpiteet")
    fast = write_fast_copy(q["hal"], problems, q["out"] / "fast.xlsx", "fi")
    assert fast is not None, "the fast path declined"
    return [fast]


def _openpyxl_copy(q) -> list[Path]:
    from roundtrip.collect.feedback import write_annotated_copy

    problems = _raw_problems(q["hal"].name, "Toimenpiteet")
    with pytest.MonkeyPatch.context() as mp:  # as when the fast path declines
        mp.setattr("roundtrip.collect.annotate.write_fast_copy", lambda *a, **k: None)
        copy = write_annotated_copy(q["hal"], problems, q["out"] / "fallback.xlsx", "en")
    assert copy is not None, "the openpyxl path declined (the department gets no copy)"
    return [copy]


def _report(q) -> list[Path]:
    from roundtrip.collect.feedback import write_validation_report

    rows = [("HAL", p) for p in _raw_problems(q["hal"].name, "Toimenpiteet")]
    return [write_validation_report(rows, q["out"] / "validation.xlsx", "fi")]


def _register(q, **limits) -> list[Path]:
    from roundtrip.register.workbook import write_register

    name = "streamed.xlsx" if limits else "register.xlsx"
    made = write_register(q["ws"], q["out"] / name, **limits)
    with zipfile.ZipFile(made) as zf:  # streamed: autofilters, no tables; else tables
        tables = [n for n in zf.namelist() if n.startswith("xl/tables/")]
    assert bool(tables) != bool(limits), tables
    return [made]


def _programme(q) -> list[Path]:
    """programme.xlsx as the tool writes it (init, the table import), KUL's texts raw."""
    from roundtrip.programme.workbook import load_programme, write_programme

    p = load_programme(q["ws"].programme_path)
    raw = iter(RAW)
    actions = tuple(
        dataclasses.replace(a, text=next(raw, a.text)) if a.department_id == "KUL" else a
        for a in p.actions
    )
    target = q["out"] / "programme.xlsx"
    write_programme(dataclasses.replace(p, actions=actions), target)
    return [target]


def _summary(q) -> list[Path]:
    from roundtrip.summary.workbook import write_summary

    return write_summary(q["ws"], PERIOD, q["out"] / "summary.xlsx")


BUILD = {
    "programme workbook": _programme,
    "return workbook": lambda q: sorted(q["source"].values()),
    "annotated copy (collect)": lambda q: sorted(
        (q["ws"].reports(PERIOD) / "feedback").glob("*.xlsx")
    ),
    "annotated copy (fast path)": _fast_copy,
    "annotated copy (openpyxl)": _openpyxl_copy,
    "validation report (collect)": lambda q: [q["ws"].reports(PERIOD) / "validation.xlsx"],
    "validation report": _report,
    "register (tables)": _register,
    # above table_limit rows the register is streamed (StreamBook), sheets split at max_rows
    "register (streamed)": lambda q: _register(q, table_limit=0, max_rows=5),
    "summary": _summary,
}


@pytest.fixture(scope="module")
def outputs(quarter):
    """outputs(kind): the files of that kind, written once (a failure stays in its test)."""
    made: dict[str, list[Path]] = {}

    def get(kind: str) -> list[Path]:
        if kind not in made:
            made[kind] = BUILD[kind](quarter)
        return made[kind]

    return get


KINDS = list(BUILD)


@pytest.mark.filterwarnings("ignore:Sparkline Group extension:UserWarning")
@pytest.mark.parametrize("kind", KINDS)
def test_output_is_schema_valid(outputs, kind):
    paths = outputs(kind)
    assert paths, f"no {kind} was written"
    for path in paths:
        assert validate_xlsx(path) == [], path.name


def test_a_copy_openpyxl_cannot_save_is_not_left_half_written(quarter, tmp_path, monkeypatch):
    """When openpyxl fails while saving the annotated copy, no copy is made: no half-written
    (invalid) workbook is renamed into place."""
    import openpyxl.workbook.workbook

    from roundtrip.collect.feedback import write_annotated_copy

    def broken_save(self, filename):
        Path(filename).write_bytes(b"PK\x03\x04 half written")
        raise ValueError("All strings must be XML compatible")

    monkeypatch.setattr("roundtrip.collect.annotate.write_fast_copy", lambda *a, **k: None)
    monkeypatch.setattr(openpyxl.workbook.workbook.Workbook, "save", broken_save)
    problems = [Problem("hal.xlsx", "not a status", "Toimenpiteet", "K4", "error", "x")]
    target = tmp_path / "copy.xlsx"
    assert write_annotated_copy(quarter["hal"], problems, target, "fi") is None
    assert list(tmp_path.iterdir()) == []


# ----------------------------------------------------------------------------- reading back

_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


def excel_unescape(text: str) -> str:
    """What Excel shows for the content of a <t>: every _xHHHH_ decoded, left to right."""
    return _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)


def _texts(path: Path) -> list[tuple[str, str]]:
    """(part, text as Excel shows it) of every string item: shared and inline strings, cell
    comments, formulas' cached text; rich-text runs joined."""
    out = []
    with zipfile.ZipFile(path) as zf:
        for name in zf.namelist():
            if not (name.startswith("xl/") and name.endswith(".xml")):
                continue
            root = etree.fromstring(zf.read(name), etree.XMLParser(huge_tree=True))
            for item in root.iter(f"{{{SML}}}si", f"{{{SML}}}is", f"{{{SML}}}text"):
                runs = item.findall(f"{{{SML}}}t") + item.findall(f"{{{SML}}}r/{{{SML}}}t")
                raw = "".join(t.text or "" for t in runs)  # (not the phonetic runs, rPh)
                out.append((name, excel_unescape(raw)))
    return out


def _units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


# The hostile texts, as each must read back (what Excel shows, and openpyxl returns).
LITERALS = (LOOKALIKE, TITLE_LOOKALIKE, "_x0041_ raw")
DECODED = ("A as typed", "A raw")  # what an unprotected literal would become
DECODED_IN = {"return workbook": ("B title",)}  # (the generated returns, never filled)


@pytest.mark.filterwarnings("ignore:Sparkline Group extension:UserWarning")
@pytest.mark.parametrize("kind", KINDS)
def test_hostile_text_reads_back_as_text(quarter, outputs, kind):
    # An annotated copy keeps the department's own cells as they were, however long.
    theirs = set()
    if kind.startswith("annotated copy"):
        theirs = {
            t for f in ("hal.xlsx", "yep.xlsx") for _p, t in _texts(quarter["hal"].parent / f)
        }
    for path in outputs(kind):
        texts = _texts(path)
        shown = [t for _part, t in texts]
        # Excel decodes every _xHHHH_: a literal one must have been protected.
        assert any(lit in t for t in shown for lit in LITERALS), f"{path.name}: no _x0041_"
        decoded = DECODED_IN.get(kind, DECODED)
        bad = [(part, t[:60]) for part, t in texts if any(d in t for d in decoded)]
        assert bad == [], f"{path.name}: a literal _x0041_ reads back decoded"
        assert any(t.startswith("😀" * 100) for t in shown), f"{path.name}: no long emoji text"
        too_long = [(p, _units(t)) for p, t in texts if _units(t) > 32767 and t not in theirs]
        assert too_long == [], f"{path.name}: texts over 32,767 UTF-16 units"

        wb = openpyxl.load_workbook(path)
        formula_like, formulas, literal = [], [], []
        for sheet in wb.worksheets:
            for row in sheet.iter_rows():
                for cell in row:
                    v = cell.value
                    where = f"{sheet.title}!{cell.coordinate}"
                    if cell.data_type == "f" and any(f[1:] in str(v) for f in FORMULAS):
                        formulas.append((where, v))
                    elif isinstance(v, str) and any(f in v for f in FORMULAS):
                        assert cell.data_type in ("s", "inlineStr"), (where, cell.data_type)
                        formula_like.append(where)
                    if isinstance(v, str) and "_x0041_ " in v:
                        literal.append(where)
        wb.close()
        assert formulas == [], f"{path.name}: hostile text became a formula"
        assert formula_like, f"{path.name}: none of the formula-like texts reached it"
        # (openpyxl does not decode _xHHHH_ as Excel does: the check of that is on the XML)
        assert literal or kind == "return workbook", f"{path.name}: no _x0041_ read back"


def test_the_openpyxl_path_keeps_the_departments_literals(tmp_path, monkeypatch):
    """openpyxl drops the _x005F_ of a literal "_xHHHH_" on reading: the copy adds it back,
    and leaves Excel's escapes of control characters as they were."""
    import xlsxwriter

    from roundtrip.collect.feedback import write_annotated_copy

    src = tmp_path / "own.xlsx"
    wb = xlsxwriter.Workbook(str(src))
    sheet = wb.add_worksheet("Data")
    own = ["_x0041_ literal", "=x _x0042_", "control \x01 kept", "both _x0043_ \x1b"]
    for r, text in enumerate(own):
        sheet.write_string(r, 0, text)
    wb.close()
    monkeypatch.setattr("roundtrip.collect.annotate.write_fast_copy", lambda *a, **k: None)
    problems = [Problem(src.name, "check", "Data", "B1", "error", "_x0044_")]
    copy = write_annotated_copy(src, problems, tmp_path / "copy.xlsx", "en")
    assert copy is not None and validate_xlsx(copy) == []
    shown = {t for _part, t in _texts(copy)}
    assert set(own) <= shown
    assert "_x0044_" in shown
    data = openpyxl.load_workbook(copy)["Data"]
    assert [data.cell(r, 1).data_type for r in range(1, 5)] == ["s"] * 4


# ----------------------------------------------------------------------------- the validator


def _sheet(inner: str, root_attrs: str = "") -> bytes:
    return (
        f'<worksheet xmlns="{SML}" {root_attrs}><sheetData>{inner}</sheetData></worksheet>'
    ).encode()


SHEET_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"


def test_validator_reports_what_excel_rejects():
    ok = '<row r="1"><c r="A1" t="inlineStr"><is><t xml:space="preserve"> a </t></is></c></row>'
    assert validate_part("s.xml", _sheet(ok), SHEET_CT) == []
    raw = _sheet('<row r="1"><c r="A1" t="inlineStr"><is><t>\ufffe</t></is></c></row>')
    assert "not well-formed" in validate_part("s.xml", raw, SHEET_CT)[0]
    order = _sheet('<row r="1"><c r="A1"><v>1</v><f>1</f></c></row>')
    assert validate_part("s.xml", order, SHEET_CT)
    assert validate_part("s.xml", _sheet(ok), "application/x-unknown+xml")
    assert validate_part("s.xml", _sheet(ok), None)
    assert validate_part("i.png", b"\x89PNG", "image/png") == []


def test_validator_applies_markup_compatibility():
    x14ac = "http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac"
    mc = "http://schemas.openxmlformats.org/markup-compatibility/2006"
    attrs = f'xmlns:mc="{mc}" xmlns:x14ac="{x14ac}" mc:Ignorable="x14ac"'
    row = '<row r="1" x14ac:dyDescent="0.25"><c r="A1"><v>1</v></c></row>'
    alt = (
        '<mc:AlternateContent><mc:Choice Requires="x14ac"><x14ac:thing/></mc:Choice>'
        '<mc:Fallback><row r="2"/></mc:Fallback></mc:AlternateContent>'
    )
    assert validate_part("s.xml", _sheet(row + alt, attrs), SHEET_CT) == []
    not_ignorable = attrs.replace(' mc:Ignorable="x14ac"', "")
    assert validate_part("s.xml", _sheet(row, not_ignorable), SHEET_CT)


@pytest.mark.libreoffice
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice not installed")
def test_annotated_copies_of_a_libreoffice_saved_return_are_schema_valid(quarter, tmp_path):
    """A department that saves its return in LibreOffice: both annotation paths patch or
    rewrite LibreOffice's XML, and the copies stay valid."""
    import soffice

    from roundtrip.collect.annotate import write_fast_copy
    from roundtrip.collect.feedback import write_annotated_copy

    resaved = soffice.convert(quarter["hal"], tmp_path / "lo")
    assert validate_xlsx(resaved) == []
    problems = [
        Problem(resaved.name, f"not a status: {RAW[3]} {RAW[1]}", "Toimenpiteet", "K4", "error"),
        Problem(resaved.name, "a number?", "Mittarit", "K5", "warning", HYPERLINK),
        Problem(resaved.name, "whole file", "", "", "warning", RAW[4]),
    ]
    fast = write_fast_copy(resaved, problems, tmp_path / "fast.xlsx", "fi")
    assert fast is not None, "the fast path declined"
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("roundtrip.collect.annotate.write_fast_copy", lambda *a, **k: None)
        slow = write_annotated_copy(resaved, problems, tmp_path / "openpyxl.xlsx", "fi")
    assert slow is not None, "the openpyxl path declined"
    assert validate_xlsx(fast) == []
    assert validate_xlsx(slow) == []


# ----------------------------------------------------------------------------- the corpus


@pytest.mark.slow
def test_annotated_copies_of_the_corpus_are_schema_valid(tmp_path):
    """Both annotation paths on every annotatable file of the hostile corpus (files as
    openpyxl, hand edits and zip rewrites leave them): each copy made is valid. (The text is
    the structure's test here: U+FFFE is the quarter's, above.)"""
    from roundtrip.collect.annotate import write_fast_copy
    from roundtrip.collect.feedback import annotatable, write_annotated_copy
    from tests.corpus import build_corpus, make_base_workspace

    cases = build_corpus(make_base_workspace(tmp_path / "ws"), tmp_path / "files", False)
    made, invalid = 0, {}
    for case in cases:
        src = case.path
        if case.bomb or not src.is_file() or not annotatable(src):
            continue
        problems = [
            Problem(src.name, f"not a status: {RAW[3]} {RAW[1]}", "Toimenpiteet", "K4", "error"),
            Problem(src.name, "a number?", "Mittarit", "K5", "warning", HYPERLINK),
            Problem(src.name, "whole file", "", "", "warning"),
        ]
        fast = write_fast_copy(src, problems, tmp_path / "fast" / src.name, "fi")
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr("roundtrip.collect.annotate.write_fast_copy", lambda *a, **k: None)
            slow = write_annotated_copy(src, problems, tmp_path / "openpyxl" / src.name, "fi")
        for copy in (fast, slow):
            if copy is not None:
                made += 1
                if errors := validate_xlsx(copy):
                    invalid[f"{copy.parent.name}/{copy.name}"] = errors[:3]
    assert made > 50
    assert invalid == {}
