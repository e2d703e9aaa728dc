"""The JSON API's request and response bodies, each declared once.

Requests are decoded strictly into these types (an unknown field is refused: only
prompt text is stored), responses are built from them, and the OpenAPI document
takes its component schemas from them (api/resources/openapi.py).
"""

from __future__ import annotations

from typing import Annotated, Literal

from msgspec import UNSET, Meta, Struct, UnsetType

from api.store import ID_REGEX
from api.text.diffs import MAX_DIFF_BYTES, MAX_DIFF_LINES
from api.text.reader import MAX_NAME_CHARS, MAX_NAMES

PromptId = Annotated[
    str,
    Meta(
        pattern=f"^{ID_REGEX}$",
        description="A prompt id: a UUID, which is also the capability to read the prompt",
    ),
]
Names = Annotated[
    list[str],
    Meta(
        description=f"Sorted and unique; at most {MAX_NAMES}, each at most {MAX_NAME_CHARS} "
        f"characters (a longer name is shown as its first {MAX_NAME_CHARS} and '…', and "
        "`truncated` is true)"
    ),
]
Sha256 = Annotated[str, Meta(description="sha256 of the text's UTF-8 bytes, in hex")]
Time = Annotated[str, Meta(description="ISO 8601, UTC, microseconds: text order is time order")]
# Every page of a list, the same way (api/http/cursors.py).
NextCursor = Annotated[
    str | None,
    Meta(
        description="Send as `?cursor=` for the next page (with the same `limit`); null on the last"
    ),
]
NextPage = Annotated[
    str | None,
    Meta(description="The next page's URL: this one's with `cursor=next_cursor`; null on the last"),
]

# -- requests ----------------------------------------------------------------------------


class SaveRequest(Struct, forbid_unknown_fields=True):
    """Save a version: the prompt text and, for an edit, the version it came from."""

    text: Annotated[str, Meta(description="The prompt text, kept byte for byte")]
    parent_id: PromptId | None = None


class PlaygroundSaveRequest(Struct, forbid_unknown_fields=True):
    """The struckdown playground's save: the text as `syntax` (or `text`; exactly one)."""

    syntax: str | UnsetType = UNSET
    text: str | UnsetType = UNSET
    parent_id: PromptId | None = None


# -- responses ---------------------------------------------------------------------------


class Saved(Struct):
    """A stored version (201 when this save created it, 200 when it was there already)."""

    id: PromptId
    parent_id: PromptId | None
    created_at: Time
    sha256: Sha256
    url: Annotated[str, Meta(description="The share URL: /p/<id>, absolute when configured")]
    delete_token: Annotated[
        str | UnsetType,
        Meta(
            description="Only when this save created the prompt (201): send it as "
            "X-Delete-Token to delete it. Shown once; only its hash is stored."
        ),
    ] = UNSET


class PlaygroundSaved(Saved, kw_only=True):
    """A stored version, with the id also as `prompt_id`, which the playground reads."""

    prompt_id: PromptId
    warning: Annotated[
        str | UnsetType,
        Meta(description="Saved, with a caveat the playground shows instead of 'Saved'"),
    ] = UNSET


class Template(Struct):
    """Read from the text when it is saved: the Jinja-style variables it needs and the
    struckdown slots it asks to fill."""

    variables: Names
    slots: Names
    truncated: Annotated[
        bool,
        Meta(
            description="The reader stopped at its work limit, or a list or a name was cut at "
            "its cap; the lists may be partial"
        ),
    ] = False


class Prompt(Struct):
    """One version with its text."""

    id: PromptId
    text: str
    parent_id: PromptId | None
    created_at: Time
    sha256: Sha256
    template: Template


class TemplateChanges(Struct, omit_defaults=True):
    """What the newer version's interface added and removed, by kind."""

    variables_added: Names
    variables_removed: Names
    slots_added: Names
    slots_removed: Names
    truncated: Annotated[
        bool,
        Meta(
            description=f"Present, and true, when a list was cut at {MAX_NAMES} names or "
            "either interface is truncated: the changes may be partial"
        ),
    ] = False


class PromptSummary(Struct):
    """A version without its text: its first line instead."""

    id: PromptId
    parent_id: PromptId | None
    created_at: Time
    sha256: Sha256 | None
    summary: str
    removed: Annotated[bool, Meta(description="A tombstone: its text was removed")]


LabelNames = Annotated[
    list[str], Meta(description="The names of the labels that point at this version now")
]


class HistoryEntry(PromptSummary, kw_only=True):
    """An ancestor, with its share URL and what it changed in the template interface."""

    url: str
    template_changes: Annotated[
        TemplateChanges | None,
        Meta(
            description="What this version added and removed against its parent; null for a "
            "first version, and where it or its parent was removed"
        ),
    ]
    labels: LabelNames


class MovedOn(Struct):
    """A label that pointed at this version once and points at another one now."""

    name: str
    id: PromptId
    version: Annotated[
        int | None,
        Meta(
            description="The version number of where it points now: its depth in its lineage, "
            "1 for a root; null past 1000 ancestors"
        ),
    ]


class History(Struct, kw_only=True):
    """Ancestors, nearest first; `?cursor=` with `next_cursor` (or the URL `next`) continues
    the list."""

    id: PromptId
    version: Annotated[
        int | None,
        Meta(
            description="The version number of the version asked about: its depth in its "
            "lineage, 1 for a root (each ancestor's is one less than the one before it); "
            "null past 1000 ancestors"
        ),
    ]
    ancestors: Annotated[
        list[HistoryEntry],
        Meta(
            description="At most `limit`, and fewer when more would pass 1 MiB of JSON "
            "(api/resources/history.py): `next_cursor` then continues where it stopped"
        ),
    ]
    limit: int
    next: NextPage
    next_cursor: NextCursor
    created_at: Annotated[Time, Meta(description="When the version asked about was saved")]
    template_changes: Annotated[
        TemplateChanges | None,
        Meta(description="What the version asked about changed against its parent, as above"),
    ]
    labels: LabelNames
    moved_on: Annotated[
        list[MovedOn],
        Meta(description="Labels that pointed at this version and have moved on (at most 5)"),
    ]


class Diff(Struct):
    """A unified diff from `against` (null: an empty text) to `id`."""

    id: PromptId
    against: PromptId | None
    diff: str
    added: int
    removed: int
    minimal: Annotated[
        bool,
        Meta(
            description="False when the texts differ almost everywhere: the changed middle "
            "is then shown as one replacement (correct, not the smallest diff)"
        ),
    ]
    truncated: Annotated[
        bool,
        Meta(
            description=f"The diff stops, at the end of a line, at {MAX_DIFF_LINES:,} lines "
            f"or {MAX_DIFF_BYTES // 1024} KiB: `added` and `removed` still count all of it"
        ),
    ]
    template_changes: TemplateChanges


class Listing(Struct):
    """A page of versions, newest first; `?cursor=` with `next_cursor` fetches the next page."""

    prompts: list[PromptSummary]
    next_cursor: NextCursor


class Children(Struct):
    """The direct descendants of a version, oldest first."""

    id: PromptId
    children: list[PromptSummary]


class Stats(Struct):
    """The prompt count and the database's size."""

    count: int
    path: str
    db_bytes: int
    wal_bytes: int
    total_bytes: int


class Health(Struct):
    """The database answered a real query."""

    status: Literal["ok"]


class Error(Struct):
    """Every error: a title, and a description a person can act on."""

    title: str
    description: str


class SaveError(Error):
    """An error of a save: also as `error`, one sentence the struckdown playground shows."""

    error: Annotated[str, Meta(description="What happened and what to do, for a person")]


REQUESTS = (SaveRequest, PlaygroundSaveRequest)
RESPONSES = (
    Saved,
    PlaygroundSaved,
    Prompt,
    History,
    Diff,
    Listing,
    Children,
    Stats,
    Health,
    Error,
    SaveError,
)
