"""scan_sources: which files in a folder are collected, skipped or passed over, and in what order."""

from __future__ import annotations

from pathlib import Path

from roundtrip.returns.read import scan_sources

NAMES = [
    "a-b.xlsx",
    "a/b.xlsx",
    "a/c/d.xlsx",
    "A.xlsx",
    "b.xlsx",
    "ä.xlsx",
    ".hidden.xlsx",
    ".git/x.xlsx",
    "x/.cache/y.xlsx",
    "~$b.xlsx",
    ".~lock.b.xlsx#",
    "x/~$z.xlsx",
    "x/z.xlsx",
]


def test_order_and_choice_match_a_sorted_recursive_glob(tmp_path: Path):
    for name in NAMES:
        f = tmp_path / name
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_bytes(b"x")
    (tmp_path / "empty-dir").mkdir()
    files, skipped = scan_sources([tmp_path])
    expected = [
        f
        for f in sorted(tmp_path.rglob("*"))
        if f.is_file()
        and not f.name.startswith("~$")
        and not f.name.startswith(".~lock.")
        and not any(part.startswith(".") for part in f.relative_to(tmp_path).parts)
    ]
    assert files == expected
    assert [f.relative_to(tmp_path).as_posix() for f in files] == [
        "A.xlsx",
        "a/b.xlsx",
        "a/c/d.xlsx",
        "a-b.xlsx",
        "b.xlsx",
        "x/z.xlsx",
        "ä.xlsx",
    ]
    assert sorted(p.name for p, _ in skipped) == sorted([".~lock.b.xlsx#", "~$b.xlsx", "~$z.xlsx"])
