"""The command line: a thin click layer over the library.

Every command is a few lines: parse options, call the library, print its result. Library
errors (RoundtripError) become one line on stderr and the exit code they carry. Everything it
prints is in the console language: the help texts (N_-marked on the decorators, translated
when shown), its own lines, and click's usage errors (see _speak_click).
"""

from __future__ import annotations

import gc
import gettext
import os
import sqlite3
import sys
import traceback
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from functools import wraps
from pathlib import Path

import click

from roundtrip import __version__
from roundtrip.errors import RoundtripError
from roundtrip.language import (
    LANGUAGES,
    N_,
    _,
    console_language,
    format_number,
    ngettext,
    pin_console_language,
)
from roundtrip.language.catalogue import reset_console_language, set_console_language
from roundtrip.language.console import prepare_console, printable

# click's own messages (a usage error, its hint), in the catalogue so that they are spoken too.
CLICK_MESSAGES = (
    N_("Error: {message}"),
    N_("Try '{command} {option}' for help."),
    N_("Missing argument"),
    N_("Missing option"),
    N_("Missing command."),
    N_("No such command {name!r}."),
    N_("No such option {name!r}."),
    N_("Option {name!r} does not take a value."),
    N_("Invalid value for {param_hint}: {message}"),
    N_("Aborted!"),
)


def _click_plurals(n: int) -> list[str]:
    """(Never called: marks click's plural messages for the catalogue.)"""
    return [
        ngettext("Did you mean {possibility}?", "(Did you mean one of: {possibilities}?)", n),
        ngettext("{value!r} is not {choice}.", "{value!r} is not one of {choices}.", n),
        ngettext(
            "Got unexpected extra argument ({args})", "Got unexpected extra arguments ({args})", n
        ),
        ngettext(
            "Option {name!r} requires an argument.",
            "Option {name!r} requires {nargs} arguments.",
            n,
        ),
    ]


def _speak_click() -> None:
    """click asks gettext for its messages through the `_` and `ngettext` each of its modules
    imports from the gettext module (click's documented way to be translated); point those
    at the catalogue, in the console language at the time a message is made. Only names that
    are still gettext's are replaced: a click that does it otherwise is left as it is."""
    import click.core
    import click.exceptions
    import click.formatting
    import click.parser
    import click.types

    for module in (click.core, click.exceptions, click.formatting, click.parser, click.types):
        if getattr(module, "_", None) is gettext.gettext:
            module._ = _  # type: ignore[attr-defined]
        if getattr(module, "ngettext", None) is gettext.ngettext:
            module.ngettext = ngettext  # type: ignore[attr-defined]


_speak_click()


class Context:
    def __init__(
        self, workspace: str | None, quiet: bool, verbose: bool, database: str | None = None
    ):
        self.workspace_arg = workspace
        self.quiet = quiet
        self.verbose = verbose
        self.database = database or None  # a shared register's URL (--database)

    def workspace(self):
        from roundtrip.workspace import Workspace

        return Workspace.find(self.workspace_arg)

    def echo(self, message: str = "") -> None:
        if not self.quiet:
            echo(message)

    def progress(self, items: Iterable, label: str = "", total: int = 0) -> Iterable:
        """A progress bar on a terminal (stderr), nothing otherwise or with --quiet. The
        library names its steps in English (N_): the label is translated here."""
        if self.quiet or not sys.stderr.isatty():
            return items
        return _progressbar(items, _(label) if label else label, total)


def echo(message: str = "", err: bool = False) -> None:
    """Print a line (stderr with `err`), in any console encoding (language/console.py)."""
    click.echo(printable(message, sys.stderr if err else sys.stdout), err=err)


def _progressbar(items: Iterable, label: str, total: int) -> Iterable:
    # click's bar must be entered (a with block) before it can be iterated.
    with click.progressbar(items, length=total or None, label=label, file=sys.stderr) as bar:
        yield from bar


def command(fn):
    """Run a command body, turning library errors into one line and an exit code."""

    @wraps(fn)
    def wrapper(*args, **kwargs):
        ctx = click.get_current_context().find_object(Context)
        try:
            code = fn(*args, **kwargs)
        except KeyboardInterrupt:
            echo(_("Interrupted."), err=True)
            sys.exit(130)
        except BrokenPipeError:  # the reader went away (`roundtrip status | head`): stop quietly
            _silence_stdout()
            sys.exit(1)
        except Exception as exc:  # noqa: BLE001 - ours, or one we can say in a line; else raised
            line, exit_code = _error_line(exc)
            if line is None:
                raise
            if ctx and ctx.verbose:
                traceback.print_exc()
            _let_go(exc)
            echo(_("Error: {line}").format(line=line), err=True)
            sys.exit(exit_code)
        sys.exit(code or 0)

    return wrapper


def _silence_stdout() -> None:
    """Point stdout at the null device, so that Python's own flush at exit does not fail on
    the closed pipe again (the recipe of the `signal` module's documentation)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # not a file (a test's stream): nothing to do
        pass


def _error_line(exc: Exception) -> tuple[str | None, int]:
    """The one line for `exc` and the exit code; (None, 1) for a bug (shown as a traceback)."""
    from roundtrip.register.db import register_error
    from roundtrip.workspace import os_error_line, os_error_of

    if isinstance(exc, RoundtripError):
        return str(exc), exc.exit_code
    if isinstance(exc, sqlite3.Error):  # the register failing mid-run (a full disk, say)
        return str(register_error("roundtrip.db", exc)), 2
    system = os_error_of(exc)  # the system's (a file in use, a full disk), not one of ours
    if system is not None:
        return os_error_line(system), 2
    return None, 1


def _let_go(exc: BaseException) -> None:
    """Close now, and quietly, what the failed work left open: on a full disk, xlsxwriter's
    zip file, whose own closing fails the same way and which Python would report at exit."""
    hook = sys.unraisablehook
    sys.unraisablehook = lambda u: None if isinstance(u.exc_value, OSError) else hook(u)
    try:
        seen: set[int] = set()
        link: BaseException | None = exc
        while link is not None and id(link) not in seen:
            seen.add(id(link))
            traceback.clear_frames(link.__traceback__)
            link = link.__cause__ or link.__context__
        gc.collect()
    finally:
        sys.unraisablehook = hook


@contextmanager
def _translated(cmd: click.Command) -> Iterator[None]:
    """The command's help texts in the console language while its help is written: they are
    English message ids when the command is defined, before the language is known."""
    saved_help, saved_short = cmd.help, cmd.short_help
    options = [p for p in cmd.params if isinstance(p, click.Option) and p.help]
    saved = [(p, p.help) for p in options]
    try:
        cmd.help = _(cmd.help) if cmd.help else cmd.help
        cmd.short_help = _(cmd.short_help) if cmd.short_help else cmd.short_help
        for p, text in saved:
            p.help = _(text) if text else text
        yield
    finally:
        cmd.help, cmd.short_help = saved_help, saved_short
        for p, text in saved:
            p.help = text


def _follow_workspace(ctx: click.Context) -> None:
    """Help in a workspace speaks its programme's language (unless --lang says otherwise), as
    the command itself would: read from the programme's cache, never by loading it."""
    from roundtrip.programme.cache import cached_language
    from roundtrip.workspace import Workspace

    folder = ctx.find_root().params.get("workspace")
    ws = Workspace(Path(folder or ".").resolve())
    language = cached_language(ws.programme_path, ws.cache_dir)
    if language:
        set_console_language(language)


class Command(click.Command):
    """A command whose help speaks the console language."""

    def get_short_help_str(self, limit: int = 45) -> str:
        with _translated(self):
            return super().get_short_help_str(limit)

    def get_help_option(self, ctx: click.Context) -> click.Option | None:
        option = super().get_help_option(ctx)
        if option is not None:
            option.help = _(N_("Show this message and exit."))
        return option

    def get_help(self, ctx: click.Context) -> str:
        _follow_workspace(ctx)
        return super().get_help(ctx)

    def format_help(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        with _translated(self):
            super().format_help(ctx, formatter)

    def format_usage(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        pieces = self.collect_usage_pieces(ctx)
        formatter.write_usage(ctx.command_path, " ".join(pieces), prefix=_("Usage: "))

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        options = [p for p in self.get_params(ctx) if isinstance(p, click.Option)]
        rows = [r for r in (p.get_help_record(ctx) for p in options) if r]
        if rows:
            with formatter.section(_("Options")):
                formatter.write_dl(rows)


class Group(Command, click.Group):
    """The main group: a fresh console language for every run, translated help."""

    command_class = Command

    def make_context(self, info_name, args, parent=None, **extra):
        reset_console_language()  # the language of a previous run (tests run many in a process)
        prepare_console()  # no line fails on the console's encoding (cp1252 on Windows, say)
        return super().make_context(info_name, args, parent, **extra)

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        Command.format_options(self, ctx, formatter)
        commands = [(n, self.get_command(ctx, n)) for n in self.list_commands(ctx)]
        rows = [
            (n, c.get_short_help_str(formatter.width - 6 - max(len(n) for n, _c in commands)))
            for n, c in commands
            if c is not None and not c.hidden
        ]
        if rows:
            with formatter.section(_("Commands")):
                formatter.write_dl(rows)


def _pin_language(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    if value:
        pin_console_language(value)


def _show_version(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    """--version (click's version_option words its line once, when the CLI is defined)."""
    if value and not ctx.resilient_parsing:
        echo(_("{program}, version {version}").format(program="roundtrip", version=__version__))
        ctx.exit()


@click.group(
    cls=Group,
    context_settings={"help_option_names": ["-h", "--help"]},
    help=N_("Run an action programme's quarterly reporting round trip through Excel."),
)
@click.option(
    "--lang",
    type=click.Choice(LANGUAGES),
    envvar="ROUNDTRIP_LANG",
    is_eager=True,
    expose_value=False,
    callback=_pin_language,
    help=N_("Language of the console: fi, sv or en (default: the programme's)."),
)
@click.option(
    "-w",
    "--workspace",
    metavar="DIR",
    help=N_("Workspace folder (default: the current directory)."),
)
@click.option("-q", "--quiet", is_flag=True, help=N_("No progress or summary output."))
@click.option("-v", "--verbose", is_flag=True, help=N_("Show tracebacks on errors."))
@click.option(
    "--database",
    metavar="URL",
    envvar="ROUNDTRIP_DATABASE_URL",
    help=N_(
        "A shared register on PostgreSQL (postgresql+psycopg://USER@HOST/DATABASE) instead "
        "of the workspace's roundtrip.db."
    ),
)
@click.option(
    "--version",
    is_flag=True,
    is_eager=True,
    expose_value=False,
    callback=_show_version,
    help=N_("Show the version and exit."),
)
@click.pass_context
def main(
    ctx: click.Context, workspace: str | None, quiet: bool, verbose: bool, database: str | None
) -> None:
    # (The help texts are on the decorators, N_-marked: a docstring is not translated.)
    ctx.obj = Context(workspace, quiet, verbose, database)


pass_ctx = click.make_pass_decorator(Context)


@main.command(
    help=N_("Create a workspace from a programme definition or a raw action table."),
)
@click.argument("workspace", type=click.Path(file_okay=False, path_type=Path))
@click.option("--example", metavar="NAME", help=N_("Start from a bundled example (aura)."))
@click.option(
    "--from-table",
    "table",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help=N_("Import an action table: .docx, .xlsx, .ods, .csv or tab-separated .txt."),
)
@click.option(
    "--columns",
    metavar="KEY=HEADER,...",
    help=N_(
        "With --from-table: which header names which column, where the import does not know "
        "the name (keys: action, department, partners, metric, schedule, start, end, "
        "responsible, priority, number)."
    ),
)
@click.option(
    "--programme",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help=N_("Start from an existing programme.xlsx (or programme.toml)."),
)
@pass_ctx
@command
def init(
    ctx: Context,
    workspace: Path,
    example: str | None,
    table: Path | None,
    columns: str | None,
    programme: Path | None,
):
    from roundtrip.init import init_workspace

    result = init_workspace(
        workspace,
        example=example,
        table=table,
        programme=programme,
        columns=columns,
        database=ctx.database,
    )
    for line in result.lines():
        ctx.echo(line)


@main.command(help=N_("Validate programme.xlsx and report every problem with its cell."))
@pass_ctx
@command
def check(ctx: Context):
    from roundtrip.programme.workbook import load_programme

    ws = ctx.workspace()
    p = load_programme(ws.programme_path, ws.cache_dir)
    ctx.echo(_check_line(ws.programme_path.name, p))


def _check_line(name: str, p) -> str:
    """check's line: what the programme holds, in the console language."""
    lang = console_language()

    def count(singular: str, plural: str, n: int) -> str:
        return ngettext(singular, plural, n).format(n=format_number(n, lang))

    return _(
        "{file}: OK: {priorities}, {departments}, {actions}, {metrics} (version {version})"
    ).format(
        file=name,
        priorities=count("{n} priority", "{n} priorities", len(p.priorities)),
        departments=count("{n} department", "{n} departments", len(p.departments)),
        actions=count("{n} action", "{n} actions", len(p.actions)),
        metrics=count("{n} metric", "{n} metrics", sum(len(a.metrics) for a in p.actions)),
        version=p.version,
    )


@main.command(help=N_("Write one return workbook per department into outbox/PERIOD/."))
@click.argument("period")
@click.option(
    "--department",
    "departments",
    multiple=True,
    metavar="ID",
    help=N_("Only these departments."),
)
@pass_ctx
@command
def generate(ctx: Context, period: str, departments: tuple[str, ...]):
    from roundtrip.returns.generate import generate_period

    result = generate_period(
        ctx.workspace(), period, departments or None, progress=ctx.progress, database=ctx.database
    )
    for line in result.lines():
        ctx.echo(line)


@main.command(help=N_("Read returned files (default inbox/PERIOD/) into the register."))
@click.argument("period")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@pass_ctx
@command
def collect(ctx: Context, period: str, paths: tuple[Path, ...]):
    from roundtrip.collect.run import collect_period

    result = collect_period(
        ctx.workspace(), period, list(paths) or None, progress=ctx.progress, database=ctx.database
    )
    for line in result.lines():
        ctx.echo(line)
    return result.exit_code


@main.command(help=N_("Who has returned, who is late, who was rejected: the chase list."))
@click.argument("period")
@pass_ctx
@command
def status(ctx: Context, period: str):
    from roundtrip.register.status import period_status

    result = period_status(ctx.workspace(), period, database=ctx.database)
    for line in result.lines():
        ctx.echo(line)
    return result.exit_code


@main.command(
    help=N_(
        "Mail the departments: the period's workbooks, or reminders from the register; as "
        "drafts in outbox/PERIOD/mail/ (open them in Outlook or Thunderbird) or sent by SMTP."
    )
)
@click.argument("period")
@click.option(
    "--reminders",
    is_flag=True,
    help=N_("Reminders to those who have not returned, correction requests to the rejected."),
)
@click.option(
    "--before",
    type=click.IntRange(min=0),
    metavar="N",
    help=N_("The reminder before the deadline, when it is at most N days away."),
)
@click.option("--send", is_flag=True, help=N_("Send through the programme's SMTP server."))
@click.option("--dry-run", is_flag=True, help=N_("Only show what would be made or sent."))
@click.option(
    "--force", is_flag=True, help=N_("Also to those who got the same message a few days ago.")
)
@pass_ctx
@command
def mail(
    ctx: Context,
    period: str,
    reminders: bool,
    before: int | None,
    send: bool,
    dry_run: bool,
    force: bool,
):
    from roundtrip.mail.run import mail_period

    result = mail_period(
        ctx.workspace(),
        period,
        reminders=reminders,
        before=before,
        send=send,
        dry_run=dry_run,
        force=force,
        database=ctx.database,
    )
    for line in result.lines():
        ctx.echo(line)
    return result.exit_code


@main.command(help=N_("Write the master register workbook."))
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help=N_("Output file.")
)
@pass_ctx
@command
def register(ctx: Context, output: Path | None):
    from roundtrip.register.workbook import write_register

    path = write_register(ctx.workspace(), output, progress=ctx.progress, database=ctx.database)
    ctx.echo(_("Wrote {path}").format(path=path))


@main.command(help=N_("Write the council summary workbook for PERIOD."))
@click.argument("period")
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help=N_("Output file.")
)
@click.option("--pdf", is_flag=True, help=N_("Also render a PDF with LibreOffice."))
@pass_ctx
@command
def summary(ctx: Context, period: str, output: Path | None, pdf: bool):
    from roundtrip.summary.workbook import write_summary

    for path in write_summary(
        ctx.workspace(), period, output, pdf=pdf, progress=ctx.progress, database=ctx.database
    ):
        ctx.echo(_("Wrote {path}").format(path=path))


@main.command(
    help=N_("Write the public progress site for PERIOD: static HTML pages for residents.")
)
@click.argument("period")
@click.option(
    "-o",
    "--output",
    type=click.Path(file_okay=False, path_type=Path),
    help=N_("Output folder (default: reports/PERIOD/public)."),
)
@pass_ctx
@command
def publish(ctx: Context, period: str, output: Path | None):
    from roundtrip.publish.site import write_site

    folder = write_site(
        ctx.workspace(), period, output, progress=ctx.progress, database=ctx.database
    )
    ctx.echo(_("Wrote {path}").format(path=folder / "index.html"))


@main.command(help=N_("Run the whole cycle on the bundled Aura example."))
@click.argument("directory", required=False, type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--language",
    type=click.Choice(LANGUAGES),
    help=N_("Language of the demo programme: fi, sv or en (default: fi, as Aura's)."),
)
@pass_ctx
@command
def demo(ctx: Context, directory: Path | None, language: str | None):
    from roundtrip.demo.run import run_demo

    target = directory or Path("roundtrip-demo")
    for line in run_demo(target, echo=ctx.echo, progress=ctx.progress, language=language):
        ctx.echo(line)


if __name__ == "__main__":  # pragma: no cover
    main()
