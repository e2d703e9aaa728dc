"""The struckdown playground's editor as a client of /api/save-prompt.

Its JS never reads the status: it throws on `data.error`, then reads `data.prompt_id`
and `data.warning`. So every refusal must carry `error`, and no success may.
These tests send exactly what it sends: JSON, an X-CSRF-Token header, {"syntax"} only.
"""

from __future__ import annotations

import json
import uuid

import peewee
import pytest
import webtest

from api.app import create_app
from api.config import RateLimit
from api.store import Store

MAX_BYTES = 1024


def playground_save(client, syntax, *, content_type="application/json", body=None):
    """POST as the playground's fetchWithCsrf does; return (status, parsed answer)."""
    resp = client.post(
        "/api/save-prompt",
        json.dumps({"syntax": syntax}) if body is None else body,
        headers={"Content-Type": content_type, "X-CSRF-Token": str(uuid.uuid4())},
        expect_errors=True,
    )
    return resp.status_int, resp.json


def assert_reads_as(status, data, saved: bool):
    """What the playground concludes: an error exactly when the status is not 2xx."""
    assert (200 <= status < 300) is saved
    if saved:
        assert "error" not in data and data["prompt_id"] == data["id"]
    else:
        assert isinstance(data["error"], str) and data["error"].strip()
        assert "prompt_id" not in data


@pytest.fixture
def store(make_config):
    """A store with a small size limit and rate limit, for the refusals."""
    store = Store(make_config(max_bytes=MAX_BYTES, save_rate_limit=RateLimit(3, 60.0)))
    yield store
    store.close()


@pytest.fixture
def playground(store):
    return webtest.TestApp(create_app(store=store, clock=lambda: 1_000_000.0))


def test_a_save_and_its_repeat_read_as_saved(playground):
    status, first = playground_save(playground, "Summarise {{ doc }} in [[summary]]")
    assert status == 201
    assert_reads_as(status, first, saved=True)
    status, again = playground_save(playground, "Summarise {{ doc }} in [[summary]]")
    assert status == 200 and again["prompt_id"] == first["prompt_id"]
    assert_reads_as(status, again, saved=True)


@pytest.mark.parametrize(
    "case, status",
    [
        ("too large", 413),
        ("far too large", 413),
        ("a NUL character", 422),
        ("whitespace only", 422),
        ("not a string", 400),
        ("malformed JSON", 400),
        ("not JSON", 415),
    ],
)
def test_every_refusal_reads_as_a_failed_save(playground, store, case, status):
    syntax = {
        "too large": "é" * MAX_BYTES,
        "far too large": "x" * (MAX_BYTES * 100),
        "a NUL character": "text\x00",
        "whitespace only": " \n\t",
        "not a string": 5,
    }.get(case, "x")
    body = {"malformed JSON": '{"syntax": "x"'}.get(case)
    content_type = "text/plain" if case == "not JSON" else "application/json"
    got, data = playground_save(playground, syntax, content_type=content_type, body=body)
    assert got == status
    assert_reads_as(got, data, saved=False)
    assert "Nothing was stored." in data["error"]
    assert store.prompts.count() == 0


def test_the_size_refusal_says_the_size_and_the_limit(playground):
    status, data = playground_save(playground, "é" * MAX_BYTES)
    assert status == 413
    assert data["error"] == "The prompt is 2 KiB of UTF-8; the limit is 1 KiB. Nothing was stored."


def test_too_many_saves_reads_as_failed_with_when_to_retry(playground):
    for n in range(3):
        assert playground_save(playground, f"save {n}")[0] == 201
    status, data = playground_save(playground, "one too many")
    assert status == 429
    assert_reads_as(status, data, saved=False)
    assert data["error"].startswith("Too many saves: try again in 20 seconds")


@pytest.mark.parametrize(
    "failure, status",
    [("database is locked", 503), ("database or disk is full", 507), ("unexpected", 500)],
)
def test_server_failures_read_as_failed_saves(playground, store, monkeypatch, failure, status):
    def fail(*args, **kwargs):
        if failure == "unexpected":
            raise RuntimeError("a bug")
        raise peewee.OperationalError(failure)

    monkeypatch.setattr(store.prompts, "save", fail)
    got, data = playground_save(playground, "lost?")
    assert got == status
    assert_reads_as(got, data, saved=False)


def test_a_wrong_method_reads_as_failed(playground):
    resp = playground.get("/api/save-prompt", expect_errors=True)
    assert resp.status_int == 405 and resp.json["error"]


def test_text_unchanged_from_its_parent_is_saved_with_a_warning(playground):
    _, root = playground_save(playground, "v1")
    resp = playground.post_json(
        "/api/save-prompt",
        {"syntax": "v1", "parent_id": root["prompt_id"]},
        headers={"X-CSRF-Token": str(uuid.uuid4())},
    )
    assert resp.status_int == 200 and resp.json["prompt_id"] == root["prompt_id"]
    assert resp.json["warning"].startswith("No changes")
    edited = playground.post_json(
        "/api/save-prompt", {"syntax": "v2", "parent_id": root["prompt_id"]}
    ).json
    assert edited["parent_id"] == root["prompt_id"] and "warning" not in edited


def test_the_native_save_route_carries_error_too(playground):
    data = playground.post_json("/api/prompts", {"text": "x" * 1025}, status=413).json
    assert data["error"] and data["title"] == "Prompt too large"
    listing = playground.get("/api/prompts", status=401).json  # not a save: no `error`
    assert "error" not in listing
