import os
import shutil
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / "seeds" / "site"

# a PostgreSQL server for the tests: `make test` starts one (scripts/postgres-test.sh) and
# sets this; without it the PostgreSQL variants are skipped
POSTGRES_URL = os.environ.get("MONITOR_TEST_POSTGRES_URL")
NO_POSTGRES = ("MONITOR_TEST_POSTGRES_URL is not set: run `make test`, which starts a "
               "PostgreSQL server from Debian's packages and sets it")


def new_postgres_database():
    """A fresh, empty database on the test server: (its URL, a function that drops it)."""
    name = f"monitor_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))

    def drop():
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    url = make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    return url, drop


@pytest.fixture
def postgres_url():
    """The URL of a fresh PostgreSQL database, dropped after the test."""
    if not POSTGRES_URL:
        pytest.skip(NO_POSTGRES)
    url, drop = new_postgres_database()
    yield url
    drop()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    """An empty database on each backend the monitor supports."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'monitor.db'}"
        return
    if not POSTGRES_URL:
        pytest.skip(NO_POSTGRES)
    url, drop = new_postgres_database()
    yield url
    drop()


# Debian's Chromium (`make test` installs it) for the tests of pages in a browser
BROWSER = os.environ.get("MONITOR_BROWSER") or shutil.which("chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=BROWSER, args=ARGS)
        try:
            yield chromium
        finally:
            chromium.close()
