"""Unified diffs between two versions of a prompt, at a bounded cost and of a bounded size.

The common first and last lines are set aside by comparing runs of lines at C speed
(no loop over them here); the lines between are matched by `api/text/line_match.py`
within a fixed amount of work, on at most MAX_COMPARED lines of each side (past them,
the rest of the middle is shown as one replacement). Texts that differ almost
everywhere or are built to be costly still get a correct diff, no longer always the
smallest (`minimal: false`). The answer stops at MAX_DIFF_LINES lines or
MAX_DIFF_BYTES bytes, at the end of a line, and then says `truncated: true`; a hunk cut
short has a header that counts the lines shown. `added` and `removed` count the whole
diff, shown or not. So a diff of any two texts under the size limit costs a few tens
of milliseconds, whatever they hold.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import islice
from operator import itemgetter

import msgspec

from api.text.line_match import matched_pairs

CONTEXT = 3  # lines of context around each change, as diff -u
WORK_LIMIT = 100_000  # steps of line matching, all searches together: about 15 ms of CPU
MAX_COMPARED = 10_000  # lines of each side's changed middle that are matched
MAX_DIFF_LINES = 10_000  # lines of the answer's diff, headers included
MAX_DIFF_BYTES = 512 * 1024  # bytes of it in the JSON answer: a whole replacement fits
_NO_NEWLINE = "\\ No newline at end of file\n"

Block = tuple[int, int, int]  # a[i:i + size] == b[j:j + size], as difflib's matching blocks
Opcode = tuple[str, int, int, int, int]  # as difflib's: tag, i1, i2, j1, j2


def _lines(text: str) -> list[str]:
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith(("\n", "\r")):
        lines[-1] += "\n" + _NO_NEWLINE  # as diff(1) marks it
    return lines


def unified_diff(old: str, new: str, old_name: str, new_name: str) -> dict:
    """Return {diff, added, removed, minimal, truncated} for turning `old` into `new`."""
    a, b = _lines(old), _lines(new)
    blocks, minimal = matching_blocks(a, b)
    matched = sum(map(itemgetter(2), blocks))
    diff, truncated = _write(a, b, blocks, old_name, new_name)
    return {
        "diff": diff,
        "added": len(b) - matched,
        "removed": len(a) - matched,
        "minimal": minimal,
        "truncated": truncated,
    }


def matching_blocks(a: list[str], b: list[str]) -> tuple[list[Block], bool]:
    """Return difflib-style matching blocks of two line lists, and whether they are minimal."""
    n, m = len(a), len(b)
    head = _common_head(a, b)
    tail = _common_tail(a, b, min(n, m) - head)
    middle_a, middle_b = a[head : n - tail], b[head : m - tail]
    compared = min(len(middle_a), MAX_COMPARED), min(len(middle_b), MAX_COMPARED)
    # Lines as small integers: comparing them is then cheap whatever their length.
    ids: dict[str, int] = {}
    ids_a = [ids.setdefault(line, len(ids)) for line in islice(middle_a, compared[0])]
    ids_b = [ids.setdefault(line, len(ids)) for line in islice(middle_b, compared[1])]
    pairs, minimal = matched_pairs(ids_a, ids_b, WORK_LIMIT)
    minimal = minimal and compared == (len(middle_a), len(middle_b))
    blocks = [(0, 0, head)] if head else []
    blocks += _runs(pairs, head)
    if tail:
        blocks.append((n - tail, m - tail, tail))
    return [*blocks, (n, m, 0)], minimal  # runs never touch: no merging


def _common_head(a: list[str], b: list[str]) -> int:
    """How many first lines `a` and `b` share, found by comparing halving runs of lines."""
    low, high = 0, min(len(a), len(b))
    if a[:high] == b[:high]:
        return high
    while high - low > 1:  # a[:low] == b[:low], and a[low:high] != b[low:high]
        middle = (low + high) // 2
        if a[low:middle] == b[low:middle]:
            low = middle
        else:
            high = middle
    return low


def _common_tail(a: list[str], b: list[str], most: int) -> int:
    """How many last lines (at most `most`) `a` and `b` share, as _common_head."""
    n, m = len(a), len(b)
    low, high = 0, most
    if a[n - high :] == b[m - high :]:
        return high
    while high - low > 1:  # the last `low` lines match; the last `high` do not
        middle = (low + high) // 2
        if a[n - middle : n - low] == b[m - middle : m - low]:
            low = middle
        else:
            high = middle
    return low


def _runs(pairs: list[tuple[int, int]], shift: int) -> list[Block]:
    """Turn matched (i, j) pairs into runs of consecutive matches."""
    runs: list[list[int]] = []
    for i, j in pairs:
        last = runs[-1] if runs else None
        if last and last[0] + last[2] == i + shift and last[1] + last[2] == j + shift:
            last[2] += 1
        else:
            runs.append([i + shift, j + shift, 1])
    return [(i, j, size) for i, j, size in runs]


# -- hunks, as difflib's get_grouped_opcodes makes them, written as they are found --------


def _opcodes(blocks: list[Block]) -> Iterator[Opcode]:
    i = j = 0
    for ai, bj, size in blocks:
        if i < ai or j < bj:
            tag = "replace" if i < ai and j < bj else "delete" if i < ai else "insert"
            yield tag, i, ai, j, bj
        i, j = ai + size, bj + size
        if size:
            yield "equal", ai, i, bj, j


def _hunk_parts(blocks: list[Block]) -> Iterator[Opcode | None]:
    """Yield None where a hunk starts, then its opcodes, with CONTEXT equal lines around
    each change: the hunks of difflib's get_grouped_opcodes, without building them."""
    pending: Opcode | None = None  # an equal run not yet placed
    within = False  # in a hunk
    for code in _opcodes(blocks):
        if code[0] == "equal":
            pending = code
            continue
        if pending:
            _, i1, i2, j1, j2 = pending
            if within and i2 - i1 > 2 * CONTEXT:  # a long equal run ends a hunk
                yield "equal", i1, i1 + CONTEXT, j1, j1 + CONTEXT
                within = False
            if within:
                yield pending
            else:
                yield None
                yield "equal", max(i1, i2 - CONTEXT), i2, max(j1, j2 - CONTEXT), j2
            pending, within = None, True
        elif not within:
            yield None
            within = True
        yield code
    if within and pending:
        _, i1, i2, j1, j2 = pending
        yield "equal", i1, min(i2, i1 + CONTEXT), j1, min(j2, j1 + CONTEXT)


def _write(a: list[str], b: list[str], blocks: list[Block], old: str, new: str):
    """Return the text of the diff, cut to the caps at the end of a line, and whether it was."""
    writer = _Writer(old, new)
    for part in _hunk_parts(blocks):
        if part is None:
            writer.close()
            continue
        tag, i1, i2, j1, j2 = part
        if writer.start is None:
            writer.start = (i1, j1)
        fits = (
            writer.add(" ", a[i1:i2])
            if tag == "equal"
            else (writer.add("-", a[i1:i2]) and writer.add("+", b[j1:j2]))
        )
        if not fits:
            break
    writer.close()
    return writer.text(), writer.full


class _Writer:
    """The lines of a diff, hunk by hunk, until MAX_DIFF_LINES or MAX_DIFF_BYTES."""

    HEADER_ROOM = 64  # bytes kept for a hunk's header: "@@ -i,n +j,m @@"

    def __init__(self, old: str, new: str):
        self.out = [f"--- {old}\n", f"+++ {new}\n"]
        self.size = sum(map(_size, self.out))
        self.full, self.hunks = False, 0
        self._open()

    def _open(self) -> None:
        self.start: tuple[int, int] | None = None
        self.body: list[str] = []
        self.shown_a = self.shown_b = 0
        self.changed = False

    def add(self, sign: str, lines: list[str]) -> bool:
        """Add lines to the hunk; False (and `full`) once the next one would pass a cap."""
        room = MAX_DIFF_LINES - len(self.out) - len(self.body) - 1  # its header
        texts = list(map(sign.__add__, lines[: max(0, room)]))
        cost = _size("".join(texts))
        if cost + self.size + self.HEADER_ROOM > MAX_DIFF_BYTES:  # find the last that fits
            cost, left = 0, MAX_DIFF_BYTES - self.size - self.HEADER_ROOM
            for count, text in enumerate(texts):
                if cost + _size(text) > left:
                    texts = texts[:count]
                    break
                cost += _size(text)
        self.body += texts
        self.size += cost
        self._count(sign, len(texts))
        self.full = len(texts) < len(lines)
        return not self.full

    def _count(self, sign: str, count: int) -> None:
        self.shown_a += count if sign != "+" else 0
        self.shown_b += count if sign != "-" else 0
        self.changed = self.changed or (sign != " " and count > 0)

    def close(self) -> None:
        """End the hunk: its header counts the lines shown; one without changes is left out."""
        if self.changed and self.start is not None:
            (i, j), a, b = self.start, self.shown_a, self.shown_b
            header = f"@@ -{_range(i, a)} +{_range(j, b)} @@\n"
            self.out += [header, *self.body]
            self.size += len(header)
            self.hunks += 1
        self._open()

    def text(self) -> str:
        return "".join(self.out) if self.hunks else ""


def _size(text: str) -> int:
    """Bytes of `text` in the JSON answer: UTF-8, with its escapes (a control character: 6)."""
    return len(_json(text)) - 2  # without the quotes


_json = msgspec.json.Encoder().encode


def _range(start: int, length: int) -> str:
    """A hunk's line range as diff -u writes it: 1-based, the length unless it is 1."""
    if length == 1:
        return str(start + 1)
    return f"{start + 1 if length else start},{length}"
