"""Losing a replicating host: start one, save on it until it is killed, kill it with its volume.

The steps of the host-loss test (tests/reliability/test_replica_host_loss.py), shared
with the benchmark of the loss window (`python -m bench --only loss`).
"""

from __future__ import annotations

import os
import shutil
import signal
import threading
import time

from bench.replicas import Replicator, base_environment, prompt_store
from bench.servers import Gunicorn
from bench.traffic import Client

WRITERS = 4  # threads saving at once


def host(db, settings, logs) -> tuple[Gunicorn, Replicator]:
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


def save_until_killed(server, round_: int, tally) -> tuple[dict, threading.Event, list]:
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


def lose_the_host(server, replicator, db, threads, stop) -> float:
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
