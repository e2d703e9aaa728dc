"""`replica status` claims a lag of 0 only when it can prove it, and writes nothing to run."""

from __future__ import annotations

import json
import os
import signal

import pytest

from api.config import Config
from api.store import Store
from bench.replicas import wait_for

pytestmark = pytest.mark.sqlite_only


def _status(volume) -> dict:
    return json.loads(volume.cli("replica", "status", "--json", check=False).stdout)


def _current(volume):
    return (state := _status(volume)).get("replica_current", True) and state["lag_seconds"] == 0


def test_a_save_the_replica_lacks_is_never_reported_as_no_lag(volume):
    # Litestream is frozen the moment after it proved current: a save in that same
    # second was counted as held by a lag read from the upload time (to the second).
    volume.cli("init-db")
    replicator = volume.replicator().start()
    store = volume.store()
    store.prompts.save("before the freeze")
    wait_for(lambda: _current(volume), 30, "the replica never caught up")
    os.kill(replicator.process.pid, signal.SIGSTOP)
    try:
        missing = store.prompts.save("saved while the replicator is frozen")[0].id
        state = _status(volume)
        assert state["lag_seconds"] is None or state["lag_seconds"] > 0
        assert state["replica_current"] is False
        assert state["local_txid"] >= state["replica_txid"]
        restored = volume.root / "frozen.db"
        store.replication.litestream.restore(restored)
        assert not Store(Config(db_path=restored)).prompts.exists(missing)
    finally:
        os.kill(replicator.process.pid, signal.SIGCONT)
    # Once it says 0, the replica really holds the save.
    wait_for(lambda: _current(volume), 30, "the replica never caught up after the thaw")
    restored = volume.root / "thawed.db"
    store.replication.litestream.restore(restored)
    assert Store(Config(db_path=restored)).prompts.exists(missing)


def test_status_rewrites_no_file_so_a_full_volume_does_not_stop_it(volume):
    volume.cli("init-db")
    volume.replicator().start()
    config = volume.db.with_name(f"{volume.db.name}.litestream.yml")
    before = config.stat()
    for _ in range(2):
        assert "url" in _status(volume)
    after = config.stat()
    # The same file, never replaced nor written: nothing of a status needs free space.
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert not list(volume.db.parent.glob(".*.partial"))


def test_a_changed_setting_still_rewrites_the_config(volume):
    volume.cli("init-db")
    volume.cli("replica", "status", check=False)
    config = volume.db.with_name(f"{volume.db.name}.litestream.yml")
    assert "sync-interval: 1s" in config.read_text()
    volume.settings["STRUCKDOWN_REPLICA_SYNC_INTERVAL"] = "2s"
    volume.cli("replica", "status", check=False)
    assert "sync-interval: 2s" in config.read_text()
