"""What the store raises: one class per thing a caller can act on."""

from __future__ import annotations


class StoreError(Exception):
    """Base class for the errors a caller of the store can act on."""


class InvalidPromptId(StoreError, ValueError):
    """The id is not a UUID."""


class PromptNotFound(StoreError, LookupError):
    """No prompt has this id."""


class ParentNotFound(StoreError, LookupError):
    """The parent_id is a well-formed UUID that names no prompt."""


class InvalidPromptText(StoreError, ValueError):
    """The text is not something we store (empty, NUL, unpaired surrogates)."""


class PromptTooLarge(StoreError, ValueError):
    """The text is over the configured size limit."""

    def __init__(self, size: int, limit: int):
        super().__init__(f"prompt is {size} bytes; the limit is {limit} bytes")
        self.size, self.limit = size, limit


class PromptConflict(StoreError):
    """An id, or a (parent, text) pair, already holds other text."""


class SchemaTooNew(StoreError):
    """The database was migrated by a newer release than this one."""


class PromptRemoved(StoreError):
    """The prompt was purged: its row stays as a tombstone, its text is gone."""


class NotAPromptDatabase(StoreError):
    """A file offered as a backup is not a healthy prompt-store database."""


class WrongDeleteToken(StoreError):
    """The delete token is missing, or is not the one the prompt was saved with."""


class ScrubIncomplete(StoreError):
    """The prompt is a tombstone, but old copies of its text may remain in the files."""


class DatabaseUnavailable(StoreError):
    """The database cannot be opened or used now (a permission, a missing volume, a server)."""


class NotOnThisDatabase(StoreError):
    """The operation belongs to the other kind of database (e.g. a file restore on PostgreSQL)."""


# -- labels (api/store/labels.py) ---------------------------------------------------------


class InvalidLabelName(StoreError, ValueError):
    """The name breaks the label name rule (values.NAME_RULE says it)."""


class LabelNotFound(StoreError, LookupError):
    """No label has this name."""


class LabelExists(StoreError):
    """A label with this name exists already."""


class WrongLabelToken(StoreError):
    """The label token is not the one the label was created (or last reset) with."""


class LabelTargetInvalid(StoreError):
    """The id a label should point at names no version, or a removed one (`removed`)."""

    def __init__(self, prompt_id: str, removed: bool):
        super().__init__(f"{prompt_id} is {'removed' if removed else 'not stored'}")
        self.removed = removed


class LabelTargetRemoved(StoreError):
    """The label stays, but the version it points at was taken down."""


class LabelMoved(StoreError):
    """The label is no longer in the state the caller's If-Match named."""


class IncompatibleMove(StoreError):
    """The new version's interface would break an application of the old one.

    `changes`: the four lists of template_interface.changes; `truncated`: an interface
    was cut at the reader's caps, so the gate cannot judge.
    """

    def __init__(self, changes: dict[str, list[str]], truncated: bool):
        super().__init__("the move would change what the label's version asks for")
        self.changes, self.truncated = changes, truncated
