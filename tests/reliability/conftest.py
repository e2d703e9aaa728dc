"""Reliability suite: real gunicorn, real faults, and a tally of what was tried and lost."""

from __future__ import annotations

import http.client
import json
import sqlite3
from collections import Counter
from pathlib import Path

import pytest

TALLY: Counter = Counter()


@pytest.fixture
def tally() -> Counter:
    """Count requests, faults injected, bad inputs tried and saves lost, for the summary."""
    return TALLY


def pytest_terminal_summary(terminalreporter):
    if TALLY:
        terminalreporter.write_line(
            "reliability: {requests} requests, {faults} faults injected, {bad_inputs} bad "
            "inputs tried, {fuzzed} fuzzed cases, {acknowledged} acknowledged saves checked, "
            "lost: {lost}".format(
                **{
                    k: TALLY.get(k, 0)
                    for k in ("requests", "faults", "bad_inputs", "fuzzed", "acknowledged", "lost")
                }
            )
        )


class Client:
    """One keep-alive HTTP connection; answers are (status, headers, body)."""

    def __init__(self, port: int, tally: Counter | None = None):
        self.port, self.tally = port, tally
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def request(self, method: str, path: str, body: bytes | None = None, headers=None):
        if self.tally is not None:
            self.tally["requests"] += 1
        try:
            self.conn.request(method, path, body=body, headers=headers or {})
            resp = self.conn.getresponse()
            return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
        except (http.client.HTTPException, OSError):
            self.conn.close()
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            raise

    def save(self, text: str, parent_id: str | None = None, headers=None):
        body = {"text": text} if parent_id is None else {"text": text, "parent_id": parent_id}
        status, head, raw = self.request(
            "POST",
            "/api/prompts",
            json.dumps(body).encode(),
            {"Content-Type": "application/json", **(headers or {})},
        )
        return status, head, json.loads(raw) if raw else None

    def close(self):
        self.conn.close()


def read_all(db_path: Path) -> dict[str, str]:
    """Every prompt's text by id, read straight from the file (recovering the WAL)."""
    conn = sqlite3.connect(db_path)
    try:
        return dict(conn.execute("SELECT id, text FROM prompts"))
    finally:
        conn.close()


def integrity(db_path: Path) -> str:
    conn = sqlite3.connect(db_path)
    try:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        conn.close()


def assert_all_present(db_path: Path, acknowledged: dict[str, str], tally: Counter) -> None:
    """Every acknowledged save is stored with exactly its text."""
    stored = read_all(db_path)
    lost = {pid for pid, text in acknowledged.items() if stored.get(pid) != text}
    tally["acknowledged"] += len(acknowledged)
    tally["lost"] += len(lost)
    assert not lost, f"{len(lost)} acknowledged saves missing or changed"
