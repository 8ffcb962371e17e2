"""Where the bundled data (examples/) lives: in the wheel, or in a source checkout."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from roundtrip.errors import ConfigError, Problem, UsageError
from roundtrip.language import _

_PKG = Path(__file__).resolve().parent


def data_dir(name: str) -> Path:
    """`examples`: the installed copy, else the source checkout's."""
    for candidate in (_PKG / "_data" / name, _PKG.parent / name):
        if candidate.is_dir():
            return candidate
    raise UsageError(
        _("bundled data folder {name!r} not found (broken installation?)").format(name=name)
    )


def example_dir(name: str) -> Path:
    path = data_dir("examples") / name
    if not path.is_dir():
        known = ", ".join(sorted(p.name for p in data_dir("examples").iterdir() if p.is_dir()))
        raise UsageError(
            _("unknown example {name!r} (known: {known})").format(name=name, known=known)
        )
    return path


def read_toml(path: Path) -> dict[str, Any]:
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(
            [Problem(str(path), _("not valid TOML: {error}").format(error=exc))]
        ) from exc
