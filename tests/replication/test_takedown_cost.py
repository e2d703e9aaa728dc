"""A takedown costs the replica the pages it changed, not another copy of the database."""

from __future__ import annotations

import json
import secrets

import pytest

from api.config import Config
from api.store import Store
from bench.replicas import wait_for

pytestmark = pytest.mark.sqlite_only

PROMPTS, TEXT_CHARS = 3000, 6000  # ~18 MB of incompressible text


def _current(volume) -> bool:
    state = json.loads(volume.cli("replica", "status", "--json", check=False).stdout)
    return bool(state.get("replica_current")) and state["lag_seconds"] == 0


def _uploaded_after(store, txid: int) -> int:
    """Bytes of the level-0 files (what Litestream uploads as it syncs) after `txid`."""
    files = store.replication.litestream.files()
    return sum(f["size"] for f in files if f["level"] == 0 and int(f["min_txid"], 16) > txid)


def test_a_few_takedowns_of_a_large_database_upload_far_less_than_it(volume):
    volume.cli("init-db")
    store = volume.store()
    texts = [f"prompt {n} " + secrets.token_urlsafe(TEXT_CHARS) for n in range(PROMPTS)]
    ids = [store.prompts.save(text)[0].id for text in texts]
    volume.replicator().start()
    wait_for(lambda: _current(volume), 120, "the first snapshot never reached the replica")
    size = volume.db.stat().st_size
    start = store.replication.status()["replica_txid"]
    assert _uploaded_after(store, 0) > size / 2  # the first snapshot: the measure sees one
    # Saved long before (their pages' old images left the WAL): the common takedown.
    doomed = [(ids[n], texts[n]) for n in (10, PROMPTS // 3, PROMPTS // 2)]
    for prompt_id, _ in doomed:
        volume.cli("purge", prompt_id, "--yes")
    last = store.prompts.save("saved after the takedowns")[0].id
    wait_for(lambda: _current(volume), 120, "the replica never caught up with the takedowns")
    grown = _uploaded_after(store, start)
    assert grown < size / 10, f"the takedowns uploaded {grown} bytes for a {size}-byte database"
    restored = volume.root / "restored.db"
    store.replication.litestream.restore(restored)  # the replica missed no takedown's pages
    for path in (volume.db, volume.db.with_name(f"{volume.db.name}-wal"), restored):
        data = path.read_bytes() if path.exists() else b""
        for _, text in doomed:
            assert text.encode()[20:220] not in data, path.name
    assert store.prompts.exists(ids[0])
    copy = Store(Config(db_path=restored))
    assert copy.prompts.exists(ids[0]) and copy.prompts.exists(last)
    assert all(copy.prompts.find(prompt_id).removed_at for prompt_id, _ in doomed)


def test_a_takedown_of_text_still_in_the_wal_scrubs_it_at_the_cost_of_a_snapshot(volume):
    volume.cli("init-db")
    store = volume.store()
    volume.replicator().start()
    store.prompts.save("before")
    wait_for(lambda: _current(volume), 60, "the replica never caught up")
    text = "fresh " + secrets.token_urlsafe(3000)
    prompt_id = store.prompts.save(text)[0].id
    wal = volume.db.with_name(f"{volume.db.name}-wal")
    assert text.encode()[20:220] in wal.read_bytes()  # its page images are in the WAL
    volume.cli("purge", prompt_id, "--yes")
    for path in (volume.db, wal):
        assert text.encode()[20:220] not in (path.read_bytes() if path.exists() else b"")
    after = store.prompts.save("replication goes on")[0].id
    wait_for(lambda: _current(volume), 60, "the replica never caught up after the takedown")
    restored = volume.root / "restored.db"
    store.replication.litestream.restore(restored)
    assert Store(Config(db_path=restored)).prompts.exists(after)


def test_takedowns_in_quick_succession_all_reach_the_replica_without_a_snapshot(volume):
    # In-process, each takedown starts within the second after the last one resumed
    # Litestream, before its monitor has reopened the file: the window in which a
    # purge's write once restarted the WAL unseen and the next purge's overwrote it.
    volume.cli("init-db")
    store = volume.store()
    ids = [
        store.prompts.save(f"prompt {n} " + secrets.token_urlsafe(6000))[0].id for n in range(600)
    ]
    volume.replicator().start()
    wait_for(lambda: _current(volume), 120, "the first snapshot never reached the replica")
    size, start = volume.db.stat().st_size, store.replication.status()["replica_txid"]
    doomed = [ids[n] for n in (10, 200, 300, 400)]
    for prompt_id in doomed:
        store.takedowns.purge([prompt_id])
    last = store.prompts.save("saved after the takedowns")[0].id
    wait_for(lambda: _current(volume), 120, "the replica never caught up with the takedowns")
    restored = volume.root / "restored.db"
    store.replication.litestream.restore(restored)
    copy = Store(Config(db_path=restored))
    assert [bool(copy.prompts.find(prompt_id).removed_at) for prompt_id in doomed] == [True] * 4
    assert copy.prompts.exists(last) and copy.prompts.exists(ids[0])
    grown = _uploaded_after(store, start)
    assert grown < size / 10, f"the takedowns uploaded {grown} bytes for a {size}-byte database"
