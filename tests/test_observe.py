"""Request ids, one log line per request without capabilities, and the metrics route."""

from __future__ import annotations

import json
import sys

import pytest
import webtest

from api.app import create_app
from api.config import Config, ConfigError
from api.logs import flush, redact

UNKNOWN = "00000000-0000-4000-8000-000000000000"


def _lines(capfd) -> list[dict]:
    flush()  # request lines are written in batches
    return [json.loads(line) for line in capfd.readouterr().out.splitlines() if line]


def test_each_request_gets_one_line_naming_its_route_not_its_path(client, save, capfd):
    saved = save("Summarise {{ doc }}")
    flush()
    capfd.readouterr()
    resp = client.get(f"/api/prompts/{saved['id']}")
    (line,) = _lines(capfd)
    assert set(line) == {
        "time", "level", "request_id", "method", "route", "status", "duration_ms", "bytes",
        "client",
    }  # fmt: skip
    assert line["route"] == "/api/prompts/{prompt_id}" and line["method"] == "GET"
    assert line["status"] == 200 and line["bytes"] == len(resp.body)
    assert line["request_id"] == resp.headers["X-Request-ID"]
    assert len(line["client"]) == 32 and "127.0.0.1" not in json.dumps(line)
    assert saved["id"] not in json.dumps(line)


@pytest.mark.parametrize(
    "given, kept",
    [
        ("abc-123_DEF.4:5", True),
        ("x" * 64, True),
        ("x" * 65, False),
        ("bad id", False),
        ("<script>", False),
        ("", False),
        (UNKNOWN, False),  # shaped like a prompt id: never written to a log
        ("0123456789abcdef01234567", False),
    ],
)
def test_a_safe_incoming_request_id_is_kept_and_echoed(client, capfd, given, kept):
    resp = client.get("/healthz", headers={"X-Request-ID": given})
    echoed = resp.headers["X-Request-ID"]
    assert (echoed == given) is kept
    assert echoed and len(echoed) <= 64
    assert _lines(capfd)[-1]["request_id"] == echoed


def test_a_server_error_names_its_request_id_and_logs_one_line(store, client, monkeypatch, capfd):
    def broken(prompt_id):
        raise RuntimeError("a bug")

    monkeypatch.setattr(store.prompts, "get", broken)
    resp = client.get(f"/api/prompts/{UNKNOWN}", headers={"X-Request-ID": "quote-me"}, status=500)
    assert "quote-me" in resp.json["description"]
    lines = _lines(capfd)
    error, access = lines[-2], lines[-1]
    assert error["level"] == "error" and error["request_id"] == "quote-me"
    assert error["message"].startswith("unhandled error on GET /api/prompts/{prompt_id}")
    assert "RuntimeError: a bug" in error["message"] and "Traceback" not in error["message"]
    assert UNKNOWN not in json.dumps(lines)
    assert access["status"] == 500


def test_the_text_format_has_the_same_fields_on_one_line(make_config, capfd):
    client = webtest.TestApp(create_app(make_config(log_format="text")))
    client.get("/healthz", headers={"X-Request-ID": "r1"})
    flush()
    line = capfd.readouterr().out.strip().splitlines()[-1]
    assert " info request_id=r1 method=GET route=/healthz status=200 duration_ms=" in line
    assert " bytes=15 client=" in line  # {"status":"ok"}


def test_an_unknown_log_format_is_refused():
    with pytest.raises(ConfigError, match="STRUCKDOWN_LOG_FORMAT"):
        Config.from_env({"STRUCKDOWN_LOG_FORMAT": "xml"})


def test_the_admin_token_is_redacted_unless_too_short_to_be_one(make_config):
    create_app(make_config(admin_token="a-long-enough-admin-token"))
    assert redact("Bearer a-long-enough-admin-token") == "Bearer <secret>"
    create_app(make_config(admin_token="t"))  # would hide every "t": not treated as a secret
    assert redact("Bearer t, with tea") == "Bearer t, with tea"


def test_capabilities_are_redacted_from_any_line():
    token = "Vf3q" + "a" * 39
    line = f"GET /p/{UNKNOWN} and /p/0123456789abcdef01234567 with {token}"
    assert redact(line) == "GET /p/<id> and /p/<id> with <id>"
    sha = "a" * 64  # a sha256 is not an id: kept
    assert redact(sha) == sha


def test_metrics_are_for_the_admin_only(make_config, client, admin_headers):
    hidden = webtest.TestApp(create_app(make_config(admin_token=None)))
    hidden.get("/metrics", status=404)
    client.get("/metrics", status=401)
    client.get("/metrics", headers={"Authorization": "Bearer wrong"}, status=401)
    resp = client.get("/metrics", headers=admin_headers)
    assert resp.content_type == "text/plain"
    assert resp.headers["Cache-Control"] == "no-store"


def _count(text: str, name: str, **labels) -> float:
    want = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    for line in text.splitlines():
        metric, _, value = line.rpartition(" ")
        if metric.split("{")[0] == name and ",".join(sorted(_labels(metric))) == want:
            return float(value)
    return 0.0


def _labels(metric: str) -> list[str]:
    inside = metric.partition("{")[2].rstrip("}")
    return [part for part in inside.split(",") if part]


def test_metrics_count_requests_saves_refusals_deletes_and_the_store(client, save, admin_headers):
    before = client.get("/metrics", headers=admin_headers).text
    saved = save("counted")
    save("counted", status=200)
    client.post_json("/api/prompts", {"text": ""}, status=422)
    client.delete(f"/api/prompts/{saved['id']}", headers={"X-Delete-Token": saved["delete_token"]})
    after = client.get("/metrics", headers=admin_headers).text

    def grew(name, **labels):
        return _count(after, name, **labels) - _count(before, name, **labels)

    route = {"route": "/api/prompts", "method": "POST"}
    assert grew("prompt_store_http_requests_total", status="201", **route) == 1
    assert grew("prompt_store_http_requests_total", status="200", **route) == 1
    assert grew("prompt_store_saves_total", result="created") == 1
    assert grew("prompt_store_saves_total", result="idempotent") == 1
    assert grew("prompt_store_save_refusals_total", status="422") == 1
    assert grew("prompt_store_deletes_total") == 1
    assert grew("prompt_store_http_request_duration_seconds_count", route="/api/prompts") == 3
    assert _count(after, "prompt_store_prompts") == 1  # the tombstone stays a row
    assert _count(after, "prompt_store_database_bytes") > 0


@pytest.mark.filterwarnings("ignore:Unknown REQUEST_METHOD")  # WebTest's lint: on purpose
def test_an_unknown_method_is_logged_and_counted_as_other(client, capfd, admin_headers):
    resp = client.request("/healthz", method="BREW", expect_errors=True)
    assert resp.status_int == 400 and resp.json["title"]  # Falcon: not an HTTP method
    line = _lines(capfd)[-1]
    assert line["method"] == "OTHER"  # a client's own word never becomes a label or a field
    metrics = client.get("/metrics", headers=admin_headers).text
    assert 'method="BREW"' not in metrics and 'method="OTHER"' in metrics


class _Stdout:
    def __init__(self, terminal: bool):
        self.terminal = terminal

    def isatty(self) -> bool:
        return self.terminal


@pytest.mark.parametrize("terminal, chosen", [(True, "text"), (False, "json")])
def test_logs_are_text_at_a_terminal_and_json_otherwise_unless_set(monkeypatch, terminal, chosen):
    monkeypatch.setattr(sys, "stdout", _Stdout(terminal))
    assert Config.from_env({}).log_format == chosen
    for setting in ("json", "text"):
        assert Config.from_env({"STRUCKDOWN_LOG_FORMAT": setting}).log_format == setting
    monkeypatch.setattr(sys, "stdout", None)  # pythonw, or a daemon without one
    assert Config.from_env({}).log_format == "json"
