"""The programme in force on a shared register (register/programmes.py, issue 25): the first
coordinator publishes programme.xlsx, the others take it, an edit in one workspace is
published and taken by the rest, an edit in two at once is refused with the other's kept
beside, a programme that does not load is never published, and every version stays in the
register. Real PostgreSQL (tests/conftest.py: skipped, with how to enable it, where there is
none)."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from roundtrip.cli import main
from roundtrip.errors import ConfigError, WorkspaceError
from roundtrip.register import shared
from roundtrip.register.programmes import CONFLICT_FILE, SHARED_FILE, agree
from roundtrip.workspace import Workspace


def _workspace(aura_base: Path, root: Path) -> Workspace:
    shutil.copytree(aura_base, root)
    return Workspace(root)


def _edit(ws: Workspace, text: str) -> None:
    """Rewrite the first action's text, as a coordinator would in Excel."""
    wb = openpyxl.load_workbook(ws.programme_path)
    wb["toimenpiteet"]["D2"] = text  # (Aura's programme.xlsx is Finnish)
    wb.save(ws.programme_path)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _versions(url: str) -> list[str]:
    conn = shared.connect(url)
    try:
        return [
            r[0] for r in conn.execute("SELECT content_hash FROM programme_versions ORDER BY id")
        ]
    finally:
        conn.close()


def test_an_edit_in_one_workspace_is_in_force_in_every_other(aura_base, tmp_path, postgres_url):
    a = _workspace(aura_base, tmp_path / "a")
    b = _workspace(aura_base, tmp_path / "b")
    first = _digest(a.programme_path)
    assert agree(a, postgres_url) == "published"
    assert _versions(postgres_url) == [first]
    assert (a.root / SHARED_FILE).read_text().strip() == first
    assert agree(b, postgres_url) == "same"  # (joined with the same programme)

    _edit(b, "Muutettu toimenpide B:ssä")
    second = _digest(b.programme_path)
    assert agree(b, postgres_url) == "published"
    assert agree(b, postgres_url) == "same"
    assert agree(a, postgres_url) == "taken"
    assert a.programme_path.read_bytes() == b.programme_path.read_bytes()
    assert _versions(postgres_url) == [first, second]  # (every version kept)
    # A workspace without a programme.xlsx (a coordinator joining) takes the one in force.
    c = Workspace(tmp_path / "c")
    c.root.mkdir()
    assert agree(c, postgres_url) == "taken"
    assert _digest(c.programme_path) == second


def test_edits_in_two_workspaces_at_once_change_nothing_and_keep_the_other_beside(
    aura_base, tmp_path, postgres_url
):
    a = _workspace(aura_base, tmp_path / "a")
    b = _workspace(aura_base, tmp_path / "b")
    agree(a, postgres_url)
    agree(b, postgres_url)
    _edit(a, "A:n muutos")
    _edit(b, "B:n muutos")
    assert agree(a, postgres_url) == "published"
    mine = b.programme_path.read_bytes()
    with pytest.raises(WorkspaceError, match="another coordinator published"):
        agree(b, postgres_url)
    assert b.programme_path.read_bytes() == mine  # (B's edit stays where it was)
    assert (b.root / CONFLICT_FILE).read_bytes() == a.programme_path.read_bytes()
    assert len(_versions(postgres_url)) == 2
    # B brings the two together and runs again: published, and A takes it.
    _edit(b, "A:n ja B:n muutokset")
    assert agree(b, postgres_url) == "published"
    assert agree(a, postgres_url) == "taken"
    assert len(_versions(postgres_url)) == 3


def test_a_programme_that_does_not_load_is_not_published(aura_base, tmp_path, postgres_url):
    a = _workspace(aura_base, tmp_path / "a")
    b = _workspace(aura_base, tmp_path / "b")
    agree(a, postgres_url)
    agree(b, postgres_url)
    wb = openpyxl.load_workbook(b.programme_path)
    wb["toimenpiteet"]["A2"] = None  # an action without its ID
    wb.save(b.programme_path)
    with pytest.raises(ConfigError):
        agree(b, postgres_url)
    assert len(_versions(postgres_url)) == 1
    assert agree(a, postgres_url) == "same"


def test_the_commands_take_the_programme_in_force(aura_base, tmp_path, postgres_url):
    """`status --database` in a workspace whose programme is older: it takes the one in force
    first (and says so on one line), then reads the register with it."""
    a = _workspace(aura_base, tmp_path / "a")
    b = _workspace(aura_base, tmp_path / "b")
    agree(a, postgres_url)
    agree(b, postgres_url)
    _edit(a, "Uusi teksti")
    run = CliRunner()
    got = run.invoke(main, ["-w", str(a.root), "--database", postgres_url, "status", "2025Q3"])
    assert got.exit_code in (0, 1), got.output
    assert "Published programme.xlsx" in got.output
    b_before = b.programme_path.read_bytes()
    got = run.invoke(main, ["-w", str(b.root), "--database", postgres_url, "status", "2025Q3"])
    assert got.exit_code in (0, 1), got.output
    assert "Took programme.xlsx from the shared register" in got.output
    assert b.programme_path.read_bytes() == a.programme_path.read_bytes() != b_before


def test_a_coordinator_joining_with_another_programme_is_refused(aura_base, tmp_path, postgres_url):
    """A workspace that never took the register's programme and holds one the register does
    not: not published over the one in force (nor replaced): refused, the other beside."""
    a = _workspace(aura_base, tmp_path / "a")
    b = _workspace(aura_base, tmp_path / "b")
    _edit(a, "A:n versio")
    agree(a, postgres_url)
    with pytest.raises(WorkspaceError, match="another coordinator published"):
        agree(b, postgres_url)
    assert (b.root / CONFLICT_FILE).read_bytes() == a.programme_path.read_bytes()
    assert len(_versions(postgres_url)) == 1


def test_a_second_coordinator_joins_with_init_and_signs_alike(aura_base, tmp_path, postgres_url):
    """`roundtrip --database URL init DIR` with no programme: a workspace of the programme in
    force, whose workbooks are signed with the register's one secret (a return generated in
    either workspace is collected by the other). Before any programme is published: one line."""
    run = CliRunner()
    joined = tmp_path / "b"
    got = run.invoke(main, ["--database", postgres_url, "init", str(joined)])
    assert got.exit_code == 2, got.output
    assert got.output.count("\n") == 1 and "has no programme yet" in got.output
    assert not (joined / "programme.xlsx").exists()

    a = _workspace(aura_base, tmp_path / "a")
    shared_run = ["--database", postgres_url]
    got = run.invoke(main, ["-w", str(a.root), *shared_run, "generate", "2025Q3"])
    assert got.exit_code == 0, got.output
    got = run.invoke(main, [*shared_run, "init", str(joined)])
    assert got.exit_code == 0, got.output
    b = Workspace(joined)
    assert b.programme_path.read_bytes() == a.programme_path.read_bytes()
    # A's workbook, returned to B: B collects it into the one register.
    sent = sorted((a.root / "outbox" / "2025Q3").glob("*.xlsx"))[0]
    b.inbox("2025Q3").mkdir(parents=True, exist_ok=True)
    shutil.copy2(sent, b.inbox("2025Q3") / sent.name)
    got = run.invoke(main, ["-w", str(joined), *shared_run, "collect", "2025Q3"])
    assert got.exit_code == 0, got.output
    conn = shared.connect(postgres_url)
    try:
        where = conn.execute("SELECT archived_in FROM submissions").fetchall()
    finally:
        conn.close()
    assert [w[0] for w in where] == [b.where()]


def test_the_statements_kept_as_text_are_what_sqlalchemy_compiles():
    """POSTGRESQL's texts (no SQLAlchemy import on the way) are its Core statements."""
    from sqlalchemy.dialects.postgresql import psycopg

    from roundtrip.register import programmes

    for name, stmt in programmes.core().items():
        got = stmt.compile(dialect=psycopg.dialect(paramstyle="format")).string
        assert got == programmes.POSTGRESQL[name], name
