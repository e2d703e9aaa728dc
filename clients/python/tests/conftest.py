"""Fixtures: a fake store in a thread, a clock the tests move, the real server as a subprocess.

The real server is the project's gunicorn, started from the repository's root with the
gunicorn named by PROMPT_STORE_SERVER_GUNICORN (default: the root's .venv/bin/gunicorn):
the client's own venv holds nothing but the client and pytest, so the server is never
imported here. Without a gunicorn those tests skip; with CI set they fail instead.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from fake_store import FakeStore

from prompt_store_client import PromptStore

ROOT = Path(__file__).resolve().parents[3]
ADMIN_TOKEN = "client-tests-admin-token"


class Clock:
    """time.time, moved only by the test."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def fake():
    with FakeStore() as store:
        yield store


@pytest.fixture
def client(fake, clock, tmp_path):
    """A PromptStore on the fake store, with a disk cache and the test's clock."""

    def make(**kwargs) -> PromptStore:
        kwargs.setdefault("cache_dir", tmp_path / "cache")
        kwargs.setdefault("clock", clock)
        kwargs.setdefault("timeout", 1.0)
        return PromptStore(fake.url, **kwargs)

    return make


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`prompt-store` under gunicorn on 127.0.0.1, as its Procfile runs it."""

    def __init__(self, gunicorn: Path, db: Path, log: Path, **settings: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        env = {k: v for k, v in os.environ.items() if not k.startswith("STRUCKDOWN_")}
        env.pop("DATABASE_URL", None)
        env.pop("PORT", None)
        env.update(
            STRUCKDOWN_PROMPT_DB=str(db),
            STRUCKDOWN_ADMIN_TOKEN=ADMIN_TOKEN,
            STRUCKDOWN_SAVE_RATE_LIMIT="off",
            WEB_CONCURRENCY="1",
        )
        env.update(settings)
        self.process = subprocess.Popen(
            [
                str(gunicorn),
                "-c",
                "gunicorn.conf.py",
                "-b",
                f"127.0.0.1:{self.port}",
                "api.wsgi:app",
            ],
            cwd=ROOT,
            env=env,
            stdout=log.open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 30
        while not self._healthy():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.kill()
                raise RuntimeError(f"gunicorn did not start:\n{log.read_text()}")
            time.sleep(0.1)

    def _healthy(self) -> bool:
        try:
            with urllib.request.urlopen(self.url + "/healthz", timeout=2) as resp:
                return resp.status == 200
        except OSError:
            return False

    def metrics(self) -> str:
        req = urllib.request.Request(
            self.url + "/metrics", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}
        )
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.read().decode()

    def count(self, method: str, route: str, status: int) -> float:
        """Requests the server counted in /metrics for this route and status."""
        labels = f'method="{method}",route="{route}",status="{status}"'
        wanted = f"prompt_store_http_requests_total{{{labels}}}"
        for line in self.metrics().splitlines():
            if line.startswith(wanted):
                return float(line.split()[-1])
        return 0.0

    def kill(self, sig: int = signal.SIGKILL) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, sig)
            self.process.wait(30)


@pytest.fixture
def start_server(tmp_path):
    """Start a real server (settings as STRUCKDOWN_* variables); stopped after the test."""
    gunicorn = Path(os.environ.get("PROMPT_STORE_SERVER_GUNICORN", ROOT / ".venv/bin/gunicorn"))
    if not gunicorn.exists():
        message = f"no server to test against: {gunicorn} (set PROMPT_STORE_SERVER_GUNICORN)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    started = []

    def start(**settings: str) -> Server:
        n = len(started)
        started.append(
            Server(gunicorn, tmp_path / f"prompts{n}.db", tmp_path / f"gunicorn{n}.log", **settings)
        )
        return started[-1]

    yield start
    for running in started:
        running.kill(signal.SIGTERM)


@pytest.fixture
def server(start_server) -> Server:
    return start_server()


def http(method: str, url: str, body: dict | None = None, headers: dict | None = None):
    """(status, body bytes) of one request, errors included."""
    data = json.dumps(body).encode() if body is not None else None
    sent = {"Content-Type": "application/json", **(headers or {})} if data else (headers or {})
    req = urllib.request.Request(url, data=data, method=method, headers=sent)
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()
