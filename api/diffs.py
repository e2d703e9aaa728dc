"""Unified diffs between two versions of a prompt."""

from __future__ import annotations

import difflib

_NO_NEWLINE = "\\ No newline at end of file\n"


def _lines(text: str) -> list[str]:
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith(("\n", "\r")):
        lines[-1] += "\n" + _NO_NEWLINE  # as diff(1) marks it
    return lines


def unified_diff(old: str, new: str, old_name: str, new_name: str) -> dict:
    """Return {diff, added, removed} for turning `old` into `new`."""
    out = list(difflib.unified_diff(_lines(old), _lines(new), old_name, new_name))
    added = sum(1 for line in out if line.startswith("+") and not line.startswith("+++"))
    removed = sum(1 for line in out if line.startswith("-") and not line.startswith("---"))
    return {"diff": "".join(out), "added": added, "removed": removed}
