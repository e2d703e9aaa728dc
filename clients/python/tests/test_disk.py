"""The disk cache: survives a restart, shared by threads and processes, never torn."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from pathlib import Path

from prompt_store_client import PromptStore
from prompt_store_client.cache import Cache, Entry

ROUTE = "/api/labels/{name}"


def test_a_new_store_on_the_same_cache_dir_serves_from_disk_without_asking(fake, client, clock):
    fake.point("bot", fake.add("On disk"))
    client().get("bot")
    restarted = client()
    assert restarted.get("bot").text == "On disk"
    assert fake.count("GET", ROUTE) == 1


def test_a_new_store_revalidates_an_expired_disk_copy_with_one_304(fake, client, clock):
    fake.point("bot", fake.add("On disk"))
    client().get("bot")
    clock.advance(61)
    assert client().get("bot").text == "On disk"
    assert fake.count("GET", ROUTE, 304) == 1 and fake.count("GET", ROUTE) == 2


def test_a_copy_refreshed_by_another_process_is_picked_up_from_disk(fake, client, clock):
    fake.point("bot", fake.add("One"))
    mine, theirs = client(), client()
    mine.get("bot")
    fake.point("bot", fake.add("Two"))
    clock.advance(61)
    assert theirs.get("bot").text == "Two"
    assert mine.get("bot").text == "Two"  # theirs's fresh copy, read from disk
    assert fake.count("GET", ROUTE) == 2


def test_a_damaged_cache_file_is_ignored_not_served(fake, client, tmp_path):
    fake.point("bot", fake.add("Real"))
    client().get("bot")
    (path,) = (tmp_path / "cache").glob("label-*.json")
    data = json.loads(path.read_text())
    data["body"]["text"] = "Tampered"
    path.write_text(json.dumps(data))
    assert client().get("bot").text == "Real"
    path.write_text('{"format": 1, "kind": "lab')
    assert client().get("bot").text == "Real"


def test_an_unusable_cache_dir_leaves_the_memory_cache_working(fake, client, tmp_path, caplog):
    fake.point("bot", fake.add("Text"))
    (tmp_path / "a-file").write_text("")
    store = client(cache_dir=tmp_path / "a-file" / "cache")  # cannot be a directory
    assert store.get("bot").text == store.get("bot").text == "Text"
    assert fake.count("GET", ROUTE) == 1
    assert len([r for r in caplog.records if "prompt-store cache: cannot" in r.getMessage()]) == 1


def test_concurrent_threads_on_a_cold_label_send_one_request(fake, client):
    fake.point("bot", fake.add("Text"))
    fake.hang = 0.2  # every thread arrives while the first request is in flight
    store = client()
    start = threading.Barrier(16)
    texts = []

    def read():
        start.wait()
        texts.append(store.get("bot").text)

    threads = [threading.Thread(target=read) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert texts == ["Text"] * 16
    assert fake.count("GET", ROUTE) == 1


WRITER = """
import sys
from prompt_store_client.cache import Cache, Entry
cache = Cache(sys.argv[1])
me = sys.argv[2]
for i in range(int(sys.argv[3])):
    text = (me * 5000) + str(i)
    cache.put(Entry("label", "shared", {"id": me, "text": text}, None, float(i), 60.0))
    got = Cache(sys.argv[1]).newest(("label", "shared"))
    assert got is not None and got.body["text"].startswith(got.body["id"] * 5000), "torn"
"""


def test_two_processes_writing_one_cache_dir_never_leave_a_torn_file(tmp_path):
    directory = tmp_path / "shared"
    Cache(directory)
    writers = [
        subprocess.Popen([sys.executable, "-c", WRITER, str(directory), me, "300"])
        for me in ("a", "b")
    ]
    reads = 0
    while any(w.poll() is None for w in writers):
        for path in directory.glob("label-*.json"):
            try:
                data = json.loads(path.read_bytes())
            except FileNotFoundError:
                continue
            assert Entry.from_json(data, "label", "shared") is not None
            reads += 1
    assert [w.wait() for w in writers] == [0, 0]
    assert reads > 0
    assert [p.name for p in directory.iterdir() if p.name.startswith(".tmp-")] == []
    assert Cache(directory).newest(("label", "shared")) is not None


def test_two_processes_reading_through_one_cache_dir_share_the_copy(fake, tmp_path):
    fake.point("bot", fake.add("Shared"))
    script = (
        "import sys; from prompt_store_client import PromptStore; "
        "print(PromptStore(sys.argv[1], cache_dir=sys.argv[2]).get('bot').text)"
    )
    args = [sys.executable, "-c", script, fake.url, str(tmp_path / "c")]
    first, second = subprocess.run(args, capture_output=True, text=True, check=True), None
    second = subprocess.run(args, capture_output=True, text=True, check=True)
    assert first.stdout == second.stdout == "Shared\n"
    assert fake.count("GET", ROUTE) == 1


def test_a_cache_file_names_neither_the_label_nor_the_id(fake, client, tmp_path):
    prompt_id = fake.add("Text")
    fake.point("secret-name", prompt_id)
    store = client()
    store.get("secret-name")
    store.version(prompt_id)
    names = " ".join(p.name for p in Path(tmp_path / "cache").iterdir())
    assert "secret" not in names and prompt_id not in names
    assert PromptStore  # the public face imports cleanly
