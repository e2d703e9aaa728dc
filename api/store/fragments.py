"""What a version's history entry is, encoded when the version is written (migration 8).

  history_entry    the entry's JSON as a history page serves it: the row's fields, its
                   summary, its share URL (a path: "/p/<id>"), its template_changes
                   against its parent, and `"labels":[]`
  history_bytes    the bytes of the names in those changes, as a page's bound counts them
  history_decoded  the characters of stored interfaces a page would decode to compare it
                   with its parent (both, where they differ): an upper bound of its share

A history page is then one indexed walk that joins these (api/resources/history.py),
putting in the labels and the public URL's prefix. A takedown writes the tombstone's
entry (no word of the text in it) and takes the changes out of its children's (their
removed names are words of it too; and where a parent is removed, a history shows
null). Rows an older release wrote have none: a page holding one is built from the
templates, as before, until `prompt-store init-db` fills them (fill_fragments).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import NamedTuple

import msgspec

from api.store.values import SUMMARY_CHARS, summarise
from api.text import interface as template_interface
from api.text.interface import MAX_STORED_CHARS

Execute = Callable[..., object]
Prepare = Callable[[str], str]
BATCH = 500
HEAD_CHARS = SUMMARY_CHARS * 4  # of the text, for its summary (as the history query reads)
CHANGES_KEY, LABELS_KEY = '"template_changes":', ',"labels":'


class Fragment(NamedTuple):
    """The history columns of one row, in INSERT's order."""

    entry: str | None
    bytes: int | None  # None on a tombstone
    decoded: int | None


def usable(template: str | None) -> str | None:
    """A stored interface as a history compares it: none when longer than any within the
    caps (written before them, and not read whole for every entry)."""
    return template if template is not None and len(template) <= MAX_STORED_CHARS else None


def _entry(fields: dict, changes: dict | None) -> str:
    fields.update(url=f"/p/{fields['id']}", template_changes=changes, labels=[])
    return msgspec.json.encode(fields).decode()


def fragment(
    prompt_id: str,
    parent_id: str | None,
    created_at: str,
    sha256: str | None,
    head: str,
    template: str | None,
    parent_template: str | None,
) -> Fragment:
    """Return the history columns of a live row; `head` is its text (or its first
    HEAD_CHARS characters), `parent_template` its parent's stored interface."""
    fields = {
        "id": prompt_id,
        "parent_id": parent_id,
        "created_at": created_at,
        "sha256": sha256,
        "summary": summarise(head[:HEAD_CHARS]),
        "removed": False,
    }
    new, old = usable(template), usable(parent_template)
    if parent_id is None or new is None or old is None:
        return Fragment(_entry(fields, None), 0, 0)  # a first version, or nothing to compare
    if new == old:  # most edits keep the interface
        return Fragment(_entry(fields, NO_CHANGES), 0, 0)
    found = template_interface.changes(
        template_interface.loaded(old, ""), template_interface.loaded(new, "")
    )
    served = {key: found[key] for key in NAMES}  # in the body's order (TemplateChanges)
    if found.get("truncated"):
        served["truncated"] = True
    return Fragment(_entry(fields, served), names_bytes(found), len(new) + len(old))


NAMES = ("variables_added", "variables_removed", "slots_added", "slots_removed")
NO_CHANGES = dict.fromkeys(NAMES, ())


def tombstone(prompt_id: str, parent_id: str | None, created_at: str) -> Fragment:
    """The history columns of a removed version: nothing of its text."""
    fields = {
        "id": prompt_id,
        "parent_id": parent_id,
        "created_at": created_at,
        "sha256": None,
        "summary": "",
        "removed": True,
    }
    return Fragment(_entry(fields, None), None, None)


def without_changes(entry: str) -> str:
    """An entry whose parent was removed: its template_changes null."""
    start = entry.index(CHANGES_KEY) + len(CHANGES_KEY)
    return entry[:start] + "null" + entry[entry.rindex(LABELS_KEY) :]


def names_bytes(changes: dict) -> int:
    """The bytes of the names' JSON: their UTF-8 (a name is \\w and "…": no escapes), and
    3 more a name for its quotes and comma (api/resources/history.py counts the same)."""
    return sum(len("".join(changes[key]).encode()) + 3 * len(changes[key]) for key in NAMES)


# -- takedowns ----------------------------------------------------------------------------

CHILDREN = "SELECT id, history_entry FROM prompts WHERE parent_id = ? AND history_entry IS NOT NULL"
SET_CHILD = (
    "UPDATE prompts SET history_entry = ?, history_bytes = 0, history_decoded = 0 WHERE id = ?"
)


def clear_children(execute: Execute, parent_id: str) -> None:
    """After a takedown of `parent_id`: its children's entries show no changes."""
    for child_id, entry in execute(CHILDREN, (parent_id,)).fetchall():
        execute(SET_CHILD, (without_changes(entry), child_id))


# -- filling: the migration, and rows an older release wrote (init-db) --------------------

# Rows without fragments, oldest id first, each with its parent's stored interface.
MISSING = f"""
SELECT c.id, c.parent_id, c.created_at, c.sha256, substr(c.text, 1, {HEAD_CHARS}), c.template,
       c.removed_at, p.template
FROM prompts AS c LEFT JOIN prompts AS p ON p.id = c.parent_id
WHERE c.history_entry IS NULL AND c.id > ? ORDER BY c.id LIMIT ?
"""
SET = "UPDATE prompts SET history_entry = ?, history_bytes = ?, history_decoded = ? WHERE id = ?"
# A tombstone an older release makes (its takedown knows no history columns, so it leaves
# the entry as it was; this release's writes the tombstone's): a trigger takes the entry
# off it and off its children's rows at once, so their pages are built from the templates
# (the old path) until fill_fragments writes them again (`{tombstone_trigger}`).
TRIGGER_PARTS = "\n;\n"


def tombstone_trigger(execute: Execute, prepare: Prepare) -> None:
    """Create the trigger that clears the entries an older release's takedown leaves."""
    for statement in prepare("{tombstone_trigger}").split(TRIGGER_PARTS):
        execute(statement)


# A row whose template was filled: its children compared against none, so they are read again.
FORGET_CHILDREN = "UPDATE prompts SET history_entry = NULL WHERE parent_id = ?"


def fill_fragments(execute: Execute, prepare: Prepare) -> int:
    """Store the history columns of every row without them; return how many.

    Only rows still missing them are read, so it can run again at any time.
    """
    select, update = prepare(MISSING), prepare(SET)
    filled, last = 0, ""
    while rows := execute(select, (last, BATCH)).fetchall():
        for prompt_id, parent_id, created_at, sha256, head, template, removed_at, above in rows:
            if removed_at is not None:
                found = tombstone(prompt_id, parent_id, created_at)
            else:
                found = fragment(prompt_id, parent_id, created_at, sha256, head, template, above)
            execute(update, (*found, prompt_id))
        filled += len(rows)
        last = rows[-1][0]
    return filled


def forget_children(execute: Execute, prepare: Prepare, parent_ids: Iterable[str]) -> None:
    """Mark the children of these rows for fill_fragments (their templates were just filled)."""
    update = prepare(FORGET_CHILDREN)
    for parent_id in parent_ids:
        execute(update, (parent_id,))
