"""Last answers from a real register (roundtrip.db created by register.connect)."""

from __future__ import annotations

import pickle

import pytest

from roundtrip.programme.bundled import load_example
from roundtrip.register import db as register
from roundtrip.register.history import Previous, PreviousAnswer, PreviousValue, last_answers


@pytest.fixture()
def programme():
    return load_example("aura")


@pytest.fixture()
def conn(tmp_path):
    c = register.connect(tmp_path / "roundtrip.db")
    yield c
    c.close()


def add_submission(conn, sid, period, dept="SIV", superseded_by=None):
    conn.execute(
        "INSERT INTO submissions(id, content_hash, original_name, archive_path, department_id,"
        " period, received_at, collected_at, verdict, superseded_by)"
        " VALUES (?, ?, 'f.xlsx', 'archive/x', ?, ?, '2025-01-01', '2025-01-01', 'accepted', ?)",
        (sid, f"hash{sid}", dept, period, superseded_by),
    )


def add_answer(conn, sid, period, action, status=None, progress=None, comment=None, dept="SIV"):
    conn.execute(
        "INSERT INTO answers(submission_id, period, department_id, action_id, status_key,"
        " progress, comment, sheet) VALUES (?, ?, ?, ?, ?, ?, ?, 'Toimenpiteet')",
        (sid, period, dept, action, status, progress, comment),
    )


def add_value(conn, sid, period, metric, value, dept="SIV"):
    conn.execute(
        "INSERT INTO metric_values(submission_id, period, department_id, action_id, metric_id,"
        " kind, value_text, sheet) VALUES (?, ?, ?, 'P1-08', ?, 'count', ?, 'Mittarit')",
        (sid, period, dept, metric, value),
    )


def q(programme, text):
    return programme.settings.period(text)


def test_empty_register_gives_nothing(conn, programme):
    assert last_answers(conn, programme, q(programme, "2025Q3")) == Previous()


def test_latest_earlier_period_wins_with_status_label(conn, programme):
    add_submission(conn, 1, "2025Q1")
    add_submission(conn, 2, "2025Q2")
    add_answer(conn, 1, "2025Q1", "P1-08", "not_started", 0, "alku")
    add_answer(conn, 2, "2025Q2", "P1-08", "on_track", 40, "hyvin")
    prev = last_answers(conn, programme, q(programme, "2025Q3"))
    assert prev.actions == {"P1-08": PreviousAnswer("2025Q2", "Etenee suunnitellusti", 40, "hyvin")}


def test_same_and_later_periods_are_ignored(conn, programme):
    add_submission(conn, 1, "2025Q2")
    add_submission(conn, 2, "2025Q3")
    add_submission(conn, 3, "2025Q4")
    for sid, per in ((1, "2025Q2"), (2, "2025Q3"), (3, "2025Q4")):
        add_answer(conn, sid, per, "P1-08", "major", 10, per)
    prev = last_answers(conn, programme, q(programme, "2025Q3"))
    assert prev.actions["P1-08"].period == "2025Q2"


def test_unanswered_rows_fall_back_to_an_older_answer(conn, programme):
    add_submission(conn, 1, "2024Q4")
    add_submission(conn, 2, "2025Q2")
    add_answer(conn, 1, "2024Q4", "P1-09", "done", 100, None)
    add_answer(conn, 2, "2025Q2", "P1-09")  # all NULL: not answered
    prev = last_answers(conn, programme, q(programme, "2025Q3"))
    assert prev.actions["P1-09"] == PreviousAnswer("2024Q4", "Valmis", 100, "")


def test_superseded_submissions_are_ignored(conn, programme):
    add_submission(conn, 2, "2025Q2")
    add_submission(conn, 1, "2025Q2", superseded_by=2)
    add_answer(conn, 1, "2025Q2", "P1-08", "major", 5, "old")
    add_answer(conn, 2, "2025Q2", "P1-08", "minor", 50, "new")
    prev = last_answers(conn, programme, q(programme, "2025Q3"))
    assert prev.actions["P1-08"].comment == "new"
    assert prev.actions["P1-08"].status == "Pieniä haasteita"


def test_unknown_status_key_is_shown_as_is(conn, programme):
    add_submission(conn, 1, "2025Q2")
    add_answer(conn, 1, "2025Q2", "P1-08", "retired_key", None, None)
    prev = last_answers(conn, programme, q(programme, "2025Q3"))
    assert prev.actions["P1-08"].status == "retired_key"
    assert prev.actions["P1-08"].progress is None


def test_metric_values_latest_non_null(conn, programme):
    add_submission(conn, 1, "2025Q1")
    add_submission(conn, 2, "2025Q2")
    add_value(conn, 1, "2025Q1", "P1-08-M1", "3")
    add_value(conn, 2, "2025Q2", "P1-08-M1", None)
    prev = last_answers(conn, programme, q(programme, "2025Q3"))
    assert prev.metrics == {"P1-08-M1": PreviousValue("2025Q1", "3")}


def test_other_cadence_periods_are_skipped(conn, programme):
    add_submission(conn, 1, "2025H1")
    add_answer(conn, 1, "2025H1", "P1-08", "on_track", 40, None)
    assert last_answers(conn, programme, q(programme, "2025Q3")).actions == {}


def test_named_departments_get_their_own_answers_as_in_a_full_read(conn, programme):
    """generate --department reads only the named departments' answers."""
    add_submission(conn, 1, "2025Q1")
    add_submission(conn, 2, "2025Q2", dept="YEP")
    add_submission(conn, 3, "2025Q2")
    add_answer(conn, 1, "2025Q1", "P1-08", "on_track", 40, "siv")
    add_answer(conn, 2, "2025Q2", "P1-01", "done", 100, "yep", dept="YEP")
    add_value(conn, 1, "2025Q1", "P1-08-M1", "3")
    add_value(conn, 2, "2025Q2", "P1-01-M1", "7", dept="YEP")
    add_answer(conn, 3, "2025Q2", "P1-08", "minor", 50, "siv later")
    full = last_answers(conn, programme, q(programme, "2025Q3"))
    assert set(full.actions) == {"P1-01", "P1-08"}
    siv = last_answers(conn, programme, q(programme, "2025Q3"), ["SIV"])
    assert siv.actions == {"P1-08": full.actions["P1-08"]}
    assert siv.actions["P1-08"].comment == "siv later"
    assert siv.metrics == {"P1-08-M1": full.metrics["P1-08-M1"]}
    both = last_answers(conn, programme, q(programme, "2025Q3"), ["YEP", "SIV"])
    assert both == full
    assert pickle.loads(pickle.dumps(full)) == full  # (workers that are spawned, not forked)
    assert last_answers(conn, programme, q(programme, "2025Q3"), []) == Previous()


def test_a_later_period_beats_a_later_submission_and_a_tie_goes_to_the_later_one(conn, programme):
    """The rank is the period first, the submission second: an older period's answer stored
    later does not win; two current submissions of one period (an action that moved between
    departments) give the later one's."""
    add_submission(conn, 5, "2025Q1")
    add_submission(conn, 9, "2024Q4", dept="YEP")  # stored later, for an earlier period
    add_answer(conn, 5, "2025Q1", "P1-08", "on_track", 40, "q1")
    add_answer(conn, 9, "2024Q4", "P1-08", "done", 100, "q4", dept="YEP")
    add_submission(conn, 7, "2025Q2", dept="YEP")
    add_submission(conn, 6, "2025Q2")
    add_answer(conn, 6, "2025Q2", "P1-09", "minor", 10, "from SIV")
    add_answer(conn, 7, "2025Q2", "P1-09", "major", 20, "from YEP", dept="YEP")
    prev = last_answers(conn, programme, q(programme, "2025Q3"))
    assert prev.actions["P1-08"].comment == "q1"
    assert prev.actions["P1-09"].comment == "from YEP"
    assert set(prev.actions) == {"P1-08", "P1-09"}


def test_many_periods_give_each_action_its_own_latest_answer(conn, programme):
    """Eight quarters, each action last answered in a different one and stored empty after
    (the register a regional programme has after two years): each gets its own latest."""
    quarters = [f"{y}Q{i}" for y in (2023, 2024) for i in (1, 2, 3, 4)]
    actions = [a.id for a in programme.actions][: len(quarters)]
    for sid, quarter in enumerate(quarters, start=1):
        add_submission(conn, sid, quarter)
        for k, aid in enumerate(actions):
            if sid <= k + 1:  # action k is answered up to quarter k, then left empty
                add_answer(conn, sid, quarter, aid, "on_track", sid, f"{aid} {quarter}")
            else:
                add_answer(conn, sid, quarter, aid)
    prev = last_answers(conn, programme, q(programme, "2025Q1"))
    label = programme.status_by_key("on_track").label
    assert prev.actions == {
        aid: PreviousAnswer(quarters[k], label, k + 1, f"{aid} {quarters[k]}")
        for k, aid in enumerate(actions)
    }
    assert last_answers(conn, programme, q(programme, "2023Q3")).actions == {
        aid: PreviousAnswer(
            quarters[min(k, 1)], label, min(k, 1) + 1, f"{aid} {quarters[min(k, 1)]}"
        )
        for k, aid in enumerate(actions)
    }


def _expected(conn, programme, before, departments=None):
    """last_answers' contract, computed the plain way: every row in Python."""
    labels = {}
    for st in programme.statuses:
        labels.setdefault(st.key, st.label)
    ordinal = {}
    for (text,) in conn.execute("SELECT DISTINCT period FROM submissions"):
        try:
            p = programme.settings.period(text)
        except Exception:  # noqa: BLE001 - another cadence's period
            continue
        if p.ordinal() < before.ordinal():
            ordinal[text] = p.ordinal()
    current = {
        sid: dept
        for sid, dept in conn.execute(
            "SELECT id, department_id FROM submissions WHERE superseded_by IS NULL"
        )
    }

    def counts(sid, period):
        if sid not in current or period not in ordinal:
            return False
        return departments is None or current[sid] in departments

    best: dict[str, tuple] = {}
    for sid, period, aid, key, progress, comment in conn.execute(
        "SELECT submission_id, period, action_id, status_key, progress, comment FROM answers"
    ):
        if counts(sid, period) and (key is not None or progress is not None or comment):
            rank = (ordinal[period], sid)
            if aid not in best or rank > best[aid][0]:
                status = labels.get(key, key) if key else ""
                best[aid] = (rank, PreviousAnswer(period, status, progress, comment or ""))
    values: dict[str, tuple] = {}
    for sid, period, mid, text in conn.execute(
        "SELECT submission_id, period, metric_id, value_text FROM metric_values"
    ):
        if counts(sid, period) and text:
            rank = (ordinal[period], sid)
            if mid not in values or rank > values[mid][0]:
                values[mid] = (rank, PreviousValue(period, text))
    return {k: v for k, (_, v) in best.items()}, {k: v for k, (_, v) in values.items()}


@pytest.mark.parametrize("seed", range(6))
def test_random_registers_give_what_every_row_says(conn, programme, seed):
    """Random registers (periods answered in any order, superseded and moved-department
    submissions, empty answers, another cadence's period): the latest answer and value of
    every action and metric are the ones a plain pass over every row finds, for the whole
    programme and for named departments."""
    import random

    rng = random.Random(seed)
    periods = ["2024Q1", "2024Q2", "2024Q3", "2024Q4", "2025Q1", "2025Q2", "2025H1"]
    actions = [f"A{i:02d}" for i in range(12)]
    metrics = [f"M{i:02d}" for i in range(6)]
    depts = ["SIV", "YEP", "KUL"]
    sids = rng.sample(range(1, 400), 40)  # ids grow in storing order, not period order
    for sid in sids:
        period, dept = rng.choice(periods), rng.choice(depts)
        add_submission(conn, sid, period, dept=dept)
        for aid in rng.sample(actions, rng.randint(0, len(actions))):
            said = rng.random()
            add_answer(
                conn,
                sid,
                period,
                aid,
                rng.choice(["on_track", "done", "major", "gone_key"]) if said < 0.4 else None,
                rng.randint(0, 100) if 0.3 < said < 0.6 else None,
                rng.choice(["", "c1", "c2", None]) if said > 0.5 else None,
                dept=dept,
            )
        for mid in rng.sample(metrics, rng.randint(0, len(metrics))):
            add_value(conn, sid, period, mid, rng.choice([None, "", "1", "2.5", "kyllä"]), dept)
    for sid in rng.sample(sids, 6):
        conn.execute("UPDATE submissions SET superseded_by = ? WHERE id = ?", (max(sids), sid))
    for before in ("2024Q2", "2025Q1", "2025Q3"):
        per = q(programme, before)
        got = last_answers(conn, programme, per)
        assert (dict(got.actions), dict(got.metrics)) == _expected(conn, programme, per)
        named = ["YEP", "KUL"]
        got = last_answers(conn, programme, per, named)
        assert (dict(got.actions), dict(got.metrics)) == _expected(conn, programme, per, named)
