"""Only prompt text is stored: anything else is refused and never reaches the files."""

from __future__ import annotations

import json

import pytest

from bench.servers import Gunicorn

from .conftest import Client

MARKER = "RUN-DATA-MARKER-5e1f0c"
FIELDS = [
    "inputs",
    "outputs",
    "context",
    "variables",
    "model",
    "response",
    "completion",
    "messages",
    "result",
    "metadata",
]


@pytest.fixture
def server(tmp_path):
    with Gunicorn(tmp_path / "data" / "prompts.db", log_dir=tmp_path) as server:
        yield server


def test_run_data_is_refused_and_never_written(server, tmp_path, tally):
    (tmp_path / "data").mkdir(exist_ok=True)
    client = Client(server.port, tally)
    for path, text_field in (("/api/prompts", "text"), ("/api/save-prompt", "syntax")):
        for field in FIELDS:
            for value in (MARKER, {"name": MARKER}, [MARKER], {"rows": [{"x": MARKER}]}):
                body = json.dumps({text_field: "Hello {{ name }}", field: value}).encode()
                status, _, raw = client.request(
                    "POST", path, body, {"Content-Type": "application/json"}
                )
                tally["bad_inputs"] += 1
                assert status == 400
                error = json.loads(raw)
                assert field in error["description"]
                assert "Only prompt text is stored" in error["description"]
    # A real save beside them, so the files exist and have been written to.
    status, _, body = client.save("Hello {{ name }}")
    assert status == 201
    files = list((tmp_path / "data").iterdir())
    assert any(f.name == "prompts.db" for f in files)
    for f in files:
        assert MARKER.encode() not in f.read_bytes(), f.name


def test_labels_refuse_run_data_too_and_never_write_it(server, tmp_path, tally):
    client = Client(server.port, tally)
    _, _, saved = client.save("Hello {{ name }}")
    json_body = {"Content-Type": "application/json"}

    def send(method, path, body, headers=json_body):
        tally["bad_inputs"] += 1
        return client.request(method, path, json.dumps(body).encode(), headers)

    status, _, raw = send("POST", "/api/labels", {"name": "app", "id": saved["id"]})
    assert status == 201
    owner = {**json_body, "Authorization": f"Bearer {json.loads(raw)['label_token']}"}
    for field in FIELDS:
        for value in (MARKER, {"name": MARKER}, [MARKER]):
            for method, path, body, headers in (
                ("POST", "/api/labels", {"name": "other", "id": saved["id"]}, json_body),
                ("PUT", "/api/labels/app", {"id": saved["id"]}, owner),
            ):
                status, _, raw = send(method, path, {**body, field: value}, headers)
                assert status == 400
                description = json.loads(raw)["description"]
                assert field in description and "nothing about running a prompt" in description
    # The note is the only free text, and it is bounded.
    long_note = {"id": saved["id"], "note": MARKER * 20}
    assert send("PUT", "/api/labels/app", long_note, owner)[0] == 400
    for f in (tmp_path / "data").iterdir():
        assert MARKER.encode() not in f.read_bytes(), f.name
