"""A takedown on PostgreSQL without rewriting the table (issue 25): plain VACUUM, then the
freed space written over; no byte of the text left in the table's, its TOAST's or its
indexes' files, nor anywhere in the database's directory, whatever the row's place."""

from __future__ import annotations

import base64
import hashlib
import os
import threading
import uuid

import psycopg2
import pytest

from api.config import Config
from api.store import PromptRemoved, ScrubIncomplete, Store
from jobs.cli import main
from tests.postgres_files import holding, relation_files


@pytest.fixture
def url(new_postgres_url) -> str:
    return new_postgres_url()


@pytest.fixture
def store(url, db_path):
    store = Store(Config(db_path=db_path, database_url=url, save_rate_limit=None))
    yield store
    store.close()


def _filenode(store) -> int:
    (node,) = store.database.one("SELECT pg_relation_filenode('prompts')")
    return node


def _random_text(size: int) -> str:
    """A text no compressor shortens: stored as it is, in the row or in TOAST."""
    return base64.b64encode(os.urandom(size)).decode()[:size]


# Each layout puts the removed row somewhere else: the newest on its page (nothing slides
# over it when VACUUM prunes it), between others, compressed in its row, or in TOAST
# between other TOAST values.
LAYOUTS = {
    "newest on its page": (300, 0, 0),
    "between others": (300, 0, 12),
    "compressed in its row": (3400, 0, 0),
    "in TOAST, the newest": (20_000, 20_000, 0),
    "in TOAST, between others": (20_000, 20_000, 3),
}


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_a_takedown_leaves_no_byte_of_the_text_and_rewrites_nothing(store, url, layout):
    size, others_size, after = LAYOUTS[layout]
    marker = f"sk-live-{uuid.uuid4().hex}"
    if layout == "compressed in its row":
        secret = f"Use this key: {marker}. " + "Summarise {{ text }} politely. " * (size // 30)
    else:
        secret = f"Use this key: {marker}. " + _random_text(size)
    # Eight bytes of the key at a multiple of eight: pglz puts its control byte between
    # each eight literals, so these stay whole in a compressed text too.
    needles = [secret[24:32].encode(), hashlib.sha256(secret.encode()).hexdigest().encode()]
    filler = _random_text(others_size) if others_size else "u" * 300
    kept = [store.prompts.save(f"before {i} {filler}")[0].id for i in range(20)]
    secret_id = store.prompts.save(secret)[0].id
    kept += [store.prompts.save(f"after {i} {filler}", secret_id)[0].id for i in range(after)]
    store.database.execute("ANALYZE prompts")  # statistics would sample the text
    files, everything = relation_files(url)
    assert holding(files, needles[0]) and holding(files, needles[1])
    node = _filenode(store)

    statements = []
    execute_sql = store.database.peewee.execute_sql

    def recorded(sql, params=None, *args, **kwargs):
        statements.append(sql)
        return execute_sql(sql, params, *args, **kwargs)

    store.database.peewee.execute_sql = recorded
    assert store.takedowns.purge([secret_id]) == [secret_id]
    store.database.peewee.execute_sql = execute_sql

    files, everything = relation_files(url)
    for needle in needles:
        assert holding(everything, needle) == []
    assert "VACUUM prompts" in statements
    assert not [sql for sql in statements if "FULL" in sql.upper()]
    assert _filenode(store) == node  # the same file: the table was not rewritten
    with pytest.raises(PromptRemoved):
        store.prompts.get(secret_id)
    for prompt_id in kept:  # the rest is untouched
        assert store.prompts.get(prompt_id).text.endswith(filler)
    assert store.maintenance.check()["sha256"] == []


def _older_transaction(url):
    """Another connection whose snapshot is from before the takedown (an export, a dump)."""
    reader = psycopg2.connect(url)
    reader.set_session(isolation_level="REPEATABLE READ")
    with reader.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM prompts")
    return reader


@pytest.mark.parametrize("finish", ["retried", "purged again"])
def test_a_scrub_an_older_transaction_holds_up_finishes_once_it_ends(store, url, runner, finish):
    secret = f"Use this key: sk-live-{uuid.uuid4().hex}"
    for i in range(5):
        store.prompts.save(f"unrelated {i} " + "u" * 300)
    secret_id = store.prompts.save(secret)[0].id
    reader = _older_transaction(url)
    store.dialect.scrub_wait_ms = 0
    with pytest.raises(ScrubIncomplete, match="older than the takedown"):
        store.takedowns.purge([secret_id])
    with pytest.raises(PromptRemoved):  # the tombstone is in place all the same
        store.prompts.get(secret_id)
    assert store.takedowns.scrub_pending()
    assert store.takedowns.retry_scrub() is False  # the transaction is still open
    reader.close()
    if finish == "retried":
        assert store.takedowns.retry_scrub() is True
        assert not store.takedowns.scrub_pending()
    else:
        result = runner.invoke(main, ["purge", secret_id, "--yes"], env={"DATABASE_URL": url})
        assert result.exit_code == 0, result.output
        assert "VACUUM removed its old row version" in result.output
    files, everything = relation_files(url)
    assert holding(everything, secret.encode()) == []


def test_a_takedown_waits_a_moment_for_an_older_transaction_to_end(store, url):
    secret_id = store.prompts.save(f"Use this key: sk-live-{uuid.uuid4().hex}")[0].id
    reader = _older_transaction(url)
    store.dialect.scrub_wait_ms = 5000
    timer = threading.Timer(0.3, reader.close)
    timer.start()
    assert store.takedowns.purge([secret_id]) == [secret_id]  # no ScrubIncomplete
    timer.join()
    assert not store.takedowns.scrub_pending()
