"""The early intake: files hashed and archived by another process while collect starts up."""

from __future__ import annotations

import hashlib
import os

import pytest

from roundtrip.collect import intake as intake_mod
from roundtrip.collect.intake import Early
from roundtrip.parallel.pool import inherits


def _files(tmp_path, n):
    folder = tmp_path / "inbox"
    folder.mkdir()
    paths = []
    for i in range(n):
        p = folder / f"{i:03d}.xlsx"
        p.write_bytes(f"return {i}".encode())
        paths.append(p)
    return paths


def _die(*args):
    os._exit(3)


class _CountingQueue:
    """The intake's queue, counting the waits on it."""

    def __init__(self, inner):
        self.inner = inner
        self.waits = 0

    def get(self, timeout=None):
        self.waits += 1
        return self.inner.get(timeout=timeout)

    def close(self):
        self.inner.close()


def test_every_file_is_taken_in_by_the_other_process(tmp_path):
    paths = _files(tmp_path, 3 * Early.CHUNK + 5)
    archive = tmp_path / "archive"
    with Early(archive, paths) as early:
        got = [early.get(p) for p in paths]
    for p, g in zip(paths, got, strict=True):
        digest = hashlib.sha256(p.read_bytes()).hexdigest()
        assert g.digest == digest
        assert g.archived == archive / f"{digest}.xlsx"
        assert g.archived.read_bytes() == p.read_bytes()
    assert early.get(tmp_path / "not-listed.xlsx") is None


@pytest.mark.skipif(not inherits(), reason="a function patched here reaches a forked process only")
def test_a_dead_intake_is_waited_for_once_not_once_per_file(tmp_path, monkeypatch):
    """The process dies before taking anything in: every file is None (the caller takes it
    in itself), found after one wait that tells the process is gone, not one per file (at
    3,000 files, half a second each would be 25 minutes)."""
    monkeypatch.setattr(intake_mod, "take_in_all", _die)
    monkeypatch.setattr(Early, "POLL_S", 0.05)
    paths = _files(tmp_path, 3 * Early.CHUNK)
    early = Early(tmp_path / "archive", paths)
    counting = early._queue = _CountingQueue(early._queue)
    try:
        early._process.join(30)  # (it died without sending anything)
        assert early._process.exitcode == 3
        assert [early.get(p) for p in paths] == [None] * len(paths)
        # One wait finds it dead, one more finds the queue empty after that; none after.
        assert counting.waits == 2
    finally:
        early.close()
