"""The README documents every command, and every documented command exists."""

import re
from pathlib import Path

from click.testing import CliRunner

from roundtrip.cli import main

README = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")


def documented_commands() -> set[str]:
    return set(re.findall(r"^\| `roundtrip (\w+)", README, flags=re.M))


def test_every_cli_command_is_documented():
    assert set(main.commands) == documented_commands()


def test_every_documented_command_has_help():
    runner = CliRunner()
    for name in sorted(documented_commands()):
        result = runner.invoke(main, [name, "--help"])
        assert result.exit_code == 0, (name, result.output)
        assert "Usage: main " in result.output or "Usage: roundtrip " in result.output


def test_readme_keeps_the_two_setup_commands():
    assert "pip install -e . && .venv/bin/roundtrip demo" in README
    assert "pip install -e '.[test]' && .venv/bin/pytest" in README
    # and the same two in Windows PowerShell
    assert (
        "py -m venv .venv; .venv\\Scripts\\pip install -e .; .venv\\Scripts\\roundtrip demo"
        in README
    )
    assert "pip install -e '.[test]'; .venv\\Scripts\\pytest" in README
