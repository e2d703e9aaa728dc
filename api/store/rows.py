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


class Exported(NamedTuple):
    """A version as `export` writes it: enough to rebuild it elsewhere."""

    id: str
    parent_id: str | None
    created_at: str
    text: str
    removed_at: str | None
    legacy_ids: list[str]
