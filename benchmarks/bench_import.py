"""Importing an action table at scale: the same table as .docx, .xlsx and .csv.

A regional plan of --rows actions (default 5,000) in --tables priority areas, written the way
municipalities write them: a Word document with a heading and one table per area (numbered
actions, two parties in every third lead cell, a numbered list of metrics, schedules in
words); the same rows in one Excel sheet (a priority column) and in a `;` CSV. Each file is
imported by `import_table` in a fresh subprocess, several times; wall time, CPU time and
peak RSS are printed.

    .venv/bin/python benchmarks/bench_import.py [--rows 5000] [--tables 8] [--repeat 3]

Measured 2026-12-05 on the shared 2-core build machine, 5,000 actions in 8 tables (each file
gives the same 5,000 actions and the same 11,715 report lines): .docx 1.49 s wall (import
1.36 s), .xlsx 1.24 s (1.07 s), .csv 0.60 s (0.47 s); peak RSS 104 MB each. Before cells
were named lazily and rows tested as headers only when two cells are column names, a
30,000-row .csv took 7.0 s; after, 3.0 s.
"""

from __future__ import annotations

import argparse
import copy
import csv
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SCHEDULES = ("2024–2026", "Koko ajan", "syksy 2025", "2030", "2025 →", "Ohjelmakaudella 2023-2026")
HEADER = ["Nro", "Toimenpide", "Vastuutaho", "Yhteistyötahot", "Aikataulu", "Mittari"]


def rows(n: int, tables: int) -> list[list[list[str]]]:
    rnd = random.Random(7)
    parties = [f"Toimiala {i} palvelut" for i in range(60)]
    out: list[list[list[str]]] = [[] for _ in range(tables)]
    for i in range(1, n + 1):
        lead = rnd.choice(parties)
        if i % 3 == 0:
            lead = f"{lead}, {rnd.choice(parties)}"
        out[(i - 1) * tables // n].append(
            [
                f"{i}.",
                f"Toimenpide {i}: palveluiden kehittäminen yhdessä kuntalaisten kanssa",
                lead,
                rnd.choice(parties) if i % 4 == 0 else "",
                rnd.choice(SCHEDULES),
                "1) Asiakkaiden lkm 2) Tyytyväisyys %" if i % 2 else "Toteutuminen",
            ]
        )
    return out


def write_all(folder: Path, blocks: list[list[list[str]]]) -> list[Path]:
    from docx import Document
    from docx.oxml.ns import qn
    from openpyxl import Workbook

    doc = Document()
    doc.add_heading("Alueellinen elinvoimaohjelma 2024–2030", level=0)
    for t, block in enumerate(blocks, start=1):
        doc.add_heading(f"Painopiste {t}. Alue {t}", level=2)
        table = doc.add_table(rows=2, cols=len(HEADER))
        for c, name in enumerate(HEADER):
            table.cell(0, c).text = name
            table.cell(1, c).text = "x"
        # python-docx finds a cell by walking the whole table: rows are copied as XML instead
        template = table.rows[1]._tr
        for values in block:
            tr = copy.deepcopy(template)
            for t, value in zip(tr.iter(qn("w:t")), values, strict=True):
                t.text = value
            table._tbl.append(tr)
        table._tbl.remove(template)
    docx = folder / "ohjelma.docx"
    doc.save(str(docx))
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Toimenpiteet")
    ws.append(["Alueellinen elinvoimaohjelma 2024–2030"])
    ws.append(["Painopiste", *HEADER])
    for t, block in enumerate(blocks, start=1):
        for values in block:
            ws.append([f"Alue {t}", *values])
    xlsx = folder / "ohjelma.xlsx"
    wb.save(xlsx)
    text = folder / "ohjelma.csv"
    with open(text, "w", newline="", encoding="utf-8-sig") as fh:
        writer = csv.writer(fh, delimiter=";")
        writer.writerow(["Painopiste", *HEADER])
        for t, block in enumerate(blocks, start=1):
            for values in block:
                writer.writerow([f"Alue {t}", *values])
    return [docx, xlsx, text]


CHILD = """
import resource, sys, time
from pathlib import Path
from roundtrip.programme.tables.importer import import_table
t = time.perf_counter()
result = import_table(Path(sys.argv[1]))
took = round(time.perf_counter() - t, 2)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
print(len(result.programme.actions), len(result.report), took, peak)
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=5000)
    ap.add_argument("--tables", type=int, default=8)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-import-") as tmp:
        started = time.perf_counter()
        paths = write_all(Path(tmp), rows(args.rows, args.tables))
        print(f"{args.rows} actions in {args.tables} tables written in "
              f"{time.perf_counter() - started:.1f} s")  # fmt: skip
        for path in paths:
            for _ in range(args.repeat):
                before = resource.getrusage(resource.RUSAGE_CHILDREN)
                t = time.perf_counter()
                out = subprocess.run(
                    [sys.executable, "-c", CHILD, str(path)],
                    stdout=subprocess.PIPE,
                    text=True,
                    check=True,
                ).stdout
                wall = time.perf_counter() - t
                after = resource.getrusage(resource.RUSAGE_CHILDREN)
                cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
                actions, report, inner, peak = out.split()
                size = path.stat().st_size / 1e6
                print(
                    f"{path.suffix:6} {size:6.1f} MB  {actions} actions, {report} report lines: "
                    f"wall {wall:.2f} s (import {inner} s), CPU {cpu:.2f} s, "
                    f"peak RSS {peak} MB"
                )


if __name__ == "__main__":
    main()
