"""A page of a version's history: at most `limit` entries, and at most MAX_PAGE_BYTES.

Each entry is bounded (a summary of a fixed length, and `template_changes` within the
interface's caps), and the page stops before the entry that would take it past
MAX_PAGE_BYTES of JSON, or the one whose interfaces would take the decoding past
MAX_DECODED_CHARS; `next` then continues from the last entry shown. The size is an
upper bound counted from the entry's parts (a constant for its bounded fields, the names'
bytes for the rest), never by encoding it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import msgspec

from api.http.bodies import HistoryEntry, TemplateChanges
from api.store import SUMMARY_CHARS, Ancestor, Entry
from api.text import interface as template_interface

MAX_PAGE_BYTES = 1024 * 1024
# An entry's JSON at most, without its names: keys, two ids, a time, a sha256, a url (about
# 80 bytes), and a summary of SUMMARY_CHARS characters (at most 6 bytes each, as \u0001).
ENTRY_BYTES = 600 + 6 * SUMMARY_CHARS
# The page's own fields: id, version, limit, next, created_at, the keys of template_changes,
# and the version's moved_on (5 labels of up to about 170 bytes each): about 1,200 at most.
PAGE_BYTES = 2048
LABEL_BYTES = 103  # a label name (at most 100 ASCII characters), its quotes and comma
# Stored interfaces decoded for one page, in characters: each is at most about 40 KiB, so
# a lineage whose every version changes a large interface stops early too (about 10 ms).
MAX_DECODED_CHARS = 2 * 1024 * 1024
NO_CHANGES = TemplateChanges([], [], [], [])


class Page(NamedTuple):
    entries: list[HistoryEntry] | msgspec.Raw  # Raw: the JSON list, joined from entries
    last: str | None  # the id of the last entry shown
    more: bool  # whether the list goes on past the last entry
    changes: TemplateChanges | dict | None  # what the version changed from its parent
    created_at: str  # when the version was saved


def joined(
    rows: list[Entry], limit: int, share: Callable[[str], str], labels: dict[str, list[str]]
) -> Page | None:
    """Return the page page() would, joined from the entries each row keeps encoded.

    `rows` are the version and its ancestors (one more than `limit` when the list goes
    on); `share(id)` is `share("") + id`. None when they cannot answer: a row without an
    entry (an older release wrote it), or a page whose interfaces may pass
    MAX_DECODED_CHARS (each row's count is an upper bound; page() counts exactly).
    """
    if any(entry is None for _, entry, _, _ in rows):
        return None
    _, own, size, decoded = rows[0]
    size = PAGE_BYTES + (size or 0) + LABEL_BYTES * sum(len(names) for names in labels.values())
    decoded = decoded or 0
    entries: list[str] = []
    for prompt_id, entry, more_size, more_decoded in rows[1 : limit + 1]:
        size += ENTRY_BYTES + (more_size or 0)
        decoded += more_decoded or 0
        if entries and size > MAX_PAGE_BYTES:
            break
        if entries and decoded > MAX_DECODED_CHARS:
            return None
        names = labels.get(prompt_id)
        # Each entry ends `"labels":[]}` as stored.
        entries.append(f"{entry[:-3]}{msgspec.json.encode(names).decode()}}}" if names else entry)
    body = f"[{','.join(entries)}]"
    prefix = msgspec.json.encode(share("")).decode()[1:-1]
    if prefix != STORED_URL:  # a public URL: each entry's "url":"/p/ (keys are never in values)
        body = body.replace(f'"url":"{STORED_URL}', f'"url":"{prefix}')
    last = rows[len(entries)][0] if entries else None
    more = len(rows) - 1 > len(entries)
    version = _decoder.decode(own)  # its own entry: when it was saved, what it changed
    changes = version["template_changes"]
    return Page(msgspec.Raw(body.encode()), last, more, changes, version["created_at"])


_decoder = msgspec.json.Decoder()
STORED_URL = "/p/"  # an entry's url as stored: the path, without the public URL


def page(
    version: Ancestor,
    parent: Ancestor | None,
    ancestors: list[Ancestor],
    limit: int,
    share: Callable[[str], str],
    labels: dict[str, list[str]],
) -> Page:
    """Return one page of the history of `version`: `ancestors` are nearest first, from its
    `parent` on the first page, from further back on the next ones.

    `ancestors` holds one more than `limit` when the list goes on: the last entry's parent.
    `labels` names the labels at each ancestor and at the version.
    """
    changes = _Changes()
    own = changes.between(version, parent)
    entries: list[HistoryEntry] = []
    size = PAGE_BYTES + _names_bytes(own)
    size += LABEL_BYTES * sum(len(names) for names in labels.values())
    parents = ancestors[1:] + [None]  # each one's parent is the next one
    for ancestor, parent in zip(ancestors[:limit], parents, strict=False):
        found = changes.between(ancestor, parent)
        size += ENTRY_BYTES + _names_bytes(found)
        if entries and (size > MAX_PAGE_BYTES or changes.decoded > MAX_DECODED_CHARS):
            break
        entries.append(
            HistoryEntry(
                *ancestor[:6],
                url=share(ancestor.id),
                template_changes=found,
                labels=labels.get(ancestor.id, []),
            )
        )
    last = entries[-1].id if entries else None
    return Page(entries, last, len(ancestors) > len(entries), own, version.created_at)


class _Changes:
    """What each version changed from its parent, each stored interface decoded once."""

    def __init__(self) -> None:
        self.interfaces: dict[str, template_interface.Interface] = {}
        self.decoded = 0  # characters of stored interfaces decoded so far

    def between(self, version: Ancestor, parent: Ancestor | None) -> TemplateChanges | None:
        """What a version's interface changed from its parent's, when both are known."""
        if parent is None or version.template is None or parent.template is None:
            return None  # a first version, a removed one or a removed parent: nothing to compare
        if version.template == parent.template:
            return NO_CHANGES  # most edits keep the interface: no JSON is decoded for them
        old, new = self._interface(parent.template), self._interface(version.template)
        return TemplateChanges(**template_interface.changes(old, new))

    def _interface(self, template: str) -> template_interface.Interface:
        found = self.interfaces.get(template)
        if found is None:
            self.decoded += len(template)
            found = self.interfaces[template] = template_interface.loaded(template, "")
        return found


def _names_bytes(changes: TemplateChanges | None) -> int:
    """The bytes of the names' JSON: their UTF-8 (a name is \\w and "…": no escapes), and
    3 more a name for its quotes and comma."""
    if changes is None or changes is NO_CHANGES:
        return 0
    lists = (
        changes.variables_added,
        changes.variables_removed,
        changes.slots_added,
        changes.slots_removed,
    )
    return sum(len("".join(names).encode()) + 3 * len(names) for names in lists)
