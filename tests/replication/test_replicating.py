"""While replicating: one replicator per file, takedowns still scrub, status tells the lag."""

from __future__ import annotations

import json
import os
import secrets
import signal
from pathlib import Path

import pytest
import webtest

from api.app import create_app
from api.config import Config, ConfigError
from api.store import Store
from api.store.sqlite.litestream import Litestream
from bench.replicas import ACCESS_KEY, SECRET_KEY, wait_for

pytestmark = pytest.mark.sqlite_only


def test_settings_are_read_and_credentials_never_printed():
    env = {
        "STRUCKDOWN_REPLICA_URL": "s3://bucket/prompts",
        "STRUCKDOWN_REPLICA_RETENTION": "7d",
        "AWS_ACCESS_KEY_ID": ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
        "AWS_CA_BUNDLE": "/nonexistent/ca.pem",
    }
    replica = Config.from_env(env).replica
    assert replica.retention == 7 * 86400 and replica.sync_interval == 1.0
    assert ACCESS_KEY not in repr(replica) and SECRET_KEY not in repr(replica)
    litestream = Litestream(replica, "/data/prompts.db")
    text = litestream.config_text()
    assert ACCESS_KEY not in text and SECRET_KEY not in text
    assert "retention: 604800s" in text and "sync-interval: 1s" in text
    assert set(litestream.environment()) == {
        "PATH",
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
    }
    temporary = Config.from_env({**env, "AWS_SESSION_TOKEN": "session-token-x"}).replica
    assert "session-token-x" not in repr(temporary)
    assert Litestream(temporary, "/data/prompts.db").environment()["AWS_SESSION_TOKEN"] == (
        "session-token-x"
    )
    assert Config.from_env({}).replica is None


@pytest.mark.parametrize(
    "name, value",
    [
        ("STRUCKDOWN_REPLICA_URL", "https://bucket/prompts"),
        ("STRUCKDOWN_REPLICA_URL", "s3://key:secret@bucket/prompts"),
        ("STRUCKDOWN_REPLICA_ENDPOINT", "http://key:secret@127.0.0.1:9000"),
        ("STRUCKDOWN_REPLICA_RETENTION", "forever"),
        ("STRUCKDOWN_REPLICA_SYNC_INTERVAL", "0s"),
    ],
)
def test_bad_replica_settings_are_refused_with_a_sentence(name, value):
    env = {"STRUCKDOWN_REPLICA_URL": "s3://bucket/prompts", name: value}
    with pytest.raises(ConfigError, match=name):
        Config.from_env(env)


def test_postgresql_refuses_replica_settings_in_one_sentence():
    config = Config.from_env(
        {"DATABASE_URL": "postgres://u:p@127.0.0.1:1/prompts", "STRUCKDOWN_REPLICA_URL": "s3://b/p"}
    )
    with pytest.raises(ConfigError) as refused:
        Store(config)
    message = str(refused.value)
    assert message.count(". ") == 0 and "PostgreSQL has its own" in message


def test_a_second_replicator_waits_and_takes_over(volume):
    volume.cli("init-db")
    first = volume.replicator().start()
    second = volume.replicator().start(wait=False)
    wait_for(lambda: "waiting to take over" in second.text(), 20, "the second did not wait")
    assert os.readlink(f"/proc/{first.process.pid}/exe").endswith("litestream")
    assert not os.readlink(f"/proc/{second.process.pid}/exe").endswith("litestream")
    first.stop()
    wait_for(lambda: "replicating" in second.text(), 20, "the second did not take over")
    wait_for(
        lambda: os.readlink(f"/proc/{second.process.pid}/exe").endswith("litestream"), 20, "no"
    )
    store = volume.store()
    prompt_id = store.prompts.save("replicated by the second")[0].id
    wait_for(lambda: _status(volume)["lag_seconds"] == 0, 30, "the second does not replicate")
    assert prompt_id


def test_without_a_replica_the_replicator_idles_and_stops_cleanly(volume):
    for name in list(volume.settings):
        volume.settings.pop(name)
    idle = volume.replicator().start(wait=False)
    wait_for(lambda: "waiting idle" in idle.text(), 20, "no idle message")
    assert idle.stop() == 0
    assert not any(p.name.endswith("litestream.sock") for p in volume.db.parent.glob("*"))


def _status(volume) -> dict:
    return json.loads(volume.cli("replica", "status", "--json", check=False).stdout)


def test_status_stats_and_check_tell_the_replication_state(volume):
    volume.cli("init-db")
    assert volume.cli("check", check=False).returncode == 1  # no replicator yet
    replicator = volume.replicator().start()
    store = volume.store()
    store.prompts.save("counted")
    state = wait_for(
        lambda: (s := _status(volume))["lag_seconds"] == 0 and s["replica_txid"] and s, 30, "lag"
    )
    assert state["configured"] and state["replicator_running"]
    assert state["url"].startswith("s3://") and state["retention_seconds"] == 72 * 3600
    stats = json.loads(volume.cli("stats", "--json").stdout)
    assert stats["replica"]["replicator_running"] is True
    assert "replicator       running" in volume.cli("stats").stdout
    assert "replica" in volume.cli("check").stdout
    scraped = _metrics(volume)
    assert scraped["prompt_store_replica_reachable"] == 1
    assert scraped["prompt_store_replicator_running"] == 1
    assert scraped["prompt_store_replication_lag_seconds"] == 0
    # The replicator stops while saves go on: the lag grows and check says so.
    os.kill(replicator.process.pid, signal.SIGSTOP)
    try:
        store.prompts.save("waits for the replica")
        wait_for(lambda: _status(volume)["lag_seconds"] >= 2, 30, "the lag does not grow")
        scraped = _metrics(volume)
        assert scraped["prompt_store_replication_lag_seconds"] >= 2
        assert scraped["prompt_store_replicator_running"] == 0  # stopped: it does not answer
    finally:
        os.kill(replicator.process.pid, signal.SIGCONT)
    replicator.stop()
    stopped = volume.cli("replica", "status", check=False)
    assert stopped.returncode == 1 and "no replicator is running" in stopped.stderr
    logs = volume.logs()
    assert ACCESS_KEY not in logs and SECRET_KEY not in logs


def _bytes_of(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:  # removed by Litestream since the listing
        return b""


def _replicated_secret(volume, s3, bucket, compacted: bool):
    """Save a secret on a replicated volume; return (store, its id, where it is in the replica).

    Waits until the replica holds it, and with `compacted` until a level-1 compaction
    has copied it on too, as it has for any text older than one compaction window.
    """
    volume.settings["STRUCKDOWN_REPLICA_RETENTION"] = "8s"
    volume.cli("init-db")
    volume.replicator().start()
    store = volume.store()
    # Random text: it cannot be compressed away, so finding it proves the search sees it.
    secret = "takedown " + secrets.token_urlsafe(3000)
    prompt_id = store.prompts.save(secret)[0].id
    marker = secret.encode()[:200]

    def in_replica() -> list[str]:
        return [key for key, data in s3.objects(bucket).items() if marker in data]

    wait_for(in_replica, 30, "the text never reached the replica (the search cannot see it)")
    if compacted:
        level_1 = lambda: any(key.split("/")[1] == "0001" for key in in_replica())  # noqa: E731
        wait_for(level_1, 30, "no level-1 compaction copied the text")
    return store, prompt_id, marker, in_replica


def test_a_purge_while_replicating_scrubs_the_files_and_replication_goes_on(volume, s3, bucket):
    store, prompt_id, marker, _ = _replicated_secret(volume, s3, bucket, compacted=False)
    done = volume.cli("purge", prompt_id, "--yes")
    assert "replica" in done.stdout and "8s" in done.stdout
    # Truncated: what is left is its header and at most the one frame Litestream writes
    # when it reopens the file on resuming (ensureWALExists), before purge returns.
    assert os.path.getsize(f"{volume.db}-wal") <= 32 + 24 + 4096
    for path in (volume.db, volume.db.with_name(f"{volume.db.name}-wal")):
        assert marker not in path.read_bytes()
    after = store.prompts.save("saved after the takedown")[0].id

    def restored_has_the_save_after() -> Store | None:
        """Restore the replica afresh; its store once it holds `after` (replication goes on)."""
        restored = volume.root / f"restored-{secrets.token_hex(4)}.db"
        store.replication.litestream.restore(restored)
        check = Store(Config(db_path=restored))
        return check if check.prompts.exists(after) else None

    # Polled for: the status's lag is to the second, so "0" may come a moment early.
    check = wait_for(restored_has_the_save_after, 30, "replication stopped", interval=1)
    assert check.prompts.exists(prompt_id)  # the purged version is still there, scrubbed

    def local() -> list[Path]:
        found = [p for p in volume.db.parent.rglob("*") if p.is_file()]
        return [path for path in found if marker in _bytes_of(path)]

    # Litestream's own local copies (its level-0 files) go once compacted and past
    # l0-retention (2 s here): polled for, within the window purge states.
    wait_for(lambda: not local(), 36, lambda: f"still in {local()}")


@pytest.mark.xfail(
    # Not strict: since takedowns sync Litestream around its pause (no unseen WAL restart,
    # so no forced snapshot), some runs now pass and others do not; the text's fate
    # depends on when Litestream compacts and snapshots. Known, and stated in
    # docs/operating.md; the restored replica never serves it (test_takedown_cost.py).
    strict=False,
    reason="Litestream 0.5.17 may keep a level-1 file that holds the text from before the "
    "purge past the retention window (seen: over 60 s with 8 s, saves going on)",
)
def test_a_purged_text_leaves_every_replica_object_within_the_stated_window(volume, s3, bucket):
    # Compacted before the purge, as a text older than one level-1 window (30 s) is.
    # Whether a text was compacted before its purge used to be a race: that is what made
    # the purge test above pass on some runs and fail on others.
    store, prompt_id, _, in_replica = _replicated_secret(volume, s3, bucket, compacted=True)
    volume.cli("purge", prompt_id, "--yes")
    store.prompts.save("saved after the takedown")
    # The window purge states: retention (8 s) plus two snapshot intervals (2 s each),
    # polled for three times as long for a busy machine.
    wait_for(lambda: not in_replica(), 36, lambda: f"still in {in_replica()}")


ADMIN = "replication-test-admin-token"


def _metrics(volume) -> dict[str, float]:
    """Scrape /metrics of an app on the volume's store: the gauges without labels."""
    settings = {
        "STRUCKDOWN_PROMPT_DB": str(volume.db),
        "STRUCKDOWN_ADMIN_TOKEN": ADMIN,
        **volume.settings,
    }
    app = webtest.TestApp(create_app(store=Store(Config.from_env(settings))))
    text = app.get("/metrics", headers={"Authorization": f"Bearer {ADMIN}"}).text
    return {
        name: float(value)
        for name, _, value in (line.partition(" ") for line in text.splitlines())
        if name.startswith("prompt_store_") and "{" not in name
    }
