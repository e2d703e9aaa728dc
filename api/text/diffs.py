"""Unified diffs between two versions of a prompt, at a cost bounded by the texts' length.

The common first and last lines are set aside in one pass; the lines between are
compared with Myers' algorithm, whose cost grows with the number of differences.
Past a fixed amount of work (texts that differ almost everywhere, or are built to
be costly) the lines that occur once in each text anchor the match instead, as in
patience diff, and what stays costly between anchors is shown as one replacement:
still a correct diff, no longer always the smallest, and the answer says so
(`minimal: false`).
"""

from __future__ import annotations

import bisect
from collections import Counter
from difflib import Match, SequenceMatcher

CONTEXT = 3  # lines of context around each change, as diff -u
WORK_LIMIT = 800_000  # steps of search before falling back: about 0.1 s of CPU
CHUNK, CHUNK_STEPS = 32, 4  # long snakes are compared 32 lines at a time, costed as 4 steps
_NO_NEWLINE = "\\ No newline at end of file\n"


def _lines(text: str) -> list[str]:
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith(("\n", "\r")):
        lines[-1] += "\n" + _NO_NEWLINE  # as diff(1) marks it
    return lines


def unified_diff(old: str, new: str, old_name: str, new_name: str) -> dict:
    """Return {diff, added, removed, minimal} for turning `old` into `new`."""
    a, b = _lines(old), _lines(new)
    blocks, minimal = matching_blocks(a, b)
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    matcher.matching_blocks = blocks  # our blocks; difflib groups them into hunks
    out, added, removed = [], 0, 0
    for group in matcher.get_grouped_opcodes(CONTEXT):
        if not out:
            out += [f"--- {old_name}\n", f"+++ {new_name}\n"]
        first, last = group[0], group[-1]
        out.append(f"@@ -{_range(first[1], last[2])} +{_range(first[3], last[4])} @@\n")
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                out += [" " + line for line in a[i1:i2]]
                continue
            out += ["-" + line for line in a[i1:i2]]
            out += ["+" + line for line in b[j1:j2]]
            removed, added = removed + i2 - i1, added + j2 - j1
    return {"diff": "".join(out), "added": added, "removed": removed, "minimal": minimal}


def _range(start: int, stop: int) -> str:
    """A hunk's line range as diff -u writes it: 1-based, the length unless it is 1."""
    length = stop - start
    if length == 1:
        return str(start + 1)
    return f"{start + 1 if length else start},{length}"


def matching_blocks(a: list[str], b: list[str]) -> tuple[list[Match], bool]:
    """Return difflib-style matching blocks of two line lists, and whether they are minimal."""
    n, m = len(a), len(b)
    head = 0
    while head < min(n, m) and a[head] == b[head]:
        head += 1
    tail = 0
    while tail < min(n, m) - head and a[n - 1 - tail] == b[m - 1 - tail]:
        tail += 1
    # Lines as small integers: comparing them is then cheap whatever their length.
    ids: dict[str, int] = {}
    middle_a = [ids.setdefault(line, len(ids)) for line in a[head : n - tail]]
    middle_b = [ids.setdefault(line, len(ids)) for line in b[head : m - tail]]
    budget = _Budget(WORK_LIMIT // 2)  # the other half is for _anchored, if needed
    pairs = _myers(middle_a, middle_b, budget)
    minimal = pairs is not None
    if pairs is None:
        pairs = _anchored(middle_a, middle_b, _Budget(WORK_LIMIT - WORK_LIMIT // 2))
    blocks = [Match(0, 0, head)] if head else []
    blocks += _runs(pairs, head)
    if tail:
        blocks.append(Match(n - tail, m - tail, tail))
    return _merged(blocks) + [Match(n, m, 0)], minimal


class _Budget:
    """Steps of search still allowed, shared by every search of one diff."""

    def __init__(self, steps: int):
        self.left = steps


def _anchored(a: list[int], b: list[int], budget: _Budget) -> list[tuple[int, int]]:
    """Match what can be matched cheaply when a shortest script costs too much.

    The lines found exactly once in each text, in an order both share (the longest
    increasing run of their positions, found in n log n), anchor the match, as in
    patience diff; the gaps between anchors get Myers' search within what is left
    of the work allowed, and are replaced whole past it.
    """
    count_a, count_b = Counter(a), Counter(b)
    where_b = {line: j for j, line in enumerate(b) if count_b[line] == 1}
    unique = [
        (i, where_b[line]) for i, line in enumerate(a) if count_a[line] == 1 and line in where_b
    ]
    anchors = _increasing(unique)
    pairs, start = [], (0, 0)
    for end in [*anchors, (len(a), len(b))]:
        found = _myers(a[start[0] : end[0]], b[start[1] : end[1]], budget)
        pairs += [(i + start[0], j + start[1]) for i, j in found or ()]
        if end != (len(a), len(b)):
            pairs.append(end)
        start = (end[0] + 1, end[1] + 1)
    return pairs


def _increasing(pairs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Return the longest run of `pairs` (sorted by i) whose j also increases."""
    tails: list[int] = []  # tails[length - 1]: the smallest j ending a run of that length
    ends: list[int] = []  # index in pairs of that run's last pair
    before = [-1] * len(pairs)
    for index, (_, j) in enumerate(pairs):
        length = bisect.bisect_left(tails, j)
        if length == len(tails):
            tails.append(j)
            ends.append(index)
        else:
            tails[length], ends[length] = j, index
        before[index] = ends[length - 1] if length else -1
    run, index = [], ends[-1] if ends else -1
    while index >= 0:
        run.append(pairs[index])
        index = before[index]
    return run[::-1]


def _myers(a: list[int], b: list[int], budget: _Budget) -> list[tuple[int, int]] | None:
    """Return the matched (i, j) pairs of a shortest edit script, or None once `budget` is spent."""
    n, m = len(a), len(b)
    if not n or not m:
        return []
    offset = n + m + 1
    frontier = [0] * (2 * offset + 1)  # furthest x reached on each diagonal k = x - y
    history, work = [], 0
    for d in range(n + m + 1):
        history.append(frontier[offset - d : offset + d + 1])
        for k in range(-d, d + 1, 2):
            if k == -d or (k != d and frontier[offset + k - 1] < frontier[offset + k + 1]):
                x = frontier[offset + k + 1]
            else:
                x = frontier[offset + k - 1] + 1
            y = x - k
            steps = 1
            if x < n and y < m and a[x] == b[y]:  # a snake of equal lines: follow it
                while x + CHUNK <= n and y + CHUNK <= m and a[x : x + CHUNK] == b[y : y + CHUNK]:
                    x, y, steps = x + CHUNK, y + CHUNK, steps + CHUNK_STEPS
                while x < n and y < m and a[x] == b[y]:
                    x, y, steps = x + 1, y + 1, steps + 1
            frontier[offset + k] = x
            work += steps
            if work > budget.left:
                budget.left = 0
                return None
            if x >= n and y >= m:
                budget.left -= work
                return _path(history, n, m, d, k)
    return None  # not reached: d = n + m always finishes


def _path(history: list[list[int]], n: int, m: int, d: int, k: int) -> list[tuple[int, int]]:
    """Walk back from (n, m) through the frontier kept before each step; return matched pairs."""
    x, y, pairs = n, m, []
    while d > 0:
        before = history[d]  # the frontier after step d - 1: diagonal k is at before[k + d]
        down = k == -d or (k != d and before[k - 1 + d] < before[k + 1 + d])
        k_prev = k + 1 if down else k - 1
        x_prev = before[k_prev + d]
        edited = x_prev if down else x_prev + 1  # x just after this step's one edit
        while x > edited:  # the snake of equal lines that followed it
            x, y = x - 1, y - 1
            pairs.append((x, y))
        x, y, k, d = x_prev, x_prev - k_prev, k_prev, d - 1
    while x > 0:  # the equal lines before the first edit
        x, y = x - 1, y - 1
        pairs.append((x, y))
    return pairs[::-1]


def _runs(pairs: list[tuple[int, int]], shift: int) -> list[Match]:
    """Turn matched (i, j) pairs into runs of consecutive matches."""
    runs: list[Match] = []
    for i, j in pairs:
        last = runs[-1] if runs else None
        if last and last.a + last.size == i + shift and last.b + last.size == j + shift:
            runs[-1] = Match(last.a, last.b, last.size + 1)
        else:
            runs.append(Match(i + shift, j + shift, 1))
    return runs


def _merged(blocks: list[Match]) -> list[Match]:
    """Join blocks that touch, as difflib's own matching blocks never touch."""
    merged: list[Match] = []
    for block in blocks:
        last = merged[-1] if merged else None
        if last and last.a + last.size == block.a and last.b + last.size == block.b:
            merged[-1] = Match(last.a, last.b, last.size + block.size)
        elif block.size:
            merged.append(block)
    return merged
