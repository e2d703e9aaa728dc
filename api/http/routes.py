"""What a resource declares about its routes, for the plumbing that serves every route.

A resource class says which of its answers are saves and which are takedowns, in
`kinds` (method -> kind, `"*"` for every method). The error serializer gives a save's
errors the playground's shape, and the metrics count its saves, from that declaration
alone: no list of paths to keep in step with `app.py`.
"""

from __future__ import annotations

SAVE = "save"  # errors carry `error` (the playground reads only that); counted as saves
DELETE = "delete"  # a 204 is counted as a takedown by its creator


def kind_of(resource: object, method: str) -> str | None:
    """Return what `resource` declares its answers to `method` are, or None."""
    kinds = getattr(resource, "kinds", None) or {}
    return kinds.get(method, kinds.get("*"))
