"""The public progress site: `roundtrip publish PERIOD [-o DIR]`.

A static, self-contained folder (default reports/PERIOD/public/): index.html (the programme,
the period and the status of every priority area), one page per priority area (its actions,
their status, progress and metrics) and one per action (its history over the periods), with
a local style.css. Plain HTML and CSS with the charts as inline SVG made here: no script, no
font or file from any other host. Rendered with Jinja2, autoescape on: every text from the
programme or a return is escaped. Every word is the programme's language's.

The site is built in a temporary folder beside the target, then put in its place: a failure
leaves the previous site as it was. A folder is replaced only when it is empty or a site
this command made (it holds MARKER).
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import sqlite3
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from roundtrip.errors import UsageError
from roundtrip.language import (
    N_,
    _,
    format_date,
    format_datetime,
    format_number,
    format_percent,
    tr,
)
from roundtrip.programme.model import Programme
from roundtrip.programme.targets import target_number
from roundtrip.progress import Progress, no_progress
from roundtrip.publish import charts
from roundtrip.publish.data import NOT_ANSWERED, ActionView, MetricView, SiteData, load_site
from roundtrip.publish.words import WORDS, done_of, from_returns
from roundtrip.register import shared
from roundtrip.register.db import register_error
from roundtrip.register.programmes import agree
from roundtrip.workspace import Workspace, cannot_write

TEMPLATES = Path(__file__).parent / "templates"
MARKER = ".roundtrip-site"  # in every folder this command writes: safe to replace
PROGRESS_LABEL = N_("Writing the public site")  # translated where shown (the CLI)
EMAIL = re.compile(r"^[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}$")


def page_name(kind: str, ident: str) -> str:
    """The file of a priority area's or an action's page: `action-P1-03.html`. Ids are
    letters, digits and - _ . (programme.names.ID_PATTERN); anything else becomes "_"."""
    return f"{kind}-{re.sub(r'[^A-Za-z0-9_.-]', '_', ident)}.html"


def write_site(
    ws: Workspace,
    period: str,
    output: Path | None = None,
    progress: Progress[tuple[str, str]] | None = None,
    *,
    made_at: dt.datetime | None = None,
    database: str | None = None,
) -> Path:
    """Write the site for `period` into `output` (default reports/PERIOD/public/); its folder.
    `database`: a shared register's URL, read instead of the workspace's roundtrip.db."""
    from roundtrip.programme.workbook import load_programme

    if database:  # (the programme in force: the shared register's)
        agree(ws, database)
    programme = load_programme(ws.programme_path, ws.cache_dir)
    per = programme.settings.period(period)
    target = Path(output) if output else ws.reports(per) / "public"
    _check_target(target)
    with shared.reported(database, storing=False):
        conn = shared.opened(ws.db_path, database)
    try:
        language = programme.settings.language
        with shared.reported(database, storing=False):
            data = load_site(conn, programme, per, made_at, tr(language, WORDS["not_answered"]))
    except sqlite3.Error as exc:
        raise register_error(ws.db_path, exc) from exc
    finally:
        conn.close()
    pages = render_site(data, programme)
    steps = (progress or no_progress)(pages.items(), PROGRESS_LABEL, len(pages))
    try:
        _write_folder(target, steps)
    except OSError as exc:
        raise cannot_write(target, exc) from exc
    return target


def _check_target(target: Path) -> None:
    """Refuse a target that is a file, or a folder with other things than a previous site."""
    if target.exists() and not target.is_dir():
        raise UsageError(_("{path} is a file, not a folder").format(path=target))
    if target.is_dir() and any(target.iterdir()) and not (target / MARKER).is_file():
        raise UsageError(
            _(
                "{path} is not empty and not a site made by roundtrip publish: choose another "
                "folder with -o"
            ).format(path=target)
        )


def _write_folder(target: Path, files: Iterable[tuple[str, str]]) -> None:
    """Write `files` (name -> text) into a new folder beside `target`, then put it in
    target's place (the old one removed only once the new one is whole)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    build = Path(tempfile.mkdtemp(prefix=".publish-", dir=target.parent))
    old: Path | None = None
    try:
        for name, text in files:
            (build / name).write_text(text, encoding="utf-8", newline="\n")
        (build / MARKER).write_text("roundtrip publish\n", encoding="utf-8")
        os.chmod(build, 0o755 & ~_umask())
        if target.exists():
            old = Path(tempfile.mkdtemp(prefix=".publish-old-", dir=target.parent))
            os.replace(target, old / "site")
        try:
            os.replace(build, target)
        except OSError:
            if old is not None:
                os.replace(old / "site", target)  # the previous site back in its place
            raise
    finally:
        shutil.rmtree(build, ignore_errors=True)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# ----------------------------------------------------------------------------- rendering


def environment() -> jinja2.Environment:
    """Jinja2 over the package's templates, autoescape on for every template."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def render_site(data: SiteData, programme: Programme) -> dict[str, str]:
    """Every file of the site: name -> its text."""
    env = environment()
    lang = data.language
    helpers = Helpers(data)
    common: dict[str, Any] = {
        "site": data,
        "lang": lang,
        "t": helpers.t,
        "h": helpers,
        "page_name": page_name,
        "NOT_ANSWERED": NOT_ANSWERED,
    }
    files: dict[str, str] = {}
    files["style.css"] = env.get_template("style.css.j2").render(p=charts.PALETTE)
    files["index.html"] = env.get_template("index.html.j2").render(common, page="index.html")
    priority = env.get_template("priority.html.j2")
    action = env.get_template("action.html.j2")
    for pr in data.priorities:
        name = page_name("priority", pr.id)
        files[name] = priority.render(common, page=name, priority=pr)
        for a in pr.actions:
            aname = page_name("action", a.id)
            files[aname] = action.render(common, page=aname, priority=pr, action=a)
    return files


class Helpers:
    """What the templates ask: words in the programme's language, formatted figures, charts."""

    def __init__(self, data: SiteData) -> None:
        self.data = data
        self.lang = data.language
        self.badges = {s.key: charts.badge_colours(s.colour) for s in data.statuses}

    def t(self, key: str, **values: Any) -> str:
        text = tr(self.lang, WORDS[key])
        return text.format(**values) if values else text

    def done_of(self, done: int, n: int) -> str:
        return done_of(self.lang, done, n)

    def from_returns(self) -> str:
        return from_returns(self.lang, self.data.returns, self.date(self.data.latest_collected))

    def mailto(self, address: str) -> bool:
        """Whether `address` may be a mailto: link (a plain e-mail address, nothing else)."""
        return bool(EMAIL.match(address))

    def date(self, value: dt.date | str | None) -> str:
        return format_date(value, self.lang)

    def moment(self, value: dt.datetime) -> str:
        return format_datetime(value, self.lang)

    def percent(self, progress: int | None) -> str:
        return format_percent(progress / 100, self.lang) if progress is not None else "–"

    def label(self, key: str) -> str:
        return self.data.status(key).label

    def colour(self, key: str) -> str:
        """A status's colour as #RRGGBB, whatever programme.xlsx holds (nothing else ever
        reaches a style attribute)."""
        return charts.hex_colour(*charts.rgb(self.data.status(key).colour))

    def badge_style(self, key: str) -> str:
        background, text = self.badges.get(key, self.badges[NOT_ANSWERED])
        return f"background-color:{background};color:{text};border-color:{self.colour(key)}"

    def done_count(self, actions: tuple[ActionView, ...]) -> int:
        done = {s.key for s in self.data.statuses if s.done}
        return sum(1 for a in actions if a.status_key in done)

    def value(self, metric: MetricView, value: float | str | None) -> str:
        """A metric value as a resident reads it: 1 234,5 kpl, 75 %, yes; "–" for none."""
        if value is None:
            return "–"
        if isinstance(value, str):
            return value
        if metric.kind == "yesno":
            return self.t("yes") if value else self.t("no")
        return self.with_unit(format_number(round(value, 2), self.lang), metric.unit)

    def target(self, metric: MetricView) -> str:
        """The target that applies now, with its unit and year or period."""
        if metric.target_now is None:
            return ""
        value, when = metric.target_now
        shown = self.with_unit(value, metric.unit) if target_number(value) is not None else value
        if metric.kind == "yesno":
            shown = value
        return f"{shown} ({when})" if when else shown

    def with_unit(self, number: str, unit: str) -> str:
        if not unit:
            return number
        if unit == "%" and self.lang == "en":
            return number + unit
        return number + ("\u00a0" if self.lang in ("fi", "sv") else " ") + unit

    def status_chart(self, actions: tuple[ActionView, ...], ident: str) -> Markup:
        segments = [
            charts.Segment(s.label, sum(1 for a in actions if a.status_key == s.key), s.colour)
            for s in self.data.statuses
        ]
        title = self.t("chart_status", n=len(actions))
        return Markup(charts.status_bar(segments, ident, title))

    def metric_chart(self, metric: MetricView, ident: str) -> Markup | str:
        """The metric's values by period as a small chart ("" for a text metric or one with
        no value yet)."""
        if metric.kind in ("text", "yesno"):
            return ""
        points = [(q, v if isinstance(v, float | int) else None) for q, v in metric.values]
        if all(v is None for _q, v in points):
            return ""
        shown = [self.value(metric, v) for _q, v in metric.values]
        desc = self.t(
            "chart_metric_desc",
            first=points[0][0],
            last=points[-1][0],
            values=", ".join(f"{q} {s}" for (q, _v), s in zip(points, shown, strict=True)),
        )
        goal = None
        if metric.target_now and metric.kind != "yesno":
            goal = target_number(metric.target_now[0])
            if goal is not None:
                desc += " " + self.t("chart_target", target=self.target(metric))
        title = self.t("chart_metric", metric=metric.name)
        return Markup(charts.metric_chart(points, ident, title, desc, goal, shown))
