"""What a resource declares about its routes, for the plumbing that serves every route.

A resource class says which of its answers are saves, takedowns, label reads or label
moves, in `kinds` (method -> kind, `"*"` for every method). The error serializer gives a
save's errors the playground's shape, and the metrics count each kind, from that
declaration alone: no list of paths to keep in step with `app.py`.
"""

from __future__ import annotations

SAVE = "save"  # errors carry `error` (the playground reads only that); counted as saves
DELETE = "delete"  # a 204 is counted as a takedown by its creator
LABEL_READ = "label read"  # a label's version fetched (JSON or raw), counted by status
LABEL_MOVE = "label move"  # a move asked for, counted by status


def kind_of(resource: object, method: str) -> str | None:
    """Return what `resource` declares its answers to `method` are, or None."""
    kinds = getattr(resource, "kinds", None) or {}
    return kinds.get(method, kinds.get("*"))
