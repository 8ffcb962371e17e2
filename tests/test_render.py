"""scripts/render.py: a return workbook prints as landscape pages (PDF -> PNG)."""

from __future__ import annotations

import datetime as dt
import importlib.util
import shutil
import struct
from pathlib import Path

import pytest

from roundtrip.programme.bundled import load_example
from roundtrip.returns.workbook import write_return_workbook

pytestmark = [
    pytest.mark.libreoffice,
    pytest.mark.skipif(
        shutil.which("soffice") is None or shutil.which("pdftoppm") is None,
        reason="LibreOffice or pdftoppm not installed",
    ),
]


def load_render():
    path = Path(__file__).resolve().parents[1] / "scripts" / "render.py"
    spec = importlib.util.spec_from_file_location("render_script", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def png_size(path: Path) -> tuple[int, int]:
    with open(path, "rb") as fh:
        head = fh.read(24)
    return struct.unpack(">II", head[16:24])


def test_visible_sheets_print_one_landscape_page_each(tmp_path):
    p = load_example("aura")
    info = write_return_workbook(
        tmp_path / "SIV.xlsx",
        p,
        "SIV",
        p.settings.period("2025Q3"),
        b"s",
        None,
        dt.datetime(2025, 10, 1),
    )
    pages = load_render().render(info.path, tmp_path / "out", dpi=40)
    # instructions, actions, metrics, proposals: each fits one page; hidden sheets don't print
    assert len(pages) == 4
    for page in pages:
        width, height = png_size(page)
        assert width > height  # landscape
