"""The summary's per-row costs: making a row object and measuring a row's height.

A regional summary (3,000 returns x 60 actions, 8 periods) lists every action on its
priority sheet and again on the attention and change sheets: about 205,000 rows, each made
as an object and each measured for its wrapped height. Two hand-kept paths serve them:

- ActionRow and MetricRow are NamedTuples, not frozen dataclasses (same immutability; a
  frozen dataclass's __init__ goes through object.__setattr__ for every field).
- summary.sheets.row_height skips empty cells, remembers each column width's line length and
  the line count of short texts (the status labels, departments and health reasons repeat).
  tests/test_scale_paths.py holds the row XML to the generic path.

    .venv/bin/python benchmarks/bench_rows.py [--n 200000]

Measured 2026-12-05 on the shared 2-core build machine, 200,000 rows: a frozen dataclass
row 1.7 us, the NamedTuple 0.3 us; row_height as it was (every cell wrapped when longer than
its line) 5.2 us a row like the benchmark workspace's, as it is 2.4 us; rows of free text all
different, 7.4 against 4.5 us; the same heights for every row. Together about 1 s of CPU of
a 20 CPU-s summary at that size.
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass

FIELDS = dict(
    action_id="P1-1",
    priority_id="P1",
    text="Yritysten neuvontapalvelujen kehittäminen",
    department="Elinvoimapalvelut",
    status_key="on_track",
    progress=40,
    metrics="12 kpl (tavoite 40)",
    comment="Hanke etenee",
    comment_period="2025Q3",
    periods_since_answer=0,
    previous_key="on_track",
    partners="",
    health="",
)


@dataclass(frozen=True)
class FrozenRow:  # ActionRow as it was
    action_id: str
    priority_id: str
    text: str
    department: str
    status_key: str
    progress: int | None
    metrics: str
    comment: str
    comment_period: str
    periods_since_answer: int
    previous_key: str = ""
    partners: str = ""
    health: str = ""


def old_row_height(cells: Sequence[tuple[str, float]]) -> float | None:
    """row_height before issue 24's measurements."""
    from roundtrip.summary.sheets import LINE_HEIGHT, wrapped_lines

    lines = 1
    for text, width in cells:
        per_line = max(1, int(width * 1.2) - 1)
        if text and (len(text) > per_line or "\n" in text):
            lines = max(lines, wrapped_lines(text, per_line))
    return None if lines == 1 else lines * LINE_HEIGHT + 3


def _cells(rng: random.Random, n: int, free: bool) -> list[list[tuple[str, float]]]:
    """Rows as the benchmark workspace's (benchmarks/run.py: 60 action texts, short comments
    that repeat) or, with `free`, of free text all different (the worst case)."""
    labels = ["Etenee suunnitellusti", "Viivästynyt", "Valmis", "Ei vastausta"]
    departments = [f"Toimiala {i}" for i in range(40)] + ["Kaupunkiympäristön palvelualue"]
    reasons = ["", "", "", "ei vastausta 2 kauteen", "aikataulu päättyi 2024, tila: Valmis"]
    words = [
        "hanke",
        "etenee",
        "kuten",
        "sovittu",
        "rahoitus",
        "haettu",
        "kokous",
        "pidetty",
        "viivästyi",
    ]
    rows = []
    for k in range(n):
        if free:
            text = " ".join(rng.choices(words, k=rng.randint(3, 14)))
            comment = " ".join(rng.choices(words, k=rng.randint(0, 30)))
        else:
            text = (
                f"Toimenpide {k % 60}: yhteistyön tiivistäminen paikallisten toimijoiden "
                "kanssa ja palvelujen kehittäminen"
            )
            comment = (
                f"Edistynyt suunnitellusti, kokous {k % 28 + 1}.9." if k % 5 < 2 else ""
            ) or (f"Rahoitus viivästyi ({k})" if k % 7 == 0 else "")
        rows.append(
            [
                (text, 40),
                (comment, 44),
                (f"{rng.randint(0, 99)} kpl (tavoite 40)" if rng.random() < 0.5 else "", 22),
                (rng.choice(departments), 22),
                (rng.choice(labels), 18),
                ("", 40),
                (rng.choice(reasons), 40),
            ]
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200_000)
    args = parser.parse_args()

    from roundtrip.summary.data import ActionRow
    from roundtrip.summary.sheets import row_height

    values = tuple(FIELDS.values())
    for name, cls in (("frozen dataclass", FrozenRow), ("NamedTuple", ActionRow)):
        t = time.perf_counter()
        for _ in range(args.n):
            cls(*values)
        print(f"{name:<18} {(time.perf_counter() - t) / args.n * 1e6:6.2f} us a row")

    for free in (False, True):
        rows = _cells(random.Random(5), args.n, free)
        t = time.perf_counter()
        old = [old_row_height(r) for r in rows]
        t_old = time.perf_counter() - t
        t = time.perf_counter()
        new = [row_height(r) for r in rows]
        t_new = time.perf_counter() - t
        kind = "free text" if free else "benchmark rows"
        print(
            f"row_height, {kind}: before {t_old / args.n * 1e6:.2f} us a row, "
            f"now {t_new / args.n * 1e6:.2f} us; same heights: {'yes' if old == new else 'NO'}"
        )


if __name__ == "__main__":
    main()
