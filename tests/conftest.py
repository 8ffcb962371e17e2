"""Fixtures shared by several test files."""

import os
import shutil

import pytest

# The console speaks English in tests unless a test says otherwise (tests/test_language.py
# removes this to see the programme's language); documents always follow the programme.
os.environ["ROUNDTRIP_LANG"] = "en"
# The workspace's own register unless a test names a shared one (a developer's setting must
# not move every test onto PostgreSQL).
os.environ.pop("ROUNDTRIP_DATABASE_URL", None)

from roundtrip.init import init_workspace
from roundtrip.workspace import Workspace


@pytest.fixture(autouse=True)
def _fresh_console_language():
    """No test inherits the console language an earlier one left behind."""
    from roundtrip.language.catalogue import reset_console_language

    reset_console_language()
    yield
    reset_console_language()


@pytest.fixture(scope="session")
def aura_base(tmp_path_factory):
    """A workspace made once from the bundled Aura example; copy it, never change it."""
    root = tmp_path_factory.mktemp("aura-base") / "aura"
    init_workspace(root, example="aura")
    return root


@pytest.fixture
def aura_ws(aura_base, tmp_path) -> Workspace:
    """A fresh copy of the Aura workspace for one test."""
    root = tmp_path / "aura"
    shutil.copytree(aura_base, root)
    return Workspace(root)


@pytest.fixture(scope="session")
def demo_base(tmp_path_factory):
    """A workspace after `roundtrip demo` (three quarters collected); copy it, never change it."""
    from click.testing import CliRunner

    from roundtrip.cli import main

    target = tmp_path_factory.mktemp("demo-base") / "demo"
    result = CliRunner().invoke(main, ["-q", "demo", str(target)])
    assert result.exit_code == 0, result.output
    return target


@pytest.fixture
def demo_ws(demo_base, tmp_path):
    """A fresh copy of the demo's workspace for one test (its folder)."""
    root = tmp_path / "demo"
    shutil.copytree(demo_base, root)
    return root


@pytest.fixture
def open_in_excel(monkeypatch):
    """open_in_excel(name): from now on, replacing a file called `name` fails as it does on
    Windows while Excel has the file open (PermissionError)."""
    import os

    real = os.replace
    names: set[str] = set()

    def replace(src, dst):
        if os.path.basename(dst) in names:
            raise PermissionError(13, "Permission denied", str(dst))
        return real(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    return names.add


# A real PostgreSQL for the shared register's tests (issue 25). CI starts one (.ci/run) and
# sets ROUNDTRIP_REQUIRE_POSTGRES=1, so there a missing server fails; elsewhere the tests
# skip with the line below. Each test gets a schema of its own, dropped afterwards.
POSTGRES_HOW = (
    "PostgreSQL tests skipped: set ROUNDTRIP_TEST_DATABASE_URL to an empty database you may "
    "create schemas in, e.g. postgresql+psycopg://$USER@/roundtrip_test?host=/var/run/postgresql "
    "(README, 'Tests on PostgreSQL')"
)


@pytest.fixture
def postgres_url():
    """The URL of a fresh schema of the test PostgreSQL (search_path set to it in the URL's
    libpq options), dropped afterwards."""
    import uuid
    from urllib.parse import quote

    url = os.environ.get("ROUNDTRIP_TEST_DATABASE_URL", "")
    if not url:
        if os.environ.get("ROUNDTRIP_REQUIRE_POSTGRES"):
            pytest.fail(POSTGRES_HOW.replace("skipped", "required"))
        pytest.skip(POSTGRES_HOW)
    from sqlalchemy import create_engine, text

    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield url + ("&" if "?" in url else "?") + "options=" + quote(f"-csearch_path={schema}")
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def postgres(postgres_url):
    """An SQLAlchemy engine on a fresh schema of the test PostgreSQL."""
    from sqlalchemy import create_engine

    engine = create_engine(postgres_url)
    try:
        yield engine
    finally:
        engine.dispose()
