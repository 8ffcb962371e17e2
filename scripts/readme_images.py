"""Make the README's pictures from real files: run the demo, render what it made.

    .venv/bin/python scripts/readme_images.py [--out docs/images]

docs/images/summary.png          page 1 of the council summary (reports/2025Q3/summary.xlsx)
docs/images/attention.png        its actions to discuss, with the computed health's reasons
docs/images/return-workbook.png  the actions page of a department's 2025Q3 workbook (top part)
docs/images/mail-draft.png       a reminder drafted by `roundtrip mail --reminders`, read back
                                 from its .eml and laid out as a mail client shows it
docs/images/public-desktop.png   the public progress site's front page (`roundtrip publish`)
                                 in a 1280 px wide browser
docs/images/public-phone.png     a priority area's page of it on a 390 px wide phone screen

Needs LibreOffice (soffice; Writer too for the draft: libreoffice-writer-nogui) and pdftoppm
(poppler-utils); the site's pictures need Chromium, chromedriver and selenium (`--public`
makes only those: `apt-get install chromium chromium-driver`).
"""

from __future__ import annotations

import argparse
import email
import html
import shutil
import subprocess
import sys
import tempfile
from email import policy
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from render import RenderError, to_pdf  # noqa: E402

from roundtrip.demo.run import run_demo  # noqa: E402

PERIOD = "2025Q3"
ATTENTION_PAGE = 3  # the summary's attention sheet: after the overview's two pages
DEPARTMENT = "SIV"
MAILED = "HAL"  # its return was rejected: the reminder run drafts its correction request


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


def eml_page(eml: Path, target: Path) -> Path:
    """The .eml as a mail client shows it (headers, attachment, text), as an HTML page.

    Everything shown is read back from the file with the `email` package, so the picture is
    what Outlook or Thunderbird would open, not what the tool meant to write."""
    msg = email.message_from_bytes(eml.read_bytes(), policy=policy.default)
    rows = "".join(
        f"<tr><th>{name}</th><td>{html.escape(str(msg[name]))}</td></tr>"
        for name in ("From", "To", "Reply-To", "Subject", "Date")
        if msg[name]
    )
    files = ", ".join(
        f"{html.escape(part.get_filename() or '')} ({len(part.get_content()) // 1024} kB)"
        for part in msg.iter_attachments()
    )
    body = msg.get_body(("plain",))
    text = html.escape(body.get_content() if body is not None else "")
    unsent = "X-Unsent: 1" if msg["X-Unsent"] == "1" else ""
    target.write_text(
        f"""<!DOCTYPE html><html lang="{msg["Content-Language"] or "en"}"><head><meta charset="utf-8">
<style>body{{font-family:'DejaVu Sans',sans-serif;font-size:10pt;margin:0}}
table{{border-collapse:collapse;width:100%;background:#eef2f6}}
th{{text-align:left;padding:3pt 8pt;color:#555;width:70pt;font-weight:normal}}
td{{padding:3pt 8pt}}
pre{{font-family:'DejaVu Sans',sans-serif;white-space:pre-wrap;padding:4pt 8pt;margin:0}}
.unsent{{color:#777;font-size:8pt;padding:2pt 8pt}}</style></head><body>
<div class="unsent">{eml.name} &#8212; {unsent}</div>
<table>{rows}<tr><th>&#8853;</th><td>{files}</td></tr></table><pre>{text}</pre></body></html>
""",
        encoding="utf-8",
    )
    return target


CHROMIUM_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
)
# (file name, page of the site, width in CSS pixels, device pixels per CSS pixel, the element
# the picture ends below)
PUBLIC_SHOTS = (
    ("public-desktop.png", "index.html", 1280, 1, ".cards"),
    ("public-phone.png", "priority-P1.html", 390, 2, "ol.actions > li:nth-child(2)"),
)


def public_pngs(site: Path, out: Path) -> list[Path]:
    """The public site's pictures (PUBLIC_SHOTS) as headless Chromium shows its pages."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    made = []
    for name, page, width, scale, end in PUBLIC_SHOTS:
        with tempfile.TemporaryDirectory(prefix="rt-chromium-") as profile:
            options = webdriver.ChromeOptions()
            options.binary_location = shutil.which("chromium") or "chromium"
            for flag in (*CHROMIUM_FLAGS, f"--user-data-dir={profile}"):
                options.add_argument(flag)
            options.add_argument(f"--force-device-scale-factor={scale}")
            driver = webdriver.Chrome(
                options=options, service=Service(shutil.which("chromedriver") or "chromedriver")
            )
            try:
                driver.set_window_size(width, 900)
                driver.get((site / page).as_uri())
                height = driver.execute_script(
                    "return Math.ceil(document.querySelector(arguments[0])"
                    ".getBoundingClientRect().bottom) + 20",
                    end,
                )
                driver.set_window_size(width, height)
                # the window's size is not the page's: make the page's exactly `height`
                inner = driver.execute_script("return window.innerHeight")
                driver.set_window_size(width, 2 * height - inner)
                driver.save_screenshot(str(out / name))
            finally:
                driver.quit()
        made.append(out / name)
    return made


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path("docs/images"))
    ap.add_argument("--public", action="store_true", help="only the public site's pictures")
    args = ap.parse_args(argv)
    if args.public:
        args.out.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix="rt-readme-") as tmp:
            root = Path(tmp) / "demo"
            run_demo(root, echo=lambda _line: None)
            for path in public_pngs(root / "reports" / PERIOD / "public", args.out):
                print(path)
        return 0
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
            eml = next((root / "outbox" / PERIOD / "mail").glob(f"*_{MAILED}_*.eml"))
            draft = to_pdf(eml_page(eml, Path(tmp) / "draft.html"), pdfs)
        except (RenderError, StopIteration, subprocess.SubprocessError) as exc:
            print(f"Error: {exc}", file=sys.stderr)
            return 2
        made = [
            page_png(summary, 1, args.out / "summary.png", dpi=100),
            page_png(summary, ATTENTION_PAGE, args.out / "attention.png", dpi=150, crop_height=420),
            page_png(
                workbook, 2, args.out / "return-workbook.png", dpi=140, crop_height=340, top=30
            ),
            page_png(draft, 1, args.out / "mail-draft.png", dpi=110, crop_height=620),
            *public_pngs(root / "reports" / PERIOD / "public", args.out),
        ]
    for path in made:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
