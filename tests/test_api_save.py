"""POST /api/prompts and the struckdown-compatible POST /api/save-prompt."""

from __future__ import annotations

import hashlib

import webtest

from api.app import create_app

UNKNOWN = "00000000-0000-4000-8000-000000000000"


def test_save_answers_201_with_location_and_share_url(client):
    resp = client.post_json("/api/prompts", {"text": "Hello {{ name }}"}, status=201)
    body = resp.json
    assert set(body) == {"id", "parent_id", "created_at", "sha256", "url", "delete_token"}
    assert resp.headers["Location"].endswith(f"/api/prompts/{body['id']}")
    assert body["url"] == f"/p/{body['id']}"
    assert body["parent_id"] is None
    assert body["sha256"] == hashlib.sha256(b"Hello {{ name }}").hexdigest()
    assert client.get(f"/api/prompts/{body['id']}").json["text"] == "Hello {{ name }}"


def test_edited_version_records_its_parent(client, save):
    root = save("v1")
    child = save("v2", root["id"])
    assert child["parent_id"] == root["id"]
    assert client.get(f"/api/prompts/{child['id']}").json["parent_id"] == root["id"]


def test_resaving_is_idempotent_and_answers_200(store, client, save):
    root = save("v1")
    child = save("v2", root["id"])
    again = client.post_json("/api/prompts", {"text": "v2", "parent_id": root["id"]}, status=200)
    assert again.json == {k: v for k, v in child.items() if k != "delete_token"}
    assert "Location" not in again.headers
    unchanged = client.post_json(
        "/api/prompts", {"text": "v1", "parent_id": root["id"]}, status=200
    )
    assert unchanged.json["id"] == root["id"]
    assert store.maintenance.sizes()["count"] == 2


def test_uppercase_parent_id_is_normalised(save):
    root = save("v1")
    assert save("v2", root["id"].upper())["parent_id"] == root["id"]


def test_share_url_is_absolute_only_with_a_configured_public_url(make_config):
    config = make_config(public_url="https://prompts.example")
    client = webtest.TestApp(create_app(config))
    body = client.post_json(
        "/api/prompts", {"text": "x"}, headers={"Host": "evil.example"}, status=201
    ).json
    assert body["url"] == f"https://prompts.example/p/{body['id']}"


def test_share_url_is_never_built_from_the_host_header(client):
    body = client.post_json(
        "/api/prompts", {"text": "x"}, headers={"Host": "evil.example"}, status=201
    ).json
    assert body["url"] == f"/p/{body['id']}"


def test_text_is_stored_byte_for_byte(client):
    text = "a\r\nb\n\n\tc 😀 \u2028 trailing spaces   "
    body = client.post_json("/api/prompts", {"text": text}, status=201).json
    raw = client.get(f"/api/prompts/{body['id']}/raw")
    assert raw.body == text.encode("utf-8")


def test_playground_request_shape_is_accepted(client):
    resp = client.post_json(
        "/api/save-prompt",
        {"syntax": "Tell a joke about [[topic]]"},
        headers={"X-CSRF-Token": "token-from-the-playground-page"},
        status=201,
    )
    body = resp.json
    assert body["prompt_id"] == body["id"]
    assert body["url"] == f"/p/{body['id']}"
    assert client.get(f"/api/prompts/{body['id']}/raw").text == "Tell a joke about [[topic]]"


def test_playground_endpoint_takes_text_and_parent_id_too(client, save):
    root = save("v1")
    body = client.post_json(
        "/api/save-prompt", {"text": "v2", "parent_id": root["id"]}, status=201
    ).json
    assert body["parent_id"] == root["id"]
    again = client.post_json("/api/save-prompt", {"syntax": "v2", "parent_id": root["id"]})
    assert again.status_int == 200 and again.json["prompt_id"] == body["id"]


def test_playground_endpoint_refuses_unknown_fields(store, client):
    resp = client.post_json(
        "/api/save-prompt", {"syntax": "x", "context": {"topic": "cats"}}, status=400
    )
    assert "context" in resp.json["description"]
    assert store.maintenance.sizes()["count"] == 0
