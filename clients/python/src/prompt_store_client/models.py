"""What the client returns."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Prompt:
    """One prompt version's text, as fetched by label (`name`) or by id (`name` is None).

    `stale` is True when the store could not be asked and this is the last good copy
    (or the bundle's); `fetched_at` is when the store last confirmed it (UTC).
    `etag` identifies the label's state, for `move_label(..., if_match=...)`.
    """

    name: str | None
    id: str
    text: str
    variables: tuple[str, ...]
    slots: tuple[str, ...]
    fetched_at: datetime
    stale: bool
    etag: str | None = None


@dataclass(frozen=True)
class Saved:
    """A save's answer: `delete_token` only when this save created the version."""

    id: str
    url: str
    delete_token: str | None
    created: bool
