"""The parsed-programme cache: used only for the very same bytes, never trusted beyond that."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import openpyxl
import pytest

from roundtrip.errors import ConfigError
from roundtrip.programme.bundled import load_example
from roundtrip.programme.cache import CACHE_FILE, from_json_lines, json_lines
from roundtrip.programme.workbook import load_programme, write_programme


@pytest.fixture(scope="module")
def aura():
    return load_example("aura")


@pytest.fixture
def xlsx(aura, tmp_path) -> Path:
    path = tmp_path / "programme.xlsx"
    write_programme(aura, path)
    return path


def test_json_round_trip_keeps_everything(aura):
    back = from_json_lines(list(json_lines(aura)))
    assert back == aura
    assert back.version == aura.version
    assert any(s.aliases for s in back.statuses)
    assert any(a.metrics for a in back.actions)


def test_second_load_comes_from_the_cache(xlsx, tmp_path):
    cache = tmp_path / ".cache"
    first = load_programme(xlsx, cache)
    assert (cache / CACHE_FILE).is_file()
    # Mark the cached copy: if the second load reads the cache it sees the mark.
    path = cache / CACHE_FILE
    key, head, *actions = path.read_text(encoding="utf-8").splitlines()
    data = json.loads(head)
    data["departments"][0][1] = "FROM THE CACHE"
    path.write_text("\n".join([key, json.dumps(data), *actions]), encoding="utf-8")
    second = load_programme(xlsx, cache)
    assert second.departments[0].name == "FROM THE CACHE"
    assert second.actions == first.actions


def test_changed_programme_misses_the_cache(xlsx, tmp_path):
    cache = tmp_path / ".cache"
    before = load_programme(xlsx, cache)
    wb = openpyxl.load_workbook(xlsx)
    ws = wb["toimenpiteet"]  # Aura's programme.xlsx is Finnish: its actions sheet
    ws["D2"] = "Rewritten action text"
    wb.save(xlsx)
    after = load_programme(xlsx, cache)
    assert "Rewritten action text" in {a.text for a in after.actions}
    assert after.version != before.version
    assert load_programme(xlsx, cache) == after  # and the new one is cached


@pytest.mark.parametrize(
    "junk", ["", "not json\n{}", '"1:0.1.0:abc"\n{}', "cut", "line", "beyond", "negative", "twice"]
)
def test_damaged_cache_is_ignored_and_replaced(xlsx, tmp_path, aura, junk):
    cache = tmp_path / ".cache"
    good = load_programme(xlsx, cache)
    path = cache / CACHE_FILE
    text = path.read_text(encoding="utf-8")
    if junk == "cut":  # the right key, a body cut in the middle of a line
        path.write_text(text[: len(text) * 2 // 3], encoding="utf-8")
    elif junk == "line":  # cut at a line break: every line is valid JSON, actions are missing
        lines = text.splitlines()
        assert len(lines) > 2
        path.write_text("\n".join(lines[:-1]) + "\n", encoding="utf-8")
    elif junk in ("beyond", "negative", "twice"):  # a department line's action positions
        key, head, first, *rest = text.splitlines()
        positions, rows, shared = json.loads(first)
        positions[-1] = {"beyond": 10**6, "negative": -1, "twice": positions[0]}[junk]
        first = json.dumps([positions, rows, shared], ensure_ascii=False)
        path.write_text("\n".join([key, head, first, *rest]) + "\n", encoding="utf-8")
    else:
        path.write_text(junk, encoding="utf-8")
    assert load_programme(xlsx, cache) == good
    assert path.read_text(encoding="utf-8") == text  # and the cache is written again


def test_wrong_types_in_the_cache_are_ignored(xlsx, tmp_path):
    cache = tmp_path / ".cache"
    good = load_programme(xlsx, cache)
    path = cache / CACHE_FILE
    head, _ = path.read_text(encoding="utf-8").split("\n", 1)
    path.write_text(head + "\n" + json.dumps({"actions": 5}), encoding="utf-8")
    assert load_programme(xlsx, cache) == good


def test_invalid_programme_is_reported_and_not_cached(xlsx, tmp_path):
    wb = openpyxl.load_workbook(xlsx)
    actions = wb["toimenpiteet"]  # Aura's programme.xlsx is Finnish: its actions sheet
    actions["A3"] = actions["A2"].value  # a duplicate id
    wb.save(xlsx)
    cache = tmp_path / ".cache"
    with pytest.raises(ConfigError):
        load_programme(xlsx, cache)
    assert not (cache / CACHE_FILE).exists()
    with pytest.raises(ConfigError):  # and again: an error is never cached away
        load_programme(xlsx, cache)


def test_unwritable_cache_only_costs_speed(xlsx, tmp_path, aura):
    blocker = tmp_path / "file-not-dir"
    blocker.write_text("x")
    assert load_programme(xlsx, blocker / ".cache") == load_programme(xlsx)


def test_workspace_commands_create_the_cache(aura_ws):
    from click.testing import CliRunner

    from roundtrip.cli import main

    shutil.rmtree(aura_ws.cache_dir, ignore_errors=True)
    result = CliRunner().invoke(main, ["-w", str(aura_ws.root), "check"])
    assert result.exit_code == 0, result.output
    assert (aura_ws.cache_dir / CACHE_FILE).is_file()


def test_the_key_follows_the_file_when_asked_again(xlsx):
    """(content_key remembers its last answer while the file's size, time and inode stay.)"""
    import os

    from roundtrip.programme.cache import content_key

    first = content_key(xlsx)
    assert content_key(xlsx) == first
    data = bytearray(xlsx.read_bytes())
    data[-30] ^= 1  # the same size...
    st = xlsx.stat()
    xlsx.write_bytes(bytes(data))
    os.utime(xlsx, ns=(st.st_atime_ns, st.st_mtime_ns + 1))  # ...written a moment later
    assert content_key(xlsx) != first
