"""The editor page, the security headers on every response, CORS, health, OpenAPI."""

from __future__ import annotations

import re

import peewee
import pytest
import webtest

from api.app import create_app
from api.config import Config
from api.resources.pages import EditorPage


def test_new_prompt_page_has_an_empty_editor(client):
    resp = client.get("/")
    assert resp.content_type == "text/html"
    assert 'id="current-prompt-id" value=""' in resp.text
    assert "<textarea" in resp.text and 'src="/static/editor.js"' in resp.text


def test_saved_prompt_page_renders_id_and_escaped_text(client, save):
    payload = "</textarea><script>alert(1)</script>\n& \"quotes\" 'single'"
    saved = save(payload)
    resp = client.get(f"/p/{saved['id']}")
    assert f'id="current-prompt-id" value="{saved["id"]}"' in resp.text
    assert "<script>alert(1)</script>" not in resp.text
    assert "&lt;/textarea&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in resp.text
    textarea = re.search(r"<textarea[^>]*>\n(.*?)</textarea>", resp.text, re.S).group(1)
    import html

    assert html.unescape(textarea) == payload


def test_a_leading_newline_survives_the_textarea(client, save):
    saved = save("\nstarts with a blank line")
    assert ">\n\nstarts with a blank line</textarea>" in client.get(f"/p/{saved['id']}").text


def test_uppercase_page_ids_work(client, save):
    saved = save("x")
    client.get(f"/p/{saved['id'].upper()}", status=200)


@pytest.mark.parametrize("prompt_id", ["00000000-0000-4000-8000-000000000000", "nope", "<script>"])
def test_unknown_page_is_a_404_page(client, prompt_id):
    resp = client.get(f"/p/{prompt_id}", status=404)
    assert resp.content_type == "text/html"
    assert "Prompt not found" in resp.text and "<script>" not in resp.text


def test_html_has_a_csp_without_inline_script(client):
    for resp in (client.get("/"), client.get("/p/nope", status=404)):
        csp = resp.headers["Content-Security-Policy"]
        script_src = re.search(r"script-src ([^;]*)", csp).group(1)
        assert "'unsafe-inline'" not in script_src and "'self'" in script_src
        assert "frame-ancestors 'none'" in csp
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", resp.text)  # no inline script
        assert " style=" not in resp.text and "<style" not in resp.text


@pytest.mark.parametrize(
    "path,status",
    [
        ("/", 200),
        ("/api/openapi.json", 200),
        ("/healthz", 200),
        ("/static/editor.js", 200),
        ("/api/prompts/nope", 404),
        ("/nothing", 404),
    ],
)
def test_every_response_has_the_privacy_headers(client, path, status):
    resp = client.get(path, status=status)
    assert resp.headers["Referrer-Policy"] == "no-referrer"
    assert resp.headers["X-Content-Type-Options"] == "nosniff"


def test_error_responses_carry_the_headers_too(client):
    resp = client.post(
        "/api/prompts", b"{", headers={"Content-Type": "application/json"}, status=400
    )
    assert resp.headers["Referrer-Policy"] == "no-referrer"


def test_cors_is_off_by_default(client, save):
    saved = save("x")
    resp = client.get(f"/api/prompts/{saved['id']}", headers={"Origin": "https://other.example"})
    assert "Access-Control-Allow-Origin" not in resp.headers


def test_cors_allows_only_configured_origins(make_config):
    config = make_config(cors_origins=("https://playground.example",))
    client = webtest.TestApp(create_app(config))
    saved = client.post_json("/api/prompts", {"text": "x"}).json
    url = f"/api/prompts/{saved['id']}"
    allowed = client.get(url, headers={"Origin": "https://playground.example"})
    assert allowed.headers["Access-Control-Allow-Origin"] == "https://playground.example"
    other = client.get(url, headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in other.headers


@pytest.mark.sqlite_only
def test_healthz_runs_a_real_query(store, client):
    store.healthcheck()  # open this thread's connection, which WebTest's requests use too
    statements = []
    connection = store.database.peewee.connection()
    connection.set_trace_callback(statements.append)
    try:
        resp = client.get("/healthz")
    finally:
        connection.set_trace_callback(None)
    assert resp.json == {"status": "ok"}
    assert any("FROM prompts" in statement for statement in statements)


def test_healthz_is_503_json_when_the_database_is_unusable(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    config = Config(db_path=blocker / "prompts.db", save_rate_limit=None)
    client = webtest.TestApp(create_app(config))
    resp = client.get("/healthz", status=503)
    assert resp.json["title"] and resp.json["description"]
    assert str(tmp_path) not in resp.text and "Errno" not in resp.text  # the log has it
    assert int(resp.headers["Retry-After"]) > 0


@pytest.mark.parametrize(
    "path",
    [
        "/p/00000000-0000-4000-8000-000000000000",
        "/api/prompts/00000000-0000-4000-8000-000000000000",
    ],
)
def test_a_database_that_cannot_be_opened_is_json_503_everywhere(tmp_path, path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    client = webtest.TestApp(create_app(Config(db_path=blocker / "prompts.db")))
    resp = client.get(path, status=503)
    assert resp.content_type == "application/json" and resp.json["title"] == "Database unavailable"
    assert int(resp.headers["Retry-After"]) > 0 and str(tmp_path) not in resp.text
    resp = client.post_json("/api/prompts", {"text": "x"}, status=503)
    assert "Nothing was stored" in resp.json["description"]


@pytest.mark.sqlite_only
def test_healthz_notices_a_lost_database_where_a_connection_is_already_open(store, client, db_path):
    client.post_json("/api/prompts", {"text": "saved while the volume was there"}, status=201)
    client.get("/healthz", status=200)
    db_path.rename(db_path.with_name("elsewhere.db"))  # the volume went away under the worker
    assert client.get("/healthz", status=503).json["title"] == "Unhealthy"
    assert not db_path.exists()  # the check never makes an empty database in its place


def test_a_locked_database_is_503_with_retry_after(store, client, monkeypatch):
    def locked(*args, **kwargs):
        raise peewee.OperationalError("database is locked")

    monkeypatch.setattr(store.prompts, "save", locked)
    resp = client.post_json("/api/prompts", {"text": "x"}, status=503)
    assert resp.headers["Retry-After"] == "1"
    assert "Nothing was stored" in resp.json["description"]


def test_a_full_disk_is_507(store, client, monkeypatch):
    def full(*args, **kwargs):
        raise peewee.OperationalError("database or disk is full")

    monkeypatch.setattr(store.prompts, "save", full)
    assert client.post_json("/api/prompts", {"text": "x"}, status=507).json["title"]


def _served_operations(app) -> set[tuple[str, str]]:
    """(path, method) for every JSON route the app serves (the HTML pages aside)."""

    def walk(nodes):
        for node in nodes:
            resource = node.resource
            if node.method_map and not isinstance(resource, EditorPage):
                for method in ("get", "post", "put", "patch", "delete"):
                    if hasattr(resource, f"on_{method}"):
                        yield node.uri_template, method
            yield from walk(node.children)

    return set(walk(app._router._roots))


def test_openapi_describes_every_route(app, client):
    doc = client.get("/api/openapi.json").json
    assert doc["openapi"].startswith("3.1")
    documented = {(path, method) for path, item in doc["paths"].items() for method in item}
    served = _served_operations(app)
    assert len(served) >= 12
    assert served == documented
    for name in ("SaveRequest", "PlaygroundSaveRequest"):
        assert doc["components"]["schemas"][name]["additionalProperties"] is False


def _every_get(client, save, admin_headers):
    root = save("Summarise {{ doc }}")
    child = save("Summarise {{ doc }} briefly", root["id"])
    i = child["id"]
    return [
        ("/", {}),
        (f"/p/{i}", {}),
        (f"/api/prompts/{i}", {}),
        (f"/api/prompts/{i}/raw", {}),
        (f"/api/prompts/{i}/history", {}),
        (f"/api/prompts/{i}/diff", {}),
        (f"/api/prompts/{i}/children", admin_headers),
        ("/api/prompts", admin_headers),
        ("/api/stats", admin_headers),
        ("/api/openapi.json", {}),
        ("/healthz", {}),
        ("/static/editor.css", {}),
    ]


def test_head_is_answered_wherever_get_is_with_the_same_headers(client, save, admin_headers):
    for path, headers in _every_get(client, save, admin_headers):
        get = client.get(path, headers=headers)
        head = client.head(path, headers=headers)
        assert head.status_int == get.status_int == 200, path
        assert head.body == b"", path
        for name in ("Content-Type", "Content-Length", "ETag", "Cache-Control"):
            assert head.headers.get(name) == get.headers.get(name), (path, name)


def test_every_json_answer_says_how_it_may_be_cached(client, save, admin_headers):
    answers = [client.get(path, headers=h) for path, h in _every_get(client, save, admin_headers)]
    answers += [
        client.post_json("/api/prompts", {"text": "new"}),
        client.post_json("/api/save-prompt", {"syntax": "new too"}),
        client.post_json("/api/prompts", {"text": ""}, status=422),
        client.get("/api/prompts/00000000-0000-4000-8000-000000000000", status=404),
        client.get("/api/stats", status=401),
    ]
    for resp in answers:
        if resp.content_type != "application/json":
            continue
        cache = resp.headers["Cache-Control"]
        assert "private" in cache or "no-store" in cache, (resp.request.path, cache)
        if resp.request.method == "POST" or resp.status_int >= 400:
            assert cache == "no-store", resp.request.path
        if "Authorization" in resp.request.headers:
            assert cache == "no-store", resp.request.path


def test_a_text_past_the_line_bound_is_rendered_read_only_and_escaped(client, save):
    from api.resources.pages import READ_ONLY_LINES

    at_bound = save("x" + "\n" * (READ_ONLY_LINES - 1))  # exactly the bound: editable
    page = client.get(f"/p/{at_bound['id']}").text
    assert "<textarea" in page and 'id="reader"' not in page
    assert re.search(r'<p id="read-only" hidden>', page)
    payload = "</template><script>alert(1)</script>" + "\n" * READ_ONLY_LINES
    past = save(payload)
    page = client.get(f"/p/{past['id']}").text
    assert "<textarea" not in page and '<pre id="reader"' in page
    assert "<script>alert(1)</script>" not in page
    source = re.search(r'<template id="source">(.*?)</template>', page, re.S).group(1)
    import html

    assert html.unescape(source) == payload
    assert not re.search(r'<p id="read-only" hidden>', page)
    assert f"this version has {READ_ONLY_LINES + 1:,} lines" in page
