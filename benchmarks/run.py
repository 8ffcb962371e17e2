"""The speed and memory figures of the whole round trip, in one command.

    .venv/bin/python benchmarks/run.py [--sizes 1,100,3000] [--quick] [--actions 60]
                                       [--start-method fork|spawn|forkserver|both]

For each size N (returns per quarter) a synthetic workspace is built: N departments x 60
actions (a metric on every other action, all five kinds), written as programme.xlsx and
initialised with `init --programme`. Its returns are generated, then filled: a few with
simulate.fill_return (openpyxl, as the tests do), the rest by writing the answers straight
into each department's generated file (status, progress, comment, metric values; a few
per cent of actions left blank), in a process pool. The built workspace and inbox are cached in
benchmarks/results/cache/ keyed by the parameters, so reruns start at once.

Every step then runs as a `roundtrip` CLI subprocess on a fresh copy of the cached workspace;
wall time, CPU time (user + system, children included) and peak memory (ru_maxrss from
os.wait4: the largest process of the step) are recorded:

    generate PERIOD, collect PERIOD (cold), collect PERIOD again (every file already stored),
    status PERIOD, register, summary PERIOD, generate NEXT (the next quarter's workbooks, each
    showing the collected answers: what a coordinator runs every quarter but the first)

and, on the same inbox files, the floors: python-calamine alone (open, read every sheet's
values) and pandas.read_excel(path, sheet_name=None, engine="openpyxl") (on a sample of at
most --pandas-sample files, extrapolated per file), each run just before and after every cold
collect: the ratios are taken run by run, then their median. For the largest size the summary,
the register and the next quarter's workbooks are also timed over 8 periods: the collected
period's stored rows are copied into 7 earlier periods with SQL (collecting 8 x N files would
add nothing but time).

The machine's plain-Python speed (REFERENCE) is printed at the start and the end: it drifts,
and figures from different days compare only with it.

With --start-method the commands start their worker processes that way
(ROUNDTRIP_START_METHOD; default: roundtrip's own choice, fork on Linux); `both` measures
every size with fork, then with spawn (as on Windows), and adds a table of the two side by
side, step by step.

Results are printed and written as markdown to benchmarks/results/latest.md.
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import datetime as dt
import os
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from roundtrip.programme.model import (  # noqa: E402
    METRIC_KINDS,
    Action,
    Department,
    Metric,
    Priority,
    Programme,
    Settings,
)

START_METHOD_ENV = "ROUNDTRIP_START_METHOD"  # (roundtrip.parallel.pool)
RESULTS = HERE / "results"
CACHE = RESULTS / "cache"
CACHE_VERSION = "3"  # bump when the synthetic workspace changes
PERIOD = "2025Q3"
NEXT = "2025Q4"
SIGNERS = ("Maija Meikäläinen", "Matti Virtanen", "Liisa Korhonen", "Juha Nieminen")
LABELS = (0, 1, 1, 1, 2, 2, 3, 4)  # status index per action (mostly on track)


def python() -> str:
    return sys.executable


def roundtrip_cmd() -> list[str]:
    exe = Path(sys.executable).parent / "roundtrip"
    if exe.exists():
        return [str(exe)]
    return [sys.executable, "-c", "from roundtrip.cli import main; main()"]


# ---------------------------------------------------------------------------- the workspace


def synthetic(departments: int, actions: int) -> Programme:
    """`departments` x `actions`, a metric (of every kind in turn) on every other action."""
    from roundtrip.programme.bundled import default_status_scale, with_version

    settings = Settings(
        "bench-region",
        "Alueellinen elinvoimaohjelma 2023–2026",
        "Benchmark region",
        "fi",
        "quarter",
        "2023Q1",
        "2026Q4",
    )
    prios = tuple(
        Priority(f"P{i}", f"Painopiste {i}: alueen elinvoima ja palvelut") for i in range(1, 7)
    )
    width = max(4, len(str(departments - 1)))
    depts = tuple(
        Department(f"D{d:0{width}d}", f"Toimiala {d}, mikä?", f"Johtaja {d}")
        for d in range(departments)
    )
    acts = []
    for d in depts:
        for i in range(actions):
            aid = f"{d.id}-{i:02d}"
            kind = METRIC_KINDS[(i // 2) % len(METRIC_KINDS)]
            unit = {"count": "kpl", "number": "t€", "percent": "%"}.get(kind, "")
            target = {"count": "100", "number": "2,5", "percent": "80"}.get(kind, "")
            metric = Metric(f"{aid}-M1", aid, f"Mittari {i} ({kind})", kind, unit, "", target)
            acts.append(
                Action(
                    id=aid,
                    priority_id=prios[i % len(prios)].id,
                    department_id=d.id,
                    text=f"Toimenpide {i}: yhteistyön tiivistäminen paikallisten toimijoiden "
                    "kanssa ja palvelujen kehittäminen",
                    metrics=(metric,) if i % 2 == 0 else (),
                    schedule="2024–2025" if i % 3 else "",
                    responsible="Toimialajohtaja" if i % 4 else "",
                )
            )
    return with_version(Programme(settings, prios, depts, tuple(acts), default_status_scale("fi")))


def _answers(programme: Programme, dept_id: str, seed: int) -> tuple[dict, dict]:
    """(action id -> (status label, progress, comment), metric id -> value) for one return."""
    labels = [s.label for s in programme.statuses]
    answers, metrics = {}, {}
    for j, a in enumerate(programme.actions_of(dept_id)):
        k = seed * 31 + j
        if seed % 10 == 3 and j == 5:
            continue  # one file in ten leaves an action unanswered (a warning)
        status = labels[LABELS[k % len(LABELS)]]
        if seed % 100 == 42 and j == 7:
            status = "valmis?"  # one file in a hundred is rejected (not a status)
        comment = f"Edistynyt suunnitellusti, kokous {k % 28 + 1}.9." if k % 5 < 2 else None
        if "Merkittäv" in status or "Keskeyt" in status:
            comment = f"Rahoitus viivästyi ({k})"
        answers[a.id] = (status, (k * 7) % 101, comment)
        for m in a.metrics:
            metrics[m.id] = {
                "count": k % 250,
                "number": round((k % 1000) / 7, 2),
                "percent": k % 101,
                "yesno": "Kyllä" if k % 2 else "Ei",
                "text": f"Tilanne {k}: ohjeistus päivitetty",
            }[m.kind]
    return answers, metrics


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _fill_xml(xml: str, values: dict[str, object]) -> str:
    """Put values into the (empty, styled) cells `ref -> value` of a sheet's XML."""

    def put(m: re.Match) -> str:
        ref, style = m.group(1), m.group(2)
        v = values.get(ref)
        if v is None:
            return m.group(0)
        if isinstance(v, str):
            return f'<c r="{ref}"{style} t="inlineStr"><is><t>{_esc(v)}</t></is></c>'
        return f'<c r="{ref}"{style}><v>{v}</v></c>'

    return re.sub(r'<c r="([A-Z]+\d+)"((?: s="\d+")?)/>', put, xml)


def _fill_fast(src: Path, dst: Path, programme: Programme, dept_id: str, seed: int) -> None:
    """Write the answers into the generated file's XML (no openpyxl: ~10 ms a file)."""
    from roundtrip.returns.read import read_return

    raw = read_return(src, lang=programme.settings.language)
    answers, metrics = _answers(programme, dept_id, seed)
    per_sheet: dict[str, dict[str, object]] = {}
    acts = raw.sheets["actions"]
    cols = acts.columns
    cells = per_sheet.setdefault(acts.name, {})
    for row in acts.rows:
        got = answers.get(str(row.value("action_id")))
        if got:
            status, progress, comment = got
            cells[f"{cols['status']}{row.row}"] = status
            cells[f"{cols['progress']}{row.row}"] = progress
            if comment:
                cells[f"{cols['comment']}{row.row}"] = comment
    if "metrics" in raw.sheets:
        ms = raw.sheets["metrics"]
        cells = per_sheet.setdefault(ms.name, {})
        for row in ms.rows:
            v = metrics.get(str(row.value("metric_id")))
            if v is not None:
                cells[f"{ms.columns['value']}{row.row}"] = v
    with zipfile.ZipFile(src) as zin:
        names = _sheet_files(zin)
        tmp = dst.with_suffix(".part")
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zout:
            for info in zin.infolist():
                data = zin.read(info)
                sheet = names.get(info.filename)
                if sheet in per_sheet:
                    data = _fill_xml(data.decode("utf-8"), per_sheet[sheet]).encode("utf-8")
                elif info.filename == "docProps/core.xml":
                    signer = _esc(SIGNERS[seed % len(SIGNERS)])
                    text = data.decode("utf-8")
                    if "<cp:lastModifiedBy>" in text:
                        text = re.sub(
                            r"<cp:lastModifiedBy>.*?</cp:lastModifiedBy>",
                            f"<cp:lastModifiedBy>{signer}</cp:lastModifiedBy>",
                            text,
                        )
                    else:
                        text = text.replace(
                            "</cp:coreProperties>",
                            f"<cp:lastModifiedBy>{signer}</cp:lastModifiedBy></cp:coreProperties>",
                        )
                    data = text.encode("utf-8")
                zout.writestr(info.filename, data, zipfile.ZIP_DEFLATED)
    tmp.replace(dst)


def _sheet_files(zf: zipfile.ZipFile) -> dict[str, str]:
    """worksheet part -> sheet name."""
    wb = zf.read("xl/workbook.xml").decode("utf-8")
    rels = zf.read("xl/_rels/workbook.xml.rels").decode("utf-8")
    target = {
        m.group(1): m.group(2) for m in re.finditer(r'Id="(rId\d+)"[^>]*Target="([^"]+)"', rels)
    }
    target.update(
        {m.group(2): m.group(1) for m in re.finditer(r'Target="([^"]+)"[^>]*Id="(rId\d+)"', rels)}
    )
    out = {}
    for m in re.finditer(
        r'<sheet name="([^"]+)" sheetId="\d+"(?: state="\w+")? r:id="(rId\d+)"', wb
    ):
        name = m.group(1).replace("&amp;", "&")
        out["xl/" + target[m.group(2)].lstrip("/").removeprefix("xl/")] = name
    return out


def _fill_slow(src: Path, dst: Path, programme: Programme, dept_id: str, seed: int) -> None:
    from roundtrip.demo.fill import ActionAnswer, fill_return

    answers, metrics = _answers(programme, dept_id, seed)
    fill_return(
        src,
        dst,
        {a: ActionAnswer(*v) for a, v in answers.items()},
        metrics,
        signer=SIGNERS[seed % len(SIGNERS)],
    )


_PROGRAMME: Programme | None = None


def _init_worker(departments: int, actions: int) -> None:
    global _PROGRAMME
    _PROGRAMME = synthetic(departments, actions)


def _fill_chunk(jobs: list[tuple[str, str, str, int, bool]]) -> int:
    assert _PROGRAMME is not None
    for src, dst, dept, seed, slow in jobs:
        (_fill_slow if slow else _fill_fast)(Path(src), Path(dst), _PROGRAMME, dept, seed)
    return len(jobs)


def build_base(n: int, actions: int, workers: int) -> Path:
    """The cached workspace of `n` departments with its filled inbox (built once)."""
    from roundtrip.init import init_workspace
    from roundtrip.programme.workbook import write_programme
    from roundtrip.returns.contract import return_filename
    from roundtrip.returns.generate import generate_period
    from roundtrip.workspace import Workspace

    base = CACHE / f"ws-n{n}-a{actions}-v{CACHE_VERSION}"
    if (base / "READY").exists():
        return base
    shutil.rmtree(base, ignore_errors=True)
    base.parent.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    p = synthetic(n, actions)
    prog_file = base.parent / f"programme-n{n}-a{actions}.xlsx"
    write_programme(p, prog_file)
    init_workspace(base, programme=prog_file)
    prog_file.unlink()
    ws = Workspace(base)
    generate_period(ws, PERIOD, now=dt.datetime(2025, 10, 1, 6, 0))
    outbox, inbox = ws.outbox(PERIOD), ws.inbox(PERIOD)
    inbox.mkdir(parents=True, exist_ok=True)
    jobs = []
    for i, d in enumerate(p.departments):
        name = return_filename(PERIOD, d.id, d.name)
        jobs.append((str(outbox / name), str(inbox / name), d.id, i, i < 3))
    chunks = [jobs[i : i + 50] for i in range(0, len(jobs), 50)]
    with cf.ProcessPoolExecutor(workers, initializer=_init_worker, initargs=(n, actions)) as pool:
        done = sum(pool.map(_fill_chunk, chunks))
    assert done == n
    # Returns arrive over two weeks: distinct modification times, in no particular order.
    start = dt.datetime(2025, 10, 3, 8, 0, tzinfo=dt.UTC).timestamp()
    for i, (_, dst, _, _, _) in enumerate(jobs):
        t = start + ((i * 7919) % max(n, 1)) * (14 * 86400 / max(n, 1))
        os.utime(dst, (t, t))
    shutil.rmtree(outbox)
    (base / "READY").write_text("ok\n")
    print(f"  built the {n}-return workspace in {time.perf_counter() - t0:.0f} s (cached)")
    return base


# ---------------------------------------------------------------------------- measuring


@dataclass
class Step:
    size: int
    name: str
    files: int  # files the step is about (for the per-file figure)
    wall: float
    cpu: float
    rss_mb: float
    note: str = ""
    method: str = ""  # the workers' start method (ROUNDTRIP_START_METHOD), "" for the default

    @property
    def per_file_ms(self) -> float:
        return self.wall / self.files * 1000 if self.files else float("nan")


def child(cmd: list[str], ok=(0, 1)) -> tuple[float, float, float, str]:
    """(wall s, CPU s, peak RSS MB, stdout) of one subprocess.

    Peak memory and CPU come from GNU time (/usr/bin/time), which reports the step's largest
    process (a pool worker counts when it is the largest); without it, from os.wait4, where a
    forked child starts from this process's own peak (an over-estimate, said in the table).
    """
    with tempfile.NamedTemporaryFile("r", suffix=".time") as tf:
        wrap = [TIME, "-o", tf.name, "-f", "%M %U %S"] if TIME else []
        t = time.perf_counter()
        proc = _Popen([*wrap, *cmd], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        out, err = proc.communicate()
        wall = time.perf_counter() - t
        if proc.returncode not in ok:
            raise SystemExit(
                f"{' '.join(cmd)} failed ({proc.returncode}):\n{out[-2000:]}\n{err[-2000:]}"
            )
        cpu, rss = _LAST_RUSAGE.pop(proc.pid, (float("nan"), float("nan")))
        if TIME:
            kb, user, system = tf.read().split()[-3:]
            cpu, rss = float(user) + float(system), int(kb) / 1024
    return wall, cpu, rss, out


TIME = "/usr/bin/time" if os.access("/usr/bin/time", os.X_OK) else ""


def run_child(cmd: list[str]) -> tuple[float, float, float]:
    return child(cmd)[:3]


_LAST_RUSAGE: dict[int, tuple[float, float]] = {}


class _Popen(subprocess.Popen):
    """Popen that reaps with os.wait4, keeping the child's own rusage (CPU, peak RSS)."""

    def _try_wait(self, wait_flags):  # type: ignore[override]
        try:
            pid, sts, ru = os.wait4(self.pid, wait_flags)
        except ChildProcessError:
            return self.pid, 0
        if pid == self.pid:
            _LAST_RUSAGE[pid] = (ru.ru_utime + ru.ru_stime, ru.ru_maxrss / 1024)
        return pid, sts


def median_of(runs: list[tuple[float, float, float]]) -> tuple[float, float, float]:
    walls = sorted(runs, key=lambda r: r[0])
    return walls[len(walls) // 2]


FLOOR_CALAMINE = """
import sys, time, python_calamine as pc
paths = sys.argv[1:]
t = time.perf_counter()
cells = 0
for p in paths:
    wb = pc.CalamineWorkbook.from_path(p)
    for name in wb.sheet_names:
        cells += sum(len(r) for r in wb.get_sheet_by_name(name).to_python())
    wb.close()
print(time.perf_counter() - t, cells)
"""

FLOOR_PANDAS = """
import sys, time, warnings
warnings.simplefilter("ignore")
import pandas as pd
paths = sys.argv[1:]
t = time.perf_counter()
for p in paths:
    pd.read_excel(p, sheet_name=None, engine="openpyxl")
print(time.perf_counter() - t)
"""


# A fixed piece of plain Python (strings, dicts, a sort: what roundtrip's own code does), timed
# at the start and the end of every run: machines here differ by up to 2x in Python speed from
# one session to the next, and less for native code (calamine), so the figures of two runs
# compare only together with this.
REFERENCE = """
import time
best = None
for _ in range(3):
    t = time.perf_counter()
    rows = []
    for i in range(300_000):
        key = f"D{i % 3000:04d}-{i % 60:02d}"
        rows.append({"id": key, "n": i, "s": key.lower().strip()})
    rows.sort(key=lambda r: r["s"])
    took = time.perf_counter() - t
    best = took if best is None else min(best, took)
print(best)
"""


def python_reference() -> float:
    """Milliseconds for the REFERENCE workload in a fresh interpreter (best of 3)."""
    _wall, _cpu, _rss, out = child([python(), "-c", REFERENCE], ok=(0,))
    return float(out.split()[0]) * 1000


def floor(code: str, paths: list[Path]) -> tuple[float, float, float]:
    """(seconds inside the child, CPU s, peak MB): reading only, interpreter start excluded."""
    _wall, cpu, rss, out = child([python(), "-c", code, *map(str, paths)], ok=(0,))
    return float(out.split()[0]), cpu, rss


def copy_workspace(base: Path, into: Path) -> Path:
    ws = into / "ws"
    shutil.copytree(base, ws)
    return ws


def spread_periods(db: Path, periods: list[str]) -> None:
    """Copy PERIOD's stored rows into `periods` (same departments and answers)."""
    conn = sqlite3.connect(db)
    conn.execute("BEGIN")
    top = conn.execute("SELECT max(id) FROM submissions").fetchone()[0] or 0
    src = conn.execute("SELECT id FROM submissions WHERE period = ?", (PERIOD,)).fetchall()
    ids = ",".join(str(r[0]) for r in src)
    for k, per in enumerate(periods, start=1):
        off = top * k
        conn.execute(
            f"""INSERT INTO submissions (id, content_hash, original_name, archive_path,
                   department_id, period, received_at, collected_at, verdict, signer,
                   programme_version, generated_at, errors, warnings, superseded_by)
               SELECT id + {off}, content_hash || '-{per}', original_name, archive_path,
                   department_id, ?, received_at, collected_at, verdict, signer,
                   programme_version, generated_at, errors, warnings,
                   CASE WHEN superseded_by IS NULL THEN NULL ELSE superseded_by + {off} END
               FROM submissions WHERE id IN ({ids})""",
            (per,),
        )
        for table in ("answers", "metric_values", "plan_completions", "proposals", "problems"):
            cols = [r[1] for r in conn.execute(f"PRAGMA table_info({table})")]
            if "submission_id" not in cols:
                continue
            sel = [
                f"submission_id + {off}" if c == "submission_id" else ("?" if c == "period" else c)
                for c in cols
                if c not in ("id", "rowid")
            ]
            names = [c for c in cols if c not in ("id", "rowid")]
            args = (per,) if "period" in names else ()
            conn.execute(
                f"INSERT INTO {table} ({', '.join(names)}) SELECT {', '.join(sel)} FROM {table} "
                f"WHERE submission_id IN ({ids})",
                args,
            )
    conn.execute("COMMIT")
    conn.close()


def measure_size(n: int, args, rows: list[Step], method: str = "") -> None:
    """Every step at `n` returns; the commands' workers started by `method` ("": default)."""
    os.environ.pop(START_METHOD_ENV, None)
    base = build_base(n, args.actions, args.workers)
    if method:
        os.environ[START_METHOD_ENV] = method  # (inherited by every command run below)
    rt = roundtrip_cmd()
    # Every step starts, as a user's would, from the programme cached by the command before:
    # made current here (once after a change of roundtrip), so no step pays for reading it.
    run_child([*rt, "-q", "-w", str(base), "check"])
    inbox = sorted((base / "inbox" / PERIOD).glob("*.xlsx"))
    repeats = args.repeat or (3 if n <= 100 else 1)

    def add(name: str, files: int, runs, note: str = "") -> Step:
        wall, cpu, rss = median_of(runs)
        if len(runs) > 1:
            note = (note + "; " if note else "") + f"median of {len(runs)}"
        s = Step(n, name, files, wall, cpu, rss, note, method)
        rows.append(s)
        print(
            f"  {n:>5} {method:<6} {name:<28} {wall:8.2f} s {s.per_file_ms:8.1f} ms/file "
            f"{cpu:7.2f} s CPU {rss:7.0f} MB  {note}",
            flush=True,
        )
        return s

    sample = inbox[: args.pandas_sample]
    k = n / len(sample)
    with tempfile.TemporaryDirectory(prefix="rt-bench-") as tmp:
        gen, cold, warm, status, register, summary, gen_next = [], [], [], [], [], [], []
        floors, pruns = [], []
        for r in range(repeats):
            ws = copy_workspace(base, Path(tmp) / f"r{r}")
            gen.append(run_child([*rt, "-q", "-w", str(ws), "generate", PERIOD]))
            # The floors beside each cold collect: this machine's speed drifts by tens of per
            # cent within minutes, so a ratio is only fair between runs made together.
            floors.append(floor(FLOOR_CALAMINE, inbox))
            cold.append(run_child([*rt, "-q", "-w", str(ws), "collect", PERIOD]))
            wall, cpu, rss = floor(FLOOR_PANDAS, sample)
            pruns.append((wall * k, cpu * k, rss))
            warm.append(run_child([*rt, "-q", "-w", str(ws), "collect", PERIOD]))
            status.append(run_child([*rt, "-q", "-w", str(ws), "status", PERIOD]))
            register.append(run_child([*rt, "-q", "-w", str(ws), "register"]))
            summary.append(run_child([*rt, "-q", "-w", str(ws), "summary", PERIOD]))
            gen_next.append(run_child([*rt, "-q", "-w", str(ws), "generate", NEXT]))
        conn = sqlite3.connect(ws / "roundtrip.db")
        stored = conn.execute("SELECT count(*) FROM submissions").fetchone()[0]
        conn.close()
        rejected = sum(1 for i in range(n) if i % 100 == 42)
        assert stored == n - rejected, f"{stored} of {n} returns stored ({rejected} rejected)"
        add("generate", n, gen)
        c = add("collect (cold)", n, cold)
        again = add("collect again (all stored)", n, warm)
        add("status", n, status)
        add("register", n, register)
        add("summary (1 period)", n, summary)
        add("generate next period (with history)", n, gen_next)
        cal = add("floor: python-calamine", n, floors, "read only, in one process")
        note = "read only" if k == 1 else f"measured on {len(sample)} files, x{k:.0f}"
        pd_step = add("floor: pandas+openpyxl", n, pruns, note)
        # Each ratio from the runs made together, then the median of those.
        to_floor = statistics.median(col[0] / fl[0] for col, fl in zip(cold, floors, strict=True))
        to_pandas = statistics.median(pd[0] / col[0] for col, pd in zip(cold, pruns, strict=True))
        # Per file beyond the fixed cost (start-up, programme, hash checks): cold - again.
        marginal = max(c.wall - again.wall, 0.0) / n * 1000
        rows.append(
            Step(
                n,
                "ratio",
                0,
                to_floor,
                to_pandas,
                0,
                f"{marginal:.1f} ms/file beyond the fixed cost: "
                f"{marginal / cal.per_file_ms:.1f}× calamine, "
                f"pandas {pd_step.per_file_ms / marginal if marginal else float('inf'):.1f}× it",
                method,
            )
        )
        if n == max(args.sizes) and args.periods > 1:
            from roundtrip.programme.periods import parse_period

            q = parse_period(PERIOD)
            earlier = []
            while len(earlier) < args.periods - 1:
                q = q.previous()
                earlier.append(str(q))
            t = time.perf_counter()
            spread_periods(ws / "roundtrip.db", earlier)
            note = f"{args.periods} periods: stored rows copied by SQL in {time.perf_counter() - t:.0f} s"
            runs = [
                run_child([*rt, "-q", "-w", str(ws), "summary", PERIOD]) for _ in range(repeats)
            ]
            add(f"summary ({args.periods} periods)", n, runs, note)
            runs = [run_child([*rt, "-q", "-w", str(ws), "register"])]
            add(f"register ({args.periods} periods)", n, runs)
            # The next quarter's workbooks show each action's latest answer of all periods.
            runs = [run_child([*rt, "-q", "-w", str(ws), "generate", NEXT])]
            add(f"generate next period ({args.periods} periods)", n, runs)


def table(rows: list[Step], load: str, speed: str) -> str:
    methods = any(s.method for s in rows)
    start = "start | " if methods else ""
    out = [
        f"roundtrip benchmark, {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, "
        f"{os.cpu_count()} CPU(s), load average before the run: {load}",
        "",
        f"Machine speed, the plain-Python reference workload (benchmarks/run.py REFERENCE, "
        f"lower is faster): {speed}",
        "",
        f"| returns | {start}step | total s | ms/file | CPU s | peak MB | note |",
        f"|---:|{'---|' if methods else ''}---|---:|---:|---:|---:|---|",
    ]
    for s in rows:
        at = f"{s.size} | {s.method} |" if methods else f"{s.size} |"
        if s.name == "ratio":
            out.append(
                f"| {at} **collect ÷ calamine floor** | | **{s.wall:.1f}×** | | | "
                f"pandas ÷ collect: **{s.cpu:.1f}×**; {s.note} |"
            )
            continue
        out.append(
            f"| {at} {s.name} | {s.wall:.2f} | {s.per_file_ms:.1f} | {s.cpu:.2f} | "
            f"{s.rss_mb:.0f} | {s.note} |"
        )
    return "\n".join(out) + "\n" + side_by_side(rows)


def side_by_side(rows: list[Step]) -> str:
    """The steps measured with fork and with spawn, one row each: wall and CPU time."""
    got = {(s.size, s.name, s.method): s for s in rows if s.name != "ratio"}
    steps = [(s.size, s.name) for s in rows if s.method == "fork" and s.name != "ratio"]
    steps = [k for k in steps if (*k, "spawn") in got]
    if not steps:
        return ""
    out = [
        "",
        "| returns | step | fork: wall s | CPU s | spawn: wall s | CPU s | spawn ÷ fork (wall) |",
        "|---:|---|---:|---:|---:|---:|---:|",
    ]
    for size, name in steps:
        f, s = got[(size, name, "fork")], got[(size, name, "spawn")]
        ratio = s.wall / f.wall if f.wall else float("nan")
        out.append(
            f"| {size} | {name} | {f.wall:.2f} | {f.cpu:.2f} | {s.wall:.2f} | {s.cpu:.2f} | "
            f"{ratio:.2f} |"
        )
    return "\n".join(out) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="1,100,3000", help="returns per run (default 1,100,3000)")
    ap.add_argument("--quick", action="store_true", help="sizes 1,100 only")
    ap.add_argument("--actions", type=int, default=60)
    ap.add_argument("--periods", type=int, default=8, help="periods for the big summary")
    ap.add_argument("--pandas-sample", type=int, default=100)
    ap.add_argument("--repeat", type=int, default=0, help="runs per step (default 3, 1 above 100)")
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    ap.add_argument(
        "--start-method",
        choices=["default", "fork", "spawn", "forkserver", "both"],
        default="default",
        help="how the commands start their workers (both: fork, then spawn, side by side)",
    )
    ap.add_argument("-o", "--output", type=Path, default=RESULTS / "latest.md")
    args = ap.parse_args()
    methods = {"default": [""], "both": ["fork", "spawn"]}.get(
        args.start_method, [args.start_method]
    )
    args.sizes = [1, 100] if args.quick else [int(x) for x in args.sizes.split(",")]
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"load average: {load} on {os.cpu_count()} CPU(s)")
    before = python_reference()
    print(f"python reference workload: {before:.0f} ms")
    rows: list[Step] = []
    for n in args.sizes:
        for method in methods:
            measure_size(n, args, rows, method)
    os.environ.pop(START_METHOD_ENV, None)
    after = python_reference()
    speed = f"{before:.0f} ms at the start, {after:.0f} ms at the end"
    text = table(rows, load, speed)
    text += f"\nload average after the run: {' '.join(f'{x:.1f}' for x in os.getloadavg())}\n"
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text, encoding="utf-8")
    print()
    print(text)
    print(f"written to {args.output}")


if __name__ == "__main__":
    main()
