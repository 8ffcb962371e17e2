"""Crash safety: `roundtrip collect` killed at any moment leaves a consistent register.

A collect over an inbox of 20 valid returns is killed with SIGKILL after a delay spread over
its whole run time, many times. After each kill the register must pass SQLite's integrity
check, hold only complete submissions (every answer and metric value of the file), no
duplicate content, and an archive whose files match their hashes; a second collect then stores
every return exactly once. Two collects started together never lose or double a return: the
second waits for the lock or stops with a clear message (exit 2).

Bounded: every subprocess has a generous timeout; the kill runs go four at a time.
"""

from __future__ import annotations

import hashlib
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from child import ENCODING as CHILD_ENCODING

from tests.corpus.build import NOW, PERIOD

N_RETURNS = 20
N_KILLS = 15
TIMEOUT = 180
STATUSES = ("Etenee suunnitellusti", "Pieniä haasteita", "Valmis", "Ei aloitettu")

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> tuple[Path, dict[str, tuple[int, int]]]:
    """A workspace whose inbox holds 20 valid, distinct returns (2-3 per department)."""
    from roundtrip.demo.fill import ActionAnswer, fill_return
    from roundtrip.init import init_workspace
    from roundtrip.programme.workbook import load_programme
    from roundtrip.returns.generate import generate_period
    from roundtrip.workspace import Workspace

    root = tmp_path_factory.mktemp("crash") / "ws"
    init_workspace(root, example="aura")
    ws = Workspace(root)
    result = generate_period(ws, PERIOD, now=NOW)
    programme = load_programme(ws.programme_path)
    inbox = ws.inbox(PERIOD)
    inbox.mkdir(parents=True, exist_ok=True)
    sizes = {
        d.id: (
            len(programme.actions_of(d.id)),
            sum(len(a.metrics) for a in programme.actions_of(d.id)),
        )
        for d in programme.departments
    }
    infos = list(result.files)
    made = 0
    stamp = time.time() - 10_000
    while made < N_RETURNS:
        info = infos[made % len(infos)]
        version = made // len(infos)
        answers = {
            aid: ActionAnswer(STATUSES[(i + version) % len(STATUSES)], 10 * version, f"v{version}")
            for i, aid in enumerate(info.action_ids)
        }
        metrics = {}
        for a in programme.actions_of(info.department_id):
            for m in a.metrics:
                metrics[m.id] = "Kyllä" if m.kind == "yesno" else version + 1
        dst = inbox / f"{info.department_id}_v{version}.xlsx"
        fill_return(info.path, dst, answers, metrics, signer=f"tester {version}")
        os.utime(dst, (stamp + made, stamp + made))  # distinct arrival order: supersession
        made += 1
    return root, sizes


def _collect(ws: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "roundtrip.cli", "-q", "-w", str(ws), "collect", PERIOD],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        encoding=CHILD_ENCODING,
    )


def _finish(proc: subprocess.Popen) -> tuple[int, str]:
    try:
        out, err = proc.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        raise
    return proc.returncode, out + err


def _hashes(ws: Path) -> set[str]:
    return {
        hashlib.sha256(p.read_bytes()).hexdigest() for p in (ws / "inbox" / PERIOD).glob("*.xlsx")
    }


def _assert_consistent(ws: Path, sizes: dict[str, tuple[int, int]]) -> int:
    """Integrity, complete submissions, no duplicates, archive matches hashes; -> submissions."""
    db = ws / "roundtrip.db"
    if not db.exists():
        return 0
    conn = sqlite3.connect(str(db))
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        rows = conn.execute("SELECT id, content_hash, department_id FROM submissions").fetchall()
        hashes = [r[1] for r in rows]
        assert len(hashes) == len(set(hashes)), "the same content stored twice"
        for sid, _digest, dept in rows:
            n_answers = conn.execute(
                "SELECT count(*) FROM answers WHERE submission_id = ?", (sid,)
            ).fetchone()[0]
            n_values = conn.execute(
                "SELECT count(*) FROM metric_values WHERE submission_id = ?", (sid,)
            ).fetchone()[0]
            assert (n_answers, n_values) == sizes[dept], f"partial submission {sid} of {dept}"
        current = conn.execute(
            "SELECT department_id, count(*) FROM submissions WHERE superseded_by IS NULL "
            "GROUP BY department_id HAVING count(*) > 1"
        ).fetchall()
        assert current == [], "more than one current submission for a department"
    finally:
        conn.close()
    for f in (ws / "archive").glob("*.*"):
        if not f.name.startswith("."):
            assert hashlib.sha256(f.read_bytes()).hexdigest() == f.stem, f"partial archive {f}"
    return len(rows)


def _assert_complete(ws: Path, sizes: dict[str, tuple[int, int]]) -> None:
    assert _assert_consistent(ws, sizes) == N_RETURNS
    conn = sqlite3.connect(str(ws / "roundtrip.db"))
    try:
        stored = {r[0] for r in conn.execute("SELECT content_hash FROM submissions")}
    finally:
        conn.close()
    assert stored == _hashes(ws)


def test_a_full_collect_stores_every_return_once(base, tmp_path):
    root, sizes = base
    ws = tmp_path / "ws"
    shutil.copytree(root, ws)
    code, out = _finish(_collect(ws))
    assert code == 0, out
    _assert_complete(ws, sizes)
    code, out = _finish(_collect(ws))  # idempotent
    assert code == 0, out
    _assert_complete(ws, sizes)


def _stored(ws: Path) -> int:
    try:
        conn = sqlite3.connect(str(ws / "roundtrip.db"), timeout=1)
        try:
            return conn.execute("SELECT count(*) FROM submissions").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.Error:
        return 0


def _kill_after(proc: subprocess.Popen, ws: Path, stored: int, extra: float) -> None:
    """SIGKILL once `stored` submissions are in the register, plus `extra` seconds."""
    deadline = time.monotonic() + TIMEOUT
    while stored and proc.poll() is None and time.monotonic() < deadline:
        if _stored(ws) >= stored:
            break
        time.sleep(0.01)
    time.sleep(extra)
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=TIMEOUT)


@pytest.mark.slow
def test_killed_collect_leaves_a_consistent_register(base, tmp_path):
    root, sizes = base
    seed = int(os.environ.get("ROUNDTRIP_CRASH_SEED", "20251001"))
    rng = random.Random(seed)
    # Kill points spread over the whole run: during start-up (0 stored), and after k returns
    # are stored plus a random part of the time one or two returns take (mid-transaction,
    # mid-copy: a return takes ~10 ms alone, a few times that with four runs at once).
    plan = [(0, rng.uniform(0.0, 1.5)) for _ in range(2)]
    plan += [
        (1 + (i * (N_RETURNS - 2)) // (N_KILLS - 2), rng.uniform(0, 0.03))
        for i in range(N_KILLS - 2)
    ]

    def one(i: int) -> tuple[int, float, int]:
        ws = tmp_path / f"run{i}"
        shutil.copytree(root, ws)
        k, extra = plan[i]
        _kill_after(_collect(ws), ws, k, extra)
        stored_at_kill = _assert_consistent(ws, sizes)
        code, out = _finish(_collect(ws))
        assert code == 0, f"run {i} (seed {seed}, kill after {k} stored + {extra:.2f} s): {out}"
        _assert_complete(ws, sizes)
        shutil.rmtree(ws, ignore_errors=True)
        return k, extra, stored_at_kill

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(one, range(N_KILLS)))
    print(f"\nseed {seed}; (kill after k stored + s, stored at kill):")
    print(", ".join(f"({k}+{e:.2f}s, {n})" for k, e, n in results))
    stored = {n for _, _, n in results}
    assert len(stored) >= N_KILLS // 2, "the kills must land at many moments of the run"
    assert min(stored) < N_RETURNS


def test_two_collects_at_once_lose_and_double_nothing(base, tmp_path):
    root, sizes = base
    ws = tmp_path / "ws"
    shutil.copytree(root, ws)
    first, second = _collect(ws), _collect(ws)
    (code1, out1), (code2, out2) = _finish(first), _finish(second)
    for code, out in ((code1, out1), (code2, out2)):
        assert "Traceback" not in out
        assert code in (0, 2), out
        if code == 2:
            assert "another roundtrip collect is running" in out
    assert 0 in (code1, code2)
    _assert_complete(ws, sizes)
