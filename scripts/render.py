"""Render a workbook to PDF (LibreOffice headless) and PNG pages (pdftoppm), to look at it.

    python scripts/render.py FILE.xlsx --out DIR [--dpi 80]

Importable: `render(xlsx, out_dir) -> list[Path]` returns the PNG pages in order. Every sheet
is printed with its own print setup (hidden sheets are not printed), so this shows what a
department head sees when they print the workbook.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path


class RenderError(RuntimeError):
    pass


def to_pdf(xlsx: Path, out_dir: Path, timeout: float = 120) -> Path:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice:
        raise RenderError("LibreOffice (soffice) is not installed")
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="lo-profile-") as profile:
        cmd = [
            soffice,
            "--headless",
            "--norestore",
            f"-env:UserInstallation=file://{profile}/{uuid.uuid4().hex}",
            # An HTML page goes through Writer (Calc would read it as a table)
            *(["--infilter=HTML (StarWriter)"] if xlsx.suffix == ".html" else []),
            "--convert-to",
            "pdf:writer_pdf_Export" if xlsx.suffix == ".html" else "pdf",
            "--outdir",
            str(out_dir),
            str(xlsx),
        ]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    pdf = out_dir / (xlsx.stem + ".pdf")
    if proc.returncode != 0 or not pdf.is_file():
        raise RenderError(f"soffice failed ({proc.returncode}): {proc.stderr.strip()}")
    return pdf


def to_png(pdf: Path, out_dir: Path, dpi: int = 80, timeout: float = 120) -> list[Path]:
    if not shutil.which("pdftoppm"):
        raise RenderError("pdftoppm (poppler-utils) is not installed")
    prefix = out_dir / pdf.stem
    subprocess.run(
        ["pdftoppm", "-png", "-r", str(dpi), str(pdf), str(prefix)],
        check=True,
        capture_output=True,
        timeout=timeout,
    )
    return sorted(out_dir.glob(f"{pdf.stem}-*.png"))


def render(xlsx: Path | str, out_dir: Path | str, dpi: int = 80) -> list[Path]:
    """Workbook -> PDF -> one PNG per printed page; returns the PNG paths in page order."""
    xlsx, out_dir = Path(xlsx), Path(out_dir)
    return to_png(to_pdf(xlsx, out_dir), out_dir, dpi=dpi)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("xlsx", type=Path)
    ap.add_argument("--out", type=Path, default=Path("out/render"))
    ap.add_argument("--dpi", type=int, default=80)
    args = ap.parse_args(argv)
    try:
        pages = render(args.xlsx, args.out, dpi=args.dpi)
    except (RenderError, subprocess.SubprocessError) as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 2
    for page in pages:
        print(page)
    return 0


if __name__ == "__main__":
    sys.exit(main())
