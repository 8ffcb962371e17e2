"""Every parallel path gives the same result however its workers start (issue 27).

Each real job runs three ways on copies of one workspace: in this process alone (its size
threshold out of reach), with forked workers and with spawned ones (ROUNDTRIP_START_METHOD,
as on Windows; the threshold at its least, so two or three returns are worth a pool). The
results are compared whole: the generated workbooks and annotated copies part by part
(golden_parts.parts: only the run's timestamps stripped), the register's stored rows, the
summary's figures and file, the streamed register byte for byte. A spy on Pool.start checks
that the pooled runs did start their workers, and how.

Fork is skipped where the system has none (Windows, .ci/windows-emulation).
"""

from __future__ import annotations

import datetime as dt
import functools
import multiprocessing as mp
import os
import shutil
import sqlite3
import zipfile
from pathlib import Path

import pytest
import xlsxwriter
from golden_parts import parts

from roundtrip.collect.run import collect_period
from roundtrip.demo.fill import ActionAnswer, fill_return
from roundtrip.errors import UsageError
from roundtrip.init import init_workspace
from roundtrip.parallel import pool as pool_mod
from roundtrip.parallel.pool import START_METHOD_ENV, Pool, Threshold, shipped, unshipped
from roundtrip.programme.periods import parse_period
from roundtrip.programme.workbook import load_programme
from roundtrip.register.workbook import write_register
from roundtrip.returns.generate import generate_period
from roundtrip.summary import passes
from roundtrip.summary.data import load_summary
from roundtrip.summary.workbook import write_summary
from roundtrip.workspace import Workspace
from roundtrip.xlsx import bulk

pytestmark = pytest.mark.filterwarnings("ignore:Sparkline Group extension")

PERIOD = "2025Q3"
NOW = dt.datetime(2025, 10, 1, 8, 0)
SECRET = "00112233445566778899aabbccddeeff" * 2
WAYS = ["serial", "fork", "spawn"]
PLENTY = 10**9  # a size threshold out of reach: the work is done in this process


def _available(way: str) -> bool:
    return way == "serial" or way in mp.get_all_start_methods()


@pytest.fixture
def started(monkeypatch):
    """The start method of every pool started meanwhile (a spy on Pool.start)."""
    methods: list[str] = []
    real = Pool.start.__func__

    def start(cls, *args, **kwargs):
        got = real(cls, *args, **kwargs)
        if got is not None:
            methods.append(got.executor._mp_context.get_start_method())
        return got

    monkeypatch.setattr(Pool, "start", classmethod(start))
    return methods


def _each_way(monkeypatch, started, run):
    """{way: run(pooled)} for every way this system has, ROUNDTRIP_START_METHOD set to it
    (pooled: whether the size thresholds are at their least); a pooled run must have
    started its workers that way, the serial one none."""
    out = {}
    for way in WAYS:
        if not _available(way):
            continue
        if way == "serial":
            monkeypatch.delenv(START_METHOD_ENV, raising=False)
        else:
            monkeypatch.setenv(START_METHOD_ENV, way)
        started.clear()
        out[way] = run(way != "serial")
        if way == "serial":
            assert started == [], way
        else:
            assert started and set(started) == {way}, (way, started)
    monkeypatch.delenv(START_METHOD_ENV, raising=False)
    assert "spawn" in out
    return out


def _same(results: dict) -> None:
    ways = list(results)
    for way in ways[1:]:
        assert results[way] == results[ways[0]], f"{way} differs from {ways[0]}"


# ----------------------------------------------------------------------------- workspaces


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    """The Aura workspace, 2025Q3 generated and its returns filled in inbox/2025Q3: every
    department's, one twice, one with an unknown status (rejected: an annotated copy), one
    leaving actions unanswered (warnings: another). Copy it, never change it."""
    root = tmp_path_factory.mktemp("start-methods") / "aura"
    init_workspace(root, example="aura")
    ws = Workspace(root)
    conn = sqlite3.connect(ws.db_path)
    with conn:
        conn.execute("UPDATE meta SET value = ? WHERE key = 'secret'", (SECRET,))
    conn.close()
    made = generate_period(ws, PERIOD, now=NOW, pool_min=PLENTY)
    programme = load_programme(ws.programme_path, ws.cache_dir)
    labels = [s.label for s in programme.statuses]
    inbox = ws.inbox(PERIOD)
    for i, f in enumerate(made.files):
        actions = programme.actions_of(f.department_id)
        answers = {
            a.id: ActionAnswer(labels[(i + j) % 5], (10 * (i + j)) % 101, f"kommentti {i}-{j}")
            for j, a in enumerate(actions)
            if not (i == 2 and j % 2)  # unanswered: warnings
        }
        if i == 1:
            answers[actions[0].id] = ActionAnswer("valmis?", 50, "")  # not a status
        target = inbox / f"{i:02d} {f.department_id}.xlsx"
        fill_return(f.path, target, answers, signer=f"{f.department_id} head")
        moment = (NOW + dt.timedelta(days=1, minutes=7 * i)).timestamp()
        os.utime(target, (moment, moment))
    twice = inbox / "00 again.xlsx"
    shutil.copyfile(inbox / f"00 {made.files[0].department_id}.xlsx", twice)
    os.utime(twice, (NOW.timestamp() + 9e4, NOW.timestamp() + 9e4))
    shutil.rmtree(ws.outbox(parse_period(PERIOD)))
    return root


@pytest.fixture(scope="module")
def collected(base, tmp_path_factory) -> Path:
    """`base` with its returns collected (in this process alone); copy it, never change it."""
    root = tmp_path_factory.mktemp("start-methods-collected") / "aura"
    shutil.copytree(base, root)
    collect_period(Workspace(root), PERIOD, now=NOW, pool_min=PLENTY, copies_pool_min=PLENTY)
    return root


def _copy(src: Path, tmp_path: Path, name: str) -> Workspace:
    root = tmp_path / name
    shutil.copytree(src, root)
    return Workspace(root)


def _workbooks(folder: Path) -> dict[str, dict[str, str]]:
    return {p.name: parts(p) for p in sorted(folder.glob("*.xlsx"))}


def _register_rows(ws: Workspace) -> dict[str, list]:
    conn = sqlite3.connect(ws.db_path)
    try:
        return {
            t: _without_where(conn.execute(f"SELECT * FROM {t} ORDER BY 1, 2"))
            for t in ("submissions", "answers", "metric_values", "problems", "proposals")
        }
    finally:
        conn.close()


# ----------------------------------------------------------------------------- the paths


def test_generate_the_same_workbooks(base, tmp_path, monkeypatch, started):
    def run(pooled: bool):
        ws = _copy(base, tmp_path, f"generate-{len(os.listdir(tmp_path))}")
        generate_period(ws, PERIOD, now=NOW, pool_min=1 if pooled else PLENTY)
        return _workbooks(ws.outbox(parse_period(PERIOD)))

    results = _each_way(monkeypatch, started, run)
    assert len(results["serial"]) == 8
    _same(results)


def test_collect_the_same_register_and_annotated_copies(base, tmp_path, monkeypatch, started):
    """The early intake, the readers (two files a task) and the annotated copies."""

    def run(pooled: bool):
        ws = _copy(base, tmp_path, f"collect-{len(os.listdir(tmp_path))}")
        least = 1 if pooled else PLENTY
        result = collect_period(
            ws, PERIOD, now=NOW, pool_min=least, pool_group=2, copies_pool_min=least
        )
        lines = [line.replace(str(ws.root), "WS") for line in result.lines()]
        feedback = _workbooks(ws.reports(parse_period(PERIOD)) / "feedback")
        rejections = (ws.reports(parse_period(PERIOD)) / "rejections.jsonl").read_text()
        return lines, _register_rows(ws), feedback, rejections

    results = _each_way(monkeypatch, started, run)
    lines, rows, feedback, _ = results["serial"]
    assert len(rows["submissions"]) == 7 and len(feedback) >= 2, lines  # (one rejected)
    assert any("already collected" in x for x in lines), lines
    _same(results)


def test_summary_the_same_figures_and_file(collected, tmp_path, monkeypatch, started):
    """The passes over every answer (Beside) and the row blocks: forked workers render the
    rows; spawned ones leave the summary's rows to this process (xlsx/bulk.py)."""

    def run(pooled: bool):
        ws = _copy(collected, tmp_path, f"summary-{len(os.listdir(tmp_path))}")
        monkeypatch.setattr(passes, "POOL_MIN_ANSWERS", 0 if pooled else PLENTY)
        programme = load_programme(ws.programme_path, ws.cache_dir)
        conn = sqlite3.connect(ws.db_path)
        try:
            data = load_summary(conn, programme, parse_period(PERIOD))
        finally:
            conn.close()
        out = tmp_path / f"summary-{len(os.listdir(tmp_path))}.xlsx"
        write_summary(ws, PERIOD, out, pool_min_rows=0 if pooled else PLENTY)
        return data, parts(out)

    _same(_each_way(monkeypatch, started, run))


def test_streamed_register_the_same_bytes(collected, tmp_path, monkeypatch, started):
    """The history sheet made by a worker (spawned: sent pickled, its connection left
    behind) while this process makes the others; sheets continue past 12 rows."""

    def run(pooled: bool):
        ws = Workspace(collected)  # (read only)
        out = tmp_path / f"register-{len(os.listdir(tmp_path))}.xlsx"
        options = {"table_limit": 0, "max_rows": 12, "pool_min": 2 if pooled else PLENTY}
        write_register(ws, out, **options)
        with zipfile.ZipFile(out) as zf:
            return [(i.filename, zf.read(i)) for i in zf.infolist()]

    results = _each_way(monkeypatch, started, run)
    assert len(results["serial"]) > 12
    _same(results)


# The bulk rows of a block that can be pickled (what spawned workers are sent): a module-level
# function over plain data.
def _block_rows(first: int, n: int, style: int):
    for i in range(n):
        text = f"rivi {i} & <{i % 7}>" if i % 5 == 0 else f"rivi {i}"
        yield ((0, text, style), (1, i * 1.5, style), (2, None, style)), 30.0 if i % 9 else None


def _bulk_workbook(path: Path, pool_min_rows: int) -> bool:
    """A workbook of three sheets with bulk blocks finished by `bulk.finish`; whether the
    blocks were rendered by workers."""
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    style = wb.add_format({"text_wrap": True})
    blocks = []
    for k, n in enumerate((700, 40, 1300)):
        sheet = wb.add_worksheet(f"S{k}")
        sheet.write_string(0, 0, f"otsikko {k}")
        bulk.reserve(sheet, 1, n)
        rows = functools.partial(_block_rows, 1, n, bulk.xf(style))
        blocks.append(bulk.Block(sheet.index + 1, 1, n, rows))
    ahead = bulk.render_ahead(blocks, path.parent / f"{path.stem}-blocks", pool_min_rows)
    wb.close()
    bulk.finish(path, blocks, ahead)
    return ahead is not None


def test_bulk_blocks_that_can_be_pickled_are_rendered_by_spawned_workers(
    tmp_path, monkeypatch, started
):
    def run(pooled: bool):
        out = tmp_path / f"bulk-{len(os.listdir(tmp_path))}.xlsx"
        assert _bulk_workbook(out, 0 if pooled else PLENTY) == pooled
        return parts(out)

    _same(_each_way(monkeypatch, started, run))


# ----------------------------------------------------------------------------- the choice


def test_an_unknown_start_method_is_one_clear_error(monkeypatch):
    monkeypatch.setenv(START_METHOD_ENV, "thread")
    with pytest.raises(UsageError, match=f"{START_METHOD_ENV} is 'thread'.*spawn"):
        pool_mod.workers_for(1, PLENTY)  # (whatever the size)
    with pytest.raises(UsageError):
        Pool.start(2)
    for way in ("fork", "forkserver"):
        if way not in mp.get_all_start_methods():  # (Windows: only spawn)
            monkeypatch.setenv(START_METHOD_ENV, way)
            with pytest.raises(UsageError, match=way):
                pool_mod.context()


def test_unset_is_fork_where_there_is_fork(monkeypatch):
    monkeypatch.delenv(START_METHOD_ENV, raising=False)
    default = "fork" if "fork" in mp.get_all_start_methods() else "spawn"
    assert pool_mod.start_method() == default
    monkeypatch.setenv(START_METHOD_ENV, " Spawn ")
    assert pool_mod.start_method() == "spawn" and not pool_mod.inherits()
    monkeypatch.setenv(START_METHOD_ENV, "")
    assert pool_mod.start_method() == default


def test_a_threshold_follows_the_start_method(monkeypatch):
    least = Threshold(50, spawned=150)
    assert least == 50 and isinstance(least, int)
    monkeypatch.setenv(START_METHOD_ENV, "spawn")
    assert pool_mod.minimum(least) == 150 and pool_mod.minimum(7) == 7
    assert pool_mod.workers_for(100, least) == 1
    if "fork" in mp.get_all_start_methods():
        monkeypatch.setenv(START_METHOD_ENV, "fork")
        assert pool_mod.minimum(least) == 50


def test_a_connection_is_left_behind_when_shipped(tmp_path):
    conn = sqlite3.connect(tmp_path / "x.db")
    try:
        got = unshipped(shipped({"conn": conn, "rows": [1, 2], "path": tmp_path}))
    finally:
        conn.close()
    assert got == {"conn": None, "rows": [1, 2], "path": tmp_path}


def _console_line(_n: int) -> str:
    from roundtrip.language import _

    return _("cannot write the summary: {reason}")


def test_spawned_workers_speak_the_command_s_language(monkeypatch):
    from roundtrip.language import pin_console_language, tr

    monkeypatch.setenv(START_METHOD_ENV, "spawn")
    pin_console_language("sv")
    pool = Pool.start(1)
    assert pool is not None
    try:
        got = pool.submit(_console_line, 0).result(timeout=60)
    finally:
        pool.close()
    assert got == tr("sv", "cannot write the summary: {reason}") != _console_line.__name__


def _without_where(cur) -> list[tuple]:
    """The rows without the column naming the workspace that archived each file (two
    workspaces compared: each names itself)."""
    keep = [i for i, d in enumerate(cur.description) if d[0] != "archived_in"]
    return [tuple(r[i] for i in keep) for r in cur]
