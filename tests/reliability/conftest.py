"""Reliability suite: real gunicorn, real faults, and a tally of what was tried and lost."""

from __future__ import annotations

import sqlite3
from collections import Counter
from pathlib import Path

import pytest

from bench.traffic import Client, read_all

__all__ = ["Client", "read_all"]

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
