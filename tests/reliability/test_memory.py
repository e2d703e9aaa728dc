"""Worker memory stays flat: RSS after 50k mixed requests is within 10% of after 5k."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench.servers import Gunicorn

from .conftest import Client

CLIENTS = 4


def _workers(master_pid: int) -> list[int]:
    children = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()
    return sorted(int(pid) for pid in children)


def _rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError(f"no VmRSS for {pid}")


def _mixed(server: Gunicorn, tally, ids: list[str], tip: str, total: int, offset: int) -> None:
    """Loads, raw, history, diffs, pages, saves and bad input, spread over the clients."""

    def client_run(n: int) -> None:
        client = Client(server.port, tally)
        for i in range(n, total, CLIENTS):
            pid = ids[(i * 7919) % len(ids)]
            kind = i % 10
            if kind < 4:
                status, _, _ = client.request("GET", f"/api/prompts/{pid}")
            elif kind == 4:
                status, _, _ = client.request("GET", f"/api/prompts/{pid}/raw")
            elif kind == 5:
                status, _, _ = client.request("GET", f"/api/prompts/{tip}/history")
            elif kind == 6:
                status, _, _ = client.request("GET", f"/api/prompts/{tip}/diff")
            elif kind == 7:
                status, _, _ = client.request("GET", f"/p/{pid}")
            elif kind == 8:
                status = client.save(f"memory save {offset + i}\n" + "z" * (i % 3000))[0]
            else:
                status, _, _ = client.request(
                    "POST",
                    "/api/prompts",
                    b'{"text": "x", "inputs": {"a": 1}}',
                    {"Content-Type": "application/json"},
                )
                tally["bad_inputs"] += 1
                assert status == 400
                continue
            assert status in (200, 201), (kind, status)
        client.close()

    with ThreadPoolExecutor(CLIENTS) as pool:
        list(pool.map(client_run, range(CLIENTS)))


def test_worker_memory_does_not_grow_per_request(tmp_path, tally):
    with Gunicorn(tmp_path / "prompts.db", workers=2) as server:
        client = Client(server.port, tally)
        ids = [client.save(f"seed {i}\n" + "s" * 2000)[2]["id"] for i in range(500)]
        tip = ids[0]
        for i in range(100):
            tip = client.save(f"chain {i}", tip)[2]["id"]
        _mixed(server, tally, ids, tip, 5_000, 0)
        workers = _workers(server.process.pid)
        after_5k = {pid: _rss_kib(pid) for pid in workers}
        _mixed(server, tally, ids, tip, 50_000, 5_000)
        assert _workers(server.process.pid) == workers  # no worker was restarted
        after_50k = {pid: _rss_kib(pid) for pid in workers}
    report = {pid: (after_5k[pid], after_50k[pid]) for pid in workers}
    print("worker RSS KiB after 5k and 50k requests:", json.dumps(report))
    for pid in workers:
        assert after_50k[pid] <= after_5k[pid] * 1.10, report
