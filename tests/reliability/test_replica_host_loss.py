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
import os
import shutil
import signal
import threading
import time

import pytest

from bench.replicas import (
    ACCESS_KEY,
    SECRET_KEY,
    Replicator,
    base_environment,
    prompt_store,
    replica_settings,
)
from bench.servers import Gunicorn

from .conftest import Client

LOSS_WINDOW = 2.0  # seconds: saves acknowledged earlier than this before the kill survive
WRITERS, LOAD_SECONDS = 4, 5.0


def _host(db, settings, logs) -> tuple[Gunicorn, Replicator]:
    """A release, then the web server and the replicator, each in a process group."""
    logs.append(prompt_store(db, settings, "init-db").stdout)
    server = Gunicorn(db, workers=2, log_dir=db.parent.parent)
    server.env = {
        **base_environment(db.parent.parent),
        "STRUCKDOWN_PROMPT_DB": str(db),
        "WEB_CONCURRENCY": "2",
        "STRUCKDOWN_SAVE_RATE_LIMIT": "off",
        **settings,
    }
    server.start()
    log = db.parent.parent / f"replicator-{time.monotonic_ns()}.log"
    # This machine's AWS_CA_BUNDLE breaks Litestream's S3 client: the replicator must not
    # pass it on, whatever its own environment holds.
    replicator = Replicator(db, settings, log)
    replicator.start(AWS_CA_BUNDLE="/nonexistent/ca.pem")
    return server, replicator


def _save_until_killed(server, round_: int, tally) -> tuple[dict, threading.Event, list]:
    acknowledged: dict[str, tuple[str, float]] = {}
    lock, stop = threading.Lock(), threading.Event()

    def writer(n: int) -> None:
        client = Client(server.port, tally)
        i = 0
        while not stop.is_set():
            text = f"round {round_} writer {n} save {i}\n" + "Keep every byte: é ✓ " * (i % 30)
            i += 1
            try:
                status, _, body = client.save(text)
            except Exception:  # the host died mid-request: never acknowledged
                return
            if status == 201:
                with lock:
                    acknowledged[body["id"]] = (text, time.monotonic())

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(WRITERS)]
    for thread in threads:
        thread.start()
    return acknowledged, stop, threads


def _lose_the_host(server, replicator, db, threads, stop) -> float:
    # Both process groups at once: gunicorn with its workers, and the replicator.
    killed = time.monotonic()
    os.killpg(server.process.pid, signal.SIGKILL)
    os.killpg(replicator.process.pid, signal.SIGKILL)
    server.process.wait(10)
    replicator.process.wait(10)
    stop.set()
    for thread in threads:
        thread.join(30)
    shutil.rmtree(db.parent)  # the volume is gone with the host
    return killed


@pytest.mark.sqlite_only
def test_a_host_killed_mid_save_comes_back_with_every_acknowledged_save(tmp_path, s3, tally):
    settings = replica_settings(s3, s3.new_bucket())
    db = tmp_path / "volume" / "data" / "prompts.db"
    logs: list[str] = []
    survivors: dict[str, str] = {}
    for round_ in range(2):
        server, replicator = _host(db, settings, logs)
        if round_:
            assert "restored from the replica" in logs[-1], logs[-1]
        acknowledged, stop, threads = _save_until_killed(server, round_, tally)
        time.sleep(LOAD_SECONDS / 2)
        # Under load, the replica is seconds behind at most, and status says so.
        status = prompt_store(db, settings, "replica", "status", "--json")
        logs.append(status.stdout)
        state = json.loads(status.stdout)
        assert state["replicator_running"] and state["lag_seconds"] <= 5, state
        time.sleep(LOAD_SECONDS / 2)
        killed = _lose_the_host(server, replicator, db, threads, stop)
        tally["faults"] += 1
        logs += [server.log.read_text(), replicator.text()]
        assert acknowledged, "no save was acknowledged"
        survivors.update(
            {pid: text for pid, (text, at) in acknowledged.items() if at <= killed - LOSS_WINDOW}
        )
        assert not db.parent.exists()

    # A new host: the release restores the replica, the web serves every survivor.
    server, replicator = _host(db, settings, logs)
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
