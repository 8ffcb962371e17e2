"""validate_return (pure): every rule, on raw returns built in memory.

The Aura programme is Finnish: its messages are asserted in Finnish (they are written into the
annotated copy and the validation report in the programme's language); the last tests switch the
programme to Swedish and English.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from openpyxl.utils import get_column_letter

from roundtrip.programme.bundled import load_example
from roundtrip.returns import contract
from roundtrip.returns.read import RawCell, RawReturn, RawRow, RawSheet
from roundtrip.returns.validate import validate_return
from roundtrip.returns.workbook import identity_fields, plan_metric_text

SECRET = b"k" * 32
P = load_example("aura")
PERIOD = P.settings.period("2025Q3")
DEPT = "YEP"
ACTIONS = P.actions_of(DEPT)
METRICS = [m for a in ACTIONS for m in a.metrics]


def identity(**over: str) -> tuple[dict[str, str], dict[str, str]]:
    fields = identity_fields(
        P, DEPT, PERIOD, dt.datetime(2025, 9, 30), [a.id for a in ACTIONS], [m.id for m in METRICS]
    )
    fields.update(over)
    sig = contract.sign(fields, SECRET)
    ident = {**fields, contract.SIGNATURE_FIELD: sig}
    cells = {k: f"B{i + 1}" for i, k in enumerate(ident)}
    return ident, cells


def sheet(key: str, name: str, rows: list[dict[str, object]], formats=None) -> RawSheet:
    cols = {c.key: get_column_letter(i + 1) for i, c in enumerate(contract.COLUMNS[key])}
    raw_rows = []
    for n, values in enumerate(rows, start=contract.FIRST_DATA_ROW):
        cells = {}
        for k, letter in cols.items():
            v = values.get(k)
            pct = (formats or {}).get((values.get("action_id") or values.get("metric_id"), k))
            formula = ""
            if isinstance(v, tuple):  # (value, formula)
                v, formula = v
            cells[k] = RawCell(v, f"{letter}{n}", pct, formula)
        raw_rows.append(RawRow(n, cells))
    return RawSheet(key, name, contract.HEADER_ROW, cols, tuple(raw_rows))


def action_row(a, **inputs):
    prio = f"{a.priority_id} {P.priority(a.priority_id).title}"
    row = {
        "action_id": a.id,
        "priority": prio,
        "action": a.text,
        "metric": plan_metric_text(a) or None,
        "schedule": a.schedule or None,
        "responsible": a.responsible or None,
    }
    row.update(inputs)
    return row


def metric_row(m, **inputs):
    row = {"metric_id": m.id, "action_id": m.action_id, "metric": m.name, "kind": m.kind}
    row.update(inputs)
    return row


def make(
    answers=None,
    metrics=None,
    proposals=(),
    ident=None,
    action_rows=None,
    metric_rows=None,
    fmt=None,
) -> RawReturn:
    answers = answers or {}
    metrics = metrics or {}
    ident, cells = ident or identity()
    arows = action_rows or [action_row(a, **answers.get(a.id, {})) for a in ACTIONS]
    mrows = metric_rows or [metric_row(m, **metrics.get(m.id, {})) for m in METRICS]
    return RawReturn(
        file="palautus.xlsx",
        identity=ident,
        identity_sheet="Tunniste",
        identity_cells=cells,
        sheets={
            "actions": sheet("actions", "Toimenpiteet", arows, fmt),
            "metrics": sheet("metrics", "Mittarit", mrows, fmt),
            "proposals": sheet("proposals", "Ehdotukset", list(proposals)),
        },
        signer="Matti",
    )


def full_answers(**over):
    out = {a.id: {"status": "Etenee suunnitellusti", "progress": 40} for a in ACTIONS}
    out.update(over)
    return out


def full_metrics():
    return {m.id: {"value": "Kyllä" if m.kind == "yesno" else 3} for m in METRICS}


def errors(v):
    return [(p.sheet, p.cell, p.message) for p in v.errors]


def test_clean_return_gives_records_with_their_cells():
    v = validate_return(make(full_answers(), full_metrics()), P, PERIOD, SECRET)
    assert v.accepted and not v.problems
    assert v.department_id == DEPT and v.signer == "Matti"
    a0 = v.answers[0]
    assert (a0.action_id, a0.status_key, a0.progress) == (ACTIONS[0].id, "on_track", 40)
    assert (a0.sheet, a0.status_cell, a0.progress_cell, a0.comment_cell) == (
        "Toimenpiteet",
        "K4",
        "L4",
        "M4",
    )
    yesno = next(m for m in v.metric_values if m.kind == "yesno")
    assert (yesno.value_num, yesno.value_text) == (1.0, "yes")
    count = next(m for m in v.metric_values if m.kind == "count")
    assert (count.value_num, count.value_text, count.value_cell) == (3.0, "3", count.value_cell)


def test_bad_signature_period_department_and_programme():
    ident, cells = identity()
    ident = {**ident, "department_id": "HAL"}  # edited after signing
    v = validate_return(make(ident=(ident, cells)), P, PERIOD, SECRET)
    assert any("ei ole luotu tässä työtilassa" in m for _, _, m in errors(v))

    v = validate_return(make(ident=identity(period="2025Q2")), P, PERIOD, SECRET)
    assert ("Tunniste", "B5", "tämä on kauden 2025Q2 palautus eikä kauden 2025Q3") in errors(v)

    v = validate_return(make(ident=identity(programme_id="other")), P, PERIOD, SECRET)
    assert any("kuuluu ohjelmaan 'other'" in m for _, _, m in errors(v))

    v = validate_return(make(ident=identity(format_version="99")), P, PERIOD, SECRET)
    assert any("muotoversio '99'" in m for _, _, m in errors(v))

    v = validate_return(make(ident=identity(department_id="XXX")), P, PERIOD, SECRET)
    assert any("tuntematon toimiala 'XXX'" in m for _, _, m in errors(v))

    v = validate_return(
        make(full_answers(), ident=identity(programme_version="old")), P, PERIOD, SECRET
    )
    assert v.accepted and any("aiemmasta versiosta" in w.message for w in v.warnings)

    v = validate_return(make(), P, PERIOD, b"other secret")
    assert not v.accepted


def test_no_identity():
    raw = dataclasses.replace(make(), identity={}, identity_cells={}, identity_sheet="")
    v = validate_return(raw, P, PERIOD, SECRET)
    assert not v.accepted and "tunnistevälilehteä ei löytynyt" in v.errors[0].message


def test_status_progress_and_comment_rules():
    a = [x.id for x in ACTIONS]
    answers = full_answers(
        **{
            a[0]: {"status": "valmis ", "progress": 100},
            a[1]: {"status": "Melkein valmis", "progress": 10},
            a[2]: {"status": "Merkittäviä haasteita", "progress": 20},  # comment missing
            a[3]: {"status": "Keskeytetty", "progress": 20, "comment": "Rahoitus loppui"},
            a[4]: {"status": "On track", "progress": 12.5},
            a[5]: {"status": "Etenee suunnitellusti", "progress": "50 %"},
            a[6]: {"status": "Etenee suunnitellusti", "progress": 0.5},  # %-formatted cell
            a[7]: {},  # not answered
            a[8]: {"status": "Etenee suunnitellusti", "progress": 150},
        }
    )
    v = validate_return(make(answers, fmt={(a[6], "progress"): True}), P, PERIOD, SECRET)
    got = {x.action_id: x for x in v.answers}
    assert got[a[0]].status_key == "done"
    assert got[a[3]].status_key == "cancelled" and got[a[3]].comment == "Rahoitus loppui"
    assert got[a[4]].status_key == "on_track"
    assert got[a[5]].progress == 50
    assert got[a[6]].progress == 50
    assert got[a[7]].status_key is None
    errs = errors(v)
    assert ("Toimenpiteet", "K5") in [(s, c) for s, c, _ in errs]  # unknown status
    assert any(c == "K5" and m.startswith("tila ei ole listalla") for _, c, m in errs)
    assert any(c == "M6" and "kommentti on pakollinen" in m for _, c, m in errs)
    assert any(c == "L8" and "12,5 ei ole kokonaisluku" in m for _, c, m in errs)  # 12.5
    assert any(c == "L12" and "150 ei ole välillä 0–100" in m for _, c, m in errs)
    assert any(w.cell == "K11" and "ei vastattu" in w.message for w in v.warnings)
    assert all(p.file == "palautus.xlsx" for p in v.problems)


def test_unknown_duplicate_and_deleted_rows():
    rows = [action_row(a, status="Valmis") for a in ACTIONS]
    rows[1] = dict(rows[0])  # duplicate of the first ID
    rows.append(action_row(ACTIONS[0], action_id="P9-99"))
    v = validate_return(make(action_rows=rows), P, PERIOD, SECRET)
    msgs = errors(v)
    assert any(c == "A5" and "on kahdesti (myös rivillä 4)" in m for _, c, m in msgs)
    assert any("tuntematon toimenpiteen tunnus 'P9-99'" in m for _, _, m in msgs)
    assert any(f"toimenpiteen {ACTIONS[1].id} rivi on poistettu" in w.message for w in v.warnings)


def test_sorted_rows_are_matched_by_id():
    rows = [action_row(a, status="Valmis", progress=100) for a in reversed(ACTIONS)]
    v = validate_return(make(action_rows=rows, metrics=full_metrics()), P, PERIOD, SECRET)
    assert v.accepted
    last = next(x for x in v.answers if x.action_id == ACTIONS[-1].id)
    assert last.status_cell == "K4"


def test_locked_cells_changed_are_warnings_and_ignored():
    rows = [action_row(a, status="Valmis") for a in ACTIONS]
    rows[0]["action"] = "Something else entirely"
    v = validate_return(make(action_rows=rows, metrics=full_metrics()), P, PERIOD, SECRET)
    assert v.accepted
    assert any(w.cell == "C4" and "lukittua solua" in w.message for w in v.warnings)


def test_plan_completions_for_blank_plan_fields():
    blank = [a for a in ACTIONS if not a.schedule or not plan_metric_text(a) or not a.responsible]
    assert blank, "the Aura example has actions with blank plan fields"
    a = blank[0]
    field = next(
        f
        for f, v in (
            ("metric", plan_metric_text(a)),
            ("schedule", a.schedule),
            ("responsible", a.responsible),
        )
        if not v
    )
    answers = full_answers(**{a.id: {"status": "Valmis", field: "Syksy 2025"}})
    v = validate_return(make(answers, full_metrics()), P, PERIOD, SECRET)
    assert v.accepted
    [pc] = v.plan_completions
    assert (pc.action_id, pc.field, pc.value) == (a.id, field, "Syksy 2025")


def test_metric_values_by_kind():
    count = next(m for m in METRICS if m.kind == "count")
    yesno = next(m for m in METRICS if m.kind == "yesno")
    metrics = full_metrics()
    metrics[count.id] = {"value": "29 000"}
    metrics[yesno.id] = {"value": "Nej"}
    v = validate_return(make(full_answers(), metrics), P, PERIOD, SECRET)
    got = {m.metric_id: m for m in v.metric_values}
    assert (got[count.id].value_num, got[count.id].value_text) == (29000.0, "29000")
    assert got[yesno.id].value_text == "no"
    for bad in ("2,5", -1, "kolme", "#N/A"):
        metrics[count.id] = {"value": bad}
        v = validate_return(make(full_answers(), metrics), P, PERIOD, SECRET)
        assert not v.accepted, bad
        assert v.errors[0].sheet == "Mittarit"
    metrics[count.id] = {"value": (None, "=SUM(A1:A2)")}
    v = validate_return(make(full_answers(), metrics), P, PERIOD, SECRET)
    assert any("kaava (=SUM(A1:A2)), jonka tulosta" in e.message for e in v.errors)
    metrics[count.id] = {"value": (7.0, "='C:\\[other.xlsx]Sheet1'!A1")}
    v = validate_return(make(full_answers(), metrics), P, PERIOD, SECRET)
    assert any("viittaa toiseen tiedostoon" in e.message for e in v.errors)
    metrics[count.id] = {"value": (7.0, "=[1]Sheet1!A1")}
    assert not validate_return(make(full_answers(), metrics), P, PERIOD, SECRET).accepted
    metrics[count.id] = {"value": (7.0, "=3+4")}
    v = validate_return(make(full_answers(), metrics), P, PERIOD, SECRET)
    assert v.accepted and {m.metric_id: m for m in v.metric_values}[count.id].value_text == "7"


def test_proposals():
    props = [
        {"priority": "P2 " + P.priority("P2").title, "action": "Uusi idea", "comment": "Koska"},
        {"priority": "P3"},  # no action text: ignored with a warning
        {"priority": "P7 Tuntematon", "action": "Toinen"},
    ]
    v = validate_return(make(full_answers(), full_metrics(), proposals=props), P, PERIOD, SECRET)
    assert v.accepted
    assert [(p.priority_id, p.action, p.row) for p in v.proposals] == [
        ("P2", "Uusi idea", 4),
        ("", "Toinen", 6),
    ]
    assert any("tuntematon painopiste" in w.message and w.cell == "A6" for w in v.warnings)


@pytest.mark.parametrize("missing", ["actions", "metrics"])
def test_missing_sheet_is_an_error(missing):
    raw = make(full_answers(), full_metrics())
    raw = dataclasses.replace(raw, sheets={k: s for k, s in raw.sheets.items() if k != missing})
    v = validate_return(raw, P, PERIOD, SECRET)
    name = {"actions": "Toimenpiteet", "metrics": "Mittarit"}[missing]
    assert not v.accepted and f"välilehti {name} puuttuu" in v.errors[0].message


def test_rows_without_id_are_one_warning():
    raw = make(full_answers(), full_metrics())
    acts = dataclasses.replace(
        raw.sheets["actions"], unidentified=3, first_unidentified=RawCell("muistiinpano", "C40")
    )
    raw = dataclasses.replace(raw, sheets={**raw.sheets, "actions": acts})
    v = validate_return(raw, P, PERIOD, SECRET)
    assert v.accepted
    [w] = [w for w in v.warnings if "puuttuu toimenpiteen tunnus" in w.message]
    assert (w.cell, w.value) == ("C40", "muistiinpano")
    assert w.message == "3 riviltä puuttuu toimenpiteen tunnus: niiden arvot ohitettiin"


def test_prepare_builds_the_lookups_before_the_first_file():
    """collect calls prepare before forking readers, so they share one set of lookups."""
    from roundtrip.returns import validate

    programme = dataclasses.replace(load_example("aura"))  # a fresh object: nothing built
    assert not programme._index
    validate.prepare(programme)
    assert "priorities" in programme._index
    assert validate._index_cache is not None and validate._index_cache.programme is programme


@pytest.mark.parametrize("fill", ["as generated", "every cell typed over"])
def test_validation_reads_no_cell_outside_the_readers_columns(fill):
    """The reader makes cells only for read.READ_COLUMNS: validating with every column's cells
    gives the same result as with those only."""
    from roundtrip.returns.read import READ_COLUMNS

    raw = make(full_answers(), full_metrics())
    if fill != "as generated":
        over = {}
        for key, s in raw.sheets.items():
            rows = []
            for row in s.rows:
                cells = {
                    k: c if k.endswith("_id") else c._replace(value=f"typed over {c.ref}")
                    for k, c in row.cells.items()
                }
                rows.append(row._replace(cells=cells))
            over[key] = dataclasses.replace(s, rows=tuple(rows))
        raw = dataclasses.replace(raw, sheets=over)
    kept = {}
    for key, s in raw.sheets.items():
        read = READ_COLUMNS.get(key, tuple(s.columns))
        rows = tuple(r._replace(cells={k: r.cells[k] for k in read}) for r in s.rows)
        kept[key] = dataclasses.replace(s, rows=rows)
    full = validate_return(raw, P, PERIOD, SECRET)
    assert full.problems or fill == "as generated"
    assert validate_return(dataclasses.replace(raw, sheets=kept), P, PERIOD, SECRET) == full
    assert set(READ_COLUMNS["actions"]) < set(raw.sheets["actions"].columns)


def in_language(language: str):
    """The Aura programme with another language (its own words, statuses and all, unchanged)."""
    return dataclasses.replace(P, settings=dataclasses.replace(P.settings, language=language))


def bad_return() -> RawReturn:
    """A return with an unknown status, a missing comment and a count that is not a number."""
    a = [x.id for x in ACTIONS]
    count = next(m for m in METRICS if m.kind == "count")
    answers = full_answers(
        **{
            a[0]: {"status": "Melkein valmis", "progress": 12.5},
            a[1]: {"status": "Merkittäviä haasteita", "progress": 20},
        }
    )
    metrics = full_metrics()
    metrics[count.id] = {"value": "kolme"}
    return make(answers, metrics)


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            "fi",
            [
                "tila ei ole listalla (valitse jokin näistä: Ei aloitettu, ",
                "etenemisen pitää olla kokonaisluku 0–100: 12,5 ei ole kokonaisluku",
                "kommentti on pakollinen, kun tila on 'Merkittäviä haasteita'",
                "arvon pitää olla kokonaisluku, vähintään 0: ei ole luku "
                "(kirjoita esim. 29000, 29 000 tai 1234,5)",
            ],
        ),
        (
            "sv",
            [
                "statusen finns inte i listan (välj en av: Ei aloitettu, ",
                "framsteget ska vara ett heltal 0–100: 12,5 är inte ett heltal",
                "en kommentar krävs när status är 'Merkittäviä haasteita'",
                "ska vara ett heltal, minst 0: är inte ett tal "
                "(skriv t.ex. 29000, 29 000 eller 1234,5)",
            ],
        ),
        (
            "en",
            [
                "not a status from the list (choose one of: Ei aloitettu, ",
                "progress must be a whole number 0–100: 12.5 is not a whole number",
                "a comment is required with the status 'Merkittäviä haasteita'",
                "must be a whole number, 0 or more: not a number "
                "(write e.g. 29000, 29 000 or 1234.5)",
            ],
        ),
    ],
)
def test_messages_are_in_the_programmes_language(language, expected):
    """The department head reads the messages in the programme's language, numbers with its
    decimal sign; the console language (English in tests) plays no part."""
    v = validate_return(bad_return(), in_language(language), PERIOD, SECRET)
    messages = [m for _, _, m in errors(v)]
    assert len(messages) == len(expected), messages
    for want in expected:
        assert any(want in m for m in messages), (want, messages)


def test_answers_in_any_language_are_accepted_whatever_the_programmes_language():
    """Statuses (label, alias or key), yes/no words and sheet names of any language are read,
    and a Finnish workbook returned to a Swedish programme (or the reverse) is still read."""
    yesno = next(m for m in METRICS if m.kind == "yesno")
    labels = ["Valmis", "Framskrider enligt plan", "Completed", "on_track", " KLAR "]
    answers = {a.id: {"status": s} for a, s in zip(ACTIONS, labels * 9, strict=False)}
    for words in (("Kyllä", "Ei"), ("Ja", "Nej"), ("Yes", "No")):
        for language in ("fi", "sv", "en"):
            for word, value in zip(words, ("yes", "no"), strict=True):
                metrics = full_metrics()
                metrics[yesno.id] = {"value": word}
                v = validate_return(make(answers, metrics), in_language(language), PERIOD, SECRET)
                assert v.accepted, (language, word, v.errors)
                got = {m.metric_id: m.value_text for m in v.metric_values}
                assert got[yesno.id] == value
                keys = [x.status_key for x in v.answers][: len(labels)]
                assert keys == ["done", "on_track", "done", "on_track", "done"]
