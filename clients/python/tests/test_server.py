"""Against the real server: gunicorn on 127.0.0.1, started as a subprocess by these tests.

Time is the test's own clock where the client decides freshness (no sleeping out a
max-age); what the server did is read from its /metrics.
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import threading
import time
import urllib.request

import pytest
from conftest import http

from prompt_store_client import (
    Incompatible,
    LabelMoved,
    NotAuthorized,
    PromptNotFound,
    PromptRemoved,
    PromptStore,
)

ROUTE = "/api/labels/{name}"


def published(server, name="summariser", text="Summarise {{ document }} in [[summary]]"):
    """A version saved and a label pointing at it: (store, saved, token)."""
    owner = PromptStore(server.url)
    saved = owner.save(text)
    return owner, saved, owner.create_label(name, saved.id)


def test_a_label_is_fetched_once_and_served_from_the_cache(server, clock, tmp_path):
    _, saved, _ = published(server, "support-bot/production")
    app = PromptStore(server.url, cache_dir=tmp_path, clock=clock)
    got = [app.get("support-bot/production") for _ in range(20)]
    assert got[0].id == saved.id and got[0].text == "Summarise {{ document }} in [[summary]]"
    assert (got[0].variables, got[0].slots) == (("document",), ("summary",))
    assert all(p == got[0] for p in got)
    assert server.count("GET", ROUTE, 200) == 1


def test_a_move_is_seen_after_max_age_through_one_revalidation(server, clock, tmp_path):
    owner, saved, token = published(server)
    app = PromptStore(server.url, cache_dir=tmp_path, clock=clock)
    assert app.get("summariser").id == saved.id
    clock.advance(61)
    assert app.get("summariser").id == saved.id
    assert server.count("GET", ROUTE, 304) == 1  # the revalidation, counted by the server
    newer = owner.save("Summarise {{ document }} briefly in [[summary]]", saved.id)
    owner.move_label("summariser", newer.id, token, note="shorter")
    clock.advance(30)
    assert app.get("summariser").id == saved.id  # still within max-age
    clock.advance(31)
    assert app.get("summariser").text == "Summarise {{ document }} briefly in [[summary]]"
    assert (server.count("GET", ROUTE, 200), server.count("GET", ROUTE, 304)) == (2, 1)


def test_the_server_killed_mid_test_the_stale_copy_is_served_with_a_warning(
    server, clock, tmp_path, caplog
):
    published(server)
    app = PromptStore(server.url, cache_dir=tmp_path, clock=clock, timeout=1)
    good = app.get("summariser")
    server.kill()
    clock.advance(61)
    caplog.set_level(logging.WARNING, "prompt_store_client")
    served = [app.get("summariser") for _ in range(3)]
    assert all(p.stale and p.text == good.text for p in served)
    (warning,) = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert "unavailable" in warning.getMessage() and "'summariser'" in warning.getMessage()


FRESH_PROCESS = """
import json, sys
from prompt_store_client import PromptStore
store = PromptStore(sys.argv[1], cache_dir=sys.argv[2] or None, bundle=sys.argv[3] or None,
                    timeout=1)
p = store.get("summariser")
print(json.dumps({"id": p.id, "text": p.text, "stale": p.stale}))
"""


def fresh_process(url, cache_dir="", bundle=""):
    done = subprocess.run(
        [sys.executable, "-c", FRESH_PROCESS, url, str(cache_dir), str(bundle)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout), done.stderr


def test_a_fresh_process_on_the_same_cache_dir_is_served_from_disk(server, tmp_path):
    _, saved, _ = published(server)
    PromptStore(server.url, cache_dir=tmp_path).get("summariser")
    assert fresh_process(server.url, tmp_path)[0]["id"] == saved.id
    assert server.count("GET", ROUTE, 200) == 1  # the second process asked nothing
    server.kill()
    got, _ = fresh_process(server.url, tmp_path)
    assert got["text"] == "Summarise {{ document }} in [[summary]]"


def test_a_fresh_process_with_only_a_bundle_and_no_server_starts(server, tmp_path):
    _, saved, _ = published(server)
    lock = tmp_path / "prompts.lock.json"
    pull = [sys.executable, "-m", "prompt_store_client", "pull", "summariser", "-o", str(lock)]
    subprocess.run([*pull, "--url", server.url], check=True, capture_output=True)
    server.kill()
    got, stderr = fresh_process(server.url, bundle=lock)
    assert got == {"id": saved.id, "text": saved_text(), "stale": True}
    assert "from the bundle" in stderr


def saved_text() -> str:
    return "Summarise {{ document }} in [[summary]]"


def test_verify_exits_1_naming_the_label_that_moved(server, tmp_path):
    owner, saved, token = published(server)
    published(server, "other", "Other text")
    lock = tmp_path / "prompts.lock.json"
    cli = [sys.executable, "-m", "prompt_store_client"]
    subprocess.run(
        [*cli, "pull", "summariser", "other", "-o", str(lock), "--url", server.url],
        check=True,
        capture_output=True,
    )
    assert subprocess.run([*cli, "verify", str(lock)], capture_output=True).returncode == 0
    owner.move_label("summariser", owner.save("Summarise {{ document }} [[summary]]!").id, token)
    verified = subprocess.run([*cli, "verify", str(lock)], capture_output=True, text=True)
    assert verified.returncode == 1
    assert "summariser: moved" in verified.stdout and "other:" not in verified.stdout


def test_404_and_410_are_not_masked_by_a_cached_copy(server, clock, tmp_path):
    owner, saved, _ = published(server)
    app = PromptStore(server.url, cache_dir=tmp_path, clock=clock)
    app.get("summariser")
    with pytest.raises(PromptNotFound) as unknown:
        app.get("nobody")
    assert "nobody" in unknown.value.description
    status, _ = http(
        "DELETE",
        f"{server.url}/api/prompts/{saved.id}",
        headers={"X-Delete-Token": saved.delete_token},
    )
    assert status == 204
    clock.advance(61)
    with pytest.raises(PromptRemoved) as removed:
        app.get("summariser")
    assert removed.value.status == 410 and "removed" in removed.value.description.lower()
    with pytest.raises(PromptRemoved):
        app.version(saved.id)
    with pytest.raises(PromptNotFound):
        app.version("00000000-0000-4000-8000-000000000000")


def test_a_version_by_id_is_fetched_once(server, clock, tmp_path):
    _, saved, _ = published(server)
    app = PromptStore(server.url, cache_dir=tmp_path, clock=clock)
    for _ in range(3):
        assert app.version(saved.id).text == saved_text()
        clock.advance(86400)
    assert server.count("GET", "/api/prompts/{prompt_id}", 200) == 1


def test_writes_raise_typed_errors_with_the_servers_description(server):
    owner, saved, token = published(server, text="Reply in [[reply]]")
    needs_more = owner.save("Reply to {{ name }} in [[reply]]", saved.id)
    with pytest.raises(Incompatible) as caught:
        owner.move_label("summariser", needs_more.id, token)
    assert caught.value.template_changes["variables_added"] == ["name"]
    assert "force" in caught.value.description
    with pytest.raises(NotAuthorized):
        owner.move_label("summariser", needs_more.id, "not-the-token", force=True)
    seen = owner.get("summariser")
    moved = owner.move_label("summariser", needs_more.id, token, force=True, if_match=seen.etag)
    assert moved.id == needs_more.id and moved.etag != seen.etag
    with pytest.raises(LabelMoved):
        owner.move_label("summariser", saved.id, token, if_match=seen.etag)


def test_threads_and_two_processes_share_one_cache_dir_without_a_torn_file(start_server, tmp_path):
    server = start_server(STRUCKDOWN_LABEL_MAX_AGE="0")  # every get revalidates and rewrites
    published(server)
    cache = tmp_path / "shared"
    app = PromptStore(server.url, cache_dir=cache)
    errors = []

    def read():
        try:
            for _ in range(20):
                assert app.get("summariser").text == saved_text()
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)

    loop = (
        "import sys; from prompt_store_client import PromptStore\n"
        "s = PromptStore(sys.argv[1], cache_dir=sys.argv[2])\n"
        "for _ in range(40): assert s.get('summariser').text.startswith('Summarise')\n"
    )
    others = [
        subprocess.Popen([sys.executable, "-c", loop, server.url, str(cache)]) for _ in range(2)
    ]
    threads = [threading.Thread(target=read) for _ in range(4)]
    for t in threads:
        t.start()
    reads = 0
    while any(p.poll() is None for p in others) or any(t.is_alive() for t in threads):
        for f in cache.glob("label-*.json"):  # read while they write: whole files only
            assert json.loads(f.read_bytes())["body"]["text"] == saved_text()
            reads += 1
    assert [p.wait(60) for p in others] == [0, 0] and errors == [] and reads > 0
    assert [f.name for f in cache.iterdir() if f.name.startswith(".tmp-")] == []
    assert server.count("GET", ROUTE, 304) > 0


def test_a_warm_get_costs_no_request_and_under_5_percent_of_a_round_trip(server, tmp_path):
    published(server)
    app = PromptStore(server.url, cache_dir=tmp_path)
    app.get("summariser")
    url = f"{server.url}/api/labels/summariser"

    def best(function, calls: int) -> float:  # seconds per call, the best of five runs
        runs = []
        for _ in range(5):
            began = time.perf_counter()
            for _ in range(calls):
                function()
            runs.append((time.perf_counter() - began) / calls)
        return min(runs)

    round_trip = best(lambda: urllib.request.urlopen(url, timeout=10).read(), 50)
    before = server.count("GET", ROUTE, 200)
    warm = best(lambda: app.get("summariser"), 5000)
    assert server.count("GET", ROUTE, 200) == before  # (the round trips above counted 250)
    assert warm < 0.05 * round_trip


def test_threads_asking_for_a_cold_label_at_once_send_one_request(server, tmp_path):
    published(server)
    app = PromptStore(server.url, cache_dir=tmp_path)
    start = threading.Barrier(8)
    texts = []

    def read():
        start.wait()
        texts.append(app.get("summariser").text)

    threads = [threading.Thread(target=read) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert texts == [saved_text()] * 8
    assert server.count("GET", ROUTE, 200) == 1
