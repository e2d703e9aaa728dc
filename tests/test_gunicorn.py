"""The service under the real gunicorn configuration, as dokku runs it."""

from __future__ import annotations

import http.client
import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from api.config import Config
from api.store import SCHEMA_VERSION, Store
from bench.servers import Gunicorn


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """One server for the tests that only send it requests: starting one costs a second."""
    with Gunicorn(tmp_path_factory.mktemp("gunicorn") / "prompts.db") as server:
        yield server


def test_concurrent_saves_through_several_workers_all_land(tmp_path):
    with Gunicorn(tmp_path / "prompts.db") as server:
        _saves_from_six_clients_all_land(server, tmp_path)


def _saves_from_six_clients_all_land(server, tmp_path):
    def client(n: int) -> list[tuple[int, str, str]]:
        out = []
        for i in range(25):
            text = f"client {n} save {i}\n" + "x" * (i * 40)
            status, _, body = server.request("POST", "/api/prompts", {"text": text})
            out.append((status, json.loads(body).get("id"), text))
        return out

    with ThreadPoolExecutor(6) as pool:
        results = [r for batch in pool.map(client, range(6)) for r in batch]
    assert {status for status, _, _ in results} == {201}
    for _, prompt_id, text in results:
        status, _, body = server.request("GET", f"/api/prompts/{prompt_id}/raw")
        assert status == 200 and body.decode() == text
    store = Store(Config(db_path=tmp_path / "prompts.db"))
    assert store.maintenance.sizes()["count"] == len(results)
    store.close()


def test_a_chunked_request_body_is_read(server):
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    body = json.dumps({"text": "sent in chunks"}).encode()
    conn.request(
        "POST",
        "/api/prompts",
        body=iter([body[:7], body[7:]]),
        headers={"Content-Type": "application/json", "Transfer-Encoding": "chunked"},
        encode_chunked=True,
    )
    resp = conn.getresponse()
    saved = json.loads(resp.read())
    assert resp.status == 201
    assert server.request("GET", f"/api/prompts/{saved['id']}/raw")[2] == b"sent in chunks"


def test_a_huge_declared_body_is_refused_at_once(server):
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    conn.putrequest("POST", "/api/prompts")
    conn.putheader("Content-Type", "application/json")
    conn.putheader("Content-Length", str(10 << 30))
    conn.endheaders()
    conn.send(b'{"text": "')
    resp = conn.getresponse()
    assert resp.status == 413
    assert json.loads(resp.read())["title"] == "Prompt too large"


def test_the_server_says_at_start_where_its_database_is(server):
    said = [line for line in server.log.read_text().splitlines() if "the database is" in line]
    assert len(said) == 1 and server.env["STRUCKDOWN_PROMPT_DB"] in said[0], said


def test_sigterm_shuts_down_gracefully(tmp_path):
    server = Gunicorn(tmp_path / "prompts.db").start()
    assert server.request("POST", "/api/prompts", {"text": "kept"})[0] == 201
    assert server.stop() == 0


def test_release_phase_command_creates_the_schema(tmp_path):
    db = tmp_path / "release" / "prompts.db"
    command = Path(sys.executable).parent / "prompt-store"
    env = {"STRUCKDOWN_PROMPT_DB": str(db), "PATH": "/usr/bin:/bin"}
    first = subprocess.run([str(command), "init-db"], env=env, capture_output=True, text=True)
    assert first.returncode == 0, first.stderr
    assert f"migrated from version 0 to {SCHEMA_VERSION}" in first.stdout
    again = subprocess.run([str(command), "init-db"], env=env, capture_output=True, text=True)
    assert "up to date" in again.stdout
    module = subprocess.run(
        [sys.executable, "-m", "jobs", "--db", str(db), "init-db"],
        capture_output=True,
        text=True,
        cwd=Path(__file__).parent.parent,
    )
    assert module.returncode == 0 and "up to date" in module.stdout


def _raw_exchange(server, request: bytes) -> tuple[int, bytes]:
    """Send bytes as they are; return the status and body of the answer."""
    import socket

    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(request)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    return int(head.split()[1]), body


@pytest.mark.parametrize("size_line", [b"zz", b"-1", b"1x", b" "])
def test_a_malformed_chunk_size_is_a_json_400_without_a_traceback(server, size_line):
    request = (
        b"POST /api/prompts HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
        + size_line
        + b"\r\n{}\r\n0\r\n\r\n"
    )
    status, body = _raw_exchange(server, request)
    assert status == 400
    assert json.loads(body)["title"]
    assert "Traceback" not in server.log.read_text()


def test_json_nested_a_thousand_deep_is_a_json_400_through_gunicorn(server):
    for depth in (900, 1_000, 50_000):
        body = b'{"text": ' + b"[" * depth + b"]" * depth + b"}"
        status, _, answer = server.request(
            "POST", "/api/prompts", headers={"Content-Type": "application/json"}, raw=body
        )
        assert status == 400, depth
        assert json.loads(answer)["title"] in ("Invalid text", "JSON nested too deep")
    assert "Traceback" not in server.log.read_text()


@pytest.mark.parametrize(
    "request_line, status",
    [
        (b"GET /api/prompts/" + b"x" * 9000 + b" HTTP/1.1", 414),
        (b"GET /healthz HTTP/9.9", 400),
        (b"G\x00T /healthz HTTP/1.1", 400),
    ],
)
def test_what_gunicorn_refuses_itself_is_json_too(server, request_line, status):
    got, body = _raw_exchange(server, request_line + b"\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert got == status
    answer = json.loads(body)
    assert set(answer) == {"title", "description"} and answer["description"]
    assert "Traceback" not in server.log.read_text()


def test_saves_refused_for_an_unknown_parent_use_up_the_allowance(tmp_path):
    unknown = "00000000-0000-4000-8000-000000000000"
    body = {"text": "a long text {{ x }} " * 10_000, "parent_id": unknown}
    with Gunicorn(tmp_path / "prompts.db", STRUCKDOWN_SAVE_RATE_LIMIT="5/minute") as server:
        statuses = [server.request("POST", "/api/prompts", body)[0] for _ in range(12)]
        assert statuses == [422] * 5 + [429] * 7
        # Requests at once from a client over its limit are all refused, none read.
        with ThreadPoolExecutor(4) as pool:
            statuses = list(
                pool.map(lambda _: server.request("POST", "/api/prompts", body)[0], range(12))
            )
        assert statuses == [429] * 12
        # The playground's endpoint shares the allowance, and says why in `error`.
        status, _, answer = server.request("POST", "/api/save-prompt", {"syntax": "new"})
        assert status == 429 and "Too many saves" in json.loads(answer)["error"]


def _exchange_quietly(server, request: bytes) -> int:
    try:
        return _raw_exchange(server, request)[0]
    except (ConnectionError, ValueError, IndexError):
        return 0  # the server may close before answering; the log is what is tested


@pytest.mark.parametrize("log_format", ["json", "text"])
def test_the_log_holds_no_prompt_text_address_or_id_and_no_overlong_line(tmp_path, log_format):
    from api.http.logs import PIPE_BUF

    prompt_id = "6e3f2a10-1b2c-4d5e-8f90-0a1b2c3d4e5f"
    encoded = "".join(f"%{b:02x}" for b in prompt_id.encode())
    secret = "SECRET-PROMPT-TEXT " * 400
    tail = "Host: x\r\nConnection: close\r\n\r\n"
    requests = [
        # A chunked body sent without its chunk framing: the parser chokes on the text.
        b"POST /api/prompts HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
        + json.dumps({"text": secret}).encode()
        + b"\r\n",
        # gunicorn's own refusals, quoting the request line with a percent-encoded id.
        f"GET /p/{encoded} HTTP/9.9\r\n{tail}".encode(),
        f"GET /p/{encoded} level=critical HTTP/1.1\r\n{tail}".encode(),
        f"GET /{'a' * 8000} HTTP/9.9\r\n{tail}".encode(),
    ]
    env = {"STRUCKDOWN_LOG_FORMAT": log_format}
    with Gunicorn(tmp_path / "prompts.db", **env) as server:
        with ThreadPoolExecutor(4) as pool:
            statuses = list(pool.map(lambda r: _exchange_quietly(server, r), requests * 5))
    assert set(statuses) == {400}
    raw = server.log.read_bytes()
    lines = raw.decode().splitlines()
    assert all(len(line.encode()) + 1 <= PIPE_BUF for line in lines)
    for text in ("SECRET", prompt_id, encoded, "ip=127.0.0.1", "level=critical"):
        assert text not in raw.decode(), text
    refusals = [line for line in lines if "malformed request refused by gunicorn" in line]
    assert len(refusals) == 15
    if log_format == "json":
        assert all(json.loads(line)["client"] for line in refusals)
        assert sum("unreadable body" in line for line in lines) == 5
