"""Which lines two lists of line ids share, in order: the matching part of a diff.

Myers' algorithm finds a shortest edit script at a cost that grows with the number of
differences. Past a fixed amount of work (texts that differ almost everywhere, or are
built to be costly) the lines that occur once in each list anchor the match instead,
as in patience diff, and what stays costly between anchors is left unmatched: still a
correct diff, no longer always the smallest. Pure functions of lists of ints.
"""

from __future__ import annotations

import bisect
from collections import Counter

CHUNK, CHUNK_STEPS = 32, 4  # long snakes are compared 32 lines at a time, costed as 4 steps
CALL_STEPS = 20  # what starting a search costs, in steps: the anchored match runs many

Pairs = list[tuple[int, int]]  # matched (i, j): a[i] == b[j], both increasing


class Budget:
    """Steps of search still allowed, shared by every search of one diff."""

    def __init__(self, steps: int):
        self.left = steps


def matched_pairs(a: list[int], b: list[int], steps: int) -> tuple[Pairs, bool]:
    """Return the pairs a diff keeps, and whether they come from a shortest edit script.

    Half the steps go to the search for a shortest script; if it does not finish, the
    other half to the anchored match.
    """
    pairs = myers(a, b, Budget(steps // 2))
    if pairs is not None:
        return pairs, True
    return anchored(a, b, Budget(steps - steps // 2)), False


def anchored(a: list[int], b: list[int], budget: Budget) -> Pairs:
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
    anchors = increasing(unique)
    pairs, start = [], (0, 0)
    for end in [*anchors, (len(a), len(b))]:
        if end[0] > start[0] and end[1] > start[1]:  # a gap with lines on both sides
            found = myers(a[start[0] : end[0]], b[start[1] : end[1]], budget)
            pairs += [(i + start[0], j + start[1]) for i, j in found or ()]
        if end != (len(a), len(b)):
            pairs.append(end)
        start = (end[0] + 1, end[1] + 1)
    return pairs


def increasing(pairs: Pairs) -> Pairs:
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


def myers(a: list[int], b: list[int], budget: Budget) -> Pairs | None:
    """Return the matched (i, j) pairs of a shortest edit script, or None once `budget` is spent."""
    n, m = len(a), len(b)
    if not n or not m:
        return []
    budget.left -= CALL_STEPS  # setting up a search costs something, however small
    if budget.left < 0:
        budget.left = 0
        return None
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


def _path(history: list[list[int]], n: int, m: int, d: int, k: int) -> Pairs:
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
