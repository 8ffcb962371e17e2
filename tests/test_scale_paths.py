"""The fast paths taken at scale give what the plain ones give (no timings here)."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import random
import zipfile
from types import SimpleNamespace

import pytest
import xlsxwriter
from xlsxwriter.utility import quote_sheetname

from roundtrip.programme.bundled import load_example, programme_version
from roundtrip.programme.model import LATER_FIELDS, MAIL_SETTINGS, Metric, Status
from roundtrip.summary import metrics as summary_metrics
from roundtrip.summary import sheets as summary_sheets
from roundtrip.summary.data import ActionRow, MetricRow
from roundtrip.xlsx.bulk import _SPECIAL, Block, finish, needs_care, reserve, row_xml
from roundtrip.xlsx.text import SAFE_LENGTH as MAX_STRING


def _reference_version(p) -> str:
    """The version as first defined: sha256 of asdict + json (the send-out's settings, which
    came later and shape no workbook, left out; so are the fields added later while they
    hold their default)."""
    body = dataclasses.asdict(dataclasses.replace(p, version=""))
    body.pop("_index", None)  # the lookups cache is no content
    for key in MAIL_SETTINGS:
        del body["settings"][key]
    metrics = [m for a in body["actions"] for m in a["metrics"]]
    for record in [body["settings"], *body["actions"], *metrics]:
        for key, default in LATER_FIELDS.items():
            if key in record and record[key] == default:
                del record[key]
    blob = json.dumps(body, sort_keys=True, ensure_ascii=False, default=str).encode("utf-8")
    return hashlib.sha256(blob).hexdigest()[:12]


def test_programme_version_keeps_its_value():
    aura = load_example("aura")
    assert programme_version(aura) == _reference_version(aura) == aura.version
    odd = dataclasses.replace(
        aura,
        actions=aura.actions[:3]
        + tuple(
            dataclasses.replace(
                a,
                text=f'ä & "q" \n {i}',
                metrics=(
                    Metric(
                        f"M{i}",
                        a.id,
                        "m",
                        "count",
                        targets=(("2025", "3"), ("2026H1", "4")) if i % 3 == 0 else (),
                    ),
                ),
                partners=("SIV",) if i % 7 == 0 else (),
                end="2026Q4" if i % 5 == 0 else "",
            )
            for i, a in enumerate(aura.actions[3:9000])
        ),
        statuses=(*aura.statuses, Status("x", "X", "#000000", aliases=("a", "b"))),
    )
    assert programme_version(odd) == _reference_version(odd)
    assert programme_version(dataclasses.replace(aura, actions=())) == _reference_version(
        dataclasses.replace(aura, actions=())
    )


def test_programme_lookups_follow_replace():
    aura = load_example("aura")
    dept = aura.departments[0].id
    assert aura.actions_of(dept) == tuple(
        a for a in aura.actions if a.department_id == dept and a.active
    )
    fewer = dataclasses.replace(aura, actions=aura.actions[:1])
    assert fewer.actions_of(aura.actions[0].department_id) == aura.actions[:1]
    assert fewer.actions_of("nobody") == ()
    with pytest.raises(KeyError):
        aura.department("nobody")


@pytest.mark.parametrize("show_previous", [True, False])
def test_action_rows_fast_xml_is_the_generic_xml(monkeypatch, show_previous):
    monkeypatch.setattr(summary_sheets, "xf", lambda fmt: 7)
    keys = ("on_track", "", "done")
    fmt = SimpleNamespace(status=dict.fromkeys(keys), text=None, id=None, int=None)
    labels = {"on_track": "On track", "": "Not answered", "done": "Done"}
    ctx = SimpleNamespace(fmt=fmt, labels=labels, words={"stale": "No answer for {n}"})
    rows = [
        ActionRow(
            "P1-1", "P1", "Short", "Dept", "on_track", 50, "3 pcs", "Fine", "2025Q3", 0, "done"
        ),
        ActionRow("P1-2", "P1", "Long text " * 10, "Dept", "", None, "", "", "", 3, ""),
        ActionRow("P1-3", "P1", "line\nbreak", "D", "done", 100, "x" * 30, "c" * 60, "2025Q1", 0),
        ActionRow("P1-4", "P1", "a & b <c>", " Dept", "done", 1, "", "_x0041_", "", 0, ""),
        ActionRow(
            "P1-5", "P1", "Late", "D", "on_track", 20, "", "", "", 0, "on_track",
            health="schedule ended 2024, status: On track\nno update for 2 periods",
        ),
        ActionRow("P1-6", "P1", "Owner", "D", "done", 100, "", "", "", 0, "", health="D has none"),
    ]  # fmt: skip
    first = 4
    for i, (item, r) in enumerate(
        zip(summary_sheets._action_rows(ctx, rows, show_previous, first)(), rows, strict=True)
    ):
        label = summary_sheets._status_label(ctx, r)
        previous = labels[r.previous_key] if show_previous else None
        cells = [
            (0, r.action_id, 7),
            (1, r.text, 7),
            (2, r.department, 7),
            (3, label, 7),
            (4, previous, 7),
            (5, r.progress, 7),
            (6, r.metrics, 7),
            (7, r.comment, 7),
            (8, r.comment_period, 7),
            (9, r.health or None, 7),
        ]
        height = summary_sheets.row_height(
            [(r.text, 40), (r.comment, 44), (r.metrics, 22), (r.department, 22), (label, 18),
             (r.partners, 40), (r.health, 40)]
        )  # fmt: skip
        want = row_xml(first + i, cells, height)
        got = item if isinstance(item, str) else row_xml(first + i, *item)
        assert got == want


def test_needs_care_catches_every_string_that_needs_it():
    rng = random.Random(5)
    alphabet = [
        "a",
        "b",
        " ",
        "\t",
        "\n",
        "\u00a0",
        "|",
        "&",
        "<",
        ">",
        "\x01",
        "\ufffe",
        "_x",
        "0041",
        "_",
    ]
    for _ in range(20000):
        values = [
            "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 6)))
            for _ in range(rng.randint(1, 4))
        ]
        if any(len(v) > MAX_STRING or _SPECIAL.search(v) for v in values):
            assert needs_care("|".join(values)), values
    assert not needs_care("plain|text|2025Q3")
    assert needs_care("x" * (MAX_STRING + 1))


def _ext_list(path) -> str:
    with zipfile.ZipFile(path) as z:
        xml = z.read("xl/worksheets/sheet1.xml").decode()
    return xml[xml.index("<extLst>") :]


@pytest.mark.parametrize("name", ["Metrics", "R&D 'plan' <x>", "a_x0041_b"])
def test_sparklines_made_when_finishing_are_the_ones_xlsxwriter_writes(tmp_path, name):
    spark = summary_metrics.Sparklines(quote_sheetname(name), "B", "D", "E")
    rows = [4, 5, 7, 10]  # 1-based: sheet rows 3..9 hold values
    options = {"markers": True, "series_color": "#1F4E78", "weight": 1.75}

    def book(path, ours: bool):
        wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})  # as the summary's
        sheet = wb.add_worksheet(name)
        if ours:
            reserve(sheet, 3, 9)
            cells = [((1, 1, 0), (2, 2, 0), (3, 3, 0)) for _ in range(7)]
            insert = ("</x14:sparkline>", spark.xml(rows[1:]))
            block = Block(1, 3, 9, lambda: ((c, None) for c in cells), insert)
            kept = rows[:1]
        else:
            for r in range(3, 10):
                sheet.write_row(r, 1, [1, 2, 3])
            block, kept = None, rows
        sheet.add_sparkline(
            spark.location(kept[0]),
            {
                "location": [spark.location(r) for r in kept],
                "range": [spark.range(r) for r in kept],
                **options,
            },
        )
        wb.close()
        if block is not None:
            finish(path, [block])
        return _ext_list(path)

    theirs = book(tmp_path / "theirs.xlsx", ours=False)
    ours = book(tmp_path / "ours.xlsx", ours=True)
    assert theirs.count("<x14:sparkline>") == len(rows)
    assert ours == theirs


def test_an_insert_whose_anchor_is_missing_fails_loudly(tmp_path):
    path = tmp_path / "book.xlsx"
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    reserve(wb.add_worksheet(), 0, 1)
    wb.close()
    block = Block(1, 0, 1, lambda: [(((0, 1, 0),), None)] * 2, ("</x14:sparkline>", str))
    with pytest.raises(ValueError):
        finish(path, [block])
    assert zipfile.ZipFile(path).testzip() is None  # the file is left as it was


@pytest.mark.parametrize("staged", [False, True])
def test_metric_rows_fast_xml_is_the_generic_xml(staged):
    styles = {"id": 1, "text": 2, "yesno": 3, "num": 4, "whole": 5}
    rows = [
        MetricRow("M1", "P1-1", "Visitors", "count", "pcs", "100", True, (1 / 3, None, 3.5), True),
        MetricRow(
            "M2", "P1-1", ("Share " * 12).strip(), "percent", "%", "", True, (None,) * 3, None
        ),
        MetricRow("M3", "P1-2", "Open?", "yesno", "", "1", True, (1.0, 0.0, 1.0), False),
        MetricRow("M4", "P1-2", "Notes", "text", "", "", True, ("fine", 2.0, None), None),
        MetricRow("M5", "P1-3", "a & b", "number", "€", "<5", False, (2.0, 1e21, 7), True),
        MetricRow("M6", "P1-3", "Mixed", "number", "", "", True, (1.0, "n/a", True), None),
        MetricRow("M7", "P1-3", "line\nbreak", "count", " pcs", "3", True, (0.1, 2, 3), False),
        MetricRow("M8", "P1-4", "y" * 43, "count", "", "", True, (1.0, 2.0, 3.0), None),
        MetricRow("M9", "P1-4", "z" * 42, "count", "", "", True, (1.0, 2.0, 3.0), None),
    ]
    if staged:  # targets by year or period: the target that applies now and its bound
        rows = [m._replace(target_now=(m.target, "2025Q3") if m.target else None) for m in rows]
    first, first_value, spark_col = 3, 7 if staged else 5, 10 if staged else 8
    made = summary_metrics._metric_rows(
        rows, styles, first_value, spark_col, ("Yes", "No"), first, staged
    )
    fast = []
    for i, (item, m) in enumerate(zip(made(), rows, strict=True)):
        cells = summary_metrics._metric_cells(
            m, styles, first_value, spark_col, ("Yes", "No"), staged
        )
        want = row_xml(first + i, cells, summary_metrics._metric_height(m))
        if isinstance(item, str):
            fast.append(m.metric_id)
        assert (item if isinstance(item, str) else row_xml(first + i, *item)) == want
    assert fast == [
        "M1",
        "M2",
        "M3",
        "M4",
        "M6",
        "M8",
        "M9",
    ]  # escapes, edge spaces: the careful way


def _wrapped_word_by_word(text: str, per_line: int) -> int:
    """The summary's line count as first written: greedy, one step for each word."""
    n = 0
    for para in text.split("\n"):
        n += 1
        used = 0
        for word in para.split():
            if used == 0:
                used = len(word)
            elif used + 1 + len(word) <= per_line:
                used += 1 + len(word)
            else:
                n += 1
                used = len(word)
            while used > per_line:
                n += 1
                used -= per_line
    return n


def test_lines_counted_a_line_at_a_time_are_those_counted_word_by_word():
    rng = random.Random(24)
    words = ["a", "ab", "Toimenpide", "yhteistyön", "x" * 17, "y" * 40, "z" * 90, "–", "12 %"]
    seps = [" ", " ", " ", "  ", "\t", "\n", " \n ", "\u00a0", "\u3000", "\x1f"]
    cases = ["", " ", "\n\n", "a" * 40, "a" * 41, ("b " * 30).strip()]
    for _ in range(20_000):
        parts = [rng.choice(words) + rng.choice(seps) for _ in range(rng.randint(0, 14))]
        cases.append("".join(parts))
    for text in cases:
        for per_line in (1, 5, 17, 21, 40, 47, 52):
            want = _wrapped_word_by_word(text, per_line)
            assert summary_sheets.wrapped_lines(text, per_line) == want, (text, per_line)
