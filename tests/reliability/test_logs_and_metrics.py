"""Through the real gunicorn: logs that hold no capability, metrics summed over workers."""

from __future__ import annotations

import json
import os
import re
import signal
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from tests.servers import Gunicorn

from .conftest import Client

ADMIN = "admin-token-" + uuid.uuid4().hex
BEARER = {"Authorization": f"Bearer {ADMIN}"}
JSON = {"Content-Type": "application/json"}


def _server(tmp_path, **env) -> Gunicorn:
    settings = {"STRUCKDOWN_ADMIN_TOKEN": ADMIN, "STRUCKDOWN_SAVE_RATE_LIMIT": "off", **env}
    return Gunicorn(tmp_path / "prompts.db", workers=2, **settings)


def test_no_log_line_holds_an_id_a_text_a_token_or_the_admin_token(tmp_path, tally):
    marker = f"secret-text-{uuid.uuid4().hex}"
    secrets: set[str] = {ADMIN, marker}
    with _server(tmp_path, STRUCKDOWN_SAVE_RATE_LIMIT="30/minute") as server:
        client = Client(server.port, tally)
        root = client.save(f"{marker}\nSummarise {{{{ doc }}}} in [[summary]]")[2]
        child = client.save(f"{marker} edited", root["id"])[2]
        secrets |= {root["id"], child["id"], root["delete_token"], child["delete_token"]}
        for path in ("", "/raw", "/history", "/diff", f"/diff?against={root['id']}"):
            assert client.request("GET", f"/api/prompts/{child['id']}{path}")[0] == 200
        assert client.request("GET", f"/p/{child['id']}")[0] == 200
        assert (
            client.request("GET", f"/api/prompts/{root['id']}/children", headers=BEARER)[0] == 200
        )
        assert client.request("GET", "/api/prompts", headers=BEARER)[0] == 200
        assert client.request("GET", "/metrics", headers=BEARER)[0] == 200
        # Failures of every kind, carrying the secrets where a request can.
        wrong_token = {"X-Delete-Token": root["delete_token"]}
        assert (
            client.request("DELETE", f"/api/prompts/{child['id']}", headers=wrong_token)[0] == 403
        )
        body = json.dumps({"text": marker, "inputs": marker}).encode()
        assert client.request("POST", "/api/prompts", body, JSON)[0] == 400
        body = json.dumps({"text": marker, "parent_id": str(uuid.uuid4())}).encode()
        assert client.request("POST", "/api/prompts", body, JSON)[0] == 422
        assert client.request("GET", f"/api/prompts/{uuid.uuid4()}")[0] == 404
        assert client.request("GET", f"/p/{marker}")[0] == 404
        assert client.request("GET", f"/api/prompts/{child['id']}?x={marker}")[0] == 400
        assert (
            client.request("GET", "/api/stats", headers={"Authorization": f"Bearer {ADMIN}x"})[0]
            == 401
        )
        secrets |= _labels(client, root["id"], child["id"])
        delete = {"X-Delete-Token": child["delete_token"]}
        assert client.request("DELETE", f"/api/prompts/{child['id']}", headers=delete)[0] == 204
        for _ in range(30):  # until the rate limit answers 429
            if client.save(f"{marker} again {uuid.uuid4()}")[0] == 429:
                break
        else:
            raise AssertionError("the rate limit never answered")
        client.close()
        tally["requests"] += 1
    lines = server.log.read_text().splitlines()
    assert len(lines) > 20
    for line in lines:
        json.loads(line)  # every line, gunicorn's own included, is one JSON object
        leaked = [s for s in secrets if s in line]
        assert not leaked, line
    routes = Counter(json.loads(line).get("route") for line in lines)
    assert routes["/api/prompts/{prompt_id}/diff"] == 2


def _labels(client, root_id: str, child_id: str) -> set[str]:
    """Label traffic of every kind, its token sent where a request can carry it."""

    def send(method, path, body=None, token=None, **headers):
        if token:
            headers["Authorization"] = f"Bearer {token}"
        data = None if body is None else json.dumps(body).encode()
        return client.request(method, path, data, {**JSON, **headers})

    status, _, raw = send("POST", "/api/labels", {"name": "bot/prod", "id": root_id})
    assert status == 201
    token = json.loads(raw)["label_token"]
    other = json.loads(send("POST", "/api/labels", {"name": "other", "id": root_id})[2])
    assert send("GET", "/api/labels/bot/prod", **{"X-Request-ID": token})[0] == 200
    assert send("GET", "/api/labels/bot/prod/raw")[0] == 200
    assert send("GET", "/api/labels/bot/prod/moves")[0] == 200
    assert send("GET", f"/api/labels/{token}")[0] in (400, 404)
    assert send("GET", f"/api/prompts/{root_id}/labels")[0] == 200
    assert send("PUT", "/api/labels/bot/prod", {"id": child_id}, other["label_token"])[0] == 403
    moved = {"id": child_id, "note": token, "force": True}
    assert send("PUT", "/api/labels/bot/prod", moved, token)[0] == 200
    assert send("DELETE", "/api/labels/other", token=other["label_token"])[0] == 204
    return {token, other["label_token"]}


def _metric(text: str, name: str, **labels) -> float:
    total = 0.0
    for line in text.splitlines():
        metric, _, value = line.rpartition(" ")
        if metric.split("{")[0] != name:
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', metric))
        if all(found.get(k) == v for k, v in labels.items()):
            total += float(value)
    return total


def test_metrics_sum_every_worker_even_one_that_died(tmp_path, tally):
    saves, loads = 60, 90
    with _server(tmp_path) as server:

        def save(n: int) -> str:
            client = Client(server.port, tally)  # a new connection each: any worker answers
            status, _, body = client.save(f"metrics {n}")
            client.close()
            assert status == 201
            return body["id"]

        def load(prompt_id: str) -> int:
            client = Client(server.port, tally)
            status = client.request("GET", f"/api/prompts/{prompt_id}")[0]
            client.close()
            return status

        def traffic(first: int, last: int) -> list[str]:
            with ThreadPoolExecutor(8) as pool:
                ids = list(pool.map(save, range(first, last)))
                assert list(pool.map(load, ids + ids[: len(ids) // 2])) == [200] * (
                    len(ids) + len(ids) // 2
                )
            return ids

        traffic(0, saves // 2)
        directory = _metrics_directory(server)
        counted = _writers(directory)
        # SIGKILL a worker that has counted requests: no clean exit, and its counts
        # must still be in the sum. The rest of the traffic goes to the others.
        os.kill(int(next(iter(counted))), signal.SIGKILL)
        tally["faults"] += 1
        _wait_for_workers(server, 2)
        traffic(saves // 2, saves)
        assert len(_writers(directory)) >= 2  # so the answer below is a sum
        client = Client(server.port, tally)
        status, _, raw = client.request("GET", "/metrics", headers=BEARER)
        client.close()
    assert status == 200
    text = raw.decode()
    post = {"route": "/api/prompts", "method": "POST"}
    assert _metric(text, "prompt_store_http_requests_total", status="201", **post) == saves
    assert _metric(text, "prompt_store_saves_total", result="created") == saves
    get = {"route": "/api/prompts/{prompt_id}", "method": "GET", "status": "200"}
    assert _metric(text, "prompt_store_http_requests_total", **get) == loads
    assert (
        _metric(text, "prompt_store_http_request_duration_seconds_count", route=get["route"])
        == loads
    )
    assert _metric(text, "prompt_store_prompts") == saves


def _writers(directory: Path) -> set[str]:
    """The pids of the workers that have counted requests, from prometheus_client's files."""
    return {p.stem.rsplit("_", 1)[-1] for p in directory.glob("counter_*.db")}


def _wait_for_workers(server: Gunicorn, count: int) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if len(_worker_pids(server)) >= count and server.request("GET", "/healthz")[0] == 200:
            return
        time.sleep(0.2)
    raise AssertionError("gunicorn did not replace the killed worker")


def _metrics_directory(server: Gunicorn) -> Path:
    base = Path("/dev/shm") if Path("/dev/shm").is_dir() else Path("/tmp")
    return base / f"prompt-store-metrics-{server.process.pid}"


def _worker_pids(server: Gunicorn) -> list[int]:
    children = Path(f"/proc/{server.process.pid}/task/{server.process.pid}/children")
    return [int(pid) for pid in children.read_text().split()]


def test_the_metrics_directory_is_new_at_start_and_gone_at_exit(tmp_path, tally):
    server = _server(tmp_path).start()
    directory = _metrics_directory(server)
    assert directory.is_dir() and oct(directory.stat().st_mode & 0o777) == "0o700"
    server.stop()
    assert not directory.exists()
    tally["requests"] += 1
