"""What the client raises: one class per kind of answer a caller may want to catch."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class PromptStoreError(Exception):
    """An answer the store refused, with its status and its own words."""

    def __init__(
        self,
        description: str,
        *,
        status: int | None = None,
        title: str | None = None,
        body: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(f"{title}: {description}" if title else description)
        self.status = status
        self.title = title
        self.description = description
        self.body: Mapping[str, Any] = body or {}


class PromptStoreUnavailable(PromptStoreError):
    """The store could not answer (connection error, timeout, 5xx, 429) and nothing cached fits."""

    def __init__(
        self, name: str, cause: str, *, status: int | None = None, shown: str | None = None
    ) -> None:
        what = shown if shown is not None else name
        super().__init__(f"{what!r}: the prompt store is unavailable ({cause})", status=status)
        self.name = name
        self.cause = cause


class PromptNotFound(PromptStoreError):
    """404: no label has this name, or no version this id."""


class PromptRemoved(PromptStoreError):
    """410: the version (or the version a label points at) was taken down."""


class InvalidRequest(PromptStoreError):
    """400, 413, 415 or 422: the request itself was refused (a bad name, an unknown id...)."""


class NotAuthorized(PromptStoreError):
    """401 or 403: a label token is missing or wrong."""


class Conflict(PromptStoreError):
    """409: the label exists already, or the save raced another."""


class Incompatible(Conflict):
    """409 on a move: the new version breaks the old one's interface; `force=True` overrides."""

    def __init__(self, description: str, **kwargs: Any) -> None:
        super().__init__(description, **kwargs)
        self.template_changes: Mapping[str, Any] = self.body.get("template_changes") or {}


class LabelMoved(PromptStoreError):
    """412: `if_match` was not the label's current ETag: someone else moved it first."""


class RateLimited(PromptStoreError):
    """429 on a write: `retry_after` is how many seconds the server asks to wait."""

    def __init__(self, description: str, *, retry_after: float | None = None, **kwargs: Any):
        super().__init__(description, **kwargs)
        self.retry_after = retry_after


_BY_STATUS = {
    400: InvalidRequest,
    401: NotAuthorized,
    403: NotAuthorized,
    404: PromptNotFound,
    410: PromptRemoved,
    412: LabelMoved,
    413: InvalidRequest,
    415: InvalidRequest,
    422: InvalidRequest,
}


def error_for(status: int, body: Mapping[str, Any], retry_after: float | None) -> PromptStoreError:
    """The exception for a refused answer, carrying the server's title and description."""
    title = body.get("title") if isinstance(body.get("title"), str) else None
    description = body.get("description")
    if not isinstance(description, str):
        description = f"the server answered {status}"
    kwargs: dict[str, Any] = {"status": status, "title": title, "body": body}
    if status == 409:
        if "template_changes" in body:
            return Incompatible(description, **kwargs)
        return Conflict(description, **kwargs)
    if status == 429:
        return RateLimited(description, retry_after=retry_after, **kwargs)
    cls = _BY_STATUS.get(status, PromptStoreError)
    return cls(description, **kwargs)
