"""Bad input gets a JSON {title, description} with the right status, and nothing is stored."""

from __future__ import annotations

import io
import json

import pytest
import webtest

from api.app import create_app

UNKNOWN = "00000000-0000-4000-8000-000000000000"


def _post(
    store, client, body: bytes, status: int, content_type="application/json", path="/api/prompts"
):
    resp = client.post(path, body, headers={"Content-Type": content_type}, status=status)
    assert resp.content_type == "application/json"
    assert set(resp.json) == {"title", "description", "error"}  # a save: `error` too
    assert "Nothing was stored." in resp.json["error"]
    assert resp.json["description"]
    assert store.maintenance.sizes()["count"] == 0
    return resp.json


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"{",
        b"not json",
        b'{"text": "x",}',
        b"\xff\xfe",
        b'{"text": "\\ud800"}',
        b'{"text": "a\\udc00b"}',
    ],
)
def test_malformed_json_or_bad_unicode_is_400(store, client, body):
    _post(store, client, body, 400)


@pytest.mark.parametrize("body", [b"[]", b'"text"', b"null", b"42"])
def test_a_body_that_is_not_an_object_is_400(store, client, body):
    _post(store, client, body, 400)


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", ""],
)
def test_anything_but_json_is_415(store, client, content_type):
    error = _post(store, client, b'{"text": "x"}', 415, content_type=content_type)
    assert "application/json" in error["description"]


def test_json_with_a_charset_parameter_is_fine(client):
    client.post(
        "/api/prompts",
        b'{"text": "x"}',
        headers={"Content-Type": "application/json; charset=utf-8"},
        status=201,
    )


@pytest.mark.sqlite_only  # reads the database files
@pytest.mark.parametrize("field", ["inputs", "outputs", "model", "response", "variables"])
def test_anything_but_prompt_text_is_refused_and_named(store, client, field, db_path):
    marker = "MARKER-7f3a9c-never-stored"
    body = json.dumps({"text": "Hello {{ name }}", field: {"name": marker}}).encode()
    error = _post(store, client, body, 400)
    assert field in error["description"]
    assert "Only prompt text is stored" in error["description"]
    store.close()
    for path in db_path.parent.iterdir():
        assert marker.encode() not in path.read_bytes()


def test_every_unknown_field_is_named(store, client):
    body = json.dumps({"text": "x", "outputs": [], "inputs": {}}).encode()
    assert "inputs, outputs" in _post(store, client, body, 400)["description"]


@pytest.mark.parametrize(
    "body",
    [{}, {"parent_id": UNKNOWN}, {"text": 1}, {"text": None}, {"text": ["x"]}, {"text": {"a": 1}}],
)
def test_missing_or_non_string_text_is_400(store, client, body):
    _post(store, client, json.dumps(body).encode(), 400)


@pytest.mark.parametrize("text", ["", " ", "\n\t  \r\n", "a\u0000b"])
def test_empty_whitespace_or_nul_text_is_422(store, client, text):
    _post(store, client, json.dumps({"text": text}).encode(), 422)


@pytest.mark.parametrize("parent", ["nope", 12, "0000", UNKNOWN + "0", ["x"]])
def test_parent_id_that_is_not_a_uuid_is_400(store, client, parent):
    error = _post(store, client, json.dumps({"text": "x", "parent_id": parent}).encode(), 400)
    assert "parent_id" in error["description"]


def test_unknown_parent_id_is_422(store, client):
    error = _post(store, client, json.dumps({"text": "x", "parent_id": UNKNOWN}).encode(), 422)
    assert "parent_id" in error["description"]


def test_null_parent_id_means_a_root(client):
    body = client.post_json("/api/prompts", {"text": "x", "parent_id": None}, status=201).json
    assert body["parent_id"] is None


def test_text_over_the_limit_is_413_and_never_truncated(store, make_config):
    client = webtest.TestApp(create_app(make_config(max_bytes=1024)))
    client.post_json("/api/prompts", {"text": "é" * 512}, status=201)  # exactly 1024 bytes
    error = client.post_json("/api/prompts", {"text": "é" * 512 + "x"}, status=413).json
    assert "1 KiB" in error["description"]
    assert store.maintenance.sizes()["count"] == 1


def test_default_limit_is_200_kib(client):
    client.post_json("/api/prompts", {"text": "x" * 200 * 1024}, status=201)
    client.post_json("/api/prompts", {"text": "y" * (200 * 1024 + 1)}, status=413)


def _post_environ(body, **extra) -> dict:
    """A raw WSGI POST to /api/prompts, for bodies WebTest would not send."""
    return {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/api/prompts",
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "80",
        "wsgi.url_scheme": "http",
        "CONTENT_TYPE": "application/json",
        "wsgi.input": body,
        "wsgi.errors": None,
        **extra,
    }


def test_a_body_far_over_the_limit_is_refused_without_reading_it(app):
    read = []

    class Endless:
        def read(self, size=-1):
            read.append(size)
            return b" " * (size if size and size > 0 else 1 << 20)

    statuses = []
    environ = _post_environ(Endless(), CONTENT_LENGTH=str(1 << 40))
    body = b"".join(app(environ, lambda status, headers: statuses.append(status)))
    assert statuses[0].startswith("413")
    assert json.loads(body)["title"] == "Prompt too large"
    assert read == []


def test_a_chunked_body_over_the_limit_is_cut_off(app):
    environ = _post_environ(io.BytesIO(b'{"text": "' + b"x" * (5 << 20) + b'"}'))  # no length
    statuses = []
    b"".join(app(environ, lambda status, headers: statuses.append(status)))
    assert statuses[0].startswith("413")


@pytest.mark.parametrize(
    "path",
    [
        "/api/prompts/not-a-uuid",
        "/api/prompts/123/raw",
        "/api/prompts/x/history",
        "/api/prompts/x/diff",
        f"/api/prompts/{UNKNOWN}",
        f"/api/prompts/{UNKNOWN}/raw",
        f"/api/prompts/{UNKNOWN}/history",
        f"/api/prompts/{UNKNOWN}/diff",
    ],
)
def test_unknown_or_malformed_ids_are_404(client, path):
    error = client.get(path, status=404).json
    assert error["title"] == "Prompt not found"


@pytest.mark.sqlite_only  # SQLite's trace callback sees every statement
def test_malformed_path_id_is_404_without_a_query(store, client):
    store.healthcheck()
    statements = []
    connection = store.database.peewee.connection()
    connection.set_trace_callback(statements.append)
    try:
        client.get("/api/prompts/' OR 1=1 --", status=404)
    finally:
        connection.set_trace_callback(None)
    assert statements == []


@pytest.mark.parametrize(
    "method,path",
    [
        ("put", "/api/prompts"),
        ("delete", "/api/prompts"),
        ("post", f"/api/prompts/{UNKNOWN}"),
        ("put", "/healthz"),
        ("post", "/api/stats"),
    ],
)
def test_wrong_method_is_405_json(client, method, path):
    resp = getattr(client, method)(path, status=405)
    assert resp.json["title"] and resp.json["description"]
    assert "Allow" in resp.headers


def test_unknown_route_is_json_404(client):
    assert set(client.get("/api/nothing-here", status=404).json) == {"title", "description"}


def test_bad_query_parameters_are_400(client, save):
    prompt = save("x")
    for query in ["limit=0", "limit=1001", "limit=abc"]:
        error = client.get(f"/api/prompts/{prompt['id']}/history?{query}", status=400).json
        assert "limit" in error["description"]
    assert client.get(f"/api/prompts/{prompt['id']}/diff?against=nope", status=400).json


def test_unknown_query_parameters_are_400_and_named(client, save):
    prompt = save("x")
    error = client.get(f"/api/prompts/{prompt['id']}?limt=5", status=400).json
    assert "'limt'" in error["description"]
    client.get(f"/api/prompts/{prompt['id']}/history?limit=5", status=200)
    client.get(f"/p/{prompt['id']}?utm_source=mail", status=200)  # pages take any query


@pytest.mark.parametrize("depth", [900, 1_000, 5_000, 100_000])
@pytest.mark.parametrize("where", ["top", "text", "unknown field"])
def test_json_nested_past_the_parsers_depth_is_400(store, client, depth, where):
    nested = b"[" * depth + b"]" * depth
    body = {
        "top": nested,
        "text": b'{"text": ' + nested + b"}",
        "unknown field": b'{"text": "x", "deep": ' + nested + b"}",
    }[where]
    _post(store, client, body, 400)


def test_a_hundred_thousand_unknown_fields_get_a_short_answer(store, client):
    fields = {f"f{i:05d}": 1 for i in range(100_000)}
    body = json.dumps({"text": "x", **fields}, separators=(",", ":")).encode()  # 1.1 MB
    description = _post(store, client, body, 400)["description"]
    assert "f00000, f00001, f00002, f00003, f00004" in description
    assert "and 99995 more" in description and len(description) < 500
