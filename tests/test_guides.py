"""The guides in docs/guide/ say what the tool does: their commands run as written.

Every guide is written in fi, sv and en (`<name>.<lang>.md`). The commands in their ```sh
blocks are run in order, against a real workspace whose programme speaks the guide's language,
the way a coordinator would type them; between the commands the test does what people do:
before the first `collect` the departments fill in the generated workbooks (one forgets a
required comment, so its file is rejected), and before the next one that department fixes the
annotated copy it got back and the coordinator moves the rejected file out of the inbox, as the
guide says. The inline `roundtrip ...` mentions must name real commands and options, the three
languages must show the same commands, the workspace paths a guide names must exist after the
run, and the department guides must use the words the workbook shows in their language.
"""

from __future__ import annotations

import dataclasses
import re
import shlex
import shutil
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from roundtrip.cli import main
from roundtrip.demo.fill import ActionAnswer, fill_return
from roundtrip.language import C_, tr
from roundtrip.language.wording import default_statuses, wording
from roundtrip.programme.workbook import load_programme, write_programme
from roundtrip.returns.contract import return_filename

ROOT = Path(__file__).parent.parent
GUIDES = ROOT / "docs" / "guide"
LANGS = ("fi", "sv", "en")
# Lines of a ```sh block that are not roundtrip commands: the install (not run here).
SETUP = {
    "python3 -m venv .venv && .venv/bin/pip install -e .",
    ". .venv/bin/activate",
}
WORKSPACE_ITEMS = ("programme.xlsx", "roundtrip.db", "outbox/", "inbox/", "archive/", "reports/")
# Workspace paths a guide names that this run does not make: the import report (init
# --from-table) and the PDF when LibreOffice is missing.
NOT_MADE_HERE = {"reports/import-report.txt"}


def guide_names() -> list[str]:
    return sorted({p.name.split(".")[0] for p in GUIDES.glob("*.md")})


def text_of(name: str, lang: str) -> str:
    return (GUIDES / f"{name}.{lang}.md").read_text(encoding="utf-8")


def sh_lines(text: str, shell: str = "sh") -> list[str]:
    """The lines of the guide's ```sh (or ```powershell) blocks, in order."""
    out, inside = [], False
    for line in text.splitlines():
        if line.startswith("```"):
            inside = not inside and line.strip() == f"```{shell}"
            continue
        if inside and line.strip() and not line.lstrip().startswith("#"):
            out.append(line.strip())
    return out


def run_lines(text: str) -> list[str]:
    """The roundtrip and cd lines of the ```sh blocks; any other line is a known setup line."""
    lines = sh_lines(text)
    others = [ln for ln in lines if not ln.startswith(("roundtrip ", "cd "))]
    assert set(others) <= SETUP, f"a line in a ```sh block the test cannot run: {others}"
    return [ln for ln in lines if ln not in SETUP]


def prose(text: str) -> str:
    """The guide without its fenced blocks."""
    return re.sub(r"^```.*?^```", "", text, flags=re.M | re.S)


def inline_spans(text: str) -> list[str]:
    return re.findall(r"`([^`\n]+)`", prose(text))


def inline_commands(text: str) -> list[str]:
    return [s for s in inline_spans(text) if s.startswith("roundtrip ")]


def workspace_paths(text: str) -> set[str]:
    return {s for s in inline_spans(text) if s.startswith(WORKSPACE_ITEMS)}


def _options(cmd: click.Command) -> dict[str, click.Parameter]:
    opts = {o: p for p in cmd.params if isinstance(p, click.Option) for o in p.opts}
    opts.update(dict.fromkeys(("-h", "--help")))  # click adds the help option itself
    return opts


def parse(line: str) -> tuple[tuple[str, ...], str | None, tuple[str, ...], list[str]]:
    """(global options, command, its options, its arguments) of a `roundtrip ...` line; fails
    on an unknown command or option, or a wrong number of arguments."""
    args = shlex.split(line, comments=True)[1:]  # a trailing "# ..." is a comment
    glob, i, used_glob = _options(main), 0, []
    while i < len(args) and args[i].startswith("-"):
        assert args[i] in glob, f"{line}: no global option {args[i]}"
        p = glob[args[i]]
        used_glob.append(args[i] if p is None else p.name)
        i += 1 if p is None or p.is_flag else 2
    if i == len(args):
        return tuple(used_glob), None, (), []
    name = args[i]
    assert name in main.commands, f"{line}: no command {name!r}"
    cmd = main.commands[name]
    opts, used, positional, j = _options(cmd), [], [], i + 1
    while j < len(args):
        if args[j].startswith("-"):
            assert args[j] in opts, f"{line}: {name} has no option {args[j]}"
            p = opts[args[j]]
            used.append(args[j] if p is None else p.name)
            j += 1 if p is None or p.is_flag else 2
        else:
            positional.append(args[j])
            j += 1
    arguments = [p for p in cmd.params if isinstance(p, click.Argument)]
    if "--help" not in used and "-h" not in used:
        required = sum(1 for p in arguments if p.required)
        most = None if any(p.nargs == -1 for p in arguments) else len(arguments)
        assert len(positional) >= required, f"{line}: {name} needs {required} argument(s)"
        assert most is None or len(positional) <= most, f"{line}: too many arguments"
    return tuple(used_glob), name, tuple(sorted(used)), positional


def normalised(line: str) -> str:
    """The line with its --lang value taken out (each guide shows its own language)."""
    return re.sub(r"--lang (fi|sv|en)\b", "--lang LANG", line)


# --------------------------------------------------------------------------- the texts


def test_every_guide_is_written_in_three_languages():
    names = guide_names()
    assert {"coordinator", "department"} <= set(names)
    for name in names:
        for lang in LANGS:
            assert (GUIDES / f"{name}.{lang}.md").is_file(), (name, lang)
        assert len(list(GUIDES.glob(f"{name}.*.md"))) == len(LANGS), name


@pytest.mark.parametrize("name", guide_names())
def test_the_three_languages_show_the_same_commands(name):
    blocks = {lang: [normalised(ln) for ln in sh_lines(text_of(name, lang))] for lang in LANGS}
    assert blocks["fi"] == blocks["sv"] == blocks["en"]
    inline = {lang: {parse(c)[:3] for c in inline_commands(text_of(name, lang))} for lang in LANGS}
    assert inline["fi"] == inline["sv"] == inline["en"]
    paths = {lang: workspace_paths(text_of(name, lang)) for lang in LANGS}
    assert paths["fi"] == paths["sv"] == paths["en"]
    for lang in LANGS:  # a --lang in a guide shows that guide's own language
        shown = set(re.findall(r"--lang (\w+)", "\n".join(sh_lines(text_of(name, lang)))))
        assert shown <= {lang}, (name, lang, shown)


@pytest.mark.parametrize("name", guide_names())
@pytest.mark.parametrize("lang", LANGS)
def test_every_command_named_in_a_guide_exists(name, lang):
    text = text_of(name, lang)
    for line in [*run_lines(text), *inline_commands(text)]:
        if line.startswith("roundtrip "):
            parse(line)


def test_the_readmes_commands_exist():
    """The README's ```sh blocks (the English quick start and the Finnish and Swedish ones)."""
    lines = sh_lines((ROOT / "README.md").read_text(encoding="utf-8"))
    parts = [p.strip().removeprefix(".venv/bin/") for ln in lines for p in ln.split("&&")]
    commands = [p for p in parts if p.startswith("roundtrip ")]
    assert any("demo --language sv" in c for c in commands)
    for command in commands:
        parse(command)


def test_the_readmes_powershell_commands_are_the_posix_ones():
    """The Windows set-up lines run the same roundtrip commands, the PowerShell way."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    posix = [
        p.strip().removeprefix(".venv/bin/")
        for ln in sh_lines(readme)
        for p in ln.split("&&")
        if ".venv/bin/roundtrip demo" in p
    ]
    windows = [
        p.strip().removeprefix(".venv\\Scripts\\")
        for ln in sh_lines(readme, "powershell")
        for p in ln.split(";")
        if "roundtrip demo" in p
    ]
    assert len(windows) == len(posix) == 3
    assert windows == posix
    for command in windows:
        parse(command)


def test_the_links_of_the_guides_and_the_readme_lead_somewhere():
    files = [*GUIDES.glob("*.md"), ROOT / "README.md"]
    for path in files:
        for target in re.findall(r"\]\(([^)#\s]+)\)", path.read_text(encoding="utf-8")):
            if "://" not in target:
                assert (path.parent / target).exists(), (path.name, target)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name in ("coordinator", "department"):
        for lang in ("fi", "sv"):
            assert f"docs/guide/{name}.{lang}.md" in readme, (name, lang)


@pytest.mark.parametrize("lang", LANGS)
def test_the_department_guide_uses_the_words_of_the_workbook(lang):
    """The sheets, columns, kinds and statuses a department head sees, as the workbook in
    that language names them (so the guide follows when the wording changes)."""
    text, w = text_of("department", lang), wording(lang)
    words = [
        *w["sheets"].values(),
        *(w["actions"][k] for k in ("status", "progress", "comment", "metric", "schedule")),
        *(w["actions"][k] for k in ("responsible", "prev_status", "prev_progress")),
        w["actions"]["prev_comment"],
        w["metrics"]["value"],
        w["metrics"]["kind"],
        *w["kinds"].values(),
        *(w["report"][k] for k in ("to_fix", "error", "warning")),
        *(w["signoff"][k] for k in ("approved_by", "approved_on")),
        *(s[lang] for s in default_statuses()),
    ]
    missing = [word for word in words if word not in text]
    assert missing == [], f"department.{lang}.md does not name {missing}"


# --------------------------------------------------------------------------- the run


@dataclasses.dataclass
class People:
    """The departments and the coordinator, doing between the commands what the guide says."""

    lang: str
    rejected: dict[str, tuple[Path, str, str]] = dataclasses.field(default_factory=dict)

    def after_init(self, root: Path) -> None:
        """The coordinator sets the programme's language (the settings sheet)."""
        p = load_programme(root / "programme.xlsx")
        write_programme(
            dataclasses.replace(p, settings=dataclasses.replace(p.settings, language=self.lang)),
            root / "programme.xlsx",
        )

    def before_collect(self, root: Path, period: str) -> None:
        inbox = root / "inbox" / period
        inbox.mkdir(parents=True, exist_ok=True)
        if not any(inbox.iterdir()):
            self.fill(root, period, inbox)
        elif period in self.rejected:
            self.fix(root, period, inbox)

    def fill(self, root: Path, period: str, inbox: Path) -> None:
        """Every department fills in its workbook; the first one forgets a required comment."""
        p = load_programme(root / "programme.xlsx")
        label = {s.key: s.label for s in p.statuses}
        major = next(s for s in p.statuses if s.needs_comment)
        yes = wording(self.lang)["yes"]
        values = {"count": 7, "number": 12.5, "percent": 40, "yesno": yes, "text": "ok"}
        for n, dept in enumerate(d for d in p.departments if p.actions_of(d.id)):
            actions = p.actions_of(dept.id)
            answers = {a.id: ActionAnswer(label["on_track"], 50, None) for a in actions}
            metrics = {m.id: values[m.kind] for a in actions for m in a.metrics}
            if n == 0:
                answers[actions[0].id] = ActionAnswer(major.label, 10, "")
            source = root / "outbox" / period / return_filename(period, dept.id, dept.name)
            target = fill_return(source, inbox / f"{dept.id} {period}.xlsx", answers, metrics)
            if n == 0:
                self.rejected[period] = (target, actions[0].id, major.label)

    def fix(self, root: Path, period: str, inbox: Path) -> None:
        """The department fixes the annotated copy and sends it; the coordinator saves it
        into the inbox and moves the rejected file out."""
        bad, action_id, status = self.rejected.pop(period)
        mark = tr(self.lang, C_("file name", "feedback"))
        copy = root / "reports" / period / "feedback" / f"{bad.stem}_{mark}.xlsx"
        assert copy.is_file(), f"no annotated copy of {bad.name}"
        fill_return(
            copy,
            inbox / f"{bad.stem} korjattu.xlsx",
            {action_id: ActionAnswer(status, 10, "Aikataulu venyy.")},
        )
        bad.unlink()


@pytest.mark.slow  # three whole quarters, one per language: CI runs it, the quick loop not
@pytest.mark.parametrize("lang", LANGS)
def test_the_coordinator_guide_runs_as_written(lang, tmp_path, monkeypatch):
    text = text_of("coordinator", lang)
    people, runner, ran = People(lang), CliRunner(), []
    monkeypatch.chdir(tmp_path)
    root = tmp_path
    for line in run_lines(text):
        if line.startswith("cd "):
            monkeypatch.chdir(Path.cwd() / line[3:].strip())
            continue
        _glob, name, _opts, positional = parse(line)
        if name == "collect":
            people.before_collect(Path.cwd(), positional[0])
        result = runner.invoke(main, shlex.split(line)[1:])
        assert result.exit_code in (0, 1), f"{line}\n{result.output}"
        ran.append((name, result.exit_code))
        if name == "init":
            root = Path.cwd() / positional[0]
            people.after_init(root)

    # What the guide says happens, happened.
    def codes(command: str) -> list[int]:
        return [c for n, c in ran if n == command]

    assert codes("collect")[0] == 1, "the first collect rejects the file without its comment"
    assert codes("collect")[-1] == 0, "the corrected file is accepted, the rejected one gone"
    assert codes("status")[0] == 1 and codes("status")[-1] == 0
    pdf = shutil.which("soffice") or shutil.which("libreoffice")
    assert codes("summary") == [0 if pdf else 1]
    # The example's MUU has no e-mail address: the request run lists it and ends with 1. By
    # the reminders every department has returned: only the rejected one gets a message.
    assert codes("mail") == [1, 0]
    drafts = sorted(p.name for p in (root / "outbox" / "2025Q3" / "mail").glob("*.eml"))
    correction = tr(lang, C_("mail file name", "correction")) + ".eml"
    assert len(drafts) == 7 + 1, drafts
    assert sum(1 for d in drafts if d.endswith(correction)) == 1, drafts
    assert all(c == 0 for n, c in ran if n not in ("collect", "status", "summary", "mail"))
    not_made = NOT_MADE_HERE if pdf else {*NOT_MADE_HERE, "reports/2025Q3/summary.pdf"}
    named = workspace_paths(text) - not_made
    assert named, "the guide names the workspace's files"
    missing = sorted(p for p in named if not (root / p).exists())
    assert missing == [], f"the guide names files the run did not make: {missing}"
