"""A diff's cost stays bounded by the texts' length, whatever the texts are.

Generators build pairs of texts that are costly to compare (reversed, shuffled,
densely edited, repetitive, the issue's one-character lines) at 1, 10, 100 and 200
KiB; the CPU time must grow no faster than the size, in this process and for a whole
diff request through gunicorn. The work done here, counted as lines of api/text/diffs.py
and api/text/line_match.py run, stops growing at the caps and stays under a bound derived
from them (about 30 ms of CPU); Hypothesis searches for pairs that do more. Times are
only compared with others measured in the same test, never with a constant.
"""

from __future__ import annotations

import json
import random
import time

import pytest
from hypothesis import HealthCheck, given, settings, target
from hypothesis import strategies as st

from api.text import diffs, line_match
from api.text.diffs import unified_diff
from bench.servers import Gunicorn
from tests.reader_work import lines_run

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
    letters = [random.Random(size).choice("abc") + "\n" for _ in range(size // 2)]
    return {
        # The pair: 102,400 one-character lines at 200 KiB, every second replaced.
        "one-character lines, every second replaced": (
            "".join(letters),
            "".join(line if i % 2 else "d\n" for i, line in enumerate(letters)),
        ),
        "one-character lines, drawn again": (
            "".join(letters),
            "".join(random.Random(-size).choice("abc") + "\n" for _ in letters),
        ),
        "empty lines against short ones": ("\n" * size, "x\n" * (size // 2)),
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
        started = time.thread_time()  # CPU time: other processes' turns do not count
        unified_diff(old, new, "old", "new")
        best = min(best, time.thread_time() - started)
    return best


@pytest.mark.parametrize("case", list(_pairs(KIB)))
def test_diff_time_grows_no_faster_than_the_texts(case):
    times = {size: _best_of(3, *_pairs(size)[case]) for size in SIZES}
    # Linear would be 20x from 10 to 200 KiB, quadratic 400x; the work cap makes the
    # costly cases flat. Allow twice linear for a shared, noisy machine.
    assert times[200 * KIB] <= 40 * times[10 * KIB] + 0.005, times


# -- counted work: no clock -----------------------------------------------------------------

# Lines run at most, whatever the texts: about 10 a step of the search (WORK_LIMIT), 10 a
# line compared (MAX_COMPARED a side) and 10 a line written (MAX_DIFF_LINES). Measured:
# about 1.15 million for the costliest pairs here, at 100 KiB as at 200 KiB.
STEPS_CAP = 12 * diffs.WORK_LIMIT + 10 * 2 * diffs.MAX_COMPARED + 10 * diffs.MAX_DIFF_LINES


def steps(old: str, new: str) -> tuple[int, dict]:
    """Count the lines of the diff's own modules run while diffing; return it and the body."""
    files = {diffs.__file__, line_match.__file__}
    return lines_run(files, lambda: unified_diff(old, new, "old", "new"))


@pytest.mark.parametrize("case", list(_pairs(KIB)))
def test_counted_work_stops_at_the_caps_and_the_answer_is_bounded(case):
    counted = {}
    for size in (100 * KIB, 200 * KIB):
        counted[size], body = steps(*_pairs(size)[case])
        assert len(body["diff"].splitlines()) <= diffs.MAX_DIFF_LINES + 1, size
        assert len(body["diff"].encode()) <= diffs.MAX_DIFF_BYTES, size
    assert counted[200 * KIB] <= STEPS_CAP, counted
    # Twice the text: at most twice the work (linear), flat once the caps are reached.
    assert counted[200 * KIB] <= 2.2 * counted[100 * KIB] + 1000, counted


LINES = st.sampled_from(["a\n", "b\n", "c\n", "\n", "ab\n", "a", "x y\n", "é\r\n", "\r"])
units = st.lists(LINES, min_size=1, max_size=8)


def _repeated(unit: list[str], size: int) -> str:
    piece = "".join(unit)
    return piece * (size // max(1, len(piece.encode())))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(old=units, new=units, edit=st.integers(1, 9))
def test_no_pair_found_passes_the_work_cap(old, new, edit):
    a = _repeated(old, 200 * KIB).splitlines(keepends=True)
    b = _repeated(new, 200 * KIB).splitlines(keepends=True)
    b = [line if i % edit else "edited\n" for i, line in enumerate(b)]
    work, body = steps("".join(a), "".join(b))
    target(float(work), label="lines run")
    assert work <= STEPS_CAP
    assert len(body["diff"].encode()) <= diffs.MAX_DIFF_BYTES


def _diff_cost(server, old: str, new: str) -> float:
    """The server's CPU seconds for the diff of a child `new` of `old` (best of two)."""
    status, _, body = server.request("POST", "/api/prompts", {"text": old})
    parent = json.loads(body)["id"]
    status, _, body = server.request("POST", "/api/prompts", {"text": new, "parent_id": parent})
    child = json.loads(body)["id"]
    costs = []
    for _ in range(2):
        before = server.cpu_seconds()
        status, _, body = server.request("GET", f"/api/prompts/{child}/diff")
        costs.append(server.cpu_seconds() - before)
        assert status == 200
        assert len(body) <= diffs.MAX_DIFF_BYTES + 16 * KIB  # JSON escapes, ids, counts
    return min(costs)


def test_diffs_of_costly_pairs_through_gunicorn_cost_no_more_than_linear(tmp_path, tally):
    small, large = 19 * KIB, 190 * KIB  # under the 200 KiB limit
    with Gunicorn(tmp_path / "prompts.db") as server:
        costs = {}
        for size in (small, large):
            for case, (old, new) in _pairs(size).items():
                costs[case, size] = _diff_cost(server, old + case, new + case)
                tally["requests"] += 4
                tally["bad_inputs"] += 1
    # Ten times the text is at most 10 times the work (less, with a request's fixed
    # costs); a quadratic diff would be 100 times. 25 times, plus 2 ms of noise.
    grown = {
        case: f"{costs[case, small] * 1000:.1f} -> {costs[case, large] * 1000:.1f} ms CPU"
        for case in _pairs(KIB)
        if costs[case, large] > 25 * costs[case, small] + 0.002
    }
    assert not grown, grown
