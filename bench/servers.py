"""A real gunicorn, started from the project's own gunicorn.conf.py, for end-to-end tests."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def wait_until_up(process: subprocess.Popen, log: Path, ready, seconds: float = 30) -> None:
    """Wait until `ready()` is true; raise with the process's log if it exits or never is."""
    name = Path(process.args[0]).name
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited:\n{log.read_text()}")
        try:
            if ready():
                return
        except OSError:  # not listening yet (urllib's HTTPError is an OSError too)
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{name} did not start:\n{log.read_text()}")


def wait_for(condition, timeout: float, message: str, interval: float = 0.2):
    """Poll `condition` until it returns something true; fail with `message` after `timeout`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(message if isinstance(message, str) else message())


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Gunicorn:
    """`with Gunicorn(db_path, **env) as server:` serves the app on 127.0.0.1."""

    def __init__(
        self,
        db_path: Path,
        workers: int = 2,
        app: str = "api.wsgi:app",
        log_dir: Path | None = None,
        root: Path = ROOT,
        **env: str,
    ):
        self.app, self.root = app, root
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith("STRUCKDOWN_") and k not in ("PORT", "DATABASE_URL")
        }
        self.env.update(
            {
                "STRUCKDOWN_PROMPT_DB": str(db_path),
                "WEB_CONCURRENCY": str(workers),
                "STRUCKDOWN_SAVE_RATE_LIMIT": "off",
                **env,
            }
        )
        self.log = (log_dir or db_path.parent) / f"gunicorn-{self.port}.log"
        self.process: subprocess.Popen | None = None
        self.health_path = "/healthz" if app == "api.wsgi:app" else "/"

    def start(self) -> Gunicorn:
        gunicorn = Path(sys.executable).parent / "gunicorn"
        self.log.parent.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            [
                str(gunicorn),
                "-c",
                "gunicorn.conf.py",
                "-b",
                f"127.0.0.1:{self.port}",
                self.app,
            ],
            cwd=self.root,
            env=self.env,
            stdout=self.log.open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_until_up(
            self.process, self.log, lambda: self.request("GET", self.health_path)[0] == 200
        )
        return self

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30) -> int:
        if self.process is None or self.process.poll() is not None:
            return self.process.returncode if self.process else 0
        os.killpg(self.process.pid, sig)
        return self.process.wait(timeout)

    def cpu_seconds(self) -> float:
        """The CPU time the master and its workers have run so far, every thread counted.

        From the kernel's schedstat (nanoseconds on a CPU), so a request's cost is what the
        server did, not how long it waited for a core on a busy machine.
        """
        pids = [self.process.pid]
        with contextlib.suppress(OSError):
            tasks = Path(f"/proc/{self.process.pid}/task")
            for task in tasks.iterdir():
                pids += (task / "children").read_text().split()
        total = 0
        for pid in pids:
            for task in Path(f"/proc/{pid}/task").glob("*"):
                with contextlib.suppress(OSError):  # a thread that has just ended
                    total += int((task / "schedstat").read_text().split()[0])
        return total / 1e9

    def request(self, method: str, path: str, body=None, headers=None, raw: bytes | None = None):
        """Return (status, headers, body bytes); errors are answers, not exceptions.

        `body` is sent as JSON; `raw` as the bytes given, with the headers given.
        """
        data = json.dumps(body).encode() if body is not None else raw
        if body is not None:
            headers = {"Content-Type": "application/json", **(headers or {})}
        req = urllib.request.Request(
            self.url + path, data=data, method=method, headers=headers or {}
        )
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                return resp.status, resp.headers, resp.read()
        except urllib.error.HTTPError as error:
            return error.code, error.headers, error.read()

    def __enter__(self) -> Gunicorn:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
