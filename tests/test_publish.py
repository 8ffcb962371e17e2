"""roundtrip publish: the public progress site, from real generated, filled and collected returns.

The browser, the HTML checker and the accessibility check are in test_publish_browser.py.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import shutil
from pathlib import Path

import lxml.html
import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from roundtrip.cli import main
from roundtrip.collect.run import collect_period
from roundtrip.demo.fill import ActionAnswer, fill_return
from roundtrip.errors import UsageError
from roundtrip.init import init_workspace
from roundtrip.language import tr
from roundtrip.language.wording import default_statuses
from roundtrip.programme.bundled import with_version
from roundtrip.programme.workbook import load_programme, write_programme
from roundtrip.publish import charts
from roundtrip.publish.site import MARKER, page_name, write_site
from roundtrip.publish.words import WORDS
from roundtrip.returns.generate import generate_period
from roundtrip.workspace import Workspace

PERIOD = "2025Q3"
MADE = dt.datetime(2025, 10, 20, 14, 30)
SCRIPT = "<script>alert(1)</script>"
JS_LINK = "javascript:alert(1)"
SECRET = "Budjetti ylittyy, kysy lisää"
PROPOSAL = "Uusi ehdotus kuntalaisille NOT-PUBLIC"
REJECTED = "Hylätyn palautuksen kommentti NOT-PUBLIC"


def page_text(path: Path) -> str:
    """What a reader sees on a page: its text, entities decoded, spaces normalised."""
    tree = lxml.html.fromstring(path.read_bytes())
    return " ".join(tree.text_content().split())


def set_settings(ws: Workspace, **changes) -> None:
    p = load_programme(ws.programme_path)
    write_programme(
        dataclasses.replace(p, settings=dataclasses.replace(p.settings, **changes)),
        ws.programme_path,
    )


@pytest.fixture(scope="module")
def hostile_base(tmp_path_factory) -> Path:
    """Aura with 2025Q3 collected: YEP's return carries markup and a javascript: link in its
    comments and a proposal; HAL's return is rejected (a status past the dropdown)."""
    root = tmp_path_factory.mktemp("publish") / "aura"
    init_workspace(root, example="aura")
    ws = Workspace(root)
    generate_period(ws, PERIOD, now=dt.datetime(2025, 9, 30, 12, 0))
    programme = load_programme(ws.programme_path)
    inbox = ws.inbox(PERIOD)
    inbox.mkdir(parents=True, exist_ok=True)

    def outbox(dept: str) -> Path:
        [f] = [p for p in ws.outbox(PERIOD).glob("*.xlsx") if f"_{dept}_" in p.name]
        return f

    yep = [a.id for a in programme.actions_of("YEP")]
    comments = [SCRIPT, JS_LINK, SECRET, '"><img src=x onerror=alert(1)>']
    answers = {
        aid: ActionAnswer("Etenee suunnitellusti", 40, comments[i % len(comments)])
        for i, aid in enumerate(yep)
    }
    metrics = {
        m.id: ("Kyllä" if m.kind == "yesno" else SCRIPT if m.kind == "text" else 7)
        for a in programme.actions_of("YEP")
        for m in a.metrics
    }
    proposal = {"priority": "P1", "action": PROPOSAL, "comment": PROPOSAL}
    fill_return(outbox("YEP"), inbox / "YEP.xlsx", answers, metrics, proposals=[proposal])
    hal = {a.id: ActionAnswer("Hyvin menee", 10, REJECTED) for a in programme.actions_of("HAL")}
    fill_return(outbox("HAL"), inbox / "HAL.xlsx", hal, {})
    result = collect_period(ws, PERIOD, now=dt.datetime(2025, 10, 10, 9, 0, tzinfo=dt.UTC))
    verdicts = {f.name: f.verdict for f in result.files}
    assert verdicts["HAL.xlsx"] == "rejected" and verdicts["YEP.xlsx"] != "rejected", verdicts
    return root


@pytest.fixture
def hostile(hostile_base, tmp_path) -> Workspace:
    root = tmp_path / "aura"
    shutil.copytree(hostile_base, root)
    return Workspace(root)


def all_html(folder: Path) -> str:
    return "\n".join(p.read_text("utf-8") for p in sorted(folder.glob("*.html")))


def test_the_demo_site_has_every_page_and_every_active_action(demo_ws):
    ws = Workspace(demo_ws)
    folder = write_site(ws, PERIOD, made_at=MADE)
    assert folder == ws.reports(PERIOD) / "public"
    programme = load_programme(ws.programme_path)
    assert (folder / "index.html").is_file() and (folder / "style.css").is_file()
    index = page_text(folder / "index.html")
    assert programme.settings.name in index and PERIOD in index
    for pr in programme.priorities:
        assert pr.title in index
        page = page_text(folder / page_name("priority", pr.id))
        for a in programme.actions:
            if a.priority_id == pr.id and a.active:
                assert " ".join(a.text.split()) in page, a.id
                action = page_text(folder / page_name("action", a.id))
                assert " ".join(a.text.split()) in action
                assert "2025Q1" in action  # its history over the periods
    for a in programme.actions:
        if not a.active:
            assert not (folder / page_name("action", a.id)).exists()
    # the page says when it was made and from which returns
    assert "20.10.2025" in index
    assert re.search(r"\d+ toimialoilta kerättyyn raporttiin", index), index[-400:]
    # only local files: no other host, no script
    html = all_html(folder)
    assert "<script" not in html and "http://" not in html.replace(
        'xmlns="http://www.w3.org/2000/svg"', ""
    )
    assert "https://" not in html
    assert '<html lang="fi">' in html


def test_privacy_by_default_and_comments_only_when_the_programme_says_so(hostile):
    folder = write_site(hostile, PERIOD, made_at=MADE)
    html = all_html(folder)
    text = " ".join(page_text(p) for p in folder.glob("*.html"))
    assert SECRET not in text and "alert(1)" not in text
    assert "elinkeinopalvelut@aura.example" not in html and "Elinvoimajohtaja" not in text
    assert tr("fi", WORDS["privacy"]) in text
    assert PROPOSAL not in text and REJECTED not in text

    set_settings(hostile, publish_comments=True)
    folder = write_site(hostile, PERIOD, made_at=MADE)
    html = all_html(folder)
    text = " ".join(page_text(p) for p in folder.glob("*.html"))
    assert SECRET in text
    assert "elinkeinopalvelut@aura.example" in text and "Elinvoimajohtaja" in text
    assert tr("fi", WORDS["privacy"]) not in text
    # proposals and rejected returns never
    assert PROPOSAL not in text and REJECTED not in text


def test_any_text_from_a_return_shows_as_text(hostile):
    set_settings(hostile, publish_comments=True)
    folder = write_site(hostile, PERIOD, made_at=MADE)
    html = all_html(folder)
    text = " ".join(page_text(p) for p in folder.glob("*.html"))
    assert SCRIPT in text and JS_LINK in text  # shown, as text
    assert "<script" not in html and "<img" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    for tree in (lxml.html.fromstring(p.read_bytes()) for p in folder.glob("*.html")):
        for el in tree.iter():
            for name, value in el.attrib.items():
                assert not name.lower().startswith("on"), (name, value)
                assert "javascript:" not in value.lower(), (name, value)


def test_programme_text_is_escaped_too(hostile):
    p = load_programme(hostile.programme_path)
    first = p.priorities[0]
    hostile_title = "<b>Bold</b> & co"
    write_programme(
        dataclasses.replace(
            p, priorities=(dataclasses.replace(first, title=hostile_title), *p.priorities[1:])
        ),
        hostile.programme_path,
    )
    folder = write_site(hostile, PERIOD, made_at=MADE)
    assert "<b>" not in all_html(folder)
    assert hostile_title in page_text(folder / "index.html")


def test_only_a_colour_reaches_a_style_attribute(hostile):
    p = load_programme(hostile.programme_path)
    odd = dataclasses.replace(p.statuses[1], colour="red;background:url(http://x.example/a)")
    from roundtrip.publish.data import load_site
    from roundtrip.publish.site import render_site
    from roundtrip.register.db import connect

    programme = dataclasses.replace(p, statuses=(p.statuses[0], odd, *p.statuses[2:]))
    conn = connect(hostile.db_path)
    try:
        data = load_site(conn, programme, programme.settings.period(PERIOD), MADE)
    finally:
        conn.close()
    html = "".join(render_site(data, programme).values())
    assert "url(" not in html and "x.example" not in html


def test_a_new_site_replaces_the_old_one_whole_and_a_failure_leaves_it(hostile):
    folder = write_site(hostile, PERIOD, made_at=MADE)
    (folder / "left-over.html").write_text("old")
    before = (folder / "index.html").read_bytes()
    write_site(hostile, PERIOD, made_at=MADE + dt.timedelta(days=1))
    assert not (folder / "left-over.html").exists()  # replaced whole, not written over
    assert (folder / MARKER).is_file()
    before = (folder / "index.html").read_bytes()

    def failing(items, label, total):
        for i, item in enumerate(items):
            if i == 3:
                raise OSError(28, "No space left on device")
            yield item

    with pytest.raises(Exception, match="No space left on device"):
        write_site(hostile, PERIOD, progress=failing, made_at=MADE + dt.timedelta(days=2))
    assert (folder / "index.html").read_bytes() == before
    assert not [p for p in folder.parent.iterdir() if p.name.startswith(".publish")]  # none left


def test_a_folder_that_is_no_site_is_never_replaced(hostile, tmp_path):
    mine = tmp_path / "documents"
    mine.mkdir()
    (mine / "budget.xlsx").write_text("precious")
    with pytest.raises(UsageError):
        write_site(hostile, PERIOD, mine)
    assert (mine / "budget.xlsx").read_text() == "precious"
    empty = tmp_path / "empty"
    empty.mkdir()
    assert write_site(hostile, PERIOD, empty) == empty
    assert (empty / "index.html").is_file()


def test_cli(hostile, tmp_path):
    runner = CliRunner()
    out = tmp_path / "site"
    result = runner.invoke(main, ["-w", str(hostile.root), "publish", PERIOD, "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"Wrote {out / 'index.html'}"
    assert (out / "index.html").is_file()
    result = runner.invoke(main, ["-w", str(hostile.root), "publish", PERIOD])
    assert result.exit_code == 0, result.output
    assert (hostile.reports(PERIOD) / "public" / "index.html").is_file()


@pytest.mark.parametrize("period", ["2025H1", "2025Q9", "next quarter"])
def test_a_bad_period_is_one_clear_line(hostile, period):
    result = CliRunner().invoke(main, ["-w", str(hostile.root), "publish", period])
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.output
    assert not (hostile.reports(period) / "public").exists()


def test_a_folder_of_other_files_is_refused_with_one_line(hostile, tmp_path):
    (tmp_path / "x.txt").write_text("x")
    result = CliRunner().invoke(
        main, ["-w", str(hostile.root), "publish", PERIOD, "-o", str(tmp_path)]
    )
    assert result.exit_code == 2, result.output
    assert len(result.output.strip().splitlines()) == 1
    assert (tmp_path / "x.txt").read_text() == "x"


@pytest.mark.parametrize("language, words", [("sv", "Åtgärder"), ("en", "Actions")])
def test_in_the_programme_language(hostile, language, words):
    set_settings(hostile, language=language)
    folder = write_site(hostile, PERIOD, made_at=MADE)
    html = all_html(folder)
    assert f'<html lang="{language}">' in html
    assert words in page_text(folder / "priority-P1.html")
    index = page_text(folder / "index.html")
    assert tr(language, WORDS["status_title"]) in index
    assert ("Oct 20, 2025" if language == "en" else "20.10.2025") in index
    assert "Toimenpiteet" not in index


def test_a_period_without_returns_says_so(hostile):
    folder = write_site(hostile, "2025Q4", made_at=MADE)
    index = page_text(folder / "index.html")
    assert tr("fi", WORDS["no_returns"]).format(period="2025Q4") in index


def test_the_setting_round_trips_and_no_keeps_the_version(aura_ws):
    p = load_programme(aura_ws.programme_path)
    assert p.settings.publish_comments is False
    same = with_version(dataclasses.replace(p, version=""))
    assert same.version == p.version
    set_settings(aura_ws, publish_comments=True)
    q = load_programme(aura_ws.programme_path)
    assert q.settings.publish_comments is True
    assert q.version != p.version


def test_palette_and_status_colours_have_enough_contrast():
    for fg, bg in charts.TEXT_PAIRS:
        assert charts.contrast(charts.PALETTE[fg], charts.PALETTE[bg]) >= 4.5, (fg, bg)
    for fg, bg in charts.GRAPHIC_PAIRS:
        assert charts.contrast(charts.PALETTE[fg], charts.PALETTE[bg]) >= 3, (fg, bg)
    for status in default_statuses():
        background, text = charts.badge_colours(status["colour"])
        assert charts.contrast(background, text) >= 4.5, status["key"]


@given(st.integers(0, 0xFFFFFF))
def test_any_status_colour_gets_a_readable_badge(value):
    background, text = charts.badge_colours(f"#{value:06X}")
    assert charts.contrast(background, text) >= 4.5


def test_charts_escape_their_text_and_say_what_they_show():
    svg = charts.status_bar([charts.Segment("<b>x</b>", 2, "#63BE7B")], "c1", 'Chart "<&>"')
    assert "<b>" not in svg and "&lt;b&gt;x&lt;/b&gt;: 2" in svg
    assert 'role="img"' in svg and 'aria-labelledby="c1-t c1-d"' in svg
    line = charts.metric_chart(
        [("2025Q1", 1.0), ("2025Q2", None), ("2025Q3", 3.0)],
        "m",
        "<t>",
        "<d>",
        5.0,
        ["1", "–", "3 <kpl>"],
    )
    assert "<title" in line and "&lt;t&gt;" in line and "3 &lt;kpl&gt;" in line
    assert "stroke-dasharray" in line  # the target


def test_every_word_of_the_site_is_used():
    """WORDS holds the site's text for the catalogue: no entry that no page shows."""
    folder = Path(charts.__file__).parent
    used = (folder / "site.py").read_text("utf-8") + "".join(
        p.read_text("utf-8") for p in (folder / "templates").glob("*.j2")
    )
    flat = re.sub(r"\s+", "", used)
    for key in WORDS:
        assert f't("{key}"' in flat or f"t('{key}'" in flat or f'WORDS["{key}"]' in flat, key


def test_headings_in_order_one_h1_and_a_skip_link_on_every_page(demo_ws):
    folder = write_site(Workspace(demo_ws), PERIOD, made_at=MADE)
    for page in sorted(folder.glob("*.html")):
        tree = lxml.html.fromstring(page.read_bytes())
        levels = [int(h.tag[1]) for h in tree.iter("h1", "h2", "h3", "h4", "h5", "h6")]
        assert levels[0] == 1 and levels.count(1) == 1, page.name
        assert all(b <= a + 1 for a, b in zip(levels, levels[1:], strict=False)), page.name
        skip = tree.xpath("//body/a[1]")[0]
        assert skip.get("href") == "#main" and tree.get_element_by_id("main").tag == "main"
        for svg in tree.iter("svg"):
            assert svg.get("role") == "img"
            title, desc = svg.get("aria-labelledby").split()
            assert tree.get_element_by_id(title).text_content().strip()
            assert tree.get_element_by_id(desc).text_content().strip()
