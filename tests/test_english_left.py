"""No English left in what the tool writes for a Finnish or a Swedish programme.

The demo is run with the programme's language switched (`roundtrip demo --language`), the
console left to follow the programme; every line it prints and every text of every workbook
it writes (the returns, the annotated copies, the validation report, the register, the
summary) is scanned for fragments of English messages (tests/english_scan.py).
"""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner
from english_scan import english_fragments, english_in, workbook_texts

from roundtrip.cli import main

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("language", ["fi", "sv"])
def test_the_demo_writes_no_english(tmp_path, monkeypatch, language):
    monkeypatch.delenv("ROUNDTRIP_LANG", raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")  # the system's language is not the programme's
    target = tmp_path / "demo"
    result = CliRunner().invoke(main, ["demo", "--language", language, str(target)])
    assert result.exit_code == 0, result.output
    texts = result.output.splitlines()
    for command in (["status", "2025Q3"], ["check"], ["collect", "2025Q3"]):
        again = CliRunner().invoke(main, ["-w", str(target), *command])
        assert again.exit_code in (0, 1), again.output
        texts += again.output.splitlines()
    # the workspace's folders (reports/PERIOD/feedback) are a layout, not words
    texts = [re.sub(re.escape(str(target)) + r"\S*", "<path>", t) for t in texts]
    books = [p for p in target.rglob("*.xlsx") if "archive" not in p.parts]
    assert len(books) > 30  # returns, filled returns, annotated copies, report, register, summary
    for book in books:
        if book.name != "programme.xlsx":
            texts += workbook_texts(book)
    found = english_in(texts, english_fragments(language))
    # programme.xlsx lists each status's labels in the other languages too (accepted on collect)
    found += english_in(
        workbook_texts(target / "programme.xlsx"), english_fragments(language, skip=("status",))
    )
    assert found == []


def test_the_scan_finds_english():
    fragments = english_fragments("fi")
    found = english_in(
        ["Tila: Valmis", "Fill in the yellow cells. Return by 14.10.2025."], fragments
    )
    assert found and "Fill in the yellow cells" in found[0]
    assert english_in(["Täytä keltaiset solut."], fragments) == []
