"""A full disk: saves answer JSON 507/503, nothing stored is damaged, and they resume."""

from __future__ import annotations

import os
import subprocess

import pytest

from bench.servers import Gunicorn

from .conftest import Client, assert_all_present, integrity


@pytest.fixture
def small_disk(tmp_path):
    """A 4 MiB tmpfs, mounted by the test (root only, as in CI)."""
    if os.geteuid() != 0:
        if os.environ.get("CI"):
            pytest.fail("the disk-full test must run as root in CI to mount a tmpfs")
        pytest.skip("mounting a size-limited tmpfs needs root")
    mount = tmp_path / "small"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount)], check=True)
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=True)


def _fill(path, chunk=64 * 1024):
    """Write until the filesystem refuses; return the filler's path."""
    filler = path / "filler"
    # Unbuffered: a short write leaves nothing behind for close() to fail on.
    with open(filler, "wb", buffering=0) as f:
        try:
            while True:
                f.write(b"\0" * chunk)
        except OSError:
            pass
    return filler


def test_a_full_disk_refuses_saves_cleanly_and_recovers(small_disk, tmp_path, tally):
    db = small_disk / "prompts.db"
    with Gunicorn(db, log_dir=tmp_path) as server:
        client = Client(server.port, tally)
        acknowledged = {}
        for i in range(20):
            text = f"stored before the disk filled {i}\n" + "x" * 20_000
            status, _, body = client.save(text)
            assert status == 201
            acknowledged[body["id"]] = text
        filler = _fill(small_disk)
        tally["faults"] += 1
        refused = []
        for i in range(30):
            status, headers, body = client.save(f"no room for this {i}\n" + "y" * 50_000)
            if status in (507, 503):
                refused.append(status)
                assert headers["content-type"].startswith("application/json")
                assert set(body) == {"title", "description", "error"}
                assert "Nothing was stored" in body["error"]
            else:
                assert status == 201, (status, body)  # some may still fit in free pages
        assert refused, "the disk never filled"
        for pid, text in acknowledged.items():
            status, _, raw = client.request("GET", f"/api/prompts/{pid}/raw")
            assert status == 200 and raw.decode() == text
        filler.unlink()
        status, _, body = client.save("room again")
        assert status == 201, body
        acknowledged[body["id"]] = "room again"
        health = client.request("GET", "/healthz")
        assert health[0] == 200
    log = server.log.read_text()
    assert "Traceback" not in log
    assert integrity(db) == "ok"
    assert_all_present(db, acknowledged, tally)
