"""Last answers from a real register (roundtrip.db created by register.connect)."""

from __future__ import annotations

import pickle

import pytest

from roundtrip import register
from roundtrip.definition import load_example
from roundtrip.history import Previous, PreviousAnswer, PreviousValue, last_answers


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
    assert list(prev.actions) == ["P1-08", "P1-09"]  # in key order


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
