"""HTTP traffic against a running server, and what a database file holds afterwards.

Used by the benchmarks and by the reliability tests alike.
"""

from __future__ import annotations

import http.client
import json
import sqlite3
from collections import Counter
from pathlib import Path


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
