"""Make the README's pictures from real files: run the demo, render what it made.

    .venv/bin/python scripts/readme_images.py [--out docs/images]

docs/images/summary.png          page 1 of the council summary (reports/2025Q3/summary.xlsx)
docs/images/return-workbook.png  the actions page of a department's 2025Q3 workbook (top part)

Needs LibreOffice (soffice) and pdftoppm (poppler-utils).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from render import RenderError, to_pdf  # noqa: E402

from roundtrip.demo.run import run_demo  # noqa: E402

PERIOD = "2025Q3"
DEPARTMENT = "SIV"


def page_png(
    pdf: Path, page: int, target: Path, dpi: int, crop_height: int | None = None, top: int = 0
) -> Path:
    """One page of `pdf` as a PNG at `target` (optionally `crop_height` pixels from `top`)."""
    cmd = ["pdftoppm", "-png", "-r", str(dpi), "-f", str(page), "-l", str(page), "-singlefile"]
    if crop_height:
        cmd += ["-x", "0", "-y", str(top), "-W", str(int(11.7 * dpi)), "-H", str(crop_height)]
    stem = target.with_suffix("")
    subprocess.run([*cmd, str(pdf), str(stem)], check=True, capture_output=True, timeout=120)
    return target


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path("docs/images"))
    args = ap.parse_args(argv)
    if not (shutil.which("soffice") and shutil.which("pdftoppm")):
        print("Error: needs LibreOffice (soffice) and pdftoppm", file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="rt-readme-") as tmp:
        root = Path(tmp) / "demo"
        run_demo(root, echo=lambda _line: None)
        pdfs = Path(tmp) / "pdf"
        try:
            summary = to_pdf(root / "reports" / PERIOD / "summary.xlsx", pdfs)
            book = next((root / "outbox" / PERIOD).glob(f"{PERIOD}_{DEPARTMENT}_*.xlsx"))
            workbook = to_pdf(book, pdfs)
        except (RenderError, StopIteration, subprocess.SubprocessError) as exc:
            print(f"Error: {exc}", file=sys.stderr)
            return 2
        made = [
            page_png(summary, 1, args.out / "summary.png", dpi=100),
            page_png(
                workbook, 2, args.out / "return-workbook.png", dpi=140, crop_height=340, top=30
            ),
        ]
    for path in made:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
