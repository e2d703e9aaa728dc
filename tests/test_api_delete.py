"""Delete tokens: whoever created a prompt can take it back, exactly as `purge` would."""

from __future__ import annotations

import hashlib
import re
from dataclasses import replace

import pytest
import webtest

from api.app import create_app
from api.config import Config, RateLimit
from api.resources.openapi import DOCUMENT
from api.store import ScrubIncomplete

SECRET = "Use this key: sk-live-7f3a9c2e41d8b6a05e9f1c3d7b2a4e6f and {{ never }} share it."
UNKNOWN = "00000000-0000-4000-8000-000000000000"


def delete(client, prompt_id, token=None, status=204):
    headers = {} if token is None else {"X-Delete-Token": token}
    return client.delete(f"/api/prompts/{prompt_id}", headers=headers, status=status)


def database_bytes(db_path) -> bytes:
    """Every byte of the SQLite file and its WAL, as they are on disk."""
    paths = (db_path, db_path.with_name(db_path.name + "-wal"))
    return b"".join(path.read_bytes() for path in paths if path.exists())


# -- the token --------------------------------------------------------------------------


def test_a_save_that_creates_a_prompt_returns_a_delete_token(client, save):
    saved = save(SECRET)
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", saved["delete_token"])  # 256 random bits
    child = save("v2", saved["id"])
    assert child["delete_token"] != saved["delete_token"]


def test_an_idempotent_hit_returns_no_token(client, save):
    root = save("v1")
    child = save("v2", root["id"])
    same_text = client.post_json("/api/prompts", {"text": "v1"}, status=200).json
    same_child = client.post_json(
        "/api/prompts", {"text": "v2", "parent_id": root["id"]}, status=200
    ).json
    same_as_parent = client.post_json(
        "/api/prompts", {"text": "v2", "parent_id": child["id"]}, status=200
    ).json
    for body in (same_text, same_child, same_as_parent):
        assert "delete_token" not in body


def test_the_legacy_endpoint_returns_the_token_too(client):
    body = client.post_json("/api/save-prompt", {"syntax": "Tell me a joke: [[joke]]"}).json
    assert body["prompt_id"] == body["id"] and body["delete_token"]
    again = client.post_json("/api/save-prompt", {"syntax": "Tell me a joke: [[joke]]"}).json
    assert "delete_token" not in again
    delete(client, body["id"], body["delete_token"])
    client.get(f"/api/prompts/{body['id']}", status=410)


# -- deleting ---------------------------------------------------------------------------


def test_the_right_token_removes_the_prompt_and_it_answers_410_after(client, save):
    root = save("Summarise {{ text }}")
    secret = save(SECRET, root["id"])
    child = save("Summarise {{ text }} politely", secret["id"])

    resp = delete(client, secret["id"], secret["delete_token"])
    assert resp.status_int == 204 and resp.body == b""
    for path in ("", "/raw", "/diff"):
        assert client.get(f"/api/prompts/{secret['id']}{path}", status=410).json["title"]
    assert "removed by request" in client.get(f"/p/{secret['id']}", status=410).text
    # Descendants keep their own text, and their history still resolves through it.
    assert client.get(f"/api/prompts/{child['id']}").json["text"].endswith("politely")
    ancestors = client.get(f"/api/prompts/{child['id']}/history").json["ancestors"]
    assert [(a["id"], a["removed"]) for a in ancestors] == [
        (secret["id"], True),
        (root["id"], False),
    ]


def test_after_a_delete_the_token_answers_410(client, save):
    saved = save(SECRET)
    delete(client, saved["id"], saved["delete_token"])
    body = delete(client, saved["id"], saved["delete_token"], status=410).json
    assert body["title"] == "Prompt removed"
    delete(client, saved["id"], "wrong", status=410)


@pytest.mark.parametrize("how", ["missing", "empty", "another prompt's", "truncated", "padded"])
def test_a_wrong_or_missing_token_is_403_and_removes_nothing(client, save, how):
    saved, other = save(SECRET), save("another prompt")
    token = {
        "missing": None,
        "empty": "",
        "another prompt's": other["delete_token"],
        "truncated": saved["delete_token"][:-1],
        "padded": saved["delete_token"] + "A",
    }[how]
    body = delete(client, saved["id"], token, status=403).json
    assert body["title"] == ("Delete token required" if not token else "Wrong delete token")
    assert "X-Delete-Token" in body["description"]
    assert client.get(f"/api/prompts/{saved['id']}").json["text"] == SECRET


def test_an_unknown_or_malformed_id_is_404(client):
    assert delete(client, UNKNOWN, "token", status=404).json["title"] == "Prompt not found"
    delete(client, "not-a-uuid", "token", status=404)


def test_prompts_saved_without_a_token_cannot_be_deleted_through_the_api(store, client):
    prompt_id = store.prompts.save("saved before delete tokens existed")[0].id  # as imports are
    for token in (None, ""):
        delete(client, prompt_id, token, status=403)
    assert store.prompts.get(prompt_id).text == "saved before delete tokens existed"


def test_a_deleted_prompt_is_exactly_the_tombstone_purge_makes(store, client, save):
    by_token, by_purge = save(SECRET), save(SECRET + " (copy)")
    delete(client, by_token["id"], by_token["delete_token"])
    store.takedowns.purge([by_purge["id"]])

    def row(prompt_id):
        text, sha256, token_hash, removed_at = store.database.one(
            "SELECT text, sha256, delete_token_hash, removed_at FROM prompts WHERE id = ?",
            (prompt_id,),
        )
        return (text, sha256, token_hash, removed_at is None)

    assert row(by_token["id"]) == row(by_purge["id"]) == ("", None, None, False)
    assert store.maintenance.check()["sha256"] == []


def test_deletes_count_against_the_save_rate_limit(config):
    class Clock:
        now = 1_000_000.0

        def __call__(self):
            return self.now

    limited = replace(config, save_rate_limit=RateLimit(3, 60.0))
    client = webtest.TestApp(create_app(limited, clock=Clock()))
    saved = client.post_json("/api/prompts", {"text": SECRET}, status=201).json
    delete(client, saved["id"], "a guess", status=403)  # refused deletes count too
    delete(client, UNKNOWN, "a guess", status=404)
    refused = delete(client, saved["id"], saved["delete_token"], status=429)
    assert int(refused.headers["Retry-After"]) > 0
    client.post_json("/api/prompts", {"text": "one more"}, status=429)
    assert client.get(f"/api/prompts/{saved['id']}").json["text"] == SECRET


def test_a_delete_whose_scrub_cannot_finish_says_so(store, client, save, monkeypatch):
    def busy():
        raise ScrubIncomplete("readers kept the WAL busy")

    saved = save(SECRET)
    monkeypatch.setattr(store.dialect, "scrub", lambda db, texts=None, **where: busy())
    body = delete(client, saved["id"], saved["delete_token"], status=503).json
    assert body["title"] == "Removed, not yet scrubbed"
    assert "prompt-store purge" in body["description"]
    client.get(f"/api/prompts/{saved['id']}", status=410)  # removed all the same


def test_the_delete_is_in_the_openapi_document(client):
    served = client.get("/api/openapi.json").json
    operation = served["paths"]["/api/prompts/{prompt_id}"]["delete"]
    assert {"204", "403", "404", "410", "429"} <= set(operation["responses"])
    header = [p for p in operation["parameters"] if p["in"] == "header"]
    assert [h["name"] for h in header] == ["X-Delete-Token"]
    assert "delete_token" in DOCUMENT["components"]["schemas"]["Saved"]["properties"]


# -- what reaches the files (SQLite: the bytes on disk) -----------------------------------


@pytest.fixture
def sqlite_client(tmp_path):
    """A client on a SQLite file of its own, whose bytes the test reads."""
    db_path = tmp_path / "files" / "prompts.db"
    app = create_app(Config(db_path=db_path, save_rate_limit=None))
    return webtest.TestApp(app), db_path


def test_only_the_hash_of_a_token_reaches_the_files(sqlite_client):
    client, db_path = sqlite_client
    tokens = []
    for i in range(20):
        body = client.post_json("/api/prompts", {"text": f"prompt {i}"}, status=201).json
        tokens.append(body["delete_token"])
    data = database_bytes(db_path)
    for token in tokens:
        assert token.encode() not in data
        assert hashlib.sha256(token.encode()).hexdigest().encode() in data


def test_a_delete_leaves_no_trace_of_text_hash_or_token_in_the_files(sqlite_client):
    client, db_path = sqlite_client
    for i in range(30):
        client.post_json("/api/prompts", {"text": f"unrelated {i} " + "u" * 300}, status=201)
    saved = client.post_json("/api/prompts", {"text": SECRET}, status=201).json
    child = client.post_json(
        "/api/prompts", {"text": "a later version", "parent_id": saved["id"]}, status=201
    ).json
    needles = [
        b"sk-live-7f3a9c2e41d8b6a05e9f1c3d7b2a4e6f",
        saved["sha256"].encode(),
        hashlib.sha256(saved["delete_token"].encode()).hexdigest().encode(),
    ]
    assert all(needle in database_bytes(db_path) for needle in needles)

    delete(client, saved["id"], saved["delete_token"])
    data = database_bytes(db_path)
    assert not [needle for needle in needles if needle in data]
    assert saved["delete_token"].encode() not in data
    assert b"a later version" in data and child["sha256"].encode() in data
    assert db_path.with_name(db_path.name + "-wal").stat().st_size == 0  # checkpointed
