"""The one paging convention: every page answers `next_cursor` (null on the last page) and
takes it back as `?cursor=`. A cursor is opaque to clients: URL-safe base64 of the parts a
resource needs to continue (a time and an id, an id, a revision), checked when it returns.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from typing import TypeVar

import falcon

T = TypeVar("T")
SEPARATOR = "|"
MAX_CURSOR_CHARS = 200  # the longest any page makes is under 100


def encode(*parts: object) -> str:
    """Return the cursor that carries these parts."""
    raw = SEPARATOR.join(str(part) for part in parts).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(req: falcon.Request, parse: Callable[[list[str]], T]) -> T | None:
    """Return the request's cursor, its parts read by `parse`, or None without one.

    `parse` raises ValueError (or a subclass) for parts that no page of this kind makes.
    """
    cursor = req.get_param("cursor")
    if not cursor:
        return None
    try:
        if len(cursor) > MAX_CURSOR_CHARS:
            raise ValueError(cursor)
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        return parse(raw.split(SEPARATOR))
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise refused() from None


def refused() -> falcon.HTTPInvalidParam:
    """The 400 for a cursor that no page of this list made (or whose place has gone)."""
    return falcon.HTTPInvalidParam(
        "Use the next_cursor of a previous page of the same list.", "cursor"
    )
