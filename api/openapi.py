"""The OpenAPI 3.1 document served at /api/openapi.json.

Component schemas come from the bodies the API decodes and encodes (api/bodies.py);
only the table of operations is written here.
"""

from __future__ import annotations

import msgspec

from . import bodies
from .diffs import MAX_DIFF_BYTES, MAX_DIFF_LINES

REF = "#/components/schemas/{name}"
ID = {"name": "prompt_id", "in": "path", "required": True, "schema": {"type": "string"}}
TOKEN = {"name": "X-Delete-Token", "in": "header", "required": True, "schema": {"type": "string"}}
TEXT = {"text/plain": {"schema": {"type": "string"}}}
OBJECT = {"application/json": {"schema": {"type": "object"}}}


def _content(schema: str) -> dict:
    return {"application/json": {"schema": {"$ref": REF.format(name=schema)}}}


def _query(name: str, maximum: int | None = None) -> dict:
    schema = (
        {"type": "integer", "minimum": 1, "maximum": maximum} if maximum else {"type": "string"}
    )
    return {"name": name, "in": "query", "required": False, "schema": schema}


def op(
    summary: str, responses: dict, params=(ID,), body: str | None = None, error="Error", **more
) -> dict:
    """One operation. A response is "description" (an `error` body), (description, schema
    name), (description, content) or (description, None) for no body."""
    answers = {}
    for status, answer in responses.items():
        description, content = (answer, error) if isinstance(answer, str) else answer
        answers[status] = {"description": description}
        if content is not None:
            answers[status]["content"] = _content(content) if isinstance(content, str) else content
    operation = {"summary": summary, "parameters": list(params), "responses": answers, **more}
    if body:
        operation["requestBody"] = {"required": True, "content": _content(body)}
    return operation


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


def _save(summary: str, request: str, response: str) -> dict:
    saved = {"201": ("Saved as a new version", response), "200": ("Already stored", response)}
    return op(summary, {**saved, **SAVE_ERRORS}, params=(), body=request, error="SaveError")


PATHS = {
    "/api/prompts": {
        "post": _save("Save a prompt version", "SaveRequest", "Saved"),
        "get": op(
            "List prompts newest first (admin)",
            {"200": ("A page of prompts", "Listing"), "400": "Bad limit or cursor", **ADMIN},
            params=(_query("limit", 1000), _query("cursor")),
            **AS_ADMIN,
        ),
    },
    "/api/save-prompt": {
        "post": _save(
            "Save as the struckdown playground does", "PlaygroundSaveRequest", "PlaygroundSaved"
        ),
    },
    "/api/prompts/{prompt_id}": {
        "get": op("Load a version", {"200": ("The version", "Prompt"), **GONE}),
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
            {"200": ("Ancestors", "History"), **NOT_FOUND, "400": "Bad limit"},
            params=(ID, _query("limit", 1000)),
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
            params=(ID, _query("against")),
        ),
    },
    "/api/prompts/{prompt_id}/children": {
        "get": op(
            "Direct descendants (admin)", {"200": ("Children", "Children"), **ADMIN}, **AS_ADMIN
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
        bodies.REQUESTS + bodies.RESPONSES, ref_template=REF
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
        "paths": PATHS,
        "components": {
            "securitySchemes": {"adminToken": {"type": "http", "scheme": "bearer"}},
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
