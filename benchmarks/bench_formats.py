"""Number formatting speed: format_number's quick path against Babel's format_decimal.

A summary of 180,000 actions writes a metric value on every list row and on the metrics
sheet, and the health reasons carry numbers too: format_number is called a few hundred
thousand times. The quick path (roundtrip.language.formats._quick_number) puts the locale's
symbols, checked against Babel's, into Python's own formatting; anything it cannot be sure
of goes to Babel. tests/test_language.py holds the two to each other.

    .venv/bin/python benchmarks/bench_formats.py [--n 200000]

Measured 2026-12-05 on the shared 2-core build machine (plain-Python reference workload
314 ms in benchmarks/run.py), 200,000 mixed values (ints, floats of up to three decimals):
Babel format_decimal 5.6-5.8 us a number (fi, sv, en), the quick path 1.1-1.2 us, the same
text for every one: 1.1 s against 0.24 s for the lot.
"""

from __future__ import annotations

import argparse
import random
import time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200_000)
    args = parser.parse_args()

    from babel.numbers import format_decimal

    from roundtrip.language import format_number
    from roundtrip.language.formats import locale_of

    rng = random.Random(5)
    values: list[float | int] = [
        rng.randint(0, 100_000) if i % 2 else round(rng.uniform(-5000, 5000), rng.randint(0, 3))
        for i in range(args.n)
    ]
    print(f"{args.n:,} numbers; microseconds a number")
    print(f"{'language':<9} {'Babel':>8} {'quick':>8} {'same':>5}")
    for language in ("fi", "sv", "en"):
        loc = locale_of(language)
        format_number(1, language)  # (the symbols table, once)
        t = time.perf_counter()
        babel = [format_decimal(v, locale=loc) for v in values]
        t_babel = time.perf_counter() - t
        t = time.perf_counter()
        quick = [format_number(v, language) for v in values]
        t_quick = time.perf_counter() - t
        same = "yes" if babel == quick else "NO"
        print(
            f"{language:<9} {t_babel / args.n * 1e6:8.2f} {t_quick / args.n * 1e6:8.2f} {same:>5}"
        )


if __name__ == "__main__":
    main()
