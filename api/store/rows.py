"""The shapes of the rows the store returns, read by name."""

from __future__ import annotations

from typing import NamedTuple


class VersionMeta(NamedTuple):
    """A version without its text: what a save answers."""

    id: str
    parent_id: str | None
    created_at: str
    sha256: str | None


class Version(NamedTuple):
    """A version with its text; `removed_at` is set on a tombstone (text '').

    `template`: what the text asks for, as stored JSON (None on a tombstone, or where a
    release before the column wrote the row).
    """

    id: str
    parent_id: str | None
    text: str
    created_at: str
    sha256: str | None
    removed_at: str | None
    template: str | None = None


class Listed(NamedTuple):
    """A version as histories and listings show it: its first line instead of its text."""

    id: str
    parent_id: str | None
    created_at: str
    sha256: str | None
    summary: str
    removed: bool


class Ancestor(NamedTuple):
    """A version as a history lists it: a Listed row, and its stored template."""

    id: str
    parent_id: str | None
    created_at: str
    sha256: str | None
    summary: str
    removed: bool
    template: str | None

    def listed(self) -> Listed:
        """Return this version as listings show it."""
        return Listed(*self[:6])


# A version as a history page joins it (VersionReads.entries): its id, its entry as
# encoded when it was written (None where an older release wrote it), and what the page's
# bounds count of it: the bytes of the names in its changes, and the characters of the
# interfaces compared for them (None, or 0: none). A plain tuple: a page reads many.
Entry = tuple[str, str | None, int | None, int | None]


class Exported(NamedTuple):
    """A version as `export` writes it: enough to rebuild it elsewhere."""

    id: str
    parent_id: str | None
    created_at: str
    text: str
    removed_at: str | None
    legacy_ids: list[str]


class Imported(NamedTuple):
    """A line of an export, validated: what `store.prompts.import_many` stores."""

    id: str
    parent_id: str | None
    text: str
    created_at: str
    removed_at: str | None = None


class Label(NamedTuple):
    """A label: the version it points at now, and how many moves brought it there."""

    name: str
    prompt_id: str
    created_at: str
    moved_at: str
    revision: int

    def tag(self) -> str:
        """Return what names this state of the label (its ETags are made of it).

        Every move changes it (the revision), a move back included, and so does deleting
        and creating the label again (the creation time, to the microsecond).
        """
        return f"{self.revision}.{self.created_at}"


class Move(NamedTuple):
    """One entry of a label's history, with the stored templates of both ends (None: a
    removed version, or none before it)."""

    revision: int
    prompt_id: str
    previous_id: str | None
    moved_at: str
    forced: bool
    note: str | None
    template: str | None
    previous_template: str | None
