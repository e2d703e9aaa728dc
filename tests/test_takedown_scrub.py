"""A takedown leaves no trace even after the text's row was moved around by page splits.

The store zeroes old content as pages are written (secure_delete=fast) instead of
rewriting the whole file on every takedown; these tests try to catch it out.
"""

from __future__ import annotations

import hashlib
import json
import random
import sqlite3
import time

import pytest
import webtest

from api.app import create_app
from api.store import PromptRemoved, ScrubIncomplete, Store
from bench.servers import Gunicorn

pytestmark = [pytest.mark.sqlite_only, pytest.mark.usefixtures("store")]


def _files(db_path) -> bytes:
    """Every file of the database's directory (or of the directory given)."""
    folder = db_path if db_path.is_dir() else db_path.parent
    return b"".join(p.read_bytes() for p in folder.iterdir() if p.is_file())


@pytest.mark.parametrize("secret_size", [200, 3_000, 40_000])  # in-page, near a page, overflow
def test_takedown_scrubs_a_text_that_page_splits_have_copied(store, db_path, secret_size):
    rng = random.Random(secret_size)
    secret = ("SECRET-" + "".join(rng.choices("abcdef0123456789", k=32)) + " ") * (
        secret_size // 40
    )
    ids = []
    for i in range(400):  # texts of mixed sizes around it, so its cell moves between pages
        ids.append(store.prompts.save(f"before {i} " + "b" * rng.randrange(10, 6000))[0].id)
    secret_id = store.prompts.save(secret, rng.choice(ids))[0].id
    for i in range(400):
        store.prompts.save(f"after {i} " + "a" * rng.randrange(10, 6000), rng.choice(ids))
    store.close()
    assert secret[:40].encode() in _files(db_path)  # it is there to find
    store.takedowns.purge([secret_id])
    store.close()
    raw = _files(db_path)
    assert secret[:40].encode() not in raw
    assert hashlib.sha256(secret.encode()).hexdigest().encode() not in raw
    with pytest.raises(PromptRemoved):
        store.prompts.get(secret_id)


def _hold_a_long_read(db_path) -> sqlite3.Connection:
    """A reader in the middle of a long read: its snapshot keeps the WAL's old pages."""
    reader = sqlite3.connect(db_path, isolation_level=None)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM prompts").fetchall()
    return reader


SECRET = "PENDING-SCRUB-SECRET " * 50


def test_a_scrub_kept_from_finishing_is_pending_until_a_retry_finishes_it(store, db_path):
    secret_id = store.prompts.save(SECRET)[0].id
    store.database.execute("PRAGMA busy_timeout = 100")  # this thread waits briefly for readers
    reader = _hold_a_long_read(db_path)
    with pytest.raises(ScrubIncomplete):
        store.takedowns.purge([secret_id])
    assert store.takedowns.scrub_pending()
    assert SECRET[:40].encode() in _files(db_path)  # the old pages are still in the files
    assert store.takedowns.retry_scrub() is False  # the reader is still there
    assert Store(store.config).takedowns.scrub_pending()  # every process sees it pending
    reader.rollback()
    reader.close()
    assert store.takedowns.retry_scrub() is True
    assert not store.takedowns.scrub_pending()
    assert SECRET[:40].encode() not in _files(db_path)
    assert store.takedowns.retry_scrub() is True  # nothing pending: nothing to do


def _eventually(condition, seconds: float = 120) -> bool:
    """A liveness wait (not a timing claim): poll until `condition()` or give up."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def test_a_delete_refused_503_during_a_long_read_is_scrubbed_once_the_read_ends(store, db_path):
    client = webtest.TestApp(create_app(store=store))
    saved = client.post_json("/api/prompts", {"text": SECRET}, status=201).json
    store.database.execute("PRAGMA busy_timeout = 100")  # the thread WebTest serves on
    reader = _hold_a_long_read(db_path)
    client.delete(
        f"/api/prompts/{saved['id']}", headers={"X-Delete-Token": saved["delete_token"]}, status=503
    )
    client.get(f"/api/prompts/{saved['id']}", status=410)
    assert SECRET[:40].encode() in _files(db_path)
    reader.rollback()
    reader.close()
    # No operator, no further request: the app retries by itself.
    assert _eventually(lambda: SECRET[:40].encode() not in _files(db_path))
    assert _eventually(lambda: not store.takedowns.scrub_pending())


def test_a_scrub_left_pending_by_another_process_is_retried_after_the_next_save(store, db_path):
    secret_id = store.prompts.save(SECRET)[0].id
    store.database.execute("PRAGMA busy_timeout = 100")
    reader = _hold_a_long_read(db_path)
    with pytest.raises(ScrubIncomplete):
        store.takedowns.purge([secret_id])  # as `prompt-store purge` would, then exits
    reader.rollback()
    reader.close()
    client = webtest.TestApp(create_app(store.config))  # a worker that knows nothing of it
    assert store.takedowns.scrub_pending()
    client.post_json("/api/prompts", {"text": "an unrelated save"}, status=201)
    assert _eventually(lambda: SECRET[:40].encode() not in _files(db_path))
    assert _eventually(lambda: not store.takedowns.scrub_pending())


@pytest.mark.slow  # it waits out the server's busy_timeout (10 s): the slow tier
def test_through_gunicorn_a_delete_refused_during_a_long_read_is_scrubbed_later(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    with Gunicorn(data / "prompts.db", log_dir=tmp_path / "logs") as server:
        status, _, body = server.request("POST", "/api/prompts", {"text": SECRET})
        saved = json.loads(body)
        reader = _hold_a_long_read(data / "prompts.db")
        token = {"X-Delete-Token": saved["delete_token"]}
        status, _, body = server.request("DELETE", f"/api/prompts/{saved['id']}", headers=token)
        assert status == 503, body  # after the server's busy_timeout spent waiting for the read
        assert SECRET[:40].encode() in _files(data)
        reader.rollback()
        reader.close()
        assert _eventually(lambda: SECRET[:40].encode() not in _files(data))
        assert _eventually(lambda: not (data / "prompts.db.scrub-pending").exists())
        assert server.request("GET", f"/api/prompts/{saved['id']}")[0] == 410
