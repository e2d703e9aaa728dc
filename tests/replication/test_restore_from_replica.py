"""A fresh volume restores itself in the release phase; restore --from-replica, to any time."""

from __future__ import annotations

import json
import shutil
import sqlite3
import time
from collections import Counter
from datetime import UTC, datetime

import pytest

from api.store.sqlite.litestream import LIST_TIMEOUT, RELEASE_LIST_TIMEOUT, ReplicaError
from bench.replicas import ACCESS_KEY, SECRET_KEY, wait_for
from bench.servers import Gunicorn
from tests.reliability.conftest import Client
from tests.restore_load import assert_nothing_lost_or_undone, saves_and_deletes_during, seed

pytestmark = pytest.mark.sqlite_only


def _texts(db) -> dict[str, str]:
    connection = sqlite3.connect(db)
    try:
        return dict(connection.execute("SELECT id, text FROM prompts"))
    finally:
        connection.close()


def _replicated(volume, prompt_id: str) -> None:
    """Wait until the replica's newest state holds `prompt_id` (restored to a scratch file)."""
    scratch = volume.root / "scratch.db"

    def holds() -> bool:
        scratch.unlink(missing_ok=True)
        try:
            volume.store().replication.litestream.restore(scratch)
        except ReplicaError:  # nothing there yet
            return False
        return prompt_id in _texts(scratch)

    wait_for(holds, 30, f"{prompt_id} never reached the replica")
    scratch.unlink()


def test_a_fresh_volume_restores_itself_in_the_release_phase(volume):
    first = volume.cli("init-db")
    assert "new database, the replica" in first.stdout and "is empty" in first.stdout
    volume.replicator().start()
    store = volume.store()
    saved = {store.prompts.save(f"prompt {n}\n" + "é" * n)[0].id: None for n in range(20)}
    last = list(saved)[-1]
    _replicated(volume, last)
    before = _texts(volume.db)
    volume.stop()
    shutil.rmtree(volume.db.parent)  # the host is gone: a new, empty volume

    release = volume.cli("init-db")
    lines = release.stdout.strip().splitlines()
    assert len(lines) == 1 and "restored from the replica s3://" in lines[0], release.stdout
    assert "20 prompts" in lines[0]
    assert _texts(volume.db) == before
    assert volume.db.stat().st_mode & 0o777 == 0o600
    assert json.loads(volume.cli("check", "--json", check=False).stdout)["problems"]["sha256"] == []
    logs = volume.logs()
    assert ACCESS_KEY not in logs and SECRET_KEY not in logs


def test_an_existing_database_is_never_overwritten_by_the_replica(volume):
    volume.cli("init-db")
    volume.replicator().start()
    store = volume.store()
    prompt_id = store.prompts.save("in the replica")[0].id
    _replicated(volume, prompt_id)
    volume.stop()
    connection = sqlite3.connect(volume.db)
    connection.execute("DELETE FROM prompts")  # this volume now differs from the replica
    connection.commit()
    connection.close()
    done = volume.cli("init-db")
    assert "schema is up to date" in done.stdout and "restored" not in done.stdout
    assert _texts(volume.db) == {}


def test_an_unreadable_replica_fails_the_release_and_creates_nothing(volume, s3):
    volume.settings["STRUCKDOWN_REPLICA_URL"] = "s3://no-such-bucket/prompts"
    done = volume.cli("init-db", check=False)
    assert done.returncode == 1
    assert "litestream ltx failed" in done.stderr and "NoSuchBucket" in done.stderr
    assert not volume.db.exists()
    assert ACCESS_KEY not in done.stderr and SECRET_KEY not in done.stderr


def test_a_release_with_an_unreachable_replica_fails_after_10_s_not_60(volume):
    # Nothing listens on the discard port: Litestream retries until it is stopped.
    volume.settings["STRUCKDOWN_REPLICA_ENDPOINT"] = "http://127.0.0.1:9"
    done = volume.cli("init-db", check=False)
    assert done.returncode == 1
    assert f"took over {RELEASE_LIST_TIMEOUT} s: is the replica reachable?" in done.stderr
    assert RELEASE_LIST_TIMEOUT <= 10 < LIST_TIMEOUT
    assert not volume.db.exists()


def test_restore_from_replica_returns_the_state_before_a_later_save(volume):
    volume.cli("init-db")
    volume.replicator().start()
    store = volume.store()
    kept = store.prompts.save("saved before the moment")[0].id
    _replicated(volume, kept)
    time.sleep(2.5)  # the replica's times are to the second
    moment = datetime.now(UTC).isoformat(timespec="seconds")
    time.sleep(2.5)
    later = store.prompts.save("saved after the moment")[0].id
    _replicated(volume, later)

    dry = volume.cli("restore", "--from-replica", "--timestamp", moment)
    assert "1 prompts" in dry.stdout and "Dry run" in dry.stdout
    assert later in _texts(volume.db)
    done = volume.cli("restore", "--from-replica", "--timestamp", moment, "--yes")
    assert "Safety copy" in done.stdout
    restored = _texts(volume.db)
    assert kept in restored and later not in restored
    safety = done.stdout.split("Safety copy of the live database (2 prompts): ")[1].split()[0]
    assert later in _texts(safety)


def test_restore_from_replica_needs_a_replica_and_refuses_both_sources(volume, tmp_path):
    volume.cli("init-db")
    both = volume.cli("restore", str(volume.db), "--from-replica", check=False)
    assert both.returncode == 2 and "either BACKUP or --from-replica" in both.stderr
    volume.settings.pop("STRUCKDOWN_REPLICA_URL")
    none = volume.cli("restore", "--from-replica", check=False)
    assert none.returncode == 1 and "no replica is configured" in none.stderr


def test_restore_from_replica_while_serving_keeps_every_201_and_every_204(volume):
    tally: Counter = Counter()
    volume.cli("init-db")
    volume.replicator().start()
    with Gunicorn(volume.db, workers=2, **volume.settings) as server:

        def new_client() -> Client:
            return Client(server.port, tally)

        tokens = seed(new_client(), 500, 60)
        _replicated(volume, list(tokens)[-1])

        def restores() -> None:
            for _ in range(2):
                time.sleep(1.1)  # safety copies are named to the second
                volume.cli("restore", "--from-replica", "--yes")

        done = saves_and_deletes_during(new_client, tokens, restores)
        assert_nothing_lost_or_undone(new_client(), volume.db, done, tally)
