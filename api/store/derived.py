"""Columns derived from a row when it is written, so that no job has to recompute them.

  depth     the version's number in its lineage: 1 for a root, its parent's + 1. Export
            orders by it, `stats` takes its maximum, and `check` proves every row
            reachable from a root by one pass that compares each row with its parent.
  checksum  sha256 over the text's sha256 and the stored template: `check` verifies the
            template against it instead of reading every text again (`check --deep` does).

A release before these columns leaves them NULL on the rows it writes during a deploy;
`prompt-store init-db` fills them (fill_depths, fill_checksums), as it fills templates.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

Execute = Callable[..., object]
Prepare = Callable[[str], str]
BATCH = 1000


def checksum_of(sha256: str | None, template: str | None) -> str | None:
    """Return the checksum of a row's hash and template (None on a tombstone)."""
    if sha256 is None:
        return None
    return hashlib.sha256(f"{sha256}\n{template or ''}".encode()).hexdigest()


# The migration fills a whole table one level at a time, each level read in keyset
# pages from the (depth, created_at, id) index and its children found by parent_id:
# every row is read and written once, however deep or wide the lineages.
SET_ROOTS = "UPDATE prompts SET depth = 1 WHERE parent_id IS NULL AND depth IS NULL"
LEVEL_PAGE = (
    "SELECT id, created_at FROM prompts WHERE depth = ? AND (created_at, id) > (?, ?) "
    "ORDER BY depth, created_at, id LIMIT ?"
)
SET_CHILDREN = "UPDATE prompts SET depth = ? WHERE parent_id = ? AND depth IS NULL"
# After a deploy: the few rows an older release wrote, found by a partial index.
MISSING_DEPTHS = """
SELECT c.id, p.depth FROM prompts AS c LEFT JOIN prompts AS p ON p.id = c.parent_id
WHERE c.depth IS NULL AND (c.parent_id IS NULL OR p.depth IS NOT NULL) LIMIT ?
"""
SET_DEPTH = "UPDATE prompts SET depth = ? WHERE id = ? AND depth IS NULL"

MISSING_CHECKSUMS = (
    "SELECT id, sha256, template FROM prompts WHERE checksum IS NULL AND removed_at IS NULL "
    "AND template IS NOT NULL AND id > ? ORDER BY id LIMIT ?"
)
SET_CHECKSUM = "UPDATE prompts SET checksum = ? WHERE id = ?"


def fill_all_depths(execute: Execute, prepare: Prepare) -> int:
    """Number every lineage from its root down (the migration: no depth is stored yet)."""
    filled = execute(prepare(SET_ROOTS)).rowcount
    page, children = prepare(LEVEL_PAGE), prepare(SET_CHILDREN)
    level = 1
    while True:
        after, found = ("", ""), 0
        while rows := execute(page, (level, *after, BATCH)).fetchall():
            for prompt_id, _ in rows:
                found += execute(children, (level + 1, prompt_id)).rowcount
            after = (rows[-1][1], rows[-1][0])
        if not found:
            return filled + fill_depths(execute, prepare)
        filled += found
        level += 1


def fill_depths(execute: Execute, prepare: Prepare) -> int:
    """Number the rows written without a depth whose parent has one, until none is left.

    Rows in a parent cycle, or under a missing parent, keep none: `check` reports them.
    """
    select, update = prepare(MISSING_DEPTHS), prepare(SET_DEPTH)
    filled = 0
    while rows := execute(select, (BATCH,)).fetchall():
        for prompt_id, parent_depth in rows:
            execute(update, (1 if parent_depth is None else parent_depth + 1, prompt_id))
        filled += len(rows)
    return filled


def fill_checksums(execute: Execute, prepare: Prepare) -> int:
    """Store the checksum of every row with text and a template but none yet."""
    select, update = prepare(MISSING_CHECKSUMS), prepare(SET_CHECKSUM)
    filled, last = 0, ""
    while rows := execute(select, (last, BATCH)).fetchall():
        for prompt_id, sha256, template in rows:
            execute(update, (checksum_of(sha256, template), prompt_id))
        filled += len(rows)
        last = rows[-1][0]
    return filled


def fill_derived(execute: Execute, prepare: Prepare) -> int:
    """The migration's step: depths for every lineage, checksums for every text."""
    return fill_all_depths(execute, prepare) + fill_checksums(execute, prepare)


def count_triggers(execute: Execute, prepare: Prepare) -> None:
    """Create the triggers that keep prompt_counts (the dialect's `{count_triggers}`)."""
    _run(execute, prepare("{count_triggers}"))


def takedown_storage(execute: Execute, prepare: Prepare) -> None:
    """Store the text where a takedown's scrub reaches it (the dialect's
    `{takedown_storage}`: on PostgreSQL no statistics of it, room on each page)."""
    _run(execute, prepare("{takedown_storage}"))


def private_history(execute: Execute, prepare: Prepare) -> None:
    """Keep no statistics of the history entries either (`{private_history}`)."""
    _run(execute, prepare("{private_history}"))


def _run(execute: Execute, statements: str) -> None:
    for statement in statements.split("\n;\n"):
        if statement.strip():
            execute(statement)
