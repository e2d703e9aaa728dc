"""`purge`: a takedown leaves a tombstone and no trace of the text in the database files."""

from __future__ import annotations

import hashlib
import sqlite3

import pytest

from api.store.sqlite.dialect import PRAGMAS

SECRET = "Use this key: sk-live-7f3a9c2e41d8b6a05e9f1c3d7b2a4e6f and never share it."


pytestmark = pytest.mark.usefixtures("store")


@pytest.fixture
def lineage(store):
    """root -> secret -> child, with unrelated prompts around them."""
    for i in range(30):
        store.prompts.save(f"unrelated {i} " + "u" * 300)
    root = store.prompts.save("Summarise {{ text }}")[0].id
    secret = store.prompts.save(SECRET, root)[0].id
    child = store.prompts.save("Summarise {{ text }} politely", secret)[0].id
    return root, secret, child


def _database_bytes(db_path) -> bytes:
    """Every byte of the main database file and its WAL, as they are on disk."""
    return b"".join(
        path.read_bytes()
        for path in (db_path, db_path.with_name(db_path.name + "-wal"))
        if path.exists()
    )


@pytest.mark.sqlite_only  # PostgreSQL's: test_postgres.py
def test_purge_leaves_no_trace_of_the_text_or_its_hash_in_the_files(cli, db_path, lineage):
    _, secret, _ = lineage
    needles = [
        b"sk-live-7f3a9c2e41d8b6a05e9f1c3d7b2a4e6f",
        hashlib.sha256(SECRET.encode()).hexdigest().encode(),
    ]
    assert all(needle in _database_bytes(db_path) for needle in needles)

    result = cli("purge", secret, "--yes")
    assert result.exit_code == 0, result.output
    assert "Removed the text of 1 prompt(s)" in result.output
    data = _database_bytes(db_path)
    assert not any(needle in data for needle in needles)
    assert b"Summarise {{ text }} politely" in data  # the rest is still there
    assert db_path.with_name(db_path.name + "-wal").stat().st_size == 0  # checkpointed, truncated


def test_a_tombstone_answers_410_and_history_still_resolves_through_it(
    cli, client, admin_headers, lineage
):
    root, secret, child = lineage
    cli("purge", secret, "--yes")
    for path in ("", "/raw", "/diff"):
        body = client.get(f"/api/prompts/{secret}{path}", status=410).json
        assert body["title"] == "Prompt removed" and body["description"]
    gone = client.get(f"/api/prompts/{child}/diff", status=410).json
    assert "compare against was removed" in gone["description"]
    assert client.get(f"/api/prompts/{child}/diff?against={root}").json["against"] == root

    ancestors = client.get(f"/api/prompts/{child}/history").json["ancestors"]
    assert [a["id"] for a in ancestors] == [secret, root]
    assert ancestors[0]["removed"] is True and ancestors[1]["removed"] is False
    assert ancestors[0]["summary"] == "" and ancestors[0]["sha256"] is None
    assert client.get(f"/api/prompts/{child}").json["text"] == "Summarise {{ text }} politely"

    children = client.get(f"/api/prompts/{root}/children", headers=admin_headers).json
    assert [(c["id"], c["removed"]) for c in children["children"]] == [(secret, True)]
    listing = client.get("/api/prompts?limit=3", headers=admin_headers).json["prompts"]
    assert [(p["id"], p["removed"]) for p in listing][1] == (secret, True)


def test_the_page_of_a_tombstone_says_it_was_removed(cli, client, lineage):
    _, secret, _ = lineage
    cli("purge", secret, "--yes")
    page = client.get(f"/p/{secret}", status=410)
    assert "removed by request" in page.text
    assert "sk-live" not in page.text


def test_saving_the_purged_text_again_makes_a_new_prompt(store, cli, lineage):
    root, secret, _ = lineage
    cli("purge", secret, "--yes")
    again, created = store.prompts.save(SECRET, root)
    assert created and again != secret


def test_purge_is_a_dry_run_without_yes(store, cli, lineage):
    _, secret, child = lineage
    result = cli("purge", secret)
    assert result.exit_code == 0
    assert "Dry run: nothing was removed" in result.output
    assert f"descendant {child}" in result.output and "1 direct descendant(s)" in result.output
    assert SECRET not in result.output  # the listing never prints the text
    assert store.prompts.get(secret).text == SECRET


def test_purge_refuses_unknown_and_malformed_ids_and_removes_nothing(store, cli, lineage):
    _, secret, _ = lineage
    result = cli("purge", secret, "00000000-0000-4000-8000-000000000000", "--yes")
    assert result.exit_code == 1
    assert "no prompt has the id 00000000-0000-4000-8000-000000000000" in result.output
    assert store.prompts.get(secret).text == SECRET
    result = cli("purge", "not-an-id", "--yes")
    assert result.exit_code == 1 and "'not-an-id' is not a prompt id" in result.output
    assert cli("purge").exit_code == 2  # an id is required


def test_purging_twice_is_harmless(cli, lineage):
    _, secret, _ = lineage
    cli("purge", secret, "--yes")
    result = cli("purge", secret, "--yes")
    assert result.exit_code == 0
    assert "already removed" in result.output and "Removed the text of 0 prompt(s)" in result.output
    assert cli("check").exit_code == 0


def test_purge_names_the_backups_that_still_hold_the_text(cli, lineage):
    _, secret, _ = lineage
    cli("backup")
    result = cli("purge", secret, "--yes")
    assert "1 backup(s)" in result.output and "still hold the text" in result.output


@pytest.mark.sqlite_only
def test_purge_fails_loudly_when_a_reader_keeps_the_wal(store, cli, db_path, lineage, monkeypatch):
    _, secret, _ = lineage
    store.prompts.save("something in the WAL")
    reader = sqlite3.connect(db_path, isolation_level=None)
    # An open read transaction pins the WAL, so a TRUNCATE checkpoint cannot finish.
    reader.execute("BEGIN")
    reader.execute("SELECT COUNT(*) FROM prompts").fetchone()
    monkeypatch.setitem(PRAGMAS, "busy_timeout", 100)
    try:
        result = cli("purge", secret, "--yes")
    finally:
        reader.execute("COMMIT")
        reader.close()
    assert result.exit_code == 1
    assert "readers kept the WAL busy" in result.output and "run the command again" in result.output
    assert cli("purge", secret, "--yes").exit_code == 0  # once readers are done, it completes
    assert b"sk-live" not in _database_bytes(db_path)
