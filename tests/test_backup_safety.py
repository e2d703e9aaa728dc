"""Backups and restores that cannot be fooled: damaged files, killed runs, a full disk,
takedowns landing meanwhile, and writers refused while a restore holds the gate."""

from __future__ import annotations

import gzip
import json
import os
import resource
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from api.store import DatabaseUnavailable, PromptRemoved, Store
from api.store.backup_files import partial_file
from bench.servers import ROOT
from jobs.cli import main

pytestmark = [pytest.mark.sqlite_only, pytest.mark.usefixtures("store")]
CLI = [sys.executable, "-m", "jobs"]
SECRET = "quick brown secret 7f3a"


def _backup(store, cli, *args) -> str:
    for i in range(40):  # several pages, so a cut or a changed byte lands in data
        store.prompts.save(f"filler {i} " + "f" * 1500)
    store.prompts.save(f"Tell {{{{ name }}}} the {SECRET}")
    result = cli("backup", "--json", *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)["path"]


def _refused(store, cli, path, says):
    """Restore must refuse `path` in one sentence, exit 1, and change nothing."""
    store.prompts.save("saved after the backup")
    before = store.prompts.listing()
    result = cli("restore", str(path), "--yes")
    assert result.exit_code == 1, result.output
    (line,) = result.output.splitlines()
    assert says in line and line.endswith("The live database is untouched.")
    assert store.prompts.listing() == before
    assert not list(path.parent.glob("pre-restore-*")) and not list(path.parent.glob(".*"))
    assert cli("restore", str(path)).exit_code == 1  # the dry run refuses it too


def test_restore_refuses_a_backup_cut_by_one_byte(store, cli, tmp_path):
    path = tmp_path.joinpath(_backup(store, cli))
    path.write_bytes(path.read_bytes()[:-1])
    _refused(store, cli, path, "it is cut short")


def test_restore_refuses_a_gzip_backup_cut_by_one_byte(store, cli, tmp_path):
    path = tmp_path.joinpath(_backup(store, cli, "--gzip"))
    path.write_bytes(path.read_bytes()[:-1])
    _refused(store, cli, path, "cannot be read")


def test_restore_refuses_a_backup_with_one_byte_of_text_changed(store, cli, tmp_path):
    path = tmp_path.joinpath(_backup(store, cli))
    data = path.read_bytes()
    # The text, and its summary in the history entry kept after it in the row (migration 8).
    assert data.count(b"quick") == 2
    assert data.index(b"quick") < data.index(b'"summary":"Tell')
    path.write_bytes(data.replace(b"quick", b"quack", 1))  # the text's byte only
    _refused(store, cli, path, "the text does not match its sha256")


def test_restore_refuses_a_backup_whose_template_does_not_match_its_text(store, cli, tmp_path):
    path = tmp_path.joinpath(_backup(store, cli))
    with sqlite3.connect(path) as db:
        db.execute("UPDATE prompts SET template = replace(template, 'name', 'nime')")
    _refused(store, cli, path, "the stored template does not match its text")


def test_a_damaged_gzip_backup_is_refused_by_its_content(store, cli, tmp_path):
    path = tmp_path.joinpath(_backup(store, cli, "--gzip"))
    data = gzip.decompress(path.read_bytes()).replace(b"quick", b"quack")
    path.write_bytes(gzip.compress(data))
    _refused(store, cli, path, "the text does not match its sha256")


KILLED_BACKUP = """
import os, signal, sys
from pathlib import Path
from api.config import Config
from api.store import Store

store = Store(Config(db_path=Path(sys.argv[1])))
die = lambda done, total: os.kill(os.getpid(), signal.SIGKILL)
store.backups.write(Path(sys.argv[2]), compress=sys.argv[3] == "gz", progress=die)
"""


def _killed_backup(db_path, dest, kind):
    done = subprocess.run(
        [sys.executable, "-c", KILLED_BACKUP, str(db_path), str(dest), kind], cwd=ROOT
    )
    assert done.returncode == -signal.SIGKILL


def test_a_killed_backup_leaves_partials_that_check_counts_and_backup_removes(store, cli, db_path):
    for i in range(300):
        store.prompts.save(f"big enough for several steps {i} " + "b" * 1000)
    dest = db_path.parent / "backups"
    _killed_backup(db_path, dest, "db")
    left = sorted(p.name for p in dest.iterdir())
    assert [n for n in left if n.endswith(".partial")] == [left[0]]
    assert left[0].startswith(".prompts-") and left[0].endswith(".db.partial")
    result = cli("check")
    assert result.exit_code == 1
    assert f"backups       {len(left)} problem(s)" in result.output
    assert result.output.count("was left by a killed backup or restore") == len(left)

    _killed_backup(db_path, dest, "gz")  # the next backup removes what the last one left
    again = sorted(p.name for p in dest.iterdir())
    assert again and not set(again) & set(left)
    with partial_file(dest / "prompts-20990101T000000Z.db") as running:  # a backup under way
        assert cli("check").output.count("was left by a killed") == len(again)
        assert running.name not in cli("check").output
        assert cli("backup").exit_code == 0
        assert running.exists()  # a live partial is never taken for a stale one
        names = [p.name for p in dest.iterdir()]
        assert len(names) == 2 and not set(names) & set(again)
    assert cli("check").exit_code == 0


def _removed(store, prompt_id) -> bool:
    try:
        store.prompts.get(prompt_id)
    except PromptRemoved:
        return True
    return False


def _limited(limit: int):
    def preexec():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # EFBIG instead of a signal
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return preexec


@pytest.mark.parametrize("options", [[], ["--gzip"]], ids=["db", "gzip"])
def test_a_backup_onto_a_full_disk_fails_in_one_sentence(store, db_path, options):
    for i in range(200):
        store.prompts.save(f"too big for the disk {i} " + os.urandom(600).hex())
    store.close()
    limit = db_path.stat().st_size // 2
    done = subprocess.run(
        [*CLI, "--db", str(db_path), "backup", *options],
        cwd=ROOT,
        capture_output=True,
        text=True,
        preexec_fn=_limited(limit),
    )
    assert done.returncode == 1, done.stderr
    (line,) = done.stderr.splitlines()
    assert line.startswith("Error: the backup could not be written to ")
    assert line.endswith("; no backup was made.")
    assert list((db_path.parent / "backups").iterdir()) == []


def test_a_takedown_during_a_backup_is_not_published_in_it(store, tmp_path):
    for i in range(200):
        store.prompts.save(f"page filler {i} " + "p" * 1000)
    secret = store.prompts.save(f"{SECRET} " * 300)[0].id  # overflow pages too
    other = Store(store.config)  # another process's takedown, through its own gate

    for compress in (False, True):
        purged = []

        def purge_once(done, total, purged=purged):
            # The takedown commits mid-copy; its scrub waits for the copy's snapshot.
            if not purged:
                purged.append(threading.Thread(target=other.takedowns.purge, args=([secret],)))
                purged[0].start()
                while not _removed(store, secret):
                    time.sleep(0.01)

        path, _ = store.backups.write(tmp_path / f"b{compress}", compress, progress=purge_once)
        purged[0].join()
        data = gzip.decompress(path.read_bytes()) if compress else path.read_bytes()
        assert SECRET.encode() not in data
        copy = tmp_path / f"copy{compress}.db"
        copy.write_bytes(data)
        with sqlite3.connect(copy) as db:
            row = db.execute("SELECT text, removed_at FROM prompts WHERE id = ?", (secret,))
            text, removed_at = row.fetchone()
        assert text == "" and removed_at is not None
    other.close()


def test_writers_are_refused_while_a_restore_holds_the_gate(store, client, config):
    store.prompts.count()  # the database exists
    restoring = Store(config)  # the restore runs in another process: its own gate
    held, release = threading.Event(), threading.Event()

    def restore():
        with restoring.dialect.restore_gate():
            held.set()
            release.wait(30)

    thread = threading.Thread(target=restore)
    thread.start()
    try:
        assert held.wait(10)
        with pytest.raises(DatabaseUnavailable, match="a restore is replacing the database"):
            store.prompts.save("refused at once, not queued")
        answer = client.post_json("/api/prompts", {"text": "over the API"}, status=503)
        assert answer.headers["Retry-After"] == "1"
        assert answer.json["title"] == "Database unavailable"
        assert store.prompts.count() == 0
        second = Store(config).dialect.restore_gate()
        with pytest.raises(Exception, match="another restore into .* is running"):
            second.__enter__()
    finally:
        release.set()
        thread.join()
    restoring.close()
    client.post_json("/api/prompts", {"text": "after the restore"}, status=201)
    # The lock file stays, unlocked: a dead restore refuses nobody.
    assert os.path.exists(f"{config.db_path}.restore.lock")
    store.prompts.save("and again")


def test_restore_holds_the_gate_from_the_safety_copy_to_the_overwrite(
    store, cli, runner, monkeypatch
):
    backup = _backup(store, cli)
    other = Store(store.config)  # a web worker's view: another gate on the same file
    seen = []
    real_write = store.backups._write  # the safety copy's

    def write_and_try_a_save(*args, **kwargs):
        done = real_write(*args, **kwargs)
        try:
            other.prompts.save("a save while the restore runs")
        except DatabaseUnavailable:
            seen.append("refused")
        return done

    monkeypatch.setattr(store.backups, "_write", write_and_try_a_save)
    result = runner.invoke(main, ["restore", backup, "--yes"], obj=store)
    assert result.exit_code == 0, result.output
    assert seen == ["refused"]
    other.close()


@pytest.mark.parametrize("fails", ["unpacking", "the safety copy"])
def test_a_restore_onto_a_full_disk_fails_in_one_sentence_and_changes_nothing(
    store, cli, db_path, fails
):
    backup = _backup(store, cli)
    for i in range(300):  # the live database grows to several times the backup
        store.prompts.save(f"saved after the backup {i} " + os.urandom(600).hex())
    before = store.prompts.listing()
    store.close()
    size = os.path.getsize(backup)
    limit = size // 2 if fails == "unpacking" else size + 65536
    assert db_path.stat().st_size > limit
    done = subprocess.run(
        [*CLI, "--db", str(db_path), "restore", backup, "--yes"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        preexec_fn=_limited(limit),
    )
    assert done.returncode == 1, done.stdout + done.stderr
    (line,) = done.stderr.splitlines()
    assert line.startswith("Error: ") and line.endswith("; the live database is untouched.")
    assert ("could not be unpacked" if fails == "unpacking" else "the safety copy") in line
    assert store.prompts.listing() == before
    assert sorted(p.name for p in (db_path.parent / "backups").iterdir()) == [Path(backup).name]
