"""Metric values and targets as the summary reads and shows them: a number written by a
person, whether a value meets its target, a value with its unit in the programme's language."""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from roundtrip.language import format_number


def parse_number(text: str) -> float | None:
    """A target or value written by a person: `1 234,5`, `20 %`, `0.5`; None when not numeric."""
    s = "".join(str(text or "").replace(",", ".").replace("%", "").split())
    s = s.replace("\u00a0", "").replace("\u202f", "")
    try:
        return float(s)
    except ValueError:
        return None


@lru_cache(maxsize=4096)
def _goal(target: str) -> float | None:
    return parse_number(target)  # 60,000 metrics share a few targets


def on_track(value: float | None, target: str, higher_is_better: bool) -> bool | None:
    goal = _goal(target) if target.__class__ is str else parse_number(target)
    if goal is None or value is None:
        return None
    return value >= goal if higher_is_better else value <= goal


def metric_text(
    kind: str, value: float | str | None, unit: str, target: str, words: Mapping[str, Any]
) -> str:
    language = words["language"]
    if value is None:
        shown = "–"
    elif kind == "yesno" and isinstance(value, float | int):
        shown = words["yes"] if value else words["no"]
    elif isinstance(value, float | int):
        shown = with_unit(format_number(round(float(value), 2), language), unit, language)
    else:
        shown = str(value)
    if target:
        shown += " " + words["summary"]["target_of"].format(target=target)
    return shown


def with_unit(number: str, unit: str, language: str) -> str:
    """A formatted number and its unit as the language writes them: 15 % and 22 kpl with a
    no-break space in fi and sv (as CLDR has it), 15% and 22 pcs in en."""
    if not unit:
        return number
    if unit == "%" and language == "en":
        return number + unit
    return number + ("\u00a0" if language in ("fi", "sv") else " ") + unit
