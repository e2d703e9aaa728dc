"""A page of a version's history: at most `limit` entries, and at most MAX_PAGE_BYTES.

Each entry is bounded (a summary of a fixed length, and `template_changes` within the
interface's caps), and the page stops before the entry that would take it past
MAX_PAGE_BYTES of JSON, or the one whose interfaces would take the decoding past
MAX_DECODED_CHARS; `next` then continues from the last entry shown. The size is an
upper bound counted from the entry's parts, never by encoding it twice.
"""

from __future__ import annotations

from collections.abc import Callable

from api.http.bodies import HistoryEntry, TemplateChanges
from api.store import Ancestor
from api.text import interface as template_interface

MAX_PAGE_BYTES = 1024 * 1024
# An entry's JSON without its summary, url and names: keys, two ids, a time, a sha256.
ENTRY_BYTES = 400
PAGE_BYTES = 256  # the page's own fields: id, limit, next
# Stored interfaces decoded for one page, in characters: each is at most about 40 KiB, so
# a lineage whose every version changes a large interface stops early too (about 10 ms).
MAX_DECODED_CHARS = 2 * 1024 * 1024
NO_CHANGES = TemplateChanges([], [], [], [])


def page(
    ancestors: list[Ancestor], limit: int, share: Callable[[str], str]
) -> tuple[list[HistoryEntry], bool]:
    """Return the entries of one page of `ancestors` (nearest first), and whether more follow.

    `ancestors` holds one more than `limit` when the list goes on: the last entry's parent.
    """
    entries, size, changes = [], PAGE_BYTES, _Changes()
    parents = ancestors[1:] + [None]  # each one's parent is the next one
    for ancestor, parent in zip(ancestors[:limit], parents, strict=False):
        url = share(ancestor.id)
        found = changes.between(ancestor, parent)
        size += ENTRY_BYTES + _text_bytes(ancestor.summary) + len(url) + _names_bytes(found)
        if entries and (size > MAX_PAGE_BYTES or changes.decoded > MAX_DECODED_CHARS):
            break
        entries.append(HistoryEntry(*ancestor[:6], url=url, template_changes=found))
    return entries, len(ancestors) > len(entries)


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


def _text_bytes(text: str) -> int:
    """At most the bytes of a string's JSON: exact unless it holds a control character."""
    if text.isprintable():
        return len(text.encode("utf-8", "surrogatepass")) + text.count('"') + text.count("\\")
    return 6 * len(text)  # \u0001


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
