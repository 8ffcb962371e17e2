"""`roundtrip init` and `roundtrip check` through the real CLI."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from roundtrip.cli import main
from roundtrip.errors import UsageError, WorkspaceError
from roundtrip.init import init_workspace
from roundtrip.programme.bundled import load_example
from roundtrip.programme.workbook import load_programme, write_programme
from roundtrip.resources import example_dir

SEED = Path(__file__).parent / "fixtures" / "elinvoimaohjelma-2023-2026.txt"


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def test_init_example_then_check(tmp_path: Path):
    ws = tmp_path / "ws"
    result = run("init", str(ws), "--example", "aura")
    assert result.exit_code == 0, result.output
    assert "53 actions" in result.output and "YEP" in result.output
    assert "roundtrip -w" in result.output and "generate 2023Q3" in result.output
    for folder in ("outbox", "inbox", "archive", "reports"):
        assert (ws / folder).is_dir()
    assert load_programme(ws / "programme.xlsx") == load_example("aura")
    conn = sqlite3.connect(ws / "roundtrip.db")
    assert conn.execute("SELECT value FROM meta WHERE key='secret'").fetchone()[0]
    conn.close()
    check = run("-w", str(ws), "check")
    assert check.exit_code == 0, check.output
    assert "programme.xlsx: OK: 4 priorities, 8 departments, 53 actions" in check.output


def test_init_from_the_seed_table(tmp_path: Path):
    ws = tmp_path / "seedws"
    result = run("init", str(ws), "--from-table", str(SEED))
    assert result.exit_code == 0, result.output
    assert "import report" in result.output
    report = (ws / "reports" / "import-report.txt").read_text(encoding="utf-8")
    assert "one action split across a page: merged" in report
    assert "kind guessed" in report
    assert run("-w", str(ws), "check").exit_code == 0


def test_init_from_a_programme_xlsx_or_toml(tmp_path: Path):
    src = tmp_path / "mine.xlsx"
    write_programme(load_example("aura"), src)
    a = init_workspace(tmp_path / "a", programme=src)
    assert (tmp_path / "a" / "programme.xlsx").read_bytes() == src.read_bytes()
    assert len(a.programme.actions) == 53
    b = init_workspace(tmp_path / "b", programme=example_dir("aura") / "programme.toml")
    assert load_programme(tmp_path / "b" / "programme.xlsx") == b.programme


def test_init_with_a_bad_programme_creates_nothing(tmp_path: Path):
    src = tmp_path / "bad.xlsx"
    write_programme(load_example("aura"), src)
    wb = openpyxl.load_workbook(src)
    wb["asetukset"]["B5"].value = "de"  # Aura's programme.xlsx is Finnish: its settings
    wb.save(src)
    ws = tmp_path / "ws"
    result = run("init", str(ws), "--programme", str(src))
    assert result.exit_code == 2
    assert "bad.xlsx: asetukset!B5: unknown language 'de'" in result.output
    assert not (ws / "programme.xlsx").exists() and not (ws / "roundtrip.db").exists()


def test_init_refuses_an_existing_workspace(tmp_path: Path):
    ws = tmp_path / "ws"
    assert run("init", str(ws), "--example", "aura").exit_code == 0
    before = (ws / "programme.xlsx").read_bytes()
    result = run("init", str(ws), "--from-table", str(SEED))
    assert result.exit_code == 2
    assert "already a workspace" in result.output and "Traceback" not in result.output
    assert (ws / "programme.xlsx").read_bytes() == before
    with pytest.raises(WorkspaceError):
        init_workspace(ws, example="aura")


@pytest.mark.parametrize(
    "kwargs",
    [{}, {"example": "aura", "table": SEED}],
)
def test_init_needs_exactly_one_source(tmp_path: Path, kwargs):
    with pytest.raises(UsageError, match="exactly one source"):
        init_workspace(tmp_path / "ws", **kwargs)
    assert run("init", str(tmp_path / "ws")).exit_code == 2


def test_unknown_example_is_a_usage_error(tmp_path: Path):
    result = run("init", str(tmp_path / "ws"), "--example", "nowhere")
    assert result.exit_code == 2
    assert "unknown example 'nowhere'" in result.output


def test_check_outside_a_workspace(tmp_path: Path):
    result = run("-w", str(tmp_path), "check")
    assert result.exit_code == 2
    assert "not a roundtrip workspace" in result.output


def test_init_from_a_bad_toml_reports_every_problem(tmp_path: Path):
    src = tmp_path / "programme.toml"
    src.write_text(
        '[settings]\nprogramme_id = "x"\nname = "X"\norganisation = "O"\nlanguage = "de"\n'
        '[[departments]]\nid = "A"\nname = "A"\n'
        '[[actions]]\nid = "P1-01"\npriority = "P9"\ndepartment = "A"\naction = "Do"\n',
        encoding="utf-8",
    )
    result = run("init", str(tmp_path / "ws"), "--programme", str(src))
    assert result.exit_code == 2
    assert "settings!B5: unknown language 'de'" in result.output
    assert "actions!B2: unknown priority 'P9'" in result.output
    assert not (tmp_path / "ws").exists()
    src.write_text('[settings]\nname = "X"\n', encoding="utf-8")
    result = run("init", str(tmp_path / "ws"), "--programme", str(src))
    assert result.exit_code == 2 and "not a programme definition" in result.output


def test_init_where_no_folder_can_be_made_is_one_clear_line(tmp_path: Path):
    (tmp_path / "a file").write_text("x")
    target = tmp_path / "a file" / "workspace"
    result = CliRunner().invoke(main, ["init", str(target), "--example", "aura"])
    assert result.exit_code == 2, result.output
    assert result.output.strip() == f"Error: cannot create the workspace {target} (Not a directory)"


def test_init_speaks_the_console_language(tmp_path: Path):
    fi = run("--lang", "fi", "init", str(tmp_path / "fi"), "--example", "aura")
    assert fi.exit_code == 0, fi.output
    assert fi.output.startswith(f"Työkansio {tmp_path / 'fi'} luotu, lähteenä mukana tuleva")
    assert "4 painopistettä, 8 toimialaa, 53 toimenpidettä, 15 mittaria" in fi.output
    assert "Vapaa-aikatoimi: 1 toimenpide\n" in fi.output
    sv = run("--lang", "sv", "init", str(tmp_path / "sv"), "--from-table", str(SEED))
    assert sv.exit_code == 0, sv.output
    assert "4 fokusområden, 8 sektorer, 53 åtgärder, 15 mätare" in sv.output
    assert "importrapport (" in sv.output and "typen gissades till" in sv.output
    again = run("--lang", "sv", "init", str(tmp_path / "sv"), "--example", "aura")
    assert again.exit_code == 2
    assert "är redan en arbetsmapp (hittade programme.xlsx, roundtrip.db)" in again.output


def test_outside_a_workspace_in_finnish(tmp_path: Path):
    result = run("--lang", "fi", "-w", str(tmp_path), "check")
    assert result.exit_code == 2
    assert f"{tmp_path} ei ole roundtrip-työkansio (programme.xlsx puuttuu)" in result.output
