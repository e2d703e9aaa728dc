"""`backup` and `restore`: online, verified, atomic, and survivable by a running app."""

from __future__ import annotations

import gzip
import json
import re
import sqlite3
import threading

import pytest

from api.store import SCHEMA_VERSION, NotAPromptDatabase
from api.store.schema import MIGRATIONS
from api.store.sqlite.dialect import SqliteDialect
from bench.servers import Gunicorn
from jobs.cli import main

# SQLite's backup files; PostgreSQL's pg_dump path is tested in test_postgres.py.
pytestmark = [pytest.mark.sqlite_only, pytest.mark.usefixtures("store")]

BACKUP = re.compile(r"^prompts-\d{8}T\d{6}Z\.db(\.gz)?$")


def _rows(path):
    """The (id, text) rows of a database file, read without the store."""
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        return dict(db.execute("SELECT id, text FROM prompts"))


def _files(directory):
    return sorted(p.name for p in directory.iterdir())


def test_backup_writes_a_verified_copy_beside_the_database(store, cli, db_path):
    ids = [store.prompts.save(f"prompt {i}")[0].id for i in range(3)]
    result = cli("backup", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    path = db_path.parent / "backups" / report["path"].rsplit("/", 1)[1]
    assert report["path"] == str(path) and BACKUP.match(path.name)
    assert report["prompts"] == 3 and report["bytes"] == path.stat().st_size
    assert _rows(path) == {i: f"prompt {n}" for n, i in enumerate(ids)}
    assert path.stat().st_mode & 0o777 == 0o600
    assert _files(path.parent) == [path.name]  # no temporary file left behind


def test_backup_is_a_single_file_not_in_wal_mode(store, cli, db_path, tmp_path):
    store.prompts.save("one file")
    cli("backup", "--dest", str(tmp_path / "out"))
    (path,) = (tmp_path / "out").iterdir()
    assert path.read_bytes()[18:20] == b"\x01\x01"  # the rollback-journal file format
    assert "Backed up" in cli("backup", "--dest", str(tmp_path / "elsewhere")).output


def test_gzip_backup_decompresses_to_the_database(store, cli, tmp_path):
    prompt_id = store.prompts.save("compressed " * 100)[0].id
    result = cli("backup", "--gzip", "--dest", str(tmp_path / "b"))
    assert result.exit_code == 0
    (path,) = (tmp_path / "b").iterdir()
    assert path.name.endswith(".db.gz") and BACKUP.match(path.name)
    plain = tmp_path / "plain.db"
    plain.write_bytes(gzip.decompress(path.read_bytes()))
    assert _rows(plain) == {prompt_id: "compressed " * 100}


def test_backup_keeps_only_the_newest_n(store, cli, tmp_path):
    dest = tmp_path / "b"
    dest.mkdir()
    old = ["prompts-20200101T000000Z.db", "prompts-20210101T000000Z.db.gz"]
    for name in old + ["notes.txt", "pre-restore-20200101T000000Z.db"]:
        (dest / name).write_text("an older file")
    store.prompts.save("x")
    result = cli("backup", "--dest", str(dest), "--keep", "2", "--json")
    report = json.loads(result.output)
    assert report["pruned"] == [str(dest / old[0])]
    new = report["path"].rsplit("/", 1)[1]
    assert _files(dest) == sorted([new, old[1], "notes.txt", "pre-restore-20200101T000000Z.db"])


def test_backup_refuses_keep_zero_and_a_file_as_dest(cli, tmp_path):
    assert cli("backup", "--keep", "0").exit_code == 2
    blocker = tmp_path / "file"
    blocker.write_text("in the way")
    assert "is a file" in cli("backup", "--dest", str(blocker)).output
    result = cli("backup", "--dest", str(blocker / "backups"))
    assert result.exit_code == 1
    assert result.output == f"Error: {blocker / 'backups'}: Not a directory\n"


def test_a_failed_backup_leaves_no_file_under_a_backup_name(store, runner, tmp_path, monkeypatch):
    store.prompts.save("x")
    real = store.backups.copy_to

    def fails_its_check(path, progress=None):
        real(path, progress)  # the whole copy is written, then found bad
        raise NotAPromptDatabase("its integrity check failed: simulated")

    monkeypatch.setattr(store.backups, "copy_to", fails_its_check)
    result = runner.invoke(main, ["backup", "--gzip", "--dest", str(tmp_path / "b")], obj=store)
    assert result.exit_code == 1
    assert "integrity check failed" in result.output
    assert _files(tmp_path / "b") == []


def test_backup_while_a_writer_saves_holds_every_acknowledged_save(store, tmp_path):
    for i in range(400):  # enough pages for several backup steps
        store.prompts.save(f"before {i} " + "x" * 1000)
    acknowledged, stop, saved = [], threading.Event(), threading.Semaphore(0)

    def writer():
        n = 0
        while not stop.is_set():
            acknowledged.append(store.prompts.save(f"during {n} " + "y" * 500)[0].id)
            saved.release()
            n += 1
        store.close()

    thread = threading.Thread(target=writer)
    thread.start()
    for _ in range(5):
        assert saved.acquire(timeout=10)
    before = list(acknowledged)
    steps = []

    def progress(done, total):
        # Each step waits for the writer to commit another save: writes land mid-copy.
        steps.append(done)
        while saved.acquire(blocking=False):
            pass
        assert saved.acquire(timeout=10)

    try:
        count = store.backups.copy_to(tmp_path / "during.db", progress, pages=16)
    finally:
        stop.set()
        thread.join()
    assert len(steps) > 1
    rows = _rows(tmp_path / "during.db")
    assert len(rows) == count
    assert set(before) <= set(rows)
    assert set(acknowledged) - set(rows)  # saves made during the copy: after its snapshot


def test_restore_round_trip_with_a_safety_copy(store, cli, db_path, runner):
    kept = store.prompts.save("in the backup")[0].id
    backup = json.loads(cli("backup", "--json").output)["path"]
    later = store.prompts.save("saved after the backup")[0].id
    dry = cli("restore", backup)
    assert dry.exit_code == 0 and "Dry run" in dry.output
    assert store.prompts.exists(later)

    result = cli("restore", backup, "--yes")
    assert result.exit_code == 0, result.output
    assert "Restored 1 prompts" in result.output
    assert store.prompts.get(kept).text == "in the backup"
    assert not store.prompts.exists(later)
    (safety,) = (db_path.parent / "backups").glob("pre-restore-*.db")
    assert str(safety) in result.output
    assert _rows(safety) == {kept: "in the backup", later: "saved after the backup"}
    assert cli("check").exit_code == 0

    # docs/operating.md: recover the later saves from the safety copy.
    dump = runner.invoke(main, ["--db", str(safety), "export"]).stdout
    assert cli("import", "-", input=dump).exit_code == 0
    assert store.prompts.get(later).text == "saved after the backup"


def test_restore_from_a_gzip_backup(store, cli, tmp_path):
    kept = store.prompts.save("gz")[0].id
    backup = json.loads(cli("backup", "--gzip", "--json").output)["path"]
    store.prompts.save("later")
    assert cli("restore", backup, "--yes").exit_code == 0
    assert store.prompts.count() == 1 and store.prompts.get(kept).text == "gz"


def test_restore_keeps_a_takedown_made_after_the_backup(store, cli, client):
    secret = store.prompts.save("api_key=sk-live-0000")[0].id
    backup = json.loads(cli("backup", "--json").output)["path"]
    assert cli("purge", secret, "--yes").exit_code == 0
    result = cli("restore", backup, "--yes")
    assert f"Removed again (purged after that backup): {secret}" in result.output
    client.get(f"/api/prompts/{secret}", status=410)


def test_restore_upgrades_a_backup_from_an_older_schema(store, cli, tmp_path, client):
    old = tmp_path / "v1.db"
    with sqlite3.connect(old) as db:
        db.execute("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT)")
        for statement in MIGRATIONS[0]:
            db.execute(SqliteDialect(old).prepare(statement))
        db.execute("INSERT INTO schema_migrations VALUES (1, '2026-01-01')")
        db.execute(
            "INSERT INTO prompts VALUES ('00000000-0000-4000-8000-000000000001', NULL, 'v1', "
            "'3bfc269594ef649228e9a74bab00f042efc91d5acc6fbee31a382e80d42388fe', "
            "'2026-01-01T00:00:00.000000+00:00')"
        )
    result = cli("restore", str(old), "--yes")
    assert result.exit_code == 0, result.output
    assert store.schema_version() == SCHEMA_VERSION
    assert client.get("/api/prompts/00000000-0000-4000-8000-000000000001").json["text"] == "v1"


def _refused(store, cli, path, message):
    store.prompts.save("live and untouched")
    before = store.prompts.listing()
    result = cli("restore", str(path), "--yes")
    assert result.exit_code == 1
    assert message in result.output and "The live database is untouched." in result.output
    assert store.prompts.listing() == before
    assert not list(path.parent.glob("backups/pre-restore-*"))


def test_restore_refuses_a_file_that_is_not_sqlite(store, cli, tmp_path):
    path = tmp_path / "notes.db"
    path.write_text("just text\n" * 500)
    _refused(store, cli, path, "it cannot be read as SQLite")


def test_restore_refuses_a_database_without_our_schema(store, cli, tmp_path):
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE things (x)")
    _refused(store, cli, path, "it has no prompt-store schema")


def test_restore_refuses_a_database_from_a_newer_release(store, cli, tmp_path):
    backup = json.loads(cli("backup", "--json").output)["path"]
    with sqlite3.connect(backup) as db:
        db.execute("INSERT INTO schema_migrations VALUES (99, 'later')")
    _refused(store, cli, tmp_path.joinpath(backup), "its schema version is 99")


def test_restore_refuses_a_corrupt_database(store, cli, tmp_path):
    for i in range(50):
        store.prompts.save(f"page filler {i} " + "z" * 2000)
    backup = tmp_path / "corrupt.db"
    store.backups.copy_to(backup)
    data = bytearray(backup.read_bytes())
    data[4096 * 3 : 4096 * 3 + 200] = b"\xff" * 200  # scribble over a b-tree page
    backup.write_bytes(bytes(data))
    result = cli("restore", str(backup), "--yes")
    assert result.exit_code == 1
    assert "cannot be restored" in result.output and "untouched" in result.output
    assert store.prompts.count() == 50


def test_restore_refuses_a_broken_gzip(store, cli, tmp_path):
    path = tmp_path / "prompts-20260101T000000Z.db.gz"
    path.write_bytes(b"\x1f\x8b\x08\x00 not really gzip")
    _refused(store, cli, path, "cannot be read")


def test_restore_into_a_running_gunicorn_keeps_it_serving(tmp_path, runner):
    db_path = tmp_path / "served.db"

    def cli(*args):
        result = runner.invoke(main, ["--db", str(db_path), *args])
        assert result.exit_code == 0, result.output
        return result.output

    with Gunicorn(db_path) as server:
        status, _, body = server.request("POST", "/api/prompts", {"text": "kept"})
        kept = json.loads(body)["id"]
        backup = json.loads(cli("backup", "--json"))["path"]
        status, _, body = server.request("POST", "/api/prompts", {"text": "lost"})
        lost = json.loads(body)["id"]
        cli("restore", backup, "--yes")
        assert server.request("GET", f"/api/prompts/{kept}/raw")[2] == b"kept"
        assert server.request("GET", f"/api/prompts/{lost}")[0] == 404
        status, _, body = server.request("POST", "/api/prompts", {"text": "after restore"})
        assert status == 201
        assert server.request("GET", "/healthz")[0] == 200
    assert _rows(db_path)[json.loads(body)["id"]] == "after restore"
