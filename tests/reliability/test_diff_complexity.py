"""A diff's cost stays bounded by the texts' length, whatever the texts are.

Generators build pairs of texts that are costly to compare (reversed, shuffled,
densely edited, repetitive) at 1, 10, 100 and 200 KiB; the time must grow no
faster than the size, and a whole diff request through gunicorn stays well under
half a second.
"""

from __future__ import annotations

import json
import random
import time

import pytest

from api.diffs import unified_diff
from tests.servers import Gunicorn

KIB = 1024
SIZES = (1 * KIB, 10 * KIB, 100 * KIB, 200 * KIB)
LETTERS = str.maketrans("0123456789", "abcdefghij")


def _numbered(size: int) -> list[str]:
    lines, total = [], 0
    while total < size:
        lines.append(f"{len(lines)}\n")
        total += len(lines[-1])
    return lines


def _pairs(size: int) -> dict[str, tuple[str, str]]:
    """Pairs of texts of about `size` bytes each, chosen to make a diff work hard."""
    lines = _numbered(size)
    shuffled = random.Random(size).sample(lines, len(lines))
    repeated = "".join(line * 3 for line in lines[: len(lines) // 3])
    return {
        "reversed": ("".join(lines), "".join(reversed(lines))),
        "shuffled": ("".join(lines), "".join(shuffled)),
        "every other line edited": (
            "".join(lines),
            "".join(line if i % 2 else "e\n" for i, line in enumerate(lines)),
        ),
        "every tenth line edited": (
            "".join(lines),
            "".join(line if i % 10 else f"e{i}\n" for i, line in enumerate(lines)),
        ),
        "two lines swapped in turn": ("ab\n" * (size // 3), "ba\n" * (size // 3)),
        "a shift by one line": ("a\nb\n" * (size // 4), "b\na\n" * (size // 4)),
        "repeated lines reversed": (repeated, "".join(reversed(repeated.splitlines(True)))),
        "one long line each": ("x" * size, "y" * size),
        "nothing in common": ("".join(lines), "".join(lines).translate(LETTERS)),
    }


def _best_of(runs: int, old: str, new: str) -> float:
    best = float("inf")
    for _ in range(runs):
        started = time.perf_counter()
        unified_diff(old, new, "old", "new")
        best = min(best, time.perf_counter() - started)
    return best


@pytest.mark.parametrize("case", list(_pairs(KIB)))
def test_diff_time_grows_no_faster_than_the_texts(case):
    times = {size: _best_of(3, *_pairs(size)[case]) for size in SIZES}
    # Linear would be 20x from 10 to 200 KiB, quadratic 400x; the work cap makes the
    # costly cases flat. Allow twice linear for a shared, noisy machine.
    assert times[200 * KIB] <= 40 * times[10 * KIB] + 0.005, times
    assert times[200 * KIB] < 0.5, times


def test_diffs_of_costly_pairs_answer_quickly_through_gunicorn(tmp_path, tally):
    with Gunicorn(tmp_path / "prompts.db") as server:
        for case, (old, new) in _pairs(190 * KIB).items():  # under the 200 KiB limit
            status, _, body = server.request("POST", "/api/prompts", {"text": old + case})
            parent = json.loads(body)["id"]
            status, _, body = server.request(
                "POST", "/api/prompts", {"text": new + case, "parent_id": parent}
            )
            child = json.loads(body)["id"]
            started = time.perf_counter()
            status, _, _ = server.request("GET", f"/api/prompts/{child}/diff")
            elapsed = time.perf_counter() - started
            tally["requests"] += 3
            tally["bad_inputs"] += 1
            assert status == 200 and elapsed < 0.5, (case, elapsed)
