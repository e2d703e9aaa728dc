"""The store's public functions, called directly as a script would.

Each test runs on SQLite and on PostgreSQL (see conftest.py), except those marked
sqlite_only; tests/test_postgres.py has PostgreSQL's counterparts of those.
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading

import pytest

from api import store
from api.config import Config

pytestmark = pytest.mark.usefixtures("configured")


@pytest.mark.sqlite_only
def test_functions_initialise_the_database_from_the_environment(tmp_path, monkeypatch):
    path = tmp_path / "fresh" / "prompts.db"
    monkeypatch.setenv("STRUCKDOWN_PROMPT_DB", str(path))
    store.configure()
    prompt_id, created = store.save_prompt("Hello {{ name }}")
    assert created and path.exists()
    assert store.get_prompt(prompt_id) == "Hello {{ name }}"


@pytest.mark.sqlite_only
def test_default_database_lives_under_home_with_private_permissions(tmp_path):
    store.configure(Config())  # HOME is a temp dir in tests
    store.save_prompt("private")
    path = tmp_path / "home" / ".struckdown" / "prompts.db"
    assert path.exists()
    assert path.parent.stat().st_mode & 0o777 == 0o700
    assert path.stat().st_mode & 0o777 == 0o600


@pytest.mark.sqlite_only
def test_connection_uses_wal_and_the_agreed_pragmas():
    store.healthcheck()
    pragma = lambda name: store.database.execute_sql(f"PRAGMA {name}").fetchone()[0]  # noqa: E731
    assert pragma("journal_mode") == "wal"
    assert pragma("synchronous") == 1  # NORMAL
    assert pragma("foreign_keys") == 1
    assert pragma("busy_timeout") >= 5000


@pytest.mark.sqlite_only
def test_model_matches_the_migrated_schema():
    store.healthcheck()
    columns = {r[1] for r in store.database.execute_sql("PRAGMA table_info(prompts)")}
    assert {f.column_name for f in store.Prompt._meta.sorted_fields} <= columns
    indexes = {r[1] for r in store.database.execute_sql("PRAGMA index_list(prompts)")}
    assert {"prompts_root_sha256", "prompts_parent_sha256", "prompts_created_at"} <= indexes


def test_schema_version_is_recorded_and_migrate_is_repeatable():
    assert store.migrate() == 0  # a new file starts empty
    assert store.migrate() == store.SCHEMA_VERSION
    assert store.schema_version() == store.SCHEMA_VERSION


def test_a_database_from_a_newer_release_is_refused(db_path):
    store.healthcheck()
    store.database.execute_sql(
        "INSERT INTO schema_migrations (version, applied_at) "
        f"VALUES ({store.SCHEMA_VERSION + 1}, 'later')"
    )
    with pytest.raises(store.SchemaTooNew):
        store.migrate()


def test_save_returns_a_uuid_and_metadata():
    record, created = store.save_prompt_record("Summarise: {{ text }}")
    assert created
    assert store.validate_prompt_id(record["id"]) == record["id"]
    meta = store.get_prompt_with_metadata(record["id"])
    assert meta["text"] == "Summarise: {{ text }}"
    assert meta["parent_id"] is None
    assert meta["sha256"] == hashlib.sha256(b"Summarise: {{ text }}").hexdigest()
    assert meta["created_at"].endswith("+00:00")


def test_same_text_under_same_parent_is_idempotent():
    root, _ = store.save_prompt("v1")
    child, created = store.save_prompt("v2", root)
    again, created_again = store.save_prompt("v2", root)
    assert created and not created_again and again == child
    assert store.get_cache_stats()["count"] == 2


def test_same_text_as_the_parent_returns_the_parent():
    root, _ = store.save_prompt("unchanged")
    assert store.save_prompt("unchanged", root) == (root, False)
    assert store.get_cache_stats()["count"] == 1


def test_same_text_under_another_parent_is_a_new_version():
    a, _ = store.save_prompt("a")
    b, _ = store.save_prompt("b")
    x1, _ = store.save_prompt("x", a)
    x2, created = store.save_prompt("x", b)
    assert created and x1 != x2


def test_unknown_parent_is_refused_and_nothing_is_written():
    with pytest.raises(store.ParentNotFound):
        store.save_prompt("orphan", "00000000-0000-4000-8000-000000000000")
    assert store.get_cache_stats()["count"] == 0


@pytest.mark.parametrize("text", ["", "   \n\t", "a\x00b", "\ud800", 42, None])
def test_unstorable_text_is_refused(text):
    with pytest.raises(store.InvalidPromptText):
        store.save_prompt(text)
    assert store.get_cache_stats()["count"] == 0


def test_text_over_the_limit_is_refused_not_truncated(make_config):
    store.configure(make_config(max_bytes=10))
    store.save_prompt("é" * 5)  # exactly 10 bytes
    with pytest.raises(store.PromptTooLarge) as error:
        store.save_prompt("é" * 5 + "!")
    assert (error.value.size, error.value.limit) == (11, 10)


def test_text_round_trips_exactly():
    text = "line one\r\nline two\n\n  indented\t\u2028 emoji 😀 RTL \u05d0 end without newline"
    prompt_id, _ = store.save_prompt(text)
    assert store.get_prompt(prompt_id) == text


def test_uppercase_ids_are_normalised_and_junk_is_refused():
    prompt_id, _ = store.save_prompt("x")
    assert store.get_prompt(prompt_id.upper()) == "x"
    assert store.prompt_exists(prompt_id.upper())
    for junk in ["", "x", prompt_id + "0", "{" + prompt_id[1:-1] + "}", None, 7]:
        with pytest.raises(store.InvalidPromptId):
            store.validate_prompt_id(junk)
        assert not store.prompt_exists(junk)


def test_missing_prompt_raises_not_found():
    with pytest.raises(store.PromptNotFound):
        store.get_prompt("00000000-0000-4000-8000-000000000000")


def _chain(length: int) -> list[str]:
    ids = [store.save_prompt("v0")[0]]
    for i in range(1, length):
        ids.append(store.save_prompt(f"v{i}", ids[-1])[0])
    return ids


def test_history_is_the_path_to_the_root_nearest_first():
    ids = _chain(5)
    history = store.get_prompt_history(ids[-1])
    assert [h["id"] for h in history] == ids[-2::-1]
    assert history[0]["summary"] == "v3"
    assert store.get_prompt_history(ids[0]) == []


@pytest.mark.sqlite_only
def test_history_of_a_deep_chain_is_one_query():
    ids = _chain(300)
    statements = []
    connection = store.database.connection()
    connection.set_trace_callback(statements.append)
    try:
        history = store.get_prompt_history(ids[-1])
    finally:
        connection.set_trace_callback(None)
    assert len(history) == 299
    assert len(statements) == 1 and "WITH RECURSIVE" in statements[0]


def test_history_limit_stops_early():
    ids = _chain(10)
    assert [h["id"] for h in store.get_prompt_history(ids[-1], limit=3)] == ids[-2:-5:-1]


def test_summary_is_the_first_non_blank_line_shortened():
    assert store.summarise("\n\n  Title line  \nmore") == "Title line"
    long = store.summarise("x" * 500)
    assert len(long) == store.SUMMARY_CHARS and long.endswith("…")


def test_list_prompts_is_newest_first_and_pages_by_keyset():
    ids = [store.save_prompt(f"p{i}")[0] for i in range(5)]
    first = store.list_prompts(limit=2)
    assert [r["id"] for r in first] == ids[:-3:-1]
    rest = store.list_prompts(limit=10, after=(first[-1]["created_at"], first[-1]["id"]))
    assert [r["id"] for r in rest] == ids[-3::-1]
    assert [r["id"] for r in store.list_prompts(limit=2, offset=4)] == [ids[0]]
    assert "text" not in first[0]


def test_children_are_the_direct_descendants():
    root, _ = store.save_prompt("root")
    a, _ = store.save_prompt("a", root)
    b, _ = store.save_prompt("b", root)
    store.save_prompt("grandchild", a)
    assert [c["id"] for c in store.get_children(root)] == [a, b]


@pytest.mark.sqlite_only
def test_cache_stats_count_the_wal_too():
    store.save_prompt("x" * 10_000)
    stats = store.get_cache_stats()
    assert stats["count"] == 1
    assert stats["wal_bytes"] > 0
    assert stats["total_bytes"] == stats["db_bytes"] + stats["wal_bytes"]


def test_store_prompt_keeps_the_given_id_and_is_idempotent():
    pid = "0b9b0a3e-6c0e-4b8e-9d1a-1f2e3d4c5b6a"
    assert store.store_prompt(pid.upper(), "kept", created_at="2020-01-01T00:00:00.000000+00:00")
    assert not store.store_prompt(pid, "kept")
    assert store.get_prompt_with_metadata(pid)["created_at"].startswith("2020-01-01")
    with pytest.raises(store.PromptConflict):
        store.store_prompt(pid, "different")


def test_concurrent_identical_saves_make_one_row():
    results, errors = [], []

    def worker():
        try:
            results.append(store.save_prompt("raced"))
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
def test_unique_index_refuses_a_duplicate_even_behind_the_stores_back(db_path):
    store.save_prompt("once")
    raw = sqlite3.connect(db_path)
    digest = hashlib.sha256(b"once").hexdigest()
    with pytest.raises(sqlite3.IntegrityError):
        raw.execute(
            "INSERT INTO prompts (id, parent_id, text, sha256, created_at) VALUES (?,?,?,?,?)",
            ("11111111-1111-4111-8111-111111111111", None, "once", digest, "x"),
        )
    raw.close()


def test_rate_limit_allows_a_burst_then_spaces_saves():
    now = 1000.0
    assert all(store.take_rate_limit("k", 3, 60, now) == 0 for _ in range(3))
    wait = store.take_rate_limit("k", 3, 60, now)
    assert wait == pytest.approx(20.0)
    assert store.take_rate_limit("k", 3, 60, now + 19.9) > 0
    assert store.take_rate_limit("k", 3, 60, now + 20.0) == 0
    assert store.take_rate_limit("other", 3, 60, now) == 0
