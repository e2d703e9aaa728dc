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
        "truncated": False,
    }


def test_texts_too_costly_to_minimise_still_get_a_correct_diff(monkeypatch):
    monkeypatch.setattr(diffs, "WORK_LIMIT", 50)
    old = "".join(f"line {i}\n" for i in range(100))
    new = "".join(f"line {i}\n" for i in reversed(range(100)))
    body = unified_diff("head\n" + old + "tail\n", "head\n" + new + "tail\n", "a", "b")
    assert not body["minimal"]
    assert apply("head\n" + old + "tail\n", body["diff"]) == "head\n" + new + "tail\n"


def test_many_scattered_edits_past_the_limit_stay_close_to_the_smallest_diff():
    old = [f"line {i}\n" for i in range(9_000)]  # past the work limit, under MAX_COMPARED
    new = [f"edited {i}\n" if i % 10 == 0 else line for i, line in enumerate(old)]
    body = unified_diff("".join(old), "".join(new), "a", "b")
    assert not body["minimal"] and not body["truncated"]
    assert body["removed"] == body["added"] == 900  # anchored on the lines found once
    assert apply("".join(old), body["diff"]) == "".join(new)


# -- the bounds: what is compared, and what is answered -----------------------------------


def hunks(diff: str) -> list[tuple[int, int, int, int, list[str]]]:
    """Each hunk's header (start and length of each side) and its lines."""
    found = []
    for line in diff.splitlines(keepends=True)[2:]:
        header = HUNK.match(line.rstrip("\n"))
        if header:
            a, la, b, lb = header.groups()
            found.append((int(a), int(la or 1), int(b), int(lb or 1), []))
        elif line != diffs._NO_NEWLINE:
            found[-1][4].append(line)
    return found


def assert_headers_count_the_lines_shown(diff: str) -> None:
    for _, old_length, _, new_length, lines in hunks(diff):
        assert old_length == sum(line[0] in " -" for line in lines)
        assert new_length == sum(line[0] in " +" for line in lines)


def alternate(lines: int = 102_400) -> tuple[str, str]:
    """The issue's pair: one-character lines from {a,b,c}, then every second one replaced."""
    import random

    old = [random.Random(lines).choice("abc") + "\n" for _ in range(lines)]
    new = [line if i % 2 else "d\n" for i, line in enumerate(old)]
    return "".join(old), "".join(new)


def test_a_diff_of_the_issues_pair_is_cut_at_the_line_cap_and_says_so():
    old, new = alternate()
    body = unified_diff(old, new, "a", "b")
    assert body["truncated"] and not body["minimal"]
    assert len(body["diff"].splitlines()) == diffs.MAX_DIFF_LINES
    assert_headers_count_the_lines_shown(body["diff"])
    # The counts are of the whole (correct, not minimal) diff, not of the lines shown.
    assert body["removed"] == body["added"] > diffs.MAX_DIFF_LINES


def test_only_max_compared_lines_of_each_side_are_matched(monkeypatch):
    monkeypatch.setattr(diffs, "MAX_COMPARED", 40)
    old = "".join(f"{i}\n" for i in range(100))
    new = "".join(f"{i}\n" if i % 10 else f"e{i}\n" for i in range(100))
    body = unified_diff(old, new, "a", "b")
    assert not body["minimal"] and not body["truncated"]
    assert apply(old, body["diff"]) == new  # still correct
    # The changed middle is lines 0 to 90 (the last 9 are shared): its first 40 are
    # matched (4 edits), its other 51 are replaced whole.
    assert body["removed"] == body["added"] == 4 + 51


def test_the_answer_is_cut_at_the_byte_cap_at_the_end_of_a_line(monkeypatch):
    monkeypatch.setattr(diffs, "MAX_DIFF_BYTES", 2_000)
    old = "".join(f"{i} {'é' * 40}\n" for i in range(200))
    new = "".join(f"{i} {'è' * 40}\n" for i in range(200))
    body = unified_diff(old, new, "a", "b")
    assert body["truncated"] and body["removed"] == body["added"] == 200
    assert 1_800 <= len(body["diff"].encode()) <= 2_000
    assert body["diff"].endswith("\n")
    assert_headers_count_the_lines_shown(body["diff"])


def test_a_diff_under_the_caps_is_whole():
    old = "".join(f"{i}\n" for i in range(5_000))
    new = old.replace("17\n", "seventeen\n").replace("4000\n", "")
    body = unified_diff(old, new, "a", "b")
    assert not body["truncated"] and body["minimal"]
    assert apply(old, body["diff"]) == new


@settings(max_examples=200, deadline=None)
@given(old=lines.map("".join), new=lines.map("".join), cap=st.integers(3, 30))
def test_a_cut_diff_is_a_prefix_of_the_whole_one_with_honest_headers(old, new, cap):
    whole = unified_diff(old, new, "old", "new")
    diffs.MAX_DIFF_LINES, kept = cap, diffs.MAX_DIFF_LINES
    try:
        cut = unified_diff(old, new, "old", "new")
    finally:
        diffs.MAX_DIFF_LINES = kept
    # A no-newline marker rides with its line: one for each side's last line, at most two.
    markers = [line for line in cut["diff"].splitlines() if line.startswith("\\")]
    assert len(cut["diff"].splitlines()) - len(markers) <= cap and len(markers) <= 2
    assert cut["truncated"] == (len(whole["diff"].splitlines()) > cap + cut["diff"].count("\\"))
    assert (cut["added"], cut["removed"]) == (whole["added"], whole["removed"])
    assert_headers_count_the_lines_shown(cut["diff"])
    shown = [line for hunk in hunks(cut["diff"]) for line in hunk[4]]
    assert shown == [line for hunk in hunks(whole["diff"]) for line in hunk[4]][: len(shown)]
