"""The bundle and its command line: pull, verify, and a cold start with no store."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from prompt_store_client import Bundle
from prompt_store_client.cli import main


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "prompt_store_client", *args], capture_output=True, text=True
    )


def test_pull_writes_each_labels_version_and_verify_passes_until_one_moves(fake, tmp_path):
    fake.point("a", fake.add("Alpha {{ x }}"))
    fake.point("team/b", fake.add("Beta [[y]]"))
    lock = tmp_path / "prompts.lock.json"
    pulled = run("pull", "a", "team/b", "-o", str(lock), "--url", fake.url)
    assert pulled.returncode == 0, pulled.stderr
    data = json.loads(lock.read_text())
    assert [(p["name"], p["text"]) for p in data["prompts"]] == [
        ("a", "Alpha {{ x }}"),
        ("team/b", "Beta [[y]]"),
    ]
    assert data["prompts"][0]["id"] == fake.labels["a"]["id"] and data["url"] == fake.url
    assert run("verify", str(lock)).returncode == 0
    fake.point("team/b", fake.add("Beta two [[y]]"))
    verified = run("verify", str(lock))
    assert verified.returncode == 1
    assert "team/b: moved" in verified.stdout and "a:" not in verified.stdout


def test_verify_names_a_label_that_is_gone(fake, tmp_path):
    fake.point("a", fake.add("Alpha"))
    lock = tmp_path / "prompts.lock.json"
    assert main(["pull", "a", "-o", str(lock), "--url", fake.url]) == 0
    del fake.labels["a"]
    verified = run("verify", str(lock))
    assert verified.returncode == 1 and "a: gone" in verified.stdout


def test_pull_of_an_unknown_label_writes_nothing_and_exits_2(fake, tmp_path):
    lock = tmp_path / "prompts.lock.json"
    pulled = run("pull", "nobody", "-o", str(lock), "--url", fake.url)
    assert pulled.returncode == 2 and "No label has this name" in pulled.stderr
    assert not lock.exists()


def test_verify_with_the_store_unreachable_exits_2(fake, tmp_path):
    fake.point("a", fake.add("Alpha"))
    lock = tmp_path / "prompts.lock.json"
    assert main(["pull", "a", "-o", str(lock), "--url", fake.url]) == 0
    fake.server.server_close()
    verified = run("verify", str(lock))
    assert verified.returncode == 2 and "unavailable" in verified.stderr


def test_a_bundle_whose_text_does_not_match_its_sha256_is_refused(fake, tmp_path):
    fake.point("a", fake.add("Alpha"))
    lock = tmp_path / "prompts.lock.json"
    assert main(["pull", "a", "-o", str(lock), "--url", fake.url]) == 0
    data = json.loads(lock.read_text())
    data["prompts"][0]["text"] = "Edited by hand"
    lock.write_text(json.dumps(data))
    with pytest.raises(ValueError, match="does not match its sha256"):
        Bundle.load(lock)


COLD_START = """
import sys
from prompt_store_client import PromptStore
store = PromptStore(sys.argv[1], bundle=sys.argv[2], timeout=0.5)
p = store.get("a")
print(p.text, p.stale, store.version(p.id).text)
"""


def test_a_fresh_process_with_only_a_bundle_and_no_store_starts(fake, tmp_path):
    fake.point("a", fake.add("Alpha {{ x }}"))
    lock = tmp_path / "prompts.lock.json"
    assert main(["pull", "a", "-o", str(lock), "--url", fake.url]) == 0
    fake.server.server_close()
    started = subprocess.run(
        [sys.executable, "-c", COLD_START, fake.url, str(lock)], capture_output=True, text=True
    )
    assert started.returncode == 0, started.stderr
    assert started.stdout == "Alpha {{ x }} True Alpha {{ x }}\n"
    assert "serving label 'a' from the bundle" in started.stderr
