"""The OpenAPI 3.1 document served at /api/openapi.json.

Component schemas come from the bodies the API decodes and encodes (api/http/bodies.py);
only the table of operations is written here, and what every operation shares is added
to it by `openapi_conventions.py`.
"""

from __future__ import annotations

import msgspec

from api.http import bodies, label_bodies
from api.resources import openapi_conventions as conventions
from api.resources.openapi_conventions import CURSOR, ID, OBJECT, REF, TEXT, op, query
from api.text.diffs import MAX_DIFF_BYTES, MAX_DIFF_LINES

TOKEN = {"name": "X-Delete-Token", "in": "header", "required": True, "schema": {"type": "string"}}
NAME = {
    "name": "name",
    "in": "path",
    "required": True,
    "description": "The label's name; its slashes stay slashes in the path",
    "schema": {"type": "string"},
}
LABEL_TOKEN = {"labelToken": []}
IF_MATCH = {
    "name": "If-Match",
    "in": "header",
    "required": False,
    "description": "The label's ETag: the change is refused (412) if the label moved since",
    "schema": {"type": "string"},
}


NOT_FOUND = {"404": "No prompt has this id"}
GONE = {**NOT_FOUND, "410": "The prompt was removed by request"}
ADMIN = {"401": "Missing or wrong admin token", "404": "No admin token set, or no such prompt"}
AS_ADMIN = {"security": [{"adminToken": []}]}
SAVE_ERRORS = {
    "400": "Malformed JSON, unknown fields (only prompt text is stored) or bad parent_id",
    "413": "The text is over STRUCKDOWN_PROMPT_MAX_BYTES",
    "415": "The body is not application/json",
    "422": "Empty text, a NUL character, or an unknown parent_id",
    "429": "Too many saves from this client; see Retry-After",
    "503": "The database is unavailable",
    "507": "The server is out of storage",
}


LABEL_CACHING = (
    "Cache-Control: private, max-age=STRUCKDOWN_LABEL_MAX_AGE (60 s), stale-if-error=86400, "
    "with an ETag that changes whenever the label moves; If-None-Match answers 304."
)
LABEL_GONE = {
    "404": "No label has this name",
    "410": "The label's version was removed; the label stays, for its owner to move",
    "400": "The name breaks the naming rule",
}
LABEL_WRITE = {
    "401": "No label token (Authorization: Bearer <label_token>)",
    "403": "Wrong label token",
    "404": "No label has this name",
    "400": "A bad name, malformed JSON, unknown fields or a malformed id",
    "412": "If-Match is not the label's current ETag: it moved",
    "415": "The body is not application/json",
}


def _save(summary: str, request: str, response: str) -> dict:
    saved = {"201": ("Saved as a new version", response), "200": ("Already stored", response)}
    return op(summary, {**saved, **SAVE_ERRORS}, params=(), body=request, error="SaveError")


PATHS = {
    "/api/prompts": {
        "post": _save("Save a prompt version", "SaveRequest", "Saved"),
        "get": op(
            "List prompts newest first (admin)",
            {"200": ("A page of prompts", "Listing"), "400": "Bad limit or cursor", **ADMIN},
            params=(query("limit", 1000), CURSOR),
            **AS_ADMIN,
        ),
    },
    "/api/save-prompt": {
        "post": _save(
            "Save as the struckdown playground does", "PlaygroundSaveRequest", "PlaygroundSaved"
        ),
    },
    "/api/prompts/{prompt_id}": {
        "get": op(
            "Load a version",
            {"200": ("The version", "Prompt"), **GONE},
            params=(ID,),
            description="A version never changes: Cache-Control: private, max-age=3600, "
            "immutable. The Link header (rel=labels) names the labels that point at it now.",
        ),
        "delete": op(
            "Delete a version you created: its text is purged, a tombstone stays",
            {
                "204": ("Removed", None),
                "403": "Missing or wrong delete token",
                **GONE,
                "429": "Too many saves or deletes from this client; see Retry-After",
                "503": "The database is unavailable, or old copies are not yet scrubbed",
            },
            params=(ID, TOKEN),
            description="Send the delete_token its save returned. The text leaves the database "
            "files; the prompt then answers 410. Counts against the save rate limit.",
        ),
    },
    "/api/prompts/{prompt_id}/raw": {
        "get": op("The exact text", {"200": ("Its bytes", TEXT), **GONE})
    },
    "/api/prompts/{prompt_id}/history": {
        "get": op(
            "Ancestors, nearest first: at most `limit`, and at most 1 MiB a page",
            {"200": ("Ancestors", "History"), **NOT_FOUND, "400": "Bad limit or cursor"},
            params=(ID, query("limit", 1000), CURSOR),
        ),
    },
    "/api/prompts/{prompt_id}/diff": {
        "get": op(
            "Unified diff from another version (default: the parent), cut at "
            f"{MAX_DIFF_LINES:,} lines or {MAX_DIFF_BYTES // 1024} KiB (`truncated`)",
            {
                "200": ("The diff", "Diff"),
                **GONE,
                "400": "'against' is not a UUID",
                "422": "'against' names no prompt",
            },
            params=(ID, query("against")),
        ),
    },
    "/api/prompts/{prompt_id}/children": {
        "get": op(
            "Direct descendants (admin)", {"200": ("Children", "Children"), **ADMIN}, **AS_ADMIN
        ),
    },
    "/api/prompts/{prompt_id}/labels": {
        "get": op(
            "The labels that point at this version now",
            {"200": ("Their names", "VersionLabels"), **NOT_FOUND},
        ),
    },
    "/api/labels": {
        "post": op(
            "Create a label pointing at a version",
            {
                "201": ("Created; label_token is shown this once", "LabelCreated"),
                "400": "A bad name, malformed JSON, unknown fields or a malformed id",
                "409": "A label has this name already",
                "415": "The body is not application/json",
                "422": "The id names no version, or a removed one",
                "429": "Too many saves from this client; see Retry-After",
            },
            params=(),
            body="CreateLabel",
            description="Anyone who knows a label's name can read what it points at. "
            "Counts against the save rate limit.",
        ),
    },
    "/api/labels/{name}": {
        "get": op(
            "A label with the version it points at",
            {
                "200": ("The label and its version", "LabelState"),
                **LABEL_GONE,
            },
            params=(NAME,),
            description=LABEL_CACHING,
        ),
        "put": op(
            "Move a label to another version (needs its token)",
            {
                "200": ("Moved; the ETag header is the label's new one", "LabelMovedTo"),
                **LABEL_WRITE,
                "409": ("The move would break an app of the current version", "MoveRefused"),
                "422": "The id names no version, or a removed one",
            },
            params=(NAME, IF_MATCH),
            body="MoveLabel",
            security=[LABEL_TOKEN],
            description="Refused (409) when the new version needs a variable the current one "
            "did not, or lacks one of its slots, or when either interface was truncated by the "
            "reader's caps; `force: true` moves it anyway, recorded as forced.",
        ),
        "delete": op(
            "Delete a label and its moves (needs its token)",
            {"204": ("Deleted; the name is free", None), **LABEL_WRITE},
            params=(NAME, IF_MATCH),
            security=[LABEL_TOKEN],
        ),
    },
    "/api/labels/{name}/raw": {
        "get": op(
            "The exact text of the label's version",
            {"200": ("Its bytes", TEXT), **LABEL_GONE},
            params=(NAME,),
            description=LABEL_CACHING,
        ),
    },
    "/api/labels/{name}/moves": {
        "get": op(
            "The label's moves, newest first; its creation is the oldest",
            {
                "200": ("Moves", "LabelMoves"),
                "404": "No label has this name",
                "400": "A bad name, limit or cursor",
            },
            params=(
                NAME,
                query("limit", 1000),
                CURSOR,
                query(
                    "before",
                    2**63 - 1,
                    deprecated=True,
                    description="The first release's way to continue: a revision; use `cursor`",
                ),
            ),
        ),
    },
    "/api/stats": {
        "get": op("Counts and sizes (admin)", {"200": ("Stats", "Stats"), **ADMIN}, (), **AS_ADMIN),
    },
    "/healthz": {
        "get": op("Health check", {"200": ("Healthy", "Health"), "503": "Unhealthy"}, ()),
    },
    "/api/openapi.json": {"get": op("This document", {"200": ("OpenAPI 3.1", OBJECT)}, ())},
    "/metrics": {
        "get": op(
            "Prometheus metrics (admin)", {"200": ("Text format", TEXT), **ADMIN}, (), **AS_ADMIN
        )
    },
}


def document() -> dict:
    """Build the whole OpenAPI document."""
    _, schemas = msgspec.json.schema_components(
        bodies.REQUESTS + bodies.RESPONSES + label_bodies.REQUESTS + label_bodies.RESPONSES,
        ref_template=REF,
    )
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "prompt-store",
            "version": "1.0.0",
            "description": "A home for prompt text with version lineage. Only prompt text is "
            "stored, never the inputs or outputs of running a prompt. An id is a capability: "
            "public routes never enumerate prompts.",
        },
        "tags": conventions.TAGS,
        "paths": conventions.apply(PATHS),
        "components": {
            "securitySchemes": {
                "adminToken": {"type": "http", "scheme": "bearer"},
                "labelToken": {"type": "http", "scheme": "bearer"},
            },
            "schemas": schemas,
        },
    }


DOCUMENT = document()


class OpenAPI:
    """GET the OpenAPI document."""

    query_params = frozenset()

    def __init__(self):
        self.body = msgspec.json.encode(DOCUMENT)

    def on_get(self, req, resp):
        resp.content_type = "application/json"
        resp.data = self.body

    on_head = on_get
