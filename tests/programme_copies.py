"""Copies of a workspace for comparing the whole programme with its department slices."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

from roundtrip.programme.cache import CACHE_FILE
from roundtrip.programme.source import ByDepartment, Whole, open_source
from roundtrip.programme.workbook import load_programme
from roundtrip.workspace import Workspace


def whole_and_sliced(template: Path, tmp_path: Path) -> Iterator[tuple[type, Workspace]]:
    """Two copies of the workspace at `template`, as (kind, workspace): one without a programme
    cache, where commands read the whole programme (programme_source.Whole), and one whose
    cache is current, where they read its department slices (ByDepartment); each checked."""
    for kind in (Whole, ByDepartment):
        ws = Workspace(tmp_path / kind.__name__)
        shutil.copytree(template, ws.root)
        (ws.cache_dir / CACHE_FILE).unlink(missing_ok=True)
        if kind is ByDepartment:
            load_programme(ws.programme_path, ws.cache_dir)  # as any command before would
        source = open_source(ws.programme_path, ws.cache_dir)  # what the command will use
        assert isinstance(source, kind)
        source.close()
        if kind is Whole:
            (ws.cache_dir / CACHE_FILE).unlink()  # (open_source wrote it)
        yield kind, ws
