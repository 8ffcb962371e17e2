"""Collect validates a return against its department's slice of the cached programme: the
slices are exactly the programme's actions, and anything they cannot answer falls back to the
whole programme."""

from __future__ import annotations

import dataclasses
import json
import pickle
from pathlib import Path

import pytest

from roundtrip.programme.bundled import load_example
from roundtrip.programme.cache import CACHE_FILE, Slices, content_key, write_cached
from roundtrip.programme.source import ByDepartment, Whole, open_source
from roundtrip.programme.workbook import load_programme
from roundtrip.returns.read import RawReturn


@pytest.fixture(scope="module")
def aura():
    return load_example("aura")


def _cached(p, cache: Path, key: str = "k") -> Slices:
    write_cached(cache, key, p)
    got = Slices.open(cache, key)
    assert got is not None
    return got


def test_aura_interleaves_departments(aura):
    """(What the tests below rely on: a department's actions are not one run of rows.)"""
    runs = [a.department_id for a in aura.actions]
    changes = sum(1 for x, y in zip(runs, runs[1:], strict=False) if x != y)
    assert changes > len(aura.departments)


def test_a_department_slice_is_its_actions_in_programme_order(aura, tmp_path):
    with _cached(aura, tmp_path) as slices:
        assert slices.head == dataclasses.replace(aura, actions=())
        for d in aura.departments:
            part = slices.department(d.id)
            assert part.actions == tuple(a for a in aura.actions if a.department_id == d.id)
            assert dataclasses.replace(part, actions=()) == slices.head
        assert slices.department("NO-SUCH").actions == ()
        assert slices.whole() == aura


def test_slices_share_the_heads_department_and_priority_lookups(aura, tmp_path):
    """3,000 departments are indexed once for a whole generate run, not once a workbook: each
    slice comes with the head's lookups (and answers as the whole programme does)."""
    with _cached(aura, tmp_path) as slices:
        parts = [slices.department(d.id) for d in aura.departments]
        parts.append(slices.department("NO-SUCH"))
        for part in parts:
            assert part._index["departments"] is slices.head._departments()
            assert part._index["priorities"] is slices.head._priorities()
            assert [part.department(d.id) for d in aura.departments] == list(aura.departments)
            assert [part.priority(x.id) for x in aura.priorities] == list(aura.priorities)


def test_slices_survive_pickling(aura, tmp_path):
    """For processes that are spawned rather than forked."""
    with _cached(aura, tmp_path) as slices:
        again = pickle.loads(pickle.dumps(slices))
        dept = aura.actions[0].department_id
        assert again.department(dept) == slices.department(dept)
        again.close()


def test_slices_keep_reading_the_cache_they_opened(aura, tmp_path):
    """Another command may replace the cache meanwhile (always a new file renamed into place):
    the slices still come from the programme they were opened for."""
    with _cached(aura, tmp_path) as slices:
        dept = aura.actions[0].department_id
        before = slices.department(dept)
        other = dataclasses.replace(aura, actions=aura.actions[::-1], version="other")
        write_cached(tmp_path, "k", other)
        assert slices.department(dept) == before
        assert slices.whole() == aura


@pytest.mark.parametrize("case", ["missing", "stale", "no index", "old index", "junk head"])
def test_no_slices_from_a_missing_stale_or_damaged_cache(aura, tmp_path, case):
    path = tmp_path / CACHE_FILE
    if case != "missing":
        write_cached(tmp_path, "k", aura)
    key = "k2" if case == "stale" else "k"
    if case in ("no index", "old index", "junk head"):
        first, head, *rest = path.read_text(encoding="utf-8").splitlines()
        data = json.loads(head)
        if case == "old index":  # format 3's [offset, size], without the active count
            data["index"] = {d: e[:2] for d, e in data["index"].items()}
        else:
            del data["index"]
        head = head[: len(head) // 2] if case == "junk head" else json.dumps(data)
        path.write_text("\n".join([first, head, *rest]) + "\n", encoding="utf-8")
    assert Slices.open(tmp_path, key) is None


def _raw(dept: str, actions=(), metrics=()) -> RawReturn:
    ids = {"action_ids": " ".join(actions), "metric_ids": " ".join(metrics)}
    return RawReturn("x.xlsx", identity={"department_id": dept, **ids})


def test_open_source_reads_the_whole_programme_only_without_a_current_cache(aura_ws):
    p = load_programme(aura_ws.programme_path)
    aura_ws.cache_dir.mkdir(exist_ok=True)
    (aura_ws.cache_dir / CACHE_FILE).unlink(missing_ok=True)
    first = open_source(aura_ws.programme_path, aura_ws.cache_dir)
    assert isinstance(first, Whole) and first.head == p
    assert first.for_return(_raw("YEP").identity) is first.head
    second = open_source(aura_ws.programme_path, aura_ws.cache_dir)  # the first wrote it
    assert isinstance(second, ByDepartment)
    assert dataclasses.replace(second.head, actions=()) == dataclasses.replace(p, actions=())
    second.close()


def test_a_return_listing_what_its_slice_lacks_is_given_the_whole_programme(aura_ws):
    p = load_programme(aura_ws.programme_path, aura_ws.cache_dir)
    a, b = p.departments[0].id, p.departments[1].id
    own = [x.id for x in p.actions if x.department_id == a]
    other = next(x for x in p.actions if x.department_id == b and x.metrics)
    source = open_source(aura_ws.programme_path, aura_ws.cache_dir)
    assert isinstance(source, ByDepartment)
    try:
        part = source.for_return(_raw(a, own).identity)
        assert part.actions == tuple(x for x in p.actions if x.department_id == a)
        assert source.for_return(_raw(a, [*own, other.id]).identity) == p  # an action moved since
        assert source.for_return(_raw(a, own, [other.metrics[0].id]).identity) == p
        assert source.for_return(_raw(a, ["GONE-1"]).identity) == p  # one removed since
        assert source.for_return(_raw("NO-SUCH").identity).actions == ()
    finally:
        source.close()


def test_a_damaged_department_line_gives_the_whole_programme_from_the_workbook(aura_ws):
    p = load_programme(aura_ws.programme_path, aura_ws.cache_dir)
    path = aura_ws.cache_dir / CACHE_FILE
    assert content_key(aura_ws.programme_path) in path.read_text(encoding="utf-8")
    dept = p.departments[0].id
    data = path.read_bytes()
    at = data.index(f'"{p.actions_of(dept)[0].id}"'.encode())
    path.write_bytes(data[:at] + b"{" + data[at + 1 :])  # same length: the index still fits
    source = open_source(aura_ws.programme_path, aura_ws.cache_dir)
    assert isinstance(source, ByDepartment)
    try:
        assert source.for_return(_raw(dept).identity) == p
    finally:
        source.close()


def test_the_index_says_which_departments_have_active_actions(aura, tmp_path):
    quiet = aura.departments[0].id
    p = dataclasses.replace(
        aura,
        actions=tuple(
            dataclasses.replace(a, active=False) if a.department_id == quiet else a
            for a in aura.actions
        ),
    )
    with _cached(p, tmp_path) as slices:
        got = slices.active_departments()
    assert got == Whole(p).active_departments()
    assert quiet not in got and len(got) > 3


def test_status_reads_the_index_and_says_what_the_whole_programme_says(aura_ws, tmp_path):
    """A department whose actions are all inactive is not chased, with or without the cache."""
    import datetime as dt

    import openpyxl
    from programme_copies import whole_and_sliced

    from roundtrip.register.status import period_status

    quiet = "YEP"
    wb = openpyxl.load_workbook(aura_ws.programme_path)
    for row in wb["toimenpiteet"].iter_rows(min_row=2):  # Aura's actions (in Finnish)
        if row[2].value == quiet:
            row[8].value = "ei"  # active: no
    wb.save(aura_ws.programme_path)
    lines = {}
    for kind, ws in whole_and_sliced(aura_ws.root, tmp_path):
        report = period_status(ws, "2025Q3", today=dt.date(2025, 10, 20))
        lines[kind] = report.lines()
    assert not any(quiet in x for x in lines[Whole])
    assert len(lines[Whole]) > 5
    assert lines[ByDepartment] == lines[Whole]


def test_slices_read_by_seeking_where_there_is_no_pread(aura, tmp_path, monkeypatch):
    """(Windows has no os.pread: each read then opens a duplicate of the descriptor.)"""
    with _cached(aura, tmp_path) as slices:
        dept = aura.actions[0].department_id
        with_pread = slices.department(dept)
        monkeypatch.delattr("os.pread")
        assert slices.department(dept) == with_pread
        assert slices.whole() == aura
