"""LibreOffice headless conversions for the tests: a private profile per run, bounded in time."""

from __future__ import annotations

import shutil
import subprocess
import uuid
from collections.abc import Sequence
from pathlib import Path


def convert(
    src: Path | Sequence[Path],
    out_dir: Path,
    target: str = "xlsx",
    timeout: int = 180,
    check: bool = True,
) -> Path:
    """`soffice --convert-to target` of `src` (one file or several) into `out_dir`.

    Returns the converted path of the (first) file. `target` may name a filter
    ("xlsx:Calc MS Excel 2007 XML"). With check=False a failed conversion is not an error
    (the corpus wants to see what LibreOffice makes of hostile files).
    """
    files = [Path(src)] if isinstance(src, (str, Path)) else [Path(f) for f in src]
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    profile = Path("/tmp") / f"lo-test-{uuid.uuid4().hex}"
    cmd = ["soffice", "--headless", "--norestore", f"-env:UserInstallation={profile.as_uri()}"]
    cmd += ["--convert-to", target, "--outdir", str(out_dir), *map(str, files)]
    try:
        subprocess.run(cmd, capture_output=True, timeout=timeout, check=check)
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    out = out_dir / f"{files[0].stem}.{target.split(':')[0]}"
    if check:
        assert out.is_file(), f"LibreOffice wrote no {out.name}"
    return out
