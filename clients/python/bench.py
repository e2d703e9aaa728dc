"""What a warm get() costs next to a round trip, and what a revalidation sends.

    python clients/python/bench.py [--gunicorn PATH] [--calls N]

Starts the server (the repository's gunicorn, as the tests do) on an empty database in
a temporary directory, publishes a label, then measures with the client installed in
the running Python. The server's /metrics counts what reached it.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

from prompt_store_client import PromptStore

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "bench-admin-token"
ROUTE = "/api/labels/{name}"


def start(gunicorn: str, directory: str) -> tuple:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("STRUCKDOWN_")}
    env.update(
        STRUCKDOWN_PROMPT_DB=f"{directory}/bench.db",
        STRUCKDOWN_ADMIN_TOKEN=TOKEN,
        STRUCKDOWN_SAVE_RATE_LIMIT="off",
        WEB_CONCURRENCY="1",
    )
    process = subprocess.Popen(
        [gunicorn, "-c", "gunicorn.conf.py", "-b", f"127.0.0.1:{port}", "api.wsgi:app"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            urllib.request.urlopen(url + "/healthz", timeout=1).close()
            return process, url
        except OSError:
            time.sleep(0.1)
    raise SystemExit("the server did not start")


def counts(url: str) -> dict:
    req = urllib.request.Request(url + "/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    found = {}
    for line in urllib.request.urlopen(req, timeout=10).read().decode().splitlines():
        if line.startswith("prompt_store_http_requests_total{") and f'route="{ROUTE}"' in line:
            status = line.split('status="')[1].split('"')[0]
            found[status] = found.get(status, 0) + float(line.split()[-1])
    return found


def per_call(function, calls: int) -> float:
    """The best of five runs of `calls` calls, in seconds per call."""
    best = float("inf")
    for _ in range(5):
        began = time.perf_counter()
        for _ in range(calls):
            function()
        best = min(best, (time.perf_counter() - began) / calls)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--gunicorn",
        default=os.environ.get("PROMPT_STORE_SERVER_GUNICORN", str(ROOT / ".venv/bin/gunicorn")),
    )
    parser.add_argument("--calls", type=int, default=200, help="round trips per run")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        process, url = start(args.gunicorn, directory)
        try:
            run(url, args.calls, directory)
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(30)


def run(url: str, calls: int, directory: str) -> None:
    owner = PromptStore(url)
    owner.create_label("bench", owner.save("Summarise {{ document }} in [[summary]]").id)
    label = f"{url}/api/labels/bench"
    round_trip = per_call(lambda: urllib.request.urlopen(label, timeout=10).read(), calls)

    app = PromptStore(url, cache_dir=f"{directory}/cache")
    app.get("bench")
    before = counts(url)
    warm = per_call(lambda: app.get("bench"), calls * 100)
    warm_requests = sum(counts(url).values()) - sum(before.values())

    now = [time.time()]
    expiring = PromptStore(url, clock=lambda: now[0])
    expiring.get("bench")
    before = counts(url)
    now[0] += 3600  # past max-age: the next get() revalidates
    expiring.get("bench")
    after = counts(url)
    sent = {s: after.get(s, 0) - before.get(s, 0) for s in after if after[s] != before.get(s, 0)}

    print(f"round trip (GET /api/labels/bench, urllib): {round_trip * 1e6:9.1f} us")
    print(
        f"warm get('bench'):                          {warm * 1e6:9.1f} us"
        f"  ({warm_requests:.0f} requests over {calls * 500} calls)"
    )
    print(f"warm get / round trip:                      {warm / round_trip * 100:9.2f} %")
    print(f"one revalidation sent: {sent} (status: requests)")


if __name__ == "__main__":
    main()
