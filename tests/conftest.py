"""Shared fixtures: a fresh database per test, the app, a WebTest client, a CLI runner.

Every test that uses `config` (so also `store`, `app`, `client`, `save` and `cli`) runs twice:
on SQLite, in a temp file, and on PostgreSQL, in a schema of its own on the server
named by PROMPT_STORE_TEST_POSTGRES_URL (`.ci/postgres start DIR` starts one).
Mark a test or module `sqlite_only` when it is about SQLite's files or pragmas.

Two tiers: `pytest` runs the fast one (unit, WebTest API, a few gunicorn tests);
`pytest -m slow` runs the reliability, replication, browser and complexity tests, which
are marked here by where they live and what they are named, so a new test there is slow
without saying so. Naming files or a `-m` runs what is named, in either tier.
"""

from __future__ import annotations

import os
import uuid
from collections import Counter
from pathlib import Path

import pytest
import webtest
from click.testing import CliRunner

from api.app import create_app
from api.config import Config
from api.http import logs
from api.store import Store
from jobs.cli import main

ADMIN_TOKEN = "test-admin-token-0123456789"
POSTGRES_URL_VARIABLE = "PROMPT_STORE_TEST_POSTGRES_URL"
TESTS = Path(__file__).parent


def pytest_terminal_summary(terminalreporter):
    """Skipped tests counted by reason: one line each, not one per test."""
    skipped = terminalreporter.stats.get("skipped", [])
    reasons = Counter(
        report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        for report in skipped
    )
    if reasons:
        terminalreporter.section("skipped, by reason")
        for reason, count in reasons.most_common():
            terminalreporter.write_line(f"{count:5d}  {reason}")


SLOW_FOLDERS = ("reliability", "replication", "browser")
SLOW_WORDS = ("complexity",)


def is_slow(item: pytest.Item) -> bool:
    """A test of a slow folder, or one whose file or name says it proves a complexity."""
    parts = item.path.relative_to(TESTS).parts
    named = f"{item.path.stem} {item.name}"
    return parts[0] in SLOW_FOLDERS or any(word in named for word in SLOW_WORDS)


def fast_tier_only(config) -> bool:
    """A bare `pytest`: no paths named, no -m given."""
    default_paths = config.args_source == pytest.Config.ArgsSource.TESTPATHS
    return default_paths and not config.option.markexpr


def pytest_ignore_collect(collection_path, config):
    """The fast tier does not even import the slow folders (Playwright, schemathesis)."""
    if fast_tier_only(config) and collection_path.parent == TESTS:
        return collection_path.name in SLOW_FOLDERS or None
    return None


def pytest_collection_modifyitems(config, items):
    """Mark the slow tier; a bare `pytest` leaves it out."""
    for item in items:
        if is_slow(item):
            item.add_marker(pytest.mark.slow)
    if fast_tier_only(config):
        slow = [item for item in items if item.get_closest_marker("slow")]
        if slow:
            config.hook.pytest_deselected(items=slow)
            items[:] = [item for item in items if not item.get_closest_marker("slow")]


def pytest_generate_tests(metafunc):
    if "backend" in metafunc.fixturenames:
        sqlite_only = metafunc.definition.get_closest_marker("sqlite_only") is not None
        backends = ["sqlite"] if sqlite_only else ["sqlite", "postgres"]
        metafunc.parametrize("backend", backends, indirect=True)


@pytest.fixture(autouse=True)
def isolated_environment(tmp_path, monkeypatch):
    """No test reads the developer's settings or touches ~/.struckdown."""
    for name in list(os.environ):
        if name.startswith("STRUCKDOWN_") or name == "DATABASE_URL":
            monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    yield
    logs.flush()  # a test's request lines land in its own captured output


@pytest.fixture(scope="session")
def postgres_server():
    """A connection to the test PostgreSQL server; skip without one, but fail in CI."""
    url = os.environ.get(POSTGRES_URL_VARIABLE)
    problem = None
    if not url:
        problem = f"{POSTGRES_URL_VARIABLE} is not set (docs/operating.md: Scaling out)"
    else:
        try:
            import psycopg2

            admin = psycopg2.connect(url, connect_timeout=5)
            admin.autocommit = True
        except Exception as error:  # no driver, no server, bad URL: all mean "cannot test"
            problem = f"no PostgreSQL server at {url}: {str(error).strip()}"
    if problem:
        if os.environ.get("CI"):
            pytest.fail(f"{problem}; CI must run the PostgreSQL tests", pytrace=False)
        pytest.skip(f"PostgreSQL tests need a server: {problem}")
    yield url, admin
    admin.close()


@pytest.fixture
def new_postgres_url(postgres_server):
    """Make URLs of fresh, empty databases: each a schema of its own, dropped afterwards."""
    url, admin = postgres_server
    schemas = []

    def new_postgres_url() -> str:
        schema = f"test_{uuid.uuid4().hex[:16]}"
        with admin.cursor() as cursor:
            cursor.execute(f"CREATE SCHEMA {schema}")
        schemas.append(schema)
        # The URL reaches the store as DATABASE_URL would: libpq's `options` puts
        # every connection, including pg_dump's, in the schema.
        return f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}"

    yield new_postgres_url
    with admin.cursor() as cursor:
        cursor.execute("SET lock_timeout = '10s'")
        for schema in schemas:
            cursor.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture
def backend(request) -> str:
    """'sqlite' or 'postgres': the database this run of the test uses."""
    return request.param


@pytest.fixture
def db_path(tmp_path):
    return tmp_path / "data" / "prompts.db"


@pytest.fixture
def database_url(backend, request) -> str | None:
    """The test's PostgreSQL database (a fresh schema), or None on SQLite."""
    return request.getfixturevalue("new_postgres_url")() if backend == "postgres" else None


@pytest.fixture
def make_config(backend, db_path, database_url, request):
    """Build a config on the test's database, or a `fresh` other one; keywords override."""

    def make_config(fresh: bool = False, **overrides) -> Config:
        path, url = db_path, database_url
        if fresh:
            path = db_path.with_name(f"other-{uuid.uuid4().hex[:8]}.db")
            url = request.getfixturevalue("new_postgres_url")() if url else None
        settings = {"db_path": path, "database_url": url, "save_rate_limit": None}
        return Config(**{**settings, "admin_token": ADMIN_TOKEN, **overrides})

    return make_config


@pytest.fixture
def config(make_config):
    """The test's database: a temp file (not :memory:, which vanishes with its
    connection), or a fresh PostgreSQL schema."""
    return make_config()


@pytest.fixture
def store(config):
    """The test's Store: the one `app` serves and `cli` works on, so tests see each other's rows."""
    store = Store(config)
    yield store
    store.close()


@pytest.fixture
def app(config, store):
    return create_app(config, store=store)


@pytest.fixture
def client(app):
    return webtest.TestApp(app)


@pytest.fixture
def admin_headers():
    return {"Authorization": f"Bearer {ADMIN_TOKEN}"}


@pytest.fixture
def runner():
    return CliRunner()


@pytest.fixture
def cli(runner, config):
    """Run `prompt-store` on the test's database (or `on=` another config).

    The database exists, as a deployed one does after its release phase (init-db);
    tests of a missing database invoke `main` themselves.
    """

    def cli(*args, input=None, on: Config | None = None):
        target = on or config
        deployed = Store(target)
        if args[:1] != ("init-db",) and not deployed.dialect.exists():
            deployed.migrate()
            deployed.close()
        if target.database_url:
            env = {"DATABASE_URL": target.database_url}
            return runner.invoke(main, list(args), input=input, env=env)
        return runner.invoke(main, ["--db", str(target.db_path), *args], input=input)

    return cli


@pytest.fixture
def save(client):
    """Save through the API and return the response body."""

    def save(text, parent_id=None, status=201):
        body = {"text": text} if parent_id is None else {"text": text, "parent_id": parent_id}
        return client.post_json("/api/prompts", body, status=status).json

    return save


@pytest.fixture(scope="session")
def s3(tmp_path_factory):
    """A real S3 API for the replication tests: moto_server on 127.0.0.1 (the `test` extra)."""
    from bench.replicas import MotoS3

    server = MotoS3(tmp_path_factory.mktemp("s3")).start()
    yield server
    server.stop()
