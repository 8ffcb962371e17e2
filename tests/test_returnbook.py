"""The department return workbook: real files written, read back with openpyxl and calamine."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from roundtrip.errors import UsageError
from roundtrip.language.wording import wording
from roundtrip.programme.bundled import load_example, with_version
from roundtrip.programme.model import Department, Metric
from roundtrip.register.history import Previous, PreviousAnswer, PreviousValue
from roundtrip.returns import contract as c
from roundtrip.returns.workbook import write_return_workbook

SECRET = b"test-secret-0123456789abcdef"
NOW = dt.datetime(2025, 10, 1, 8, 30, 0)
SIV_ACTIONS = ["P1-08", "P1-09", "P2-07", "P2-08", "P2-09", "P3-08"]


def all_kinds_programme():
    """Aura, with one metric of every kind on SIV's P2-07 and a formula-looking action text."""
    p = load_example("aura")
    kinds = ("count", "number", "percent", "yesno", "text")
    actions = []
    for a in p.actions:
        if a.id == "P2-07":
            ms = tuple(
                Metric(f"P2-07-M{i}", a.id, f"Mittari {k}", kind=k) for i, k in enumerate(kinds, 1)
            )
            a = dataclasses.replace(a, metrics=ms, text='=HYPERLINK("http://x","click")')
        actions.append(a)
    return with_version(dataclasses.replace(p, actions=tuple(actions)))


PREVIOUS = Previous(
    actions={"P1-08": PreviousAnswer("2025Q2", "Etenee suunnitellusti", 40, "@SUM(A1)")},
    metrics={"P1-08-M1": PreviousValue("2025Q2", "3")},
)


@pytest.fixture(scope="module")
def programme():
    return all_kinds_programme()


@pytest.fixture(scope="module")
def siv(tmp_path_factory, programme):
    target = tmp_path_factory.mktemp("rb") / "siv.xlsx"
    period = programme.settings.period("2025Q3")
    info = write_return_workbook(target, programme, "SIV", period, SECRET, PREVIOUS, NOW)
    return info


@pytest.fixture(scope="module")
def book(siv):
    return openpyxl.load_workbook(siv.path)


def names(lang="fi"):
    return wording(lang)["sheets"]


def dvs(ws):
    return {str(dv.sqref): dv for dv in ws.data_validations.dataValidation}


def test_sheet_names_in_contract_order(book):
    assert book.sheetnames == [names()[k] for k in c.SHEET_KEYS]


def test_lists_hidden_identity_very_hidden(book):
    assert book[names()["lists"]].sheet_state == "hidden"
    assert book[names()["identity"]].sheet_state == "veryHidden"
    for key in ("instructions", "actions", "metrics", "proposals"):
        assert book[names()[key]].sheet_state == "visible"


def test_calamine_sees_visibility(siv):
    meta = {m.name: str(m.visible) for m in CalamineWorkbook.from_path(siv.path).sheets_metadata}
    assert meta[names()["lists"]].endswith("Hidden")
    assert meta[names()["identity"]].endswith("VeryHidden")


def test_sivistystoimi_lists_its_six_actions_in_programme_order(siv, book):
    ws = book[names()["actions"]]
    ids = [ws.cell(r, 1).value for r in range(c.FIRST_DATA_ROW, ws.max_row + 1)]
    assert ids == SIV_ACTIONS
    assert list(siv.action_ids) == SIV_ACTIONS


def test_title_subtitle_and_headers(book, programme):
    for key in ("actions", "metrics", "proposals"):
        ws = book[names()[key]]
        assert ws.cell(1, 1).value
        assert ws.cell(2, 1).value
        row = [ws.cell(c.HEADER_ROW, i + 1).value for i in range(len(c.COLUMNS[key]))]
        assert row == c.headers("fi", key)
    assert "Sivistystoimi" in book[names()["actions"]]["A1"].value
    assert "14.10.2025" in book[names()["actions"]]["A2"].value


def test_defined_names_point_at_hidden_lists(book, programme):
    dn = book.defined_names
    assert dn[c.STATUS_NAME].attr_text == "Listat!$A$1:$A$6"
    assert dn[c.YESNO_NAME].attr_text == "Listat!$B$1:$B$2"
    assert dn[c.PRIORITY_NAME].attr_text == "Listat!$C$1:$C$4"
    ws = book[names()["lists"]]
    assert [ws.cell(r, 1).value for r in range(1, 7)] == [s.label for s in programme.statuses]
    assert [ws.cell(r, 2).value for r in (1, 2)] == ["Kyllä", "Ei"]
    assert ws["C1"].value == "P1 Kunnan ja yritysten välinen kumppanuus"


def test_status_validation_is_list_from_defined_name(book):
    dv = dvs(book[names()["actions"]])["K4:K9"]
    assert (dv.type, dv.formula1) == ("list", c.STATUS_NAME)
    assert dv.errorStyle in (None, "stop")
    assert dv.showErrorMessage and dv.showInputMessage
    assert dv.prompt.startswith("Valitse tila listasta.")
    assert '"Merkittäviä haasteita" / "Keskeytetty"' in dv.prompt
    assert dv.error == "Valitse tila listasta."


def test_progress_validation_whole_0_to_100(book):
    dv = dvs(book[names()["actions"]])["L4:L9"]
    assert dv.type == "whole"
    assert dv.operator in (None, "between")
    assert (dv.formula1, dv.formula2) == ("0", "100")
    assert dv.showErrorMessage


def dv_by_cell(ws):
    """Each validated cell -> its validation (one validation may cover many ranges)."""
    from openpyxl.utils import get_column_letter

    out = {}
    for dv in ws.data_validations.dataValidation:
        for rng in dv.sqref.ranges:
            for row, col in rng.cells:
                assert f"{get_column_letter(col)}{row}" not in out, "validated twice"
                out[f"{get_column_letter(col)}{row}"] = dv
    return out


def test_metric_validation_per_row_by_kind(book):
    ws = book[names()["metrics"]]
    ids = [ws.cell(r, 1).value for r in range(c.FIRST_DATA_ROW, ws.max_row + 1)]
    assert ids == ["P1-08-M1", "P2-07-M1", "P2-07-M2", "P2-07-M3", "P2-07-M4", "P2-07-M5"]
    v = dv_by_cell(ws)
    # one validation per kind (count, number, percent, yes/no, text), covering all its rows
    assert len(ws.data_validations.dataValidation) == 5
    assert v["K4"] is v["K5"]
    # value column is K
    assert (v["K4"].type, v["K4"].operator, v["K4"].formula1) == (
        "whole",
        "greaterThanOrEqual",
        "0",
    )
    assert (v["K5"].type, v["K5"].operator, v["K5"].formula1) == (
        "whole",
        "greaterThanOrEqual",
        "0",
    )
    assert v["K6"].type == "decimal" and v["K6"].operator in (None, "between")
    assert float(v["K6"].formula1) < -1e12 and float(v["K6"].formula2) > 1e12
    assert (v["K7"].type, v["K7"].formula1, v["K7"].formula2) == ("decimal", "0", "100")
    assert (v["K8"].type, v["K8"].formula1) == ("list", c.YESNO_NAME)
    assert v["K9"].type in (None, "none")  # text: input message only
    assert v["K9"].prompt == wording("fi")["prompts"]["text"]
    assert set(v) == {"K4", "K5", "K6", "K7", "K8", "K9"}


def test_proposals_priority_list_validation(book):
    ws = book[names()["proposals"]]
    last = c.FIRST_DATA_ROW + c.PROPOSAL_ROWS - 1
    dv = dvs(ws)[f"A4:A{last}"]
    assert (dv.type, dv.formula1) == ("list", c.PRIORITY_NAME)
    for col in range(1, len(c.PROPOSAL_COLUMNS) + 1):
        assert ws.cell(last, col).protection.locked is False
        assert ws.cell(last + 1, col).protection.locked is True


def test_data_sheets_protected_with_filter_sort_and_format_allowed(book):
    for key in ("instructions", "actions", "metrics", "proposals"):
        prot = book[names()[key]].protection
        assert prot.sheet is True
        assert prot.password is None
    prot = book[names()["actions"]].protection
    # In OOXML a False flag means "not protected", i.e. allowed.
    assert not prot.autoFilter and not prot.sort
    assert not prot.formatColumns and not prot.formatRows
    assert not prot.selectLockedCells and not prot.selectUnlockedCells


def test_locked_context_unlocked_inputs(book):
    ws = book[names()["actions"]]
    col = {k.key: i + 1 for i, k in enumerate(c.ACTION_COLUMNS)}
    for r in range(c.FIRST_DATA_ROW, c.FIRST_DATA_ROW + len(SIV_ACTIONS)):
        for k in ("action_id", "priority", "action", "prev_period", "prev_status", "prev_comment"):
            assert ws.cell(r, col[k]).protection.locked is True, (r, k)
        for k in ("status", "progress", "comment"):
            assert ws.cell(r, col[k]).protection.locked is False, (r, k)
            assert ws.cell(r, col[k]).value is None
    assert ws.cell(c.HEADER_ROW, col["status"]).protection.locked is True


def test_blank_plan_fields_unlocked_filled_locked(book):
    ws = book[names()["actions"]]
    # P1-08 (row 4) has metric, schedule, responsible; P1-09 (row 5) lacks the metric;
    # P3-08 (row 9) lacks all three.
    assert [ws[f"{x}4"].protection.locked for x in "DEF"] == [True, True, True]
    assert [ws[f"{x}5"].protection.locked for x in "DEF"] == [False, True, True]
    assert [ws[f"{x}9"].protection.locked for x in "DEF"] == [False, False, False]
    assert ws["D4"].value == "Yritystapahtumien / kurssien lukumäärä"
    assert ws["D5"].value is None
    plan = dvs(ws)
    # P2-07 (row 6) has metrics in this programme, so its metric column is filled
    assert plan["D5 D7:D9"].prompt == wording("fi")["prompts"]["plan"]
    assert plan["E6:E9"].prompt == wording("fi")["prompts"]["plan"]
    assert plan["F6:F9"].prompt == wording("fi")["prompts"]["plan"]
    assert plan["D5 D7:D9"].type in (None, "none")


def test_input_cells_share_one_fill(book):
    ws = book[names()["actions"]]
    fills = {ws[ref].fill.fgColor.rgb for ref in ("K4", "L4", "M4", "D5", "F9")}
    assert len(fills) == 1
    assert ws["A4"].fill.fgColor.rgb not in fills


def test_metric_plan_column_falls_back_to_metric_names(tmp_path):
    p = load_example("aura")
    actions = tuple(
        dataclasses.replace(a, metric_text="") if a.id == "P1-08" else a for a in p.actions
    )
    p = with_version(dataclasses.replace(p, actions=actions))
    info = write_return_workbook(
        tmp_path / "x.xlsx", p, "SIV", p.settings.period("2025Q3"), SECRET, None, NOW
    )
    ws = openpyxl.load_workbook(info.path)[names()["actions"]]
    assert ws["D4"].value == "Yritystapahtumien / kurssien lukumäärä"
    assert ws["D4"].protection.locked is True


def test_previous_answers_in_locked_columns_inputs_empty(book):
    ws = book[names()["actions"]]
    assert [ws[f"{x}4"].value for x in "GHIJ"] == [
        "2025Q2",
        "Etenee suunnitellusti",
        40,
        "@SUM(A1)",
    ]
    assert ws["J4"].data_type == "s"
    assert [ws[f"{x}4"].value for x in "KLM"] == [None, None, None]
    assert [ws[f"{x}5"].value for x in "GHIJ"] == [None, None, None, None]
    m = book[names()["metrics"]]
    assert (m["I4"].value, m["J4"].value, m["K4"].value) == ("2025Q2", "3", None)
    assert m["J4"].protection.locked is True


def test_programme_text_is_written_as_text(book):
    ws = book[names()["actions"]]
    cell = ws["C6"]  # P2-07
    assert cell.value == '=HYPERLINK("http://x","click")'
    assert cell.data_type == "s"


def test_identity_values_are_text_and_signature_verifies(siv, book, programme):
    ws = book[names()["identity"]]
    keys = [ws.cell(r, 1).value for r in range(1, len(c.IDENTITY_FIELDS) + 2)]
    assert keys == [*c.IDENTITY_FIELDS, c.SIGNATURE_FIELD]
    values = {ws.cell(r, 1).value: ws.cell(r, 2).value for r in range(1, ws.max_row + 1)}
    assert all(isinstance(v, str) for v in values.values())
    assert all(ws.cell(r, 2).data_type == "s" for r in range(1, ws.max_row + 1))
    fields = {k: values[k] for k in c.IDENTITY_FIELDS}
    assert fields["format_version"] == c.FORMAT_VERSION
    assert fields["department_id"] == "SIV" and fields["period"] == "2025Q3"
    assert fields["programme_version"] == programme.version
    assert fields["generated_at"] == "2025-10-01T08:30:00Z"
    assert fields["action_ids"] == " ".join(SIV_ACTIONS)
    assert c.verify(fields, values[c.SIGNATURE_FIELD], SECRET)
    assert not c.verify(fields, values[c.SIGNATURE_FIELD], b"another secret")


def test_identity_read_by_calamine_as_text(siv):
    rows = CalamineWorkbook.from_path(siv.path).get_sheet_by_name(names()["identity"]).to_python()
    values = dict((r[0], r[1]) for r in rows)
    assert values["format_version"] == "1"
    assert c.verify({k: values[k] for k in c.IDENTITY_FIELDS}, values["signature"], SECRET)


def test_status_conditional_colours(book, programme):
    ws = book[names()["actions"]]
    rules = {str(cf.sqref): cf.rules for cf in ws.conditional_formatting}
    status_rules = rules["H4:H9 K4:K9"]  # previous and current status
    assert [r.formula[0] for r in status_rules] == [f'"{s.label}"' for s in programme.statuses]
    assert {r.operator for r in status_rules} == {"equal"}
    fills = [r.dxf.fill.bgColor.rgb[-6:] for r in status_rules]
    assert fills == [s.colour.lstrip("#").upper() for s in programme.statuses]


def test_freeze_filter_and_print_setup(book):
    ws = book[names()["actions"]]
    assert ws.freeze_panes == "D4"
    assert ws.auto_filter.ref == "A3:M9"
    assert ws.page_setup.orientation == "landscape"
    assert int(ws.page_setup.paperSize) == 9
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert int(ws.page_setup.fitToHeight) == 0
    assert ws.print_title_rows == "$1:$3"
    assert "Sivistystoimi" in ws.oddHeader.center.text
    assert ws.oddFooter.right.text == "&P / &N"
    widths = [ws.column_dimensions[chr(65 + i)].width for i in range(len(c.ACTION_COLUMNS))]
    assert [round(w) for w in widths] == [round(col.width + 0.71) for col in c.ACTION_COLUMNS]


def test_instructions_show_period_deadline_and_contact(book):
    ws = book[names()["instructions"]]
    text = "\n".join(str(ws.cell(r, 1).value or "") for r in range(1, ws.max_row + 1))
    assert "2025Q3 (1.7.2025–30.9.2025)" in text
    assert "14.10.2025" in text
    assert "elinvoima@aura.example" in text
    assert "{" not in text


def test_created_timestamp_is_generated_at(book):
    assert book.properties.created == NOW
    assert book.properties.modified == NOW


def test_same_inputs_give_identical_bytes(tmp_path, programme):
    period = programme.settings.period("2025Q3")
    a = write_return_workbook(tmp_path / "a.xlsx", programme, "SIV", period, SECRET, PREVIOUS, NOW)
    b = write_return_workbook(tmp_path / "b.xlsx", programme, "SIV", period, SECRET, PREVIOUS, NOW)
    assert a.path.read_bytes() == b.path.read_bytes()


def test_windows_safe_file_name():
    name = c.return_filename("2025Q3", "MUU", "Muu, mikä?")
    assert name == "2025Q3_MUU_Muu_mikä.xlsx"
    assert not set(name) & set('<>:"/\\|?*,;')


def test_department_without_actions_still_valid(tmp_path):
    p = load_example("aura")
    p = with_version(
        dataclasses.replace(p, departments=(*p.departments, Department("NEW", "Uusi")))
    )
    info = write_return_workbook(
        tmp_path / "n.xlsx", p, "NEW", p.settings.period("2025Q3"), SECRET, None, NOW
    )
    wb = openpyxl.load_workbook(info.path)
    assert info.actions == 0 and info.metrics == 0
    assert wb[names()["actions"]].max_row == c.HEADER_ROW
    ident = wb[names()["identity"]]
    assert ident["B8"].value in ("", None)


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_other_languages_use_their_wording(tmp_path, lang):
    p = load_example("aura")
    p = with_version(
        dataclasses.replace(p, settings=dataclasses.replace(p.settings, language=lang))
    )
    info = write_return_workbook(
        tmp_path / "l.xlsx", p, "SIV", p.settings.period("2025Q3"), SECRET, None, NOW
    )
    wb = openpyxl.load_workbook(info.path)
    assert wb.sheetnames == [names(lang)[k] for k in c.SHEET_KEYS]
    ws = wb[names(lang)["actions"]]
    assert [ws.cell(3, i + 1).value for i in range(13)] == c.headers(lang, "actions")
    # Dates a person reads as text are written as the language writes them.
    ins = wb[names(lang)["instructions"]]
    text = "\n".join(str(ins.cell(r, 1).value or "") for r in range(1, ins.max_row + 1))
    dates = {
        "sv": ("2025Q3 (1.7.2025–30.9.2025)", "Returnera senast: 14.10.2025", "Sektor: "),
        "en": ("2025Q3 (Jul 1, 2025 to Sep 30, 2025)", "Return by: Oct 14, 2025", "Department: "),
    }[lang]
    for want in dates:
        assert want in text, text
    subtitle = wb[names(lang)["actions"]]["A2"].value
    assert subtitle.endswith({"sv": "14.10.2025.", "en": "Oct 14, 2025."}[lang])
    comment = {"sv": "roundtrip-svarsarbetsbok", "en": "roundtrip return workbook"}[lang]
    assert wb.properties.description.startswith(comment)


_TEXT = re.compile(r">([^<]+)<")
_MESSAGE = re.compile(r'(?:prompt|promptTitle|error|errorTitle)="([^"]*)"')


def _visible_texts(path: Path) -> str:
    """Every text of the workbook a person can read: cells, sheet names, the input messages
    and error alerts of its data validations, its document properties."""
    import html

    out = []
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            if name.endswith(".xml") and "/theme/" not in name:
                data = z.read(name).decode("utf-8")
                out += [html.unescape(t) for t in _TEXT.findall(data)]
                out += [html.unescape(t) for t in _MESSAGE.findall(data)]
    return "\n".join(out)


def _flat(words) -> list[str]:
    if isinstance(words, dict):
        return [x for k in sorted(words) for x in _flat(words[k])]
    if isinstance(words, list):
        return [x for w in words for x in _flat(w)]
    return [words] if isinstance(words, str) else []


@pytest.mark.parametrize("lang", ["fi", "sv"])
def test_no_english_wording_left_in_a_finnish_or_swedish_workbook(tmp_path, lang):
    """Every English phrase of the wording (its parts between placeholders, two words or more)
    that the language words differently must be absent from the workbook, hidden sheets
    included (their keys are the contract's, not wording)."""
    p = load_example("aura")
    p = with_version(
        dataclasses.replace(p, settings=dataclasses.replace(p.settings, language=lang))
    )
    info = write_return_workbook(
        tmp_path / "l.xlsx", p, "SIV", p.settings.period("2025Q3"), SECRET, PREVIOUS, NOW
    )
    texts = _visible_texts(info.path)
    theirs = set(_flat(wording(lang)))
    found = []
    for english in _flat(wording("en")):
        if english in theirs:
            continue
        for part in re.split(r"\{[^}]*\}", english):
            part = part.strip(" .,:;()-–")
            if len(part.split()) >= 2 and part in texts:
                found.append(part)
    assert found == []
    assert "roundtrip return workbook" not in texts


def test_atomic_write_leaves_no_temp_files(tmp_path, programme):
    write_return_workbook(
        tmp_path / "a.xlsx",
        programme,
        "SIV",
        programme.settings.period("2025Q3"),
        SECRET,
        None,
        NOW,
    )
    assert [p.name for p in tmp_path.iterdir()] == ["a.xlsx"]


def test_unknown_department_is_a_usage_error(tmp_path, programme):
    with pytest.raises(UsageError, match="known: YEP, HAL, SIV"):
        write_return_workbook(
            tmp_path / "x.xlsx",
            programme,
            "NOPE",
            programme.settings.period("2025Q3"),
            SECRET,
            None,
            NOW,
        )
    assert not any(Path(tmp_path).iterdir())


def test_each_programme_gets_its_own_actions(tmp_path, programme):
    period = programme.settings.period("2025Q3")
    first = write_return_workbook(tmp_path / "1.xlsx", programme, "SIV", period, SECRET, None, NOW)
    acts = tuple(dataclasses.replace(a, active=a.id != "P1-09") for a in programme.actions)
    other = with_version(dataclasses.replace(programme, actions=acts))
    second = write_return_workbook(tmp_path / "2.xlsx", other, "SIV", period, SECRET, None, NOW)
    assert first.action_ids == tuple(SIV_ACTIONS)
    assert "P1-09" not in second.action_ids and len(second.action_ids) == 5


@pytest.mark.parametrize(
    "formula", ["=StatusList", '"Valmis"', "0", "-1E+15", "={1}", '"a(b"', "=STDEV.S(A1:A3)"]
)
def test_sheet_prepares_formulas_as_xlsxwriter_does(tmp_path, formula):
    """xlsxwriter_private.Sheet's short cut gives xlsxwriter's own result, with future functions expanded."""
    from xlsxwriter import Workbook
    from xlsxwriter.worksheet import Worksheet

    from roundtrip.xlsx.xlsxwriter_private import Sheet

    wb = Workbook(tmp_path / "x.xlsx")
    plain, ours = wb.add_worksheet(), wb.add_worksheet(worksheet_class=Sheet)
    assert isinstance(ours, Sheet) and type(plain) is Worksheet
    for expand in (False, True):
        assert ours._prepare_formula(formula, expand) == plain._prepare_formula(formula, expand)
    wb.close()


def _cells_workbook(path, worksheet_class):
    """Every kind of cell, written the same way, into a workbook of one sheet."""
    from xlsxwriter import Workbook

    from roundtrip.returns.styles import WORKBOOK_OPTIONS

    wb = Workbook(path, WORKBOOK_OPTIONS)
    # (one creation time for both workbooks: written a second apart, their core.xml differed)
    wb.set_properties({"created": dt.datetime(2025, 9, 30, 12, 0, tzinfo=dt.UTC)})
    ws = wb.add_worksheet("Data", worksheet_class=worksheet_class)
    boxed = wb.add_format({"border": 1, "text_wrap": True})
    twin = wb.add_format({"border": 1, "text_wrap": True})  # equal: shares boxed's index
    bold = wb.add_format({"bold": True})
    ws.set_row(6, 30, bold)  # a row format for the unformatted cells of row 7
    ws.set_column(3, 3, 12, bold)  # and a column format for column D's
    texts = ["plain", "a & b < c", " lead", "tab\there", "ctrl\x01", "_x0041_", "Ääkköset €"]
    for r, text in enumerate(texts):
        ws.write_string(r, 0, text, boxed)
        ws.write_string(r, 1, text, twin)
        ws.write_string(r, 2, text)  # no format: xlsxwriter's own way
        ws.write_string(r, 3, text)  # column D's format
    for r, number in enumerate([0, -1, 3.25, 1e-20, 12345678901234567890, 0.1 + 0.2]):
        ws.write_number(r, 4, number, boxed)
        ws.write_number(r, 5, number)
    ws.write_blank(0, 6, None, boxed)
    ws.write_blank(1, 6, None, twin)
    ws.write_formula(2, 6, "=E1+1", boxed, 1)
    ws.write_boolean(3, 6, True, boxed)
    ws.write_datetime(4, 6, dt.datetime(2025, 9, 30), wb.add_format({"num_format": "d.m.yy"}))
    ws.write_string(5, 100, "far right", boxed)  # column CW
    ws.write_string(5, 16000, "farther", boxed)  # column WQK: beyond the short-cut's names
    ws.write_string(6, 7, "row 7", None)
    wb.close()


def test_sheet_writes_cells_as_xlsxwriter_does(tmp_path):
    """xlsxwriter_private.Sheet's cell short cut writes the same bytes as xlsxwriter, part by part."""
    from xlsxwriter.worksheet import Worksheet

    from roundtrip.xlsx.xlsxwriter_private import Sheet

    _cells_workbook(tmp_path / "plain.xlsx", Worksheet)
    _cells_workbook(tmp_path / "ours.xlsx", Sheet)
    with (
        zipfile.ZipFile(tmp_path / "plain.xlsx") as a,
        zipfile.ZipFile(tmp_path / "ours.xlsx") as b,
    ):
        assert a.namelist() == b.namelist()
        for name in a.namelist():
            assert a.read(name) == b.read(name), name
        sheet = b.read("xl/worksheets/sheet1.xml").decode()
    a1, b1 = (re.search(f'<c r="{ref}" s="(\\d+)"', sheet).group(1) for ref in ("A1", "B1"))
    assert a1 == b1  # the twin format took boxed's index
