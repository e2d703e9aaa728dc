"""Lose the host, lose nothing: SIGKILL everything, delete the volume, come back from the replica.

Saves go through the real gunicorn while the real replicator (Litestream) ships them
to a real S3 API (moto_server). Then both process groups, the web server's and the
replicator's, are SIGKILLed together (no clean shutdown, no final sync), the database
directory is deleted, and a new release (`prompt-store init-db`) and web server start
on the empty directory. Every save
acknowledged at least LOSS_WINDOW seconds before the kill must be served, byte for
byte. Twice: the restored database replicates on, and survives the next loss too.
"""

from __future__ import annotations

import json
import time

import pytest

from bench.hostloss import host, lose_the_host, save_until_killed
from bench.replicas import (
    ACCESS_KEY,
    SECRET_KEY,
    prompt_store,
    replica_settings,
)
from bench.traffic import Client

LOSS_WINDOW = 2.0  # seconds: saves acknowledged earlier than this before the kill survive
LOAD_SECONDS = 5.0


@pytest.mark.sqlite_only
def test_a_host_killed_mid_save_comes_back_with_every_acknowledged_save(tmp_path, s3, tally):
    settings = replica_settings(s3, s3.new_bucket())
    db = tmp_path / "volume" / "data" / "prompts.db"
    logs: list[str] = []
    survivors: dict[str, str] = {}
    for round_ in range(2):
        server, replicator = host(db, settings, logs)
        if round_:
            assert "restored from the replica" in logs[-1], logs[-1]
        acknowledged, stop, threads = save_until_killed(server, round_, tally)
        time.sleep(LOAD_SECONDS / 2)
        # Under load, the replica is seconds behind at most, and status says so.
        status = prompt_store(db, settings, "replica", "status", "--json")
        logs.append(status.stdout)
        state = json.loads(status.stdout)
        assert state["replicator_running"] and state["lag_seconds"] <= 5, state
        time.sleep(LOAD_SECONDS / 2)
        killed = lose_the_host(server, replicator, db, threads, stop)
        tally["faults"] += 1
        logs += [server.log.read_text(), replicator.text()]
        assert acknowledged, "no save was acknowledged"
        survivors.update(
            {pid: text for pid, (text, at) in acknowledged.items() if at <= killed - LOSS_WINDOW}
        )
        assert not db.parent.exists()

    # A new host: the release restores the replica, the web serves every survivor.
    server, replicator = host(db, settings, logs)
    release = logs[-1].strip().splitlines()
    assert len(release) == 1 and "restored from the replica" in release[0], release
    try:
        client = Client(server.port, tally)
        lost = []
        for pid, text in survivors.items():
            status, _, raw = client.request("GET", f"/api/prompts/{pid}/raw")
            if status != 200 or raw != text.encode():
                lost.append(pid)
        tally["acknowledged"] += len(survivors)
        tally["lost"] += len(lost)
        assert not lost, f"{len(lost)} of {len(survivors)} acknowledged saves lost"
        check = prompt_store(db, settings, "check")
        assert "integrity     ok" in check.stdout and "replica       ok" in check.stdout
        logs.append(check.stdout)
    finally:
        server.stop()
        replicator.stop()
        logs += [server.log.read_text(), replicator.text()]
    text = "\n".join(logs)
    assert ACCESS_KEY not in text and SECRET_KEY not in text
    assert "replicating" in text and "unable to add custom RootCAs" not in text
