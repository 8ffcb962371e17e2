"""A return workbook re-saved by LibreOffice keeps its identity (text, signed) and dropdowns."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import openpyxl
import pytest
import soffice
from python_calamine import CalamineWorkbook

from roundtrip.language.wording import wording
from roundtrip.programme.bundled import load_example
from roundtrip.register.history import Previous, PreviousAnswer
from roundtrip.returns import contract as c
from roundtrip.returns.workbook import write_return_workbook

pytestmark = [
    pytest.mark.libreoffice,
    pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice not installed"),
]

SECRET = b"libreoffice-resave-secret"
NOW = dt.datetime(2025, 10, 1, 6, 0, 0)
SHEETS = wording("fi")["sheets"]


def resave(src: Path, out_dir: Path) -> Path:
    return soffice.convert(src, out_dir)


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    src_dir = tmp_path_factory.mktemp("src")
    out_dir = tmp_path_factory.mktemp("lo")
    p = load_example("aura")
    prev = Previous(actions={"P1-08": PreviousAnswer("2025Q2", "Valmis", 100, "")})
    info = write_return_workbook(
        src_dir / "SIV.xlsx", p, "SIV", p.settings.period("2025Q3"), SECRET, prev, NOW
    )
    return info, resave(info.path, out_dir)


def test_identity_survives_as_text_for_openpyxl(files):
    info, resaved = files
    ws = openpyxl.load_workbook(resaved)[SHEETS["identity"]]
    values = {ws.cell(r, 1).value: ws.cell(r, 2).value for r in range(1, ws.max_row + 1)}
    fields = {k: values[k] for k in c.IDENTITY_FIELDS}
    assert fields == dict(info.identity)
    assert all(isinstance(v, str) for v in fields.values())  # "1", never 1 or 1.0
    assert c.verify(fields, values[c.SIGNATURE_FIELD], SECRET)


def test_identity_survives_as_text_for_calamine(files):
    info, resaved = files
    rows = CalamineWorkbook.from_path(resaved).get_sheet_by_name(SHEETS["identity"]).to_python()
    values = {r[0]: r[1] for r in rows}
    fields = {k: values[k] for k in c.IDENTITY_FIELDS}
    assert fields == dict(info.identity)
    assert values["format_version"] == "1"
    assert c.verify(fields, values[c.SIGNATURE_FIELD], SECRET)


def test_identity_sheet_stays_at_least_hidden(files):
    _, resaved = files
    wb = openpyxl.load_workbook(resaved)
    assert wb[SHEETS["identity"]].sheet_state in ("hidden", "veryHidden")
    assert wb[SHEETS["lists"]].sheet_state in ("hidden", "veryHidden")


def test_dropdowns_and_protection_survive(files):
    _, resaved = files
    wb = openpyxl.load_workbook(resaved)
    assert wb.defined_names[c.STATUS_NAME].attr_text == "Listat!$A$1:$A$6"
    ws = wb[SHEETS["actions"]]
    dv = {str(d.sqref): d for d in ws.data_validations.dataValidation}
    assert (dv["K4:K9"].type, dv["K4:K9"].formula1) == ("list", c.STATUS_NAME)
    assert ws.protection.sheet
    assert ws["K4"].protection.locked is False and ws["A4"].protection.locked is True
