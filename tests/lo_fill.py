"""Fill a workbook in LibreOffice through UNO, as a LibreOffice user would (run by /usr/bin/python3).

usage: python3 lo_fill.py SRC DST EDITS.json
EDITS: [{"sheet": name, "cell": "K4", "string"|"value"|"formula": ...}, ...]
Starts its own soffice (private profile, socket on a free port), edits, stores as xlsx.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import uno  # noqa: F401  (python3-uno, system Python only)
from com.sun.star.beans import PropertyValue


def prop(name, value):
    p = PropertyValue()
    p.Name, p.Value = name, value
    return p


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> int:
    src, dst, edits_path = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
    edits = json.loads(edits_path.read_text(encoding="utf-8"))
    profile = Path(f"/tmp/lo-{uuid.uuid4().hex}")
    port = free_port()
    proc = subprocess.Popen(
        [
            "soffice",
            "--headless",
            "--invisible",
            "--norestore",
            "--nologo",
            f"-env:UserInstallation={profile.as_uri()}",
            f"--accept=socket,host=127.0.0.1,port={port};urp;",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        local = uno.getComponentContext()
        resolver = local.ServiceManager.createInstanceWithContext(
            "com.sun.star.bridge.UnoUrlResolver", local
        )
        ctx = None
        for _ in range(600):
            try:
                ctx = resolver.resolve(
                    f"uno:socket,host=127.0.0.1,port={port};urp;StarOffice.ComponentContext"
                )
                break
            except Exception:
                if proc.poll() is not None:
                    raise
                time.sleep(0.1)
        if ctx is None:
            raise SystemExit("soffice did not start")
        desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
        doc = desktop.loadComponentFromURL(
            src.resolve().as_uri(), "_blank", 0, (prop("Hidden", True),)
        )
        sheets = doc.getSheets()
        for e in edits:
            cell = sheets.getByName(e["sheet"]).getCellRangeByName(e["cell"])
            if "formula" in e:
                cell.setFormula(e["formula"])
            elif "value" in e:
                cell.setValue(e["value"])
            else:
                cell.setString(e["string"])
        doc.calculateAll()
        doc.storeToURL(dst.resolve().as_uri(), (prop("FilterName", "Calc MS Excel 2007 XML"),))
        doc.close(True)
        with contextlib.suppress(Exception):
            desktop.terminate()
    finally:
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        shutil.rmtree(profile, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
