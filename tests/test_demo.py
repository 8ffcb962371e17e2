"""`roundtrip demo DIR`: the whole cycle on the Aura example, end to end, through the CLI."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from roundtrip.cli import main
from roundtrip.demo.run import COMMENTS, MARKER, _prepare
from roundtrip.errors import UsageError

pytestmark = pytest.mark.filterwarnings("ignore:Sparkline Group extension")


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> tuple[Path, str]:
    target = tmp_path_factory.mktemp("demo") / "aura-demo"
    result = CliRunner().invoke(main, ["demo", str(target)])
    assert result.exit_code == 0, result.output
    return target, result.output


def all_text(path: Path) -> str:
    wb = openpyxl.load_workbook(path, read_only=True)
    return "\n".join(
        str(v) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for v in row if v
    )


def test_files_made(demo):
    root, output = demo
    reports = root / "reports" / "2025Q3"
    for path in (
        root / "programme.xlsx",
        root / "roundtrip.db",
        root / "reports" / "register.xlsx",
        reports / "summary.xlsx",
        reports / "validation.xlsx",
    ):
        assert path.is_file(), path
        assert str(path) in output or path.name in ("programme.xlsx",)
    for q in ("2025Q1", "2025Q2", "2025Q3"):
        assert len(list((root / "outbox" / q).glob("*.xlsx"))) == 8
    feedback = sorted(p.name for p in (reports / "feedback").iterdir())
    assert any("HAL" in n for n in feedback) and any("KUL" in n for n in feedback)


def test_mistakes_reported(demo):
    root, output = demo
    report = all_text(root / "reports" / "2025Q3" / "validation.xlsx")
    assert "50 %" in report  # text in a count cell
    assert "Valmis osittain" in report  # a status pasted past the dropdown
    kul = next((root / "reports" / "2025Q3" / "feedback").glob("*KUL*"))
    assert "Merkittäviä haasteita" in all_text(kul)  # a major problem without a comment
    assert "rejected" in output and "missing" in output and "late" in output


def test_register_holds_what_the_demo_says(demo):
    root, _ = demo
    conn = sqlite3.connect(root / "roundtrip.db")
    rows = dict(
        conn.execute(
            "SELECT department_id, COUNT(*) FROM current_submissions WHERE period = '2025Q3' "
            "GROUP BY department_id"
        ).fetchall()
    )
    # HAL rejected, EVT missing; KUL's corrected file counts; SIV's `Valmis ` accepted as done
    assert set(rows) == {"YEP", "SIV", "KUL", "VAP", "TEK", "MUU"}
    trailing = conn.execute(
        "SELECT a.status_key FROM answers a JOIN current_submissions s ON s.id = a.submission_id "
        "WHERE s.period = '2025Q3' AND a.action_id = 'P1-08'"  # SIV's first action: `Valmis `
    ).fetchone()[0]
    assert trailing == "done"
    answered = conn.execute(
        "SELECT COUNT(*) FROM answers a JOIN current_submissions s ON s.id = a.submission_id "
        "WHERE s.period = '2025Q3' AND a.status_key IS NOT NULL"
    ).fetchone()[0]
    conn.close()
    summary = openpyxl.load_workbook(root / "reports" / "2025Q3" / "summary.xlsx")
    overview = {r[0]: r[1:4] for r in summary.worksheets[0].iter_rows(values_only=True) if r[0]}
    assert overview["Toimenpiteitä (voimassa)"][0] == 53
    assert overview["Ei vastausta"][0] == 53 - answered
    assert overview["Saapuneet palautukset"][:2] == (6, 8)
    assert "Trendi" not in summary.sheetnames and "Kehitys" in summary.sheetnames


def test_refuses_a_folder_that_is_not_a_demo(tmp_path):
    (tmp_path / "thesis.docx").write_text("mine")
    result = CliRunner().invoke(main, ["demo", str(tmp_path)])
    assert result.exit_code == 2
    assert "not empty" in result.output
    assert (tmp_path / "thesis.docx").is_file()


def test_replaces_a_previous_demo(tmp_path):
    old = tmp_path / "demo"
    old.mkdir()
    (old / MARKER).write_text("")
    (old / "leftover.txt").write_text("x")
    _prepare(old)
    assert not old.exists()
    with pytest.raises(UsageError):
        f = tmp_path / "file"
        f.write_text("x")
        _prepare(f)


def test_summary_command_on_the_demo_workspace(demo, tmp_path):
    root, _ = demo
    out = tmp_path / "q2.xlsx"
    result = CliRunner().invoke(main, ["-w", str(root), "summary", "2025Q2", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert f"Wrote {out}" in result.output
    book = openpyxl.load_workbook(out)
    assert book.sheetnames[0] == "Yhteenveto" and "Kehitys" in book.sheetnames
    bad = CliRunner().invoke(main, ["-w", str(root), "summary", "2025H1"])
    assert bad.exit_code == 2 and "cadence" in bad.output


@pytest.mark.slow
def test_a_swedish_demo_answers_in_swedish(tmp_path, monkeypatch):
    """With a Swedish programme the department heads write Swedish, the console speaks it."""
    monkeypatch.delenv("ROUNDTRIP_LANG", raising=False)  # the console follows the programme
    target = tmp_path / "sv-demo"
    result = CliRunner().invoke(main, ["demo", "--language", "sv", str(target)])
    assert result.exit_code == 0, result.output
    assert "2025Q3: sektorernas rapportfiler skapas" in result.output
    assert "Påminnelselista (2025Q3, läget 21.10.2025):" in result.output
    assert "Titta på:" in result.output and "Look at" not in result.output
    conn = sqlite3.connect(target / "roundtrip.db")
    comments = {c for (c,) in conn.execute("SELECT comment FROM answers WHERE comment <> ''")}
    names = {n for (n,) in conn.execute("SELECT original_name FROM submissions")}
    conn.close()
    assert "Framskrider enligt plan." in comments or "Klart." in comments
    assert not comments & {c for cs in COMMENTS["fi"].values() for c in cs}
    assert any(n.endswith("_korrigerad.xlsx") for n in names)
    report = all_text(target / "reports" / "2025Q3" / "validation.xlsx")
    assert "Delvis klar" in report  # the status typed past the dropdown, in Swedish
