"""The store's public functions, called directly as a script would.

Each test runs on SQLite and on PostgreSQL (see conftest.py), except those marked
sqlite_only; tests/test_postgres.py has PostgreSQL's counterparts of those.
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from api.config import Config, ConfigError
from api.store import (
    SCHEMA_VERSION,
    InvalidPromptId,
    InvalidPromptText,
    ParentNotFound,
    PromptConflict,
    PromptNotFound,
    PromptTooLarge,
    SchemaTooNew,
    Store,
    default_store,
    get_prompt,
    save_prompt,
    summarise,
    validate_prompt_id,
)
from api.store.schema import PROMPT_COLUMNS
from api.store.values import SUMMARY_CHARS

pytestmark = pytest.mark.usefixtures("store")


@pytest.mark.sqlite_only
def test_functions_initialise_the_database_from_the_environment(tmp_path, monkeypatch):
    path = tmp_path / "fresh" / "prompts.db"
    monkeypatch.setenv("STRUCKDOWN_PROMPT_DB", str(path))
    default_store.cache_clear()
    try:
        prompt_id, created = save_prompt("Hello {{ name }}")
        assert created and path.exists()
        assert get_prompt(prompt_id) == "Hello {{ name }}"
    finally:
        default_store().close()
        default_store.cache_clear()


@pytest.mark.sqlite_only
def test_default_database_lives_under_home_with_private_permissions(tmp_path):
    store = Store(Config())  # HOME is a temp dir in tests
    store.prompts.save("private")
    store.close()
    path = tmp_path / "home" / ".struckdown" / "prompts.db"
    assert path.exists()
    assert path.parent.stat().st_mode & 0o777 == 0o700
    assert path.stat().st_mode & 0o777 == 0o600


@pytest.mark.sqlite_only
def test_connection_uses_wal_and_the_agreed_pragmas(store):
    store.healthcheck()
    pragma = lambda name: store.database.peewee.execute_sql(f"PRAGMA {name}").fetchone()[0]  # noqa: E731
    assert pragma("journal_mode") == "wal"
    assert pragma("synchronous") == 2  # FULL, the default: a save survives a power cut
    assert pragma("foreign_keys") == 1
    assert pragma("busy_timeout") >= 5000
    assert pragma("cache_size") == -512  # a bounded page cache per connection


@pytest.mark.sqlite_only
@pytest.mark.parametrize("setting, level", [("", 2), ("FULL", 2), ("normal", 1)])
def test_synchronous_is_a_setting_every_connection_gets(tmp_path, setting, level):
    env = {"STRUCKDOWN_PROMPT_DB": str(tmp_path / "p.db"), "STRUCKDOWN_SQLITE_SYNCHRONOUS": setting}
    store = Store(Config.from_env(env))
    store.prompts.save("durable")
    found = []
    worker = threading.Thread(  # another thread: its own connection
        target=lambda: found.append(
            store.database.peewee.execute_sql("PRAGMA synchronous").fetchone()[0]
        )
    )
    worker.start()
    worker.join()
    assert found == [level]
    assert store.database.peewee.execute_sql("PRAGMA synchronous").fetchone()[0] == level
    store.close()


def test_an_unknown_synchronous_setting_is_refused_in_one_sentence():
    with pytest.raises(
        ConfigError, match="STRUCKDOWN_SQLITE_SYNCHRONOUS='off': use full or normal"
    ):
        Config.from_env({"STRUCKDOWN_SQLITE_SYNCHRONOUS": "off"})


@pytest.mark.sqlite_only
def test_model_matches_the_migrated_schema(store):
    store.healthcheck()
    columns = {r[1] for r in store.database.peewee.execute_sql("PRAGMA table_info(prompts)")}
    assert set(PROMPT_COLUMNS) <= columns
    indexes = {r[1] for r in store.database.peewee.execute_sql("PRAGMA index_list(prompts)")}
    assert {"prompts_root_sha256", "prompts_parent_sha256", "prompts_created_at"} <= indexes


def test_schema_version_is_recorded_and_migrate_is_repeatable(store):
    assert store.migrate() == 0  # a new file starts empty
    assert store.migrate() == SCHEMA_VERSION
    assert store.schema_version() == SCHEMA_VERSION


def test_a_database_from_a_newer_release_is_refused(store, db_path):
    store.healthcheck()
    store.database.peewee.execute_sql(
        "INSERT INTO schema_migrations (version, applied_at) "
        f"VALUES ({SCHEMA_VERSION + 1}, 'later')"
    )
    with pytest.raises(SchemaTooNew):
        store.migrate()


def test_save_returns_a_uuid_and_metadata(store):
    record, created = store.prompts.save("Summarise: {{ text }}")
    assert created
    assert validate_prompt_id(record.id) == record.id
    meta = store.prompts.get(record.id)
    assert meta.text == "Summarise: {{ text }}"
    assert meta.parent_id is None
    assert meta.sha256 == hashlib.sha256(b"Summarise: {{ text }}").hexdigest()
    assert meta.created_at.endswith("+00:00")


def test_same_text_under_same_parent_is_idempotent(store):
    root = store.prompts.save("v1")[0].id
    child, created = store.prompts.save("v2", root)
    again, created_again = store.prompts.save("v2", root)
    assert created and not created_again and again == child
    assert store.maintenance.sizes()["count"] == 2


def test_same_text_as_the_parent_returns_the_parent(store):
    root = store.prompts.save("unchanged")[0].id
    version, created = store.prompts.save("unchanged", root)
    assert (version.id, created) == (root, False)
    assert store.maintenance.sizes()["count"] == 1


def test_same_text_under_another_parent_is_a_new_version(store):
    a = store.prompts.save("a")[0].id
    b = store.prompts.save("b")[0].id
    x1 = store.prompts.save("x", a)[0].id
    x2, created = store.prompts.save("x", b)
    assert created and x1 != x2


def test_unknown_parent_is_refused_and_nothing_is_written(store):
    with pytest.raises(ParentNotFound):
        store.prompts.save("orphan", "00000000-0000-4000-8000-000000000000")
    assert store.maintenance.sizes()["count"] == 0


@pytest.mark.parametrize("text", ["", "   \n\t", "a\x00b", "\ud800", 42, None])
def test_unstorable_text_is_refused(store, text):
    with pytest.raises(InvalidPromptText):
        store.prompts.save(text)
    assert store.maintenance.sizes()["count"] == 0


def test_text_over_the_limit_is_refused_not_truncated(make_config):
    store = Store(make_config(max_bytes=10))
    store.prompts.save("é" * 5)  # exactly 10 bytes
    with pytest.raises(PromptTooLarge) as error:
        store.prompts.save("é" * 5 + "!")
    assert (error.value.size, error.value.limit) == (11, 10)


def test_text_round_trips_exactly(store):
    text = "line one\r\nline two\n\n  indented\t\u2028 emoji 😀 RTL \u05d0 end without newline"
    prompt_id = store.prompts.save(text)[0].id
    assert store.prompts.get(prompt_id).text == text


def test_uppercase_ids_are_normalised_and_junk_is_refused(store):
    prompt_id = store.prompts.save("x")[0].id
    assert store.prompts.get(prompt_id.upper()).text == "x"
    assert store.prompts.exists(prompt_id.upper())
    for junk in ["", "x", prompt_id + "0", "{" + prompt_id[1:-1] + "}", None, 7]:
        with pytest.raises(InvalidPromptId):
            validate_prompt_id(junk)
        assert not store.prompts.exists(junk)


def test_missing_prompt_raises_not_found(store):
    with pytest.raises(PromptNotFound):
        store.prompts.get("00000000-0000-4000-8000-000000000000")


def _chain(store, length: int) -> list[str]:
    ids = [store.prompts.save("v0")[0].id]
    for i in range(1, length):
        ids.append(store.prompts.save(f"v{i}", ids[-1])[0].id)
    return ids


def test_history_is_the_path_to_the_root_nearest_first(store):
    ids = _chain(store, 5)
    history = store.prompts.history(ids[-1])
    assert [h.id for h in history] == ids[-2::-1]
    assert history[0].summary == "v3"
    assert store.prompts.history(ids[0]) == []


@pytest.mark.sqlite_only
def test_history_of_a_deep_chain_is_one_query(store):
    ids = _chain(store, 300)
    statements = []
    connection = store.database.peewee.connection()
    connection.set_trace_callback(statements.append)
    try:
        history = store.prompts.history(ids[-1])
    finally:
        connection.set_trace_callback(None)
    assert len(history) == 299
    assert len(statements) == 1 and "WITH RECURSIVE" in statements[0]


def test_history_limit_stops_early(store):
    ids = _chain(store, 10)
    assert [h.id for h in store.prompts.history(ids[-1], limit=3)] == ids[-2:-5:-1]


def test_summary_is_the_first_non_blank_line_shortened():
    assert summarise("\n\n  Title line  \nmore") == "Title line"
    long = summarise("x" * 500)
    assert len(long) == SUMMARY_CHARS and long.endswith("…")


def test_list_prompts_is_newest_first_and_pages_by_keyset(store):
    ids = [store.prompts.save(f"p{i}")[0].id for i in range(5)]
    first = store.prompts.listing(limit=2)
    assert [r.id for r in first] == ids[:-3:-1]
    rest = store.prompts.listing(limit=10, after=(first[-1].created_at, first[-1].id))
    assert [r.id for r in rest] == ids[-3::-1]
    assert [r.id for r in store.prompts.listing(limit=2, offset=4)] == [ids[0]]
    assert "text" not in first[0]


def test_children_are_the_direct_descendants(store):
    root = store.prompts.save("root")[0].id
    a = store.prompts.save("a", root)[0].id
    b = store.prompts.save("b", root)[0].id
    store.prompts.save("grandchild", a)
    assert [c.id for c in store.prompts.children(root)] == [a, b]


@pytest.mark.sqlite_only
def test_cache_stats_count_the_wal_too(store):
    store.prompts.save("x" * 10_000)
    stats = store.maintenance.sizes()
    assert stats["count"] == 1
    assert stats["wal_bytes"] > 0
    assert stats["total_bytes"] == stats["db_bytes"] + stats["wal_bytes"]


def test_store_prompt_keeps_the_given_id_and_is_idempotent(store):
    pid = "0b9b0a3e-6c0e-4b8e-9d1a-1f2e3d4c5b6a"
    assert store.prompts.store(pid.upper(), "kept", created_at="2020-01-01T00:00:00.000000+00:00")
    assert not store.prompts.store(pid, "kept")
    assert store.prompts.get(pid).created_at.startswith("2020-01-01")
    with pytest.raises(PromptConflict):
        store.prompts.store(pid, "different")


def test_concurrent_identical_saves_make_one_row(store):
    results, errors = [], []

    def worker():
        try:
            results.append(store.prompts.save("raced"))
        except Exception as error:  # collected and asserted below
            errors.append(error)
        finally:
            store.close()

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len({r[0] for r in results}) == 1
    assert sum(created for _, created in results) == 1


@pytest.mark.sqlite_only
def test_unique_index_refuses_a_duplicate_even_behind_the_stores_back(store, db_path):
    store.prompts.save("once")
    raw = sqlite3.connect(db_path)
    digest = hashlib.sha256(b"once").hexdigest()
    with pytest.raises(sqlite3.IntegrityError):
        raw.execute(
            "INSERT INTO prompts (id, parent_id, text, sha256, created_at) VALUES (?,?,?,?,?)",
            ("11111111-1111-4111-8111-111111111111", None, "once", digest, "x"),
        )
    raw.close()


def test_rate_limit_allows_a_burst_then_spaces_saves(store):
    now = 1000.0
    assert all(store.rate_limits.take("k", 3, 60, now) == 0 for _ in range(3))
    wait = store.rate_limits.take("k", 3, 60, now)
    assert wait == pytest.approx(20.0)
    assert store.rate_limits.take("k", 3, 60, now + 19.9) > 0
    assert store.rate_limits.take("k", 3, 60, now + 20.0) == 0
    assert store.rate_limits.take("other", 3, 60, now) == 0


def test_a_client_whose_allowance_refilled_forgets_the_others_like_it(store):
    assert store.rate_limits.take("early", 3, 60, 1000.0) == 0  # refilled by 1020
    assert store.rate_limits.take("busy", 3, 60, 1999.0) == 0  # a new client: prunes
    assert store.rate_limits.take("busy", 3, 60, 1999.5) == 0
    assert store.rate_limits.take("late", 3, 60, 2000.0) == 0  # "busy" has not refilled
    keys = store.database.execute("SELECT key FROM rate_limits ORDER BY key").fetchall()
    assert [key for (key,) in keys] == ["busy", "late"]


@settings(max_examples=500, deadline=None)
@given(
    text=st.text(
        st.sampled_from(list("ab \t\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029\u00a0é")), max_size=300
    )
)
def test_the_summary_is_the_first_non_blank_line_as_splitlines_reads_lines(text):
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    expected = first if len(first) <= SUMMARY_CHARS else first[: SUMMARY_CHARS - 1] + "…"
    assert summarise(text) == expected
