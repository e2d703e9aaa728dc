"""The request and response bodies of labels, declared once (as api/http/bodies.py's are)."""

from __future__ import annotations

from typing import Annotated

from msgspec import Meta, Struct

from api.http.bodies import (
    Error,
    NextCursor,
    NextPage,
    PromptId,
    Template,
    TemplateChanges,
    Time,
)
from api.store import NAME_RULE

LabelName = Annotated[
    str,
    Meta(min_length=1, max_length=100, pattern="^[a-z0-9][a-z0-9._/-]*$", description=NAME_RULE),
]
Note = Annotated[str, Meta(max_length=200, description="Why the label moved, for people")]
URL = Annotated[str, Meta(description="The label's address: /api/labels/<name>")]

# -- requests ----------------------------------------------------------------------------


class CreateLabel(Struct, forbid_unknown_fields=True):
    """Create a label pointing at a stored version."""

    name: LabelName
    id: PromptId


class MoveLabel(Struct, forbid_unknown_fields=True):
    """Point a label at another version (send the label token as a Bearer token)."""

    id: PromptId
    force: Annotated[
        bool, Meta(description="Move even when the new version's interface would break an app")
    ] = False
    note: Note | None = None


# -- responses ---------------------------------------------------------------------------


class LabelCreated(Struct):
    """A new label, and the token that moves or deletes it."""

    name: LabelName
    id: PromptId
    label_token: Annotated[
        str,
        Meta(
            description="Send it as 'Authorization: Bearer <label_token>' to move or delete "
            "the label. Shown once; only its hash is stored."
        ),
    ]
    url: URL


class LabelState(Struct):
    """A label with the version it points at, in one answer."""

    name: LabelName
    id: PromptId
    text: str
    template: Template
    created_at: Annotated[str, Meta(description="When the label was created (ISO 8601, UTC)")]
    moved_at: Annotated[str, Meta(description="When it last moved; its creation, if never")]
    url: URL


class LabelMovedTo(LabelState, kw_only=True):
    """A label after a move."""

    forced: Annotated[bool, Meta(description="The move overrode the compatibility gate")]
    template_changes: Annotated[
        TemplateChanges | None,
        Meta(
            description="What the new version's interface changed; null if nothing moved "
            "or the old version was removed"
        ),
    ]


class LabelMove(Struct):
    """One move of a label: from `previous_id` (null: its creation) to `id`."""

    id: PromptId
    previous_id: PromptId | None
    moved_at: Time
    forced: bool
    note: str | None
    template_changes: Annotated[
        TemplateChanges | None,
        Meta(description="null for the creation, and where either version was removed"),
    ]


class LabelMoves(Struct):
    """A label's moves, newest first; `?cursor=` with `next_cursor` (or the URL `next`)
    continues the list."""

    name: LabelName
    moves: list[LabelMove]
    limit: int
    next: NextPage
    next_cursor: NextCursor


class VersionLabels(Struct):
    """The labels that point at a version now, by name."""

    labels: list[LabelName]


class MoveRefused(Error):
    """A move the compatibility gate refused: what would change, by kind."""

    template_changes: TemplateChanges


REQUESTS = (CreateLabel, MoveLabel)
RESPONSES = (LabelCreated, LabelState, LabelMovedTo, LabelMoves, VersionLabels, MoveRefused)
