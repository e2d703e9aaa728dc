"""Unified diffs: correct for any pair of texts, minimal when affordable, bounded in cost."""

from __future__ import annotations

import difflib
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from api.text import diffs
from api.text.diffs import unified_diff

HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@$")


def apply(old: str, diff: str) -> str:
    """Apply a unified diff to `old` as patch(1) would; return the new text."""
    source = diffs._lines(old)
    merged: list[str] = []
    for line in diff.splitlines(keepends=True)[2:]:  # after the ---/+++ header
        if line == diffs._NO_NEWLINE:  # belongs to the line before it
            merged[-1] += line
        else:
            merged.append(line)
    out, at = [], 0
    for line in merged:
        hunk = HUNK.match(line.rstrip("\n"))
        if hunk:
            start = int(hunk[1]) - (0 if hunk[2] == "0" else 1)
            out += source[at:start]
            at = start
        elif line[0] == " ":
            assert source[at] == line[1:], "context does not match the old text"
            out.append(line[1:])
            at += 1
        elif line[0] == "-":
            assert source[at] == line[1:], "a removed line is not in the old text"
            at += 1
        else:
            assert line[0] == "+"
            out.append(line[1:])
    out += source[at:]
    return "".join(out).replace("\n" + diffs._NO_NEWLINE, "")


lines = st.lists(st.sampled_from(["a\n", "b\n", "c\n", "d", "é\r\n", "\n", "x y z\n"]), max_size=40)


@settings(max_examples=400, deadline=None)
@given(old=lines.map("".join), new=lines.map("".join))
def test_applying_the_diff_gives_the_new_text_and_counts_match(old, new):
    body = unified_diff(old, new, "old", "new")
    assert apply(old, body["diff"]) == new
    assert body["added"] == sum(1 for x in body["diff"].splitlines()[2:] if x.startswith("+"))
    assert body["removed"] == sum(1 for x in body["diff"].splitlines()[2:] if x.startswith("-"))
    assert body["minimal"]


@settings(max_examples=300, deadline=None)
@given(old=lines, new=lines)
def test_the_diff_is_as_small_as_difflibs_and_formatted_alike(old, new):
    ours = unified_diff("".join(old), "".join(new), "old", "new")
    a, b = diffs._lines("".join(old)), diffs._lines("".join(new))
    theirs = "".join(difflib.unified_diff(a, b, "old", "new"))
    changed = lambda d: sum(x[:1] in "+-" for x in d.splitlines()[2:])  # noqa: E731
    assert changed(ours["diff"]) <= changed(theirs)  # a shortest edit script
    if (
        difflib.SequenceMatcher(None, a, b, autojunk=False).get_matching_blocks()
        == (diffs.matching_blocks(a, b)[0])
    ):
        assert ours["diff"] == theirs


def test_identical_texts_have_an_empty_diff():
    assert unified_diff("same\n", "same\n", "a", "b") == {
        "diff": "",
        "added": 0,
        "removed": 0,
        "minimal": True,
    }


def test_texts_too_costly_to_minimise_still_get_a_correct_diff(monkeypatch):
    monkeypatch.setattr(diffs, "WORK_LIMIT", 50)
    old = "".join(f"line {i}\n" for i in range(100))
    new = "".join(f"line {i}\n" for i in reversed(range(100)))
    body = unified_diff("head\n" + old + "tail\n", "head\n" + new + "tail\n", "a", "b")
    assert not body["minimal"]
    assert apply("head\n" + old + "tail\n", body["diff"]) == "head\n" + new + "tail\n"


def test_many_scattered_edits_past_the_limit_stay_close_to_the_smallest_diff():
    old = [f"line {i}\n" for i in range(40_000)]  # ~400 KiB: past the work limit
    new = [f"edited {i}\n" if i % 10 == 0 else line for i, line in enumerate(old)]
    body = unified_diff("".join(old), "".join(new), "a", "b")
    assert not body["minimal"]
    assert body["removed"] == body["added"] == 4_000  # anchored on the lines found once
    assert apply("".join(old), body["diff"]) == "".join(new)
