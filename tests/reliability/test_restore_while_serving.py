"""`prompt-store restore --yes` while gunicorn serves saves and deletes: nothing acknowledged
is lost, no takedown is undone (issue 20, findings 3 and 4)."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

from tests.servers import ROOT, Gunicorn

from .conftest import Client, read_all

WRITERS, RESTORES, DELETABLE = 4, 3, 120
CLI = [str(Path(sys.executable).parent / "prompt-store")]


def _cli(*args: str) -> str:
    done = subprocess.run([*CLI, *args], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr + done.stdout
    return done.stdout


def _removed(db: Path) -> set[str]:
    with sqlite3.connect(db) as conn:
        return {i for (i,) in conn.execute("SELECT id FROM prompts WHERE removed_at IS NOT NULL")}


def test_restore_while_serving_keeps_every_201_and_every_204(tmp_path, tally):
    db = tmp_path / "live" / "prompts.db"
    backups = db.parent / "backups"
    saved: dict[str, str] = {}  # 201s: id -> text
    deleted: list[str] = []  # 204s
    refused = {"save": 0, "delete": 0}
    lock, stop = threading.Lock(), threading.Event()
    with Gunicorn(db, workers=2) as server:
        seed, tokens = Client(server.port, tally), {}
        for i in range(1500):  # a database the restore takes a while to copy and write
            status, _, body = seed.save(f"seed {i}\n" + "Restored? " * 150)
            assert status == 201
        for i in range(DELETABLE):  # in the backup, deleted while restores run
            status, _, body = seed.save(f"to be taken down {i}")
            tokens[body["id"]] = body["delete_token"]
        backup = json.loads(_cli("--db", str(db), "backup", "--json"))["path"]

        def writer(n: int) -> None:
            client, i = Client(server.port, tally), 0
            while not stop.is_set():
                text = f"writer {n} save {i}"
                status, headers, body = client.save(text)
                if status == 503:
                    assert headers["retry-after"] == "1", body
                    refused["save"] += 1
                else:
                    assert status == 201, body
                    with lock:
                        saved[body["id"]] = text
                i += 1

        def deleter() -> None:
            client = Client(server.port, tally)
            for prompt_id, token in tokens.items():
                if stop.is_set():
                    return
                while True:
                    status, headers, _ = client.request(
                        "DELETE", f"/api/prompts/{prompt_id}", headers={"X-Delete-Token": token}
                    )
                    if status != 503:
                        break
                    refused["delete"] += 1
                    time.sleep(0.05)
                assert status == 204, status
                deleted.append(prompt_id)
                time.sleep(0.02)

        threads = [threading.Thread(target=writer, args=(n,)) for n in range(WRITERS)]
        threads.append(threading.Thread(target=deleter))
        for thread in threads:
            thread.start()
        try:
            for _ in range(RESTORES):
                time.sleep(1.1)  # safety copies are named to the second
                _cli("--db", str(db), "restore", backup, "--yes")
            time.sleep(0.5)
        finally:
            stop.set()
            for thread in threads:
                thread.join(60)
        client = Client(server.port, tally)
        served = [i for i in deleted if client.request("GET", f"/api/prompts/{i}")[0] != 410]
    safety = sorted(backups.glob("pre-restore-*.db"))
    assert len(safety) == RESTORES
    kept: dict[str, str] = read_all(db)
    for path in safety:
        kept.update({k: v for k, v in read_all(path).items() if k not in kept})
    lost = {i for i, text in saved.items() if kept.get(i) != text}
    tally["acknowledged"] += len(saved)
    tally["lost"] += len(lost)
    undone = set(deleted) - _removed(db)
    assert len(deleted) > DELETABLE // 4 and len(saved) > 200  # the restores had company
    assert not (lost or undone or served), (
        f"{len(lost)} of {len(saved)} acknowledged saves are in neither file; "
        f"{len(undone)} of {len(deleted)} takedowns undone, {len(served)} served again"
    )
