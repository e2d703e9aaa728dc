"""Backups taken while writers run are complete and sound; the restore drill works."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import threading
from pathlib import Path

from bench.servers import ROOT, Gunicorn

from .conftest import Client, assert_all_present, integrity

WRITERS, BACKUPS = 4, 3
CLI = [str(Path(sys.executable).parent / "prompt-store")]


def _cli(*args: str) -> subprocess.CompletedProcess:
    done = subprocess.run([*CLI, *args], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr + done.stdout
    return done


def test_backups_under_load_hold_every_acknowledged_save_and_restore(tmp_path, tally):
    db, dest = tmp_path / "live" / "prompts.db", tmp_path / "backups"
    acknowledged: dict[str, str] = {}
    lock, stop = threading.Lock(), threading.Event()
    taken: list[tuple[Path, dict[str, str]]] = []
    with Gunicorn(db, workers=4) as server:

        def writer(n: int) -> None:
            client, i = Client(server.port, tally), 0
            while not stop.is_set():
                text = f"writer {n} save {i}\n" + "Backed up. " * (i % 60)
                status, _, body = client.save(text)
                assert status == 201, body
                with lock:
                    acknowledged[body["id"]] = text
                i += 1

        threads = [threading.Thread(target=writer, args=(n,)) for n in range(WRITERS)]
        for t in threads:
            t.start()
        try:
            for _ in range(BACKUPS):
                stop.wait(1.1)  # backup names have one-second resolution
                while True:  # let some saves land between backups
                    with lock:
                        if len(acknowledged) >= 300 * (len(taken) + 1):
                            before = dict(acknowledged)  # acknowledged before it began
                            break
                    stop.wait(0.01)
                out = _cli("--db", str(db), "backup", "--dest", str(dest), "--json").stdout
                taken.append((Path(json.loads(out)["path"]), before))
        finally:
            stop.set()
            for t in threads:
                t.join(30)
    for path, before in taken:
        assert integrity(path) == "ok"
        assert_all_present(path, before, tally)
    assert_all_present(db, acknowledged, tally)

    # The drill: restore the last backup into a fresh path and serve it.
    path, before = taken[-1]
    fresh = tmp_path / "fresh" / "prompts.db"
    _cli("--db", str(fresh), "init-db")  # a new host's release phase makes the database
    restored = _cli("--db", str(fresh), "restore", str(path), "--yes").stdout
    count = int(re.search(r"Restored (\d+) prompts", restored).group(1))
    assert count >= len(before)  # and saves made while the backup ran, up to its snapshot
    with Gunicorn(fresh) as server:
        client = Client(server.port, tally)
        for pid, text in before.items():
            status, _, raw = client.request("GET", f"/api/prompts/{pid}/raw")
            assert status == 200 and raw.decode() == text
