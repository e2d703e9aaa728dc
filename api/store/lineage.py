"""Lineage soundness without walking every lineage: each row's depth against its parent's.

Every row has depth 1 with no parent, or its parent's depth + 1 (api/store/derived.py).
Where that holds for all rows, following parents lowers the depth at each step, so every
path ends at a root: no cycle, nothing unreachable. One pass that joins each row to its
parent by primary key proves it (`BROKEN`, linear on both databases); only the rows that
fail it, normally none, are then walked one by one to tell the unreachable ones apart.
"""

from __future__ import annotations

from typing import NamedTuple

from api.store.connection import Database

BROKEN = """
SELECT c.id FROM prompts AS c LEFT JOIN prompts AS p ON p.id = c.parent_id
WHERE c.depth IS NULL
   OR (c.parent_id IS NULL AND c.depth <> 1)
   OR (c.parent_id IS NOT NULL AND (p.depth IS NULL OR c.depth <> p.depth + 1))
"""
PARENT = "SELECT parent_id FROM prompts WHERE id = ?"
CHILD_IDS = "SELECT id FROM prompts WHERE parent_id = ?"


class Lineage(NamedTuple):
    """What the depth pass found: rows no root leads to, and rows misnumbered or unnumbered
    that a root does lead to."""

    unreachable: list[str]
    misnumbered: list[str]

    def problems(self) -> list[str]:
        """Return the lineage problems as `check` reports them, by id."""
        found = {i: f"{i} is not reachable from a root (a parent cycle)" for i in self.unreachable}
        for prompt_id in self.misnumbered:
            found[prompt_id] = (
                f"{prompt_id}: its depth does not follow its parent's "
                "(`prompt-store init-db` numbers rows saved without one)"
            )
        return [found[i] for i in sorted(found)]


def lineage(database: Database) -> Lineage:
    """Check every row's depth against its parent's; walk only the rows that fail."""
    broken = [prompt_id for (prompt_id,) in database.execute(BROKEN)]
    unreachable: set[str] = set()
    misnumbered = []
    for prompt_id in broken:
        if prompt_id in unreachable:
            continue
        if _reaches_a_root(database, prompt_id):
            misnumbered.append(prompt_id)
        else:
            unreachable |= _with_descendants(database, prompt_id)
    return Lineage(sorted(unreachable), sorted(set(misnumbered) - unreachable))


def _reaches_a_root(database: Database, prompt_id: str) -> bool:
    seen = set()
    while prompt_id not in seen:
        seen.add(prompt_id)
        row = database.one(PARENT, (prompt_id,))
        if row is None:  # a missing parent: the foreign-key check names it
            return False
        if row[0] is None:
            return True
        prompt_id = row[0]
    return False  # a cycle


def _with_descendants(database: Database, prompt_id: str) -> set[str]:
    found, todo = {prompt_id}, [prompt_id]
    while todo:
        for (child,) in database.execute(CHILD_IDS, (todo.pop(),)).fetchall():
            if child not in found:
                found.add(child)
                todo.append(child)
    return found
