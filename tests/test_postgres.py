"""PostgreSQL's own behaviour: what the shared tests cannot see from SQLite's side.

Races settled by the database (duplicate saves, the rate limit, migrations),
purge's rewrite of the table files, the SQLite-to-PostgreSQL move, pg_dump
backups and lost connections. These run only where a server is available
(see conftest.py), like every [postgres] run of the shared tests.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg2
import pytest
import webtest

from api.app import create_app
from api.config import Config
from api.store import SCHEMA_VERSION, PromptRemoved, Store, default_store, save_prompt
from api.store.schema import PROMPT_COLUMNS
from bench.servers import ROOT, Gunicorn, wait_for
from jobs.cli import main
from tests.postgres_files import holding, relation_files


@pytest.fixture
def url(new_postgres_url) -> str:
    return new_postgres_url()


@pytest.fixture
def pg_config(url, db_path) -> Config:
    return Config(db_path=db_path, database_url=url, save_rate_limit=None)


@pytest.fixture
def store(pg_config):
    """This module's tests run on PostgreSQL only: the store, on the test's schema."""
    store = Store(pg_config)
    yield store
    store.close()


@pytest.fixture
def pg_cli(runner, url):
    def pg_cli(*args, input=None):
        return runner.invoke(main, list(args), input=input, env={"DATABASE_URL": url})

    return pg_cli


def _raw(url):
    """A connection of our own, in the test's schema, beside the store's."""
    return psycopg2.connect(url)


def _waiting_on_a_lock(connection) -> bool:
    """Whether another connection of this database is waiting for a lock."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0] > 0


# -- Selecting the backend ---------------------------------------------------------


def test_database_url_in_the_environment_selects_postgresql(monkeypatch, url, db_path):
    monkeypatch.setenv("DATABASE_URL", url.replace("postgresql://", "postgres://", 1))
    monkeypatch.setenv("STRUCKDOWN_PROMPT_DB", str(db_path))
    default_store.cache_clear()
    try:
        prompt_id, created = save_prompt("Stored on PostgreSQL")  # scripts' functions
        assert default_store().dialect.name == "postgres"
    finally:
        default_store().close()
        default_store.cache_clear()
    assert created and not db_path.exists()
    with _raw(url) as raw, raw.cursor() as cursor:
        cursor.execute("SELECT text FROM prompts WHERE id = %s", (prompt_id,))
        assert cursor.fetchone() == ("Stored on PostgreSQL",)


def test_the_schema_has_the_models_columns_and_the_unique_indexes(store, url):
    store.healthcheck()
    with _raw(url) as raw, raw.cursor() as cursor:
        cursor.execute(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = current_schema()"
        )
        columns = dict(cursor.fetchall())
        cursor.execute("SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()")
        indexes = {row[0] for row in cursor.fetchall()}
    assert set(PROMPT_COLUMNS) <= set(columns)
    assert columns["tat"] == "double precision"  # not SQLite's REAL: 4 bytes are too few
    assert {"prompts_root_sha256", "prompts_parent_sha256", "prompts_created_at"} <= indexes


def test_history_is_one_recursive_query(store):
    ids = [store.prompts.save("v0")[0].id]
    for i in range(1, 200):
        ids.append(store.prompts.save(f"v{i}", ids[-1])[0].id)
    statements = []
    store.database.peewee.query_hooks.append(lambda event: statements.append(event.sql))
    try:
        history = store.prompts.history(ids[-1])
    finally:
        store.database.peewee.query_hooks.clear()
    assert [h.id for h in history] == ids[-2::-1]
    assert len(statements) == 1 and "WITH RECURSIVE" in statements[0]


# -- Races the database settles ------------------------------------------------------


def test_a_concurrent_duplicate_save_is_an_idempotent_hit_not_an_error(store, url):
    # Another worker has inserted the same root text and not yet committed: our
    # read cannot see it, so our insert meets it in the unique index and waits.
    store.healthcheck()
    text = "saved twice at once"
    other_id = str(uuid.uuid4())
    other = _raw(url)
    with other.cursor() as cursor:
        cursor.execute(
            "INSERT INTO prompts (id, parent_id, text, sha256, created_at) "
            "VALUES (%s, NULL, %s, %s, '2026-01-01T00:00:00.000000+00:00')",
            (other_id, text, hashlib.sha256(text.encode()).hexdigest()),
        )
    results = []
    saver = threading.Thread(target=lambda: results.append(store.prompts.save(text)))
    saver.start()
    # The save waits for the other insert to commit: its connection is seen waiting on
    # a lock (polled for, however slowly this machine runs the thread).
    watcher = _raw(url)
    watcher.autocommit = True
    try:
        wait_for(lambda: _waiting_on_a_lock(watcher) or not saver.is_alive(), 30, "no wait")
        assert saver.is_alive(), "the save should wait for the other insert to commit"
    finally:
        watcher.close()
    other.commit()
    other.close()
    saver.join(10)
    assert [(version.id, created) for version, created in results] == [(other_id, False)]
    assert store.prompts.count() == 1


def test_concurrent_identical_saves_through_gunicorn_make_one_row(store, url, tmp_path):
    with Gunicorn(tmp_path / "unused.db", workers=3, DATABASE_URL=url) as server:
        root = json.loads(server.request("POST", "/api/prompts", {"text": "root"})[2])["id"]

        def save(_):
            return server.request("POST", "/api/prompts", {"text": "edit", "parent_id": root})

        with ThreadPoolExecutor(12) as pool:
            answers = list(pool.map(save, range(48)))
    statuses = sorted(status for status, _, _ in answers)
    assert statuses.count(201) == 1 and statuses.count(200) == 47, statuses
    assert len({json.loads(body)["id"] for _, _, body in answers}) == 1
    assert store.prompts.count() == 2


def test_the_rate_limit_admits_exactly_the_burst_under_concurrency(store):
    start, admitted = threading.Barrier(16), []

    def take(_):
        start.wait()
        try:
            return store.rate_limits.take("client", 5, 3600, 1_000_000.0)
        finally:
            store.close()

    with ThreadPoolExecutor(16) as pool:
        admitted = [wait == 0 for wait in pool.map(take, range(16))]
    assert sum(admitted) == 5
    assert store.rate_limits.take("client", 5, 3600, 1_000_000.0) == pytest.approx(720.0)


def test_the_rate_limit_is_shared_by_workers_of_separate_containers(url, tmp_path):
    # Two gunicorn masters stand for two hosts; both count in the same database.
    settings = dict(DATABASE_URL=url, STRUCKDOWN_SAVE_RATE_LIMIT="6/hour")
    with Gunicorn(tmp_path / "a.db", **settings) as a, Gunicorn(tmp_path / "b.db", **settings) as b:

        def save(n):
            server = (a, b)[n % 2]
            return server.request("POST", "/api/prompts", {"text": f"save {n}"})[0]

        with ThreadPoolExecutor(8) as pool:
            statuses = list(pool.map(save, range(20)))
    assert statuses.count(201) == 6 and statuses.count(429) == 14


def test_init_db_run_by_two_releases_at_once_migrates_once(url):
    env = {"DATABASE_URL": url, "PATH": str(Path(sys.executable).parent)}
    runs = [
        subprocess.Popen(
            [sys.executable, "-m", "jobs", "init-db"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for _ in range(3)
    ]
    outputs = [run.communicate(timeout=60)[0] for run in runs]
    assert [run.returncode for run in runs] == [0, 0, 0], outputs
    assert sum("migrated from version 0" in output for output in outputs) == 1
    with _raw(url) as raw, raw.cursor() as cursor:
        cursor.execute("SELECT version FROM schema_migrations ORDER BY version")
        assert [row[0] for row in cursor.fetchall()] == list(range(1, SCHEMA_VERSION + 1))


# -- Purge ---------------------------------------------------------------------------


def test_purge_leaves_the_text_in_no_table_file(store, url, pg_cli):
    secret = f"Use this key: sk-live-{uuid.uuid4().hex} and never share it."
    needles = [secret.encode(), hashlib.sha256(secret.encode()).hexdigest().encode()]
    for i in range(30):
        store.prompts.save(f"unrelated {i} " + "u" * 300)
    root = store.prompts.save("Summarise {{ text }}")[0].id
    secret_id = store.prompts.save(secret, root)[0].id
    child = store.prompts.save("Summarise {{ text }} politely", secret_id)[0].id
    store.database.peewee.execute_sql("ANALYZE prompts")  # statistics sample the text too
    files, _ = relation_files(url)
    assert all(holding(files, needle) for needle in needles)

    result = pg_cli("purge", secret_id, "--yes")
    assert result.exit_code == 0, result.output
    assert "VACUUM removed its old row version" in result.output
    files, everything = relation_files(url)
    for needle in needles:
        assert holding(everything, needle) == []
    assert holding(files, b"Summarise {{ text }} politely")  # the rest is still there
    assert store.prompts.get(child).text == "Summarise {{ text }} politely"
    with pytest.raises(PromptRemoved):
        store.prompts.get(secret_id)


# -- Moving from SQLite ----------------------------------------------------------------


def test_export_from_sqlite_then_import_reproduces_every_prompt(runner, url, tmp_path):
    sqlite_db = tmp_path / "old" / "prompts.db"
    store = Store(Config(db_path=sqlite_db))
    root = store.prompts.save("Root {{ x }}\n")[0].id
    a = store.prompts.save('Version a — ünïcödé, emoji 🧪, tabs\t and "quotes"', root)[0].id
    b = store.prompts.save("Version b\r\nwith CRLF and trailing spaces   ", a)[0].id
    store.prompts.save("Sibling of a", root)
    secret = store.prompts.save("a secret", b)[0].id
    store.prompts.save("descendant of the secret", secret)
    store.prompts.store(
        str(uuid.uuid4()), "x" * 150_000, created_at="2020-02-29T23:59:59.999999+00:00"
    )
    store.takedowns.purge([secret])
    store.legacy.add("0123456789abcdef01234567", a)
    before = {row.id: row for row in store.maintenance.export()}
    store.close()

    dump = tmp_path / "all.jsonl"
    exported = runner.invoke(main, ["--db", str(sqlite_db), "export", "-o", str(dump)])
    assert exported.exit_code == 0, exported.output
    imported = runner.invoke(main, ["import", str(dump)], env={"DATABASE_URL": url})
    assert imported.exit_code == 0, imported.output
    assert f"Imported {len(before)} prompts (0 already present)." in imported.output

    store = Store(Config(database_url=url))
    after = {row.id: row for row in store.maintenance.export()}
    assert after == before  # every id, parent, text, timestamp, tombstone and alias
    for prompt_id, row in before.items():
        if row.removed_at is None:
            stored = store.prompts.get(prompt_id)
            assert (stored.text, stored.parent_id, stored.created_at) == (
                row.text,
                row.parent_id,
                row.created_at,
            )
    assert store.legacy.resolve("0123456789abcdef01234567") == a
    again = runner.invoke(main, ["export"], env={"DATABASE_URL": url})
    assert again.stdout == dump.read_text(encoding="utf-8")
    assert runner.invoke(main, ["check"], env={"DATABASE_URL": url}).exit_code == 0
    store.close()


# -- Backups -----------------------------------------------------------------------------


needs_pg_dump = pytest.mark.skipif(
    not (shutil.which("pg_dump") and shutil.which("pg_restore")),
    reason="pg_dump and pg_restore are not installed (apt-get install postgresql-client)",
)


@needs_pg_dump
def test_backup_uses_pg_dump_and_stats_report_it(store, pg_cli):
    store.prompts.save("backed up")
    result = pg_cli("backup", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    path = Path(report["path"])
    # Beside where the SQLite file would be: on dokku, the volume mounted for it.
    assert path.parent == Path(os.environ["HOME"]) / ".struckdown" / "backups"
    assert path.name.startswith("prompts-") and path.suffix == ".dump"
    assert report["prompts"] == 1 and path.stat().st_mode & 0o777 == 0o600
    listing = subprocess.run(["pg_restore", "--list", str(path)], capture_output=True, text=True)
    assert "TABLE DATA" in listing.stdout and " prompts " in listing.stdout
    stats = json.loads(pg_cli("stats", "--json").output)
    assert stats["newest_backup"]["path"] == str(path)


@needs_pg_dump
def test_a_takedown_during_pg_dump_is_not_published_in_the_backup(store, tmp_path, monkeypatch):
    secret = store.prompts.save("purged while pg_dump ran 5c1e")[0].id
    real_run, dumps = store.backups._run, []

    def purge_during_the_first_dump(*command):
        done = real_run(*command)
        if "--format=custom" in command:
            dumps.append(command)
            if len(dumps) == 1:  # as if it committed after pg_dump took its snapshot
                store.takedowns.purge([secret])
        return done

    monkeypatch.setattr(store.backups, "_run", purge_during_the_first_dump)
    path, _ = store.backups.write(tmp_path)
    assert len(dumps) == 2  # dumped again, after the takedown
    listing = subprocess.run(
        ["pg_restore", "--data-only", "--file=-", str(path)], capture_output=True, text=True
    )
    assert listing.returncode == 0 and secret in listing.stdout
    assert "purged while pg_dump ran 5c1e" not in listing.stdout


def test_stats_and_pruning_on_postgresql_ignore_sqlite_backups_beside_them(store, pg_cli):
    store.prompts.save("backed up")
    taken = Path(json.loads(pg_cli("backup", "--json").output)["path"])
    dump = taken.rename(taken.with_name("prompts-20260101T000000Z.dump"))  # an older one
    # A copy of an earlier SQLite store in the same directory, named as if newer.
    sqlite_copy = dump.parent / "prompts-29990101T000000Z.db"
    sqlite_copy.write_bytes(b"SQLite format 3\x00")
    stats = json.loads(pg_cli("stats", "--json").output)
    assert stats["newest_backup"]["path"] == str(dump)
    assert str(dump) in pg_cli("stats").output
    pruned = json.loads(pg_cli("backup", "--keep", "1", "--json").output)["pruned"]
    assert pruned == [str(dump)] and sqlite_copy.exists()


def test_backup_without_pg_dump_points_at_the_databases_tooling_and_export(pg_cli, monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    result = pg_cli("backup")
    assert result.exit_code == 1
    assert "pg_dump is not installed here" in result.output
    assert "prompt-store export" in result.output and "Traceback" not in result.output


def test_restore_says_how_with_the_databases_tooling_and_what_to_purge_again(
    store, pg_cli, tmp_path
):
    removed = store.prompts.save("taken down")[0].id
    store.takedowns.purge([removed])
    backup = tmp_path / "prompts-20260101T000000Z.dump"
    backup.write_bytes(b"PGDMP")
    result = pg_cli("restore", str(backup), "--yes")
    assert result.exit_code == 1
    assert "pg_restore" in result.output and "prompt-store import" in result.output
    assert f"prompt-store purge {removed} --yes" in result.output
    assert "The live database is untouched." in result.output


# -- Connections and checks ------------------------------------------------------------------


def test_a_dropped_connection_is_replaced_on_the_next_request(store, url, pg_config):
    client = webtest.TestApp(create_app(pg_config, store=store))
    saved = client.post_json("/api/prompts", {"text": "survives a restart"}).json
    pid = store.database.peewee.execute_sql("SELECT pg_backend_pid()").fetchone()[0]
    with _raw(url) as raw, raw.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", (pid,))
    first = client.get(f"/api/prompts/{saved['id']}", expect_errors=True)
    assert first.status_int in (200, 503)  # the request that finds out may fail
    assert client.get(f"/api/prompts/{saved['id']}").json["text"] == "survives a restart"


def test_a_connection_dropped_inside_a_save_is_503_then_saves_work(
    store, url, pg_config, monkeypatch
):
    client = webtest.TestApp(create_app(pg_config, store=store))
    client.post_json("/api/prompts", {"text": "before"}, status=201)
    pid = store.database.peewee.execute_sql("SELECT pg_backend_pid()").fetchone()[0]
    find_same = store.prompts.find_same

    def dropped_mid_transaction(*args):
        with _raw(url) as raw, raw.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", (pid,))
        return find_same(*args)

    monkeypatch.setattr(store.prompts, "find_same", dropped_mid_transaction)
    error = client.post_json("/api/prompts", {"text": "lost"}, status=503).json
    assert error["title"] == "Database unavailable"
    monkeypatch.setattr(store.prompts, "find_same", find_same)
    client.post_json("/api/prompts", {"text": "after"}, status=201)


def test_healthz_is_503_when_the_server_cannot_be_reached(db_path):
    config = Config(db_path=db_path, database_url="postgres://app:secret@127.0.0.1:1/prompts")
    resp = webtest.TestApp(create_app(config)).get("/healthz", status=503)
    assert resp.json["title"] == "Unhealthy" and "secret" not in resp.text


def test_check_runs_amcheck_when_it_is_installed_and_names_no_password(store, url, pg_cli):
    store.prompts.save("checked")
    with _raw(url) as raw, raw.cursor() as cursor:
        cursor.execute("CREATE EXTENSION IF NOT EXISTS amcheck")
    calls = []
    store.database.peewee.query_hooks.append(lambda event: calls.append(event.sql))
    try:
        assert store.maintenance.check()["integrity"] == []
    finally:
        store.database.peewee.query_hooks.clear()
    assert sum("bt_index_check" in sql for sql in calls) >= 4
    result = pg_cli("stats")
    assert result.exit_code == 0 and "postgresql://postgres@" in result.output
