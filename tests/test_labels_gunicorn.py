"""Labels through the real gunicorn, on SQLite and PostgreSQL: every route and refusal,
the If-Match race, and a takedown under a label."""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from .servers import Gunicorn

UNKNOWN = "00000000-0000-4000-8000-000000000000"
BASE = "Reply to {{ message }} as [[reply]]"
RACERS = 8


@pytest.fixture
def server(config, store, tmp_path):
    """A gunicorn of two workers on the test's database."""
    store.migrate()  # as the release phase does
    env = {"DATABASE_URL": config.database_url} if config.database_url else {}
    with Gunicorn(config.db_path, workers=2, **env) as server:
        yield server


def call(server, method, path, body=None, token=None, **headers):
    """(status, headers, JSON or text) of one request."""
    if token:
        headers["Authorization"] = f"Bearer {token}"
    headers = {k.replace("_", "-"): v for k, v in headers.items()}
    status, found, raw = server.request(method, path, body, headers)
    if found.get("Content-Type", "").startswith("application/json") and raw:
        return status, found, json.loads(raw)
    return status, found, raw.decode()


def save(server, text, parent_id=None):
    body = {"text": text} if parent_id is None else {"text": text, "parent_id": parent_id}
    status, _, saved = call(server, "POST", "/api/prompts", body)
    assert status == 201
    return saved


def test_every_label_route_and_refusal_through_gunicorn(server):
    root = save(server, BASE)
    wider = save(server, BASE + " in {{ language }}", root["id"])["id"]
    fewer = save(server, "Reply to {{ message }}", root["id"])["id"]
    kinder = save(server, "Reply kindly to {{ message }} as [[reply]]", root["id"])["id"]
    status, headers, made = call(
        server, "POST", "/api/labels", {"name": "bot/prod", "id": root["id"]}
    )
    assert status == 201 and headers["Location"] == "/api/labels/bot/prod"
    token, path = made["label_token"], "/api/labels/bot/prod"
    status, headers, body = call(server, "GET", path)
    assert status == 200 and body["text"] == BASE
    assert headers["Cache-Control"] == "private, max-age=60, stale-if-error=86400"
    etag = headers["ETag"]
    expected = [
        ("POST", "/api/labels", {"name": "bot/prod", "id": root["id"]}, {}, 409),
        ("POST", "/api/labels", {"name": "Bot", "id": root["id"]}, {}, 400),
        ("POST", "/api/labels", {"name": "x", "id": "nope"}, {}, 400),
        ("POST", "/api/labels", {"name": "x", "id": root["id"], "model": "gpt"}, {}, 400),
        ("POST", "/api/labels", {"name": "x", "id": UNKNOWN}, {}, 422),
        ("GET", path, None, {"If_None_Match": etag}, 304),
        ("HEAD", path, None, {}, 200),
        ("GET", f"{path}/raw", None, {}, 200),
        ("GET", f"{path}/moves", None, {}, 200),
        ("GET", "/api/labels/nobody", None, {}, 404),
        ("GET", "/api/labels/nobody/raw", None, {}, 404),
        ("GET", "/api/labels/nobody/moves", None, {}, 404),
        ("GET", f"/api/prompts/{root['id']}/labels", None, {}, 200),
        ("GET", f"/api/prompts/{UNKNOWN}/labels", None, {}, 404),
        ("PUT", path, {"id": kinder}, {}, 401),
        ("PUT", path, {"id": kinder}, {"token": "wrong"}, 403),
        ("PUT", "/api/labels/nobody", {"id": kinder}, {"token": token}, 404),
        ("PUT", path, {"id": UNKNOWN}, {"token": token}, 422),
        ("PUT", path, {"id": kinder}, {"token": token, "If_Match": '"stale"'}, 412),
        ("PUT", path, {"id": wider}, {"token": token}, 409),
        ("PUT", path, {"id": fewer}, {"token": token}, 409),
        ("PUT", path, {"id": kinder}, {"token": token, "If_Match": etag}, 200),
        ("PUT", path, {"id": wider, "force": True}, {"token": token}, 200),
        ("PUT", path, {"id": root["id"], "note": "roll back"}, {"token": token}, 200),
        ("DELETE", path, None, {}, 401),
        ("DELETE", path, None, {"token": "wrong"}, 403),
    ]
    answers = [
        (method, where, call(server, method, where, body, **headers)[0], status)
        for method, where, body, headers, status in expected
    ]
    assert [a for a in answers if a[2] != a[3]] == []
    _, _, moves = call(server, "GET", f"{path}/moves")
    assert [(m["id"], m["forced"], m["note"]) for m in moves["moves"]] == [
        (root["id"], False, "roll back"),
        (wider, True, None),
        (kinder, False, None),
        (root["id"], False, None),
    ]
    assert call(server, "DELETE", path, token=token)[0] == 204
    assert call(server, "GET", path)[0] == 404


def test_of_moves_sent_with_one_if_match_exactly_one_wins(server, store):
    root = save(server, BASE)
    made = call(server, "POST", "/api/labels", {"name": "raced", "id": root["id"]})[2]
    for racers in (2, RACERS):  # the pair the issue names, then a crowd
        for round_ in range(3):
            # New versions each round: a move to where the label is already is no move.
            targets = [
                save(server, f"{BASE} ({racers}.{round_}.{n})", root["id"])["id"]
                for n in range(racers)
            ]
            etag = call(server, "GET", "/api/labels/raced")[1]["ETag"]
            start = threading.Barrier(racers)

            def race(n, etag=etag, start=start, targets=targets):
                start.wait()
                return call(
                    server, "PUT", "/api/labels/raced", {"id": targets[n]},
                    token=made["label_token"], If_Match=etag,
                )  # fmt: skip

            with ThreadPoolExecutor(racers) as pool:
                answers = list(pool.map(race, range(racers)))
            statuses = sorted(status for status, _, _ in answers)
            assert statuses == [200] + [412] * (racers - 1)
            winner = next(body for status, _, body in answers if status == 200)
            assert call(server, "GET", "/api/labels/raced")[2]["id"] == winner["id"]
    moves = call(server, "GET", "/api/labels/raced/moves")[2]["moves"]
    assert len(moves) == 1 + 6  # the creation and one move per round
    assert store.labels.records.problems() == []


def test_a_takedown_under_a_label_answers_410_and_a_move_brings_it_back(server):
    root = save(server, BASE)
    child = save(server, "Reply briefly to {{ message }} as [[reply]]", root["id"])
    made = call(server, "POST", "/api/labels", {"name": "support", "id": child["id"]})[2]
    status, _, _ = call(
        server, "DELETE", f"/api/prompts/{child['id']}", X_Delete_Token=child["delete_token"]
    )
    assert status == 204
    for sub in ("", "/raw"):
        status, headers, body = call(server, "GET", f"/api/labels/support{sub}")
        assert status == 410 and "removed" in body["description"]
        assert "no-store" in headers["Cache-Control"]
    assert call(server, "GET", f"/api/prompts/{child['id']}/labels")[2] == {"labels": ["support"]}
    status, _, moved = call(
        server, "PUT", "/api/labels/support", {"id": root["id"]}, token=made["label_token"]
    )
    assert status == 200 and moved["forced"] is False
    status, _, body = call(server, "GET", "/api/labels/support")
    assert status == 200 and body["text"] == BASE
