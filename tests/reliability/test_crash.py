"""SIGKILL the whole server mid-load, again and again: every acknowledged save survives."""

from __future__ import annotations

import os
import signal
import threading
import time

from bench.servers import Gunicorn

from .conftest import Client, assert_all_present, integrity

CYCLES, WRITERS = 3, 6


def _load_until_killed(
    server: Gunicorn, acknowledged: dict, lock: threading.Lock, tally, cycle: int
) -> list[threading.Thread]:
    def writer(n: int) -> None:
        client = Client(server.port, tally)
        for i in range(100_000):
            text = f"cycle {cycle} writer {n} save {i}\n" + "Keep this. " * (i % 40)
            try:
                status, _, body = client.save(text)
            except Exception:  # connection refused or torn: never acknowledged
                return
            if status == 201:
                with lock:
                    acknowledged[body["id"]] = text

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(WRITERS)]
    for t in threads:
        t.start()
    return threads


def test_sigkill_mid_load_loses_no_acknowledged_save(tmp_path, tally):
    db = tmp_path / "prompts.db"
    acknowledged: dict[str, str] = {}
    lock = threading.Lock()
    for cycle in range(CYCLES):
        server = Gunicorn(db, workers=4).start()
        threads = _load_until_killed(server, acknowledged, lock, tally, cycle)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:  # kill once this cycle has acknowledged some
            with lock:
                mine = sum(
                    1 for text in acknowledged.values() if text.startswith(f"cycle {cycle} ")
                )
            if mine >= 200:
                break
            time.sleep(0.02)
        os.killpg(server.process.pid, signal.SIGKILL)  # master and every worker
        server.process.wait(10)
        tally["faults"] += 1
        for t in threads:
            t.join(30)
        assert integrity(db) == "ok"
        assert_all_present(db, dict(acknowledged), tally)
    # And the service starts again on the same file and serves what it acknowledged.
    with Gunicorn(db) as server:
        client = Client(server.port, tally)
        some = list(acknowledged.items())[:: max(1, len(acknowledged) // 50)]
        for pid, text in some:
            status, _, raw = client.request("GET", f"/api/prompts/{pid}/raw")
            assert status == 200 and raw.decode() == text
