"""Exact normalisation of cell values (roundtrip.returns.normalize): examples and properties."""

from __future__ import annotations

import contextlib
import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from roundtrip.programme.bundled import default_status_scale
from roundtrip.returns.normalize import (
    NormError,
    decimal_text,
    is_blank,
    parse_date,
    parse_decimal,
    parse_status,
    parse_whole,
    parse_yesno,
    status_lookup,
    to_text,
)

STATUSES = default_status_scale("fi")
LOOKUP = status_lookup(STATUSES)
SPACES = [" ", "\u00a0", "\u202f"]


def group(n: int, sep: str) -> str:
    s = str(n)
    parts = []
    while len(s) > 3:
        parts.insert(0, s[-3:])
        s = s[:-3]
    parts.insert(0, s)
    return sep.join(parts)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("29 000", "29000"),
        ("29\u00a0000", "29000"),
        ("29\u202f000", "29000"),
        ("1 234,5", "1234.5"),
        ("1\u00a0234,5", "1234.5"),
        ("1234.5", "1234.5"),
        ("  42 ", "42"),
        ("-3,25", "-3.25"),
        ("\u22127", "-7"),
        ("0,125", "0.125"),
        ("1 000 000", "1000000"),
    ],
)
def test_numbers_from_text(text, expected):
    assert parse_decimal(text).text == expected


@pytest.mark.parametrize(
    "text",
    ["29 00", "2 9000", "1,234.5", "1.234,5", "12abc", "", "1,2,3", "29.000", "1,234", "--1"],
)
def test_numbers_that_cannot_be_read_exactly_are_errors(text):
    with pytest.raises(NormError):
        parse_decimal(text)


def test_number_values_keep_their_shortest_form():
    assert parse_decimal(0.1).text == "0.1"
    assert parse_decimal(29000.0).text == "29000"
    assert parse_decimal(7).value == Decimal(7)
    with pytest.raises(NormError):
        parse_decimal(True)
    with pytest.raises(NormError):
        parse_decimal(dt.date(2025, 3, 15))
    with pytest.raises(NormError):
        parse_decimal("#DIV/0!")


def test_unit_suffix_is_accepted_only_when_it_is_the_metric_unit():
    assert parse_decimal("12 kpl", unit="kpl").text == "12"
    with pytest.raises(NormError):
        parse_decimal("12 kpl")


def test_percentages():
    assert parse_decimal("50 %", percent=True).text == "50"
    assert parse_decimal("50%", percent=True).text == "50"
    assert parse_decimal(0.5, percent=True, percent_format=True).text == "50"
    assert parse_decimal(0.07, percent=True, percent_format=True).text == "7"
    assert parse_decimal(0.5, percent=True, percent_format=False).text == "0.5"
    ambiguous = parse_decimal(0.5, percent=True, percent_format=None)
    assert ambiguous.text == "0.5" and ambiguous.warning is not None
    assert ambiguous.warning.text("fi") == "luettiin arvoksi 0,5 %; jos tarkoitit 50 %, kirjoita 50"
    assert ambiguous.warning.text("en") == "read as 0.5%; if you meant 50%, type 50"
    with pytest.raises(NormError):
        parse_decimal("50 %")  # not a percentage field


def test_whole_numbers():
    assert parse_whole(2.0, low=0) == (2, None)
    assert parse_whole("29 000", low=0) == (29000, None)
    assert parse_whole(1, low=0, high=100, percent=True, percent_format=True) == (100, None)
    for bad in (2.5, -1, "2,5"):
        with pytest.raises(NormError):
            parse_whole(bad, low=0)
    with pytest.raises(NormError):
        parse_whole(101, low=0, high=100)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Kyllä", True),
        ("kyllä ", True),
        ("Ei", False),
        ("Ja", True),
        ("Nej", False),
        ("YES", True),
        ("no", False),
        (1, True),
        (0.0, False),
        (True, True),
        ("TRUE", True),
        ("false", False),
    ],
)
def test_yes_no(value, expected):
    assert parse_yesno(value) is expected


def test_yes_no_rejects_anything_else():
    for bad in ("maybe", 2, "", None):
        with pytest.raises(NormError):
            parse_yesno(bad)


@pytest.mark.parametrize(
    "text",
    [
        "Valmis",
        "Valmis ",
        "  valmis",
        "VALMIS",
        "Val\u00a0mis".replace("\u00a0", ""),
        "Completed",
        "klar",
    ],
)
def test_status_labels_any_case_spacing_and_language(text):
    assert parse_status(text, LOOKUP) == "done"


def test_status_with_nbsp_inside_and_unknown_label():
    assert parse_status("Etenee\u00a0suunnitellusti", LOOKUP) == "on_track"
    assert parse_status("merkittäviä   haasteita", LOOKUP) == "major"
    with pytest.raises(NormError, match="Valmis"):
        parse_status("Melkein valmis", LOOKUP, [s.label for s in STATUSES])
    with pytest.raises(NormError):
        parse_status(3, LOOKUP)


def test_dates():
    assert parse_date("15.3.2025") == dt.date(2025, 3, 15)
    assert parse_date("2025-03-15") == dt.date(2025, 3, 15)
    assert parse_date(45731) == dt.date(2025, 3, 15)
    assert parse_date(dt.datetime(2025, 3, 15, 10, 0)) == dt.date(2025, 3, 15)
    for bad in ("31.2.2025", "soon", -5):
        with pytest.raises(NormError):
            parse_date(bad)


def test_text_of_values():
    assert to_text(2.0) == "2"
    assert to_text(0.1) == "0.1"
    assert to_text(dt.datetime(2025, 3, 15)) == "15.3.2025"
    assert to_text(dt.date(2025, 3, 15)) == "15.3.2025"
    assert to_text("  a\r\nb ") == "a\nb"
    assert is_blank(" \u00a0 ") and is_blank(None) and not is_blank(0)


# ----------------------------------------------------------------------------- messages


def _message(call, lang):
    with pytest.raises(NormError) as info:
        call()
    return info.value.text(lang)


@pytest.mark.parametrize(
    ("call", "fi", "sv", "en"),
    [
        (
            lambda: parse_decimal("kolme"),
            "ei ole luku (kirjoita esim. 29000, 29 000 tai 1234,5)",
            "är inte ett tal (skriv t.ex. 29000, 29 000 eller 1234,5)",
            "not a number (write e.g. 29000, 29 000 or 1234.5)",
        ),
        (
            lambda: parse_decimal("1,234.5"),
            "lukua ei voi lukea yksiselitteisesti, koska siinä on sekä pilkku että piste "
            "(kirjoita esim. 1234,5 tai 1 234,5)",
            "talet kan inte läsas entydigt eftersom det innehåller både komma och punkt "
            "(skriv t.ex. 1234,5 eller 1 234,5)",
            "cannot read this number exactly: it mixes ',' and '.' (write e.g. 1234.5 or 1 234.5)",
        ),
        (
            lambda: parse_decimal("2.781"),
            "arvoa '2.781' ei voi lukea yksiselitteisesti: se voi tarkoittaa lukua 2,781 tai 2781 "
            "(kirjoita 2781 tai 2 781, jos tarkoitat kokonaislukua, tai 2,7810, jos tarkoitat "
            "desimaalilukua)",
            "värdet '2.781' kan inte läsas entydigt: det kan betyda 2,781 eller 2781 (skriv 2781 "
            "eller 2 781 om du menar heltalet, 2,7810 om du menar decimaltalet)",
            "cannot read '2.781' exactly: it may mean 2.781 or 2781 (write 2781 or 2 781 for the "
            "whole number, 2.7810 for the decimal number)",
        ),
        (
            lambda: parse_whole("2,5", low=0),
            "2,5 ei ole kokonaisluku",
            "2,5 är inte ett heltal",
            "2.5 is not a whole number",
        ),
        (
            lambda: parse_whole(-1, low=0),
            "-1 on pienempi kuin 0",
            "-1 är mindre än 0",
            "-1 is less than 0",
        ),
        (
            lambda: parse_yesno("ehkä"),
            "vastauksen pitää olla kyllä tai ei (Kyllä/Ei tai 1/0)",
            "svaret ska vara ja eller nej (Ja/Nej eller 1/0)",
            "expected yes or no (Yes/No or 1/0)",
        ),
        (
            lambda: parse_status("Melkein", LOOKUP, ["Valmis", "Keskeytetty"]),
            "tila ei ole listalla (valitse jokin näistä: Valmis, Keskeytetty)",
            "statusen finns inte i listan (välj en av: Valmis, Keskeytetty)",
            "not a status from the list (choose one of: Valmis, Keskeytetty)",
        ),
    ],
)
def test_messages_in_each_language(call, fi, sv, en):
    """A NormError keeps its message id and values: written in the programme's language, the
    example numbers with that language's decimal sign (never a form the parser would refuse:
    29,000 is ambiguous, so thousands are grouped with a space in English too)."""
    assert _message(call, "fi") == fi
    assert _message(call, "sv") == sv
    assert _message(call, "en") == en
    assert _message(call, "en") == str(_error(call))


def _error(call):
    with pytest.raises(NormError) as info:
        call()
    return info.value


def test_a_norm_error_survives_pickling():
    """(Errors may cross from a reader process.)"""
    import pickle

    exc = _error(lambda: parse_whole("2,5", low=0))
    again = pickle.loads(pickle.dumps(exc))
    assert again.text("fi") == "2,5 ei ole kokonaisluku" and str(again) == str(exc)


# ----------------------------------------------------------------------------- properties


@given(st.integers(min_value=0, max_value=10**12), st.sampled_from(SPACES))
def test_grouped_integers_are_read_exactly(n, sep):
    assert parse_decimal(group(n, sep)).value == n
    assert parse_whole(group(n, sep), low=0) == (n, None)


@given(
    st.integers(min_value=0, max_value=10**9),
    st.integers(min_value=0, max_value=99),
    st.sampled_from(SPACES),
)
def test_decimal_comma_with_grouping(n, frac, sep):
    text = f"{group(n, sep)},{frac:02d}"
    assert parse_decimal(text).value == Decimal(f"{n}.{frac:02d}")


@given(
    st.decimals(
        allow_nan=False, allow_infinity=False, places=4, min_value=-(10**9), max_value=10**9
    )
)
def test_canonical_text_round_trips(d):
    text = decimal_text(d)
    assert Decimal(text) == d
    whole, _, frac = text.lstrip("-").partition(".")
    comma = text.replace(".", ",")
    if len(frac) == 3 and whole.strip("0"):
        with pytest.raises(NormError, match="may mean"):  # 2,781 or 2781? never a guess
            parse_decimal(comma)
    else:
        assert parse_decimal(comma).value == d


@given(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e12, max_value=1e12))
def test_float_cells_keep_their_value(x):
    assert float(parse_decimal(x).value) == x


@given(st.sampled_from([s for s in STATUSES]), st.sampled_from(["", " ", "  ", "\u00a0", "\t"]))
def test_every_label_and_alias_with_stray_whitespace(status, pad):
    for label in (status.label, *status.aliases):
        for variant in (label, label.upper(), label.lower()):
            assert parse_status(pad + variant + pad, LOOKUP) == status.key


@given(st.text(max_size=20))
def test_parse_decimal_never_raises_anything_but_normerror(text):
    with contextlib.suppress(NormError):
        parse_decimal(text, percent=True)


class _Int(int):
    """An int that parse_whole cannot recognise as one: it takes the general path."""


class _Float(float):
    """A float that takes parse_whole's general path."""


def _outcome(value, **kw):
    try:
        return parse_whole(value, **kw)
    except NormError as exc:
        return str(exc)


@given(
    st.one_of(
        st.integers(-1000, 1000),
        st.floats(allow_nan=True, allow_infinity=True),
        st.integers(-100, 200).map(float),
    ),
    st.sampled_from([None, 0]),
    st.sampled_from([None, 100]),
    st.booleans(),
    st.sampled_from([None, False, True]),
)
def test_parse_whole_fast_path_answers_as_the_general_path(value, low, high, percent, fmt):
    kw = {"low": low, "high": high, "percent": percent, "percent_format": fmt}
    slow = _Int(value) if isinstance(value, int) else _Float(value)
    assert _outcome(value, **kw) == _outcome(slow, **kw)
