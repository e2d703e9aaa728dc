"""Saves and deletes through a real gunicorn while restores run, and what must hold after.

Shared by the restore-while-serving tests (from a backup file, and from the replica):
every 201 is in the live database or a safety copy, every 204 stays down (issue 20,
findings 3 and 4). A 503 during a restore must carry Retry-After; it stored nothing.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path

WRITERS = 4


def _rows(db: Path, query: str) -> list[tuple]:
    connection = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return connection.execute(query).fetchall()
    finally:
        connection.close()


def seed(client, prompts: int, deletable: int) -> dict[str, str]:
    """Fill the database; return the delete tokens of `deletable` more prompts by id."""
    for i in range(prompts):  # a database the restore takes a while to copy and write
        status, _, body = client.save(f"seed {i}\n" + "Restored? " * 150)
        assert status == 201, body
    tokens = {}
    for i in range(deletable):
        status, _, body = client.save(f"to be taken down {i}")
        tokens[body["id"]] = body["delete_token"]
    return tokens


def saves_and_deletes_during(
    client_for: Callable, tokens: dict[str, str], restores: Callable[[], None]
) -> dict:
    """Run writers and a deleter, each with a client_for() of its own, while `restores()`
    runs; return what was acknowledged: {"saved": {id: text}, "deleted": [id],
    "refused": how many 503s}."""
    saved: dict[str, str] = {}
    deleted: list[str] = []
    refused = [0]
    lock, stop = threading.Lock(), threading.Event()

    def writer(n: int) -> None:
        client, i = client_for(), 0
        while not stop.is_set():
            text = f"writer {n} save {i}"
            status, headers, body = client.save(text)
            if status == 503:
                assert headers["retry-after"] == "1", body
                refused[0] += 1
            else:
                assert status == 201, body
                with lock:
                    saved[body["id"]] = text
            i += 1

    def deleter() -> None:
        client = client_for()
        for prompt_id, token in tokens.items():
            while not stop.is_set():
                status, headers, _ = client.request(
                    "DELETE", f"/api/prompts/{prompt_id}", headers={"X-Delete-Token": token}
                )
                if status != 503:
                    assert status == 204, status
                    deleted.append(prompt_id)
                    break
                assert headers["retry-after"] == "1"
                refused[0] += 1
                time.sleep(0.05)
            time.sleep(0.02)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(WRITERS)]
    threads.append(threading.Thread(target=deleter))
    for thread in threads:
        thread.start()
    try:
        restores()
        time.sleep(0.5)
    finally:
        stop.set()
        for thread in threads:
            thread.join(60)
    return {"saved": saved, "deleted": deleted, "refused": refused[0]}


def assert_nothing_lost_or_undone(client, db: Path, done: dict, tally) -> None:
    """Every 201 is in the live file or a safety copy; every 204 answers 410 and is a tombstone."""
    saved, deleted = done["saved"], done["deleted"]
    served = [i for i in deleted if client.request("GET", f"/api/prompts/{i}")[0] != 410]
    kept = dict(_rows(db, "SELECT id, text FROM prompts"))
    for path in sorted((db.parent / "backups").glob("pre-restore-*.db")):
        kept.update({k: v for k, v in _rows(path, "SELECT id, text FROM prompts") if k not in kept})
    removed = {i for (i,) in _rows(db, "SELECT id FROM prompts WHERE removed_at IS NOT NULL")}
    lost = {i for i, text in saved.items() if kept.get(i) != text}
    undone = set(deleted) - removed
    tally["acknowledged"] += len(saved)
    tally["lost"] += len(lost)
    assert len(deleted) > 20 and len(saved) > 200  # the restores had company
    assert not (lost or undone or served), (
        f"{len(lost)} of {len(saved)} acknowledged saves are in neither file; "
        f"{len(undone)} of {len(deleted)} takedowns undone, {len(served)} served again"
    )
