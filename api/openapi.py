"""The OpenAPI 3.1 description of every route, served at /api/openapi.json."""

from __future__ import annotations

UUID = {"type": "string", "format": "uuid"}
ID_PARAM = {"name": "prompt_id", "in": "path", "required": True, "schema": {"type": "string"}}
ERROR = {
    "type": "object",
    "required": ["title", "description"],
    "properties": {"title": {"type": "string"}, "description": {"type": "string"}},
}


def _error(description: str) -> dict:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


def _json(description: str, schema_name: str) -> dict:
    return {
        "description": description,
        "content": {
            "application/json": {"schema": {"$ref": f"#/components/schemas/{schema_name}"}}
        },
    }


_SAVE_ERRORS = {
    "400": _error("Malformed JSON, unknown fields (only prompt text is stored) or bad parent_id"),
    "413": _error("The text is over STRUCKDOWN_PROMPT_MAX_BYTES"),
    "415": _error("The body is not application/json"),
    "422": _error("Empty text, a NUL character, or an unknown parent_id"),
    "429": _error("Too many saves from this client; see Retry-After"),
    "503": _error("The database is unavailable"),
    "507": _error("The server is out of storage"),
}
_READ_ERRORS = {"404": _error("No prompt has this id")}
_GONE_ERRORS = {**_READ_ERRORS, "410": _error("The prompt was removed by request")}
_ADMIN_ERRORS = {
    "401": _error("Missing or wrong admin token"),
    "404": _error("No admin token configured, or no such prompt"),
}
_ADMIN = [{"adminToken": []}]
_DELETE = {
    "summary": "Delete a version you created: its text is purged, a tombstone stays",
    "description": "Send the delete_token its save returned. The text and its sha256 "
    "leave the database files; the prompt then answers 410, and its descendants keep "
    "their own text and still list it in their history. Counts against the save rate limit.",
    "parameters": [
        ID_PARAM,
        {
            "name": "X-Delete-Token",
            "in": "header",
            "required": True,
            "description": "The delete_token returned by the save that created the prompt",
            "schema": {"type": "string"},
        },
    ],
    "responses": {
        "204": {"description": "Removed"},
        "403": _error("Missing or wrong delete token"),
        **_GONE_ERRORS,
        "429": _error("Too many saves or deletes from this client; see Retry-After"),
        "503": _error("The database is unavailable, or old copies are not yet scrubbed"),
    },
}


def _save(summary: str, body: str, response: str) -> dict:
    return {
        "summary": summary,
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{body}"}}},
        },
        "responses": {
            "201": _json("Saved as a new version", response),
            "200": _json("Already stored: the existing version", response),
            **_SAVE_ERRORS,
        },
    }


def _get(summary: str, ok: dict, *, query: list | None = None, errors=None) -> dict:
    return {
        "summary": summary,
        "parameters": [ID_PARAM, *(query or [])],
        "responses": {"200": ok, **(errors or _READ_ERRORS)},
    }


def _int_query(name: str, maximum: int) -> dict:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "schema": {"type": "integer", "minimum": 1, "maximum": maximum},
    }


PROMPT_SUMMARY = {
    "type": "object",
    "required": ["id", "parent_id", "created_at", "sha256", "summary"],
    "properties": {
        "id": UUID,
        "parent_id": {"type": ["string", "null"]},
        "created_at": {"type": "string"},
        "sha256": {"type": ["string", "null"]},
        "summary": {"type": "string"},
        "removed": {"type": "boolean", "description": "A tombstone: its text was removed"},
        "url": {"type": "string"},
    },
}
SAVED = {
    "type": "object",
    "required": ["id", "parent_id", "created_at", "sha256", "url"],
    "properties": {
        "id": UUID,
        "parent_id": {"type": ["string", "null"]},
        "created_at": {"type": "string", "format": "date-time"},
        "sha256": {"type": "string"},
        "url": {"type": "string"},
        "delete_token": {
            "type": "string",
            "description": "Only when this save created the prompt (201): send it as "
            "X-Delete-Token to delete it. Shown once; only its hash is stored.",
        },
    },
}
NAMES = {"type": "array", "items": {"type": "string"}}

DOCUMENT = {
    "openapi": "3.1.0",
    "info": {
        "title": "prompt-store",
        "version": "1.0.0",
        "description": "A home for prompt text with version lineage. Only prompt text is "
        "stored, never the inputs or outputs of running a prompt. An id is a capability: "
        "public routes never enumerate prompts.",
    },
    "paths": {
        "/api/prompts": {
            "post": _save("Save a prompt version", "SaveRequest", "Saved"),
            "get": {
                "summary": "List prompts newest first (admin)",
                "security": _ADMIN,
                "parameters": [
                    _int_query("limit", 1000),
                    {"name": "cursor", "in": "query", "schema": {"type": "string"}},
                ],
                "responses": {
                    "200": {
                        "description": "A page of prompts",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "required": ["prompts", "next_cursor"],
                                    "properties": {
                                        "prompts": {"type": "array", "items": PROMPT_SUMMARY},
                                        "next_cursor": {"type": ["string", "null"]},
                                    },
                                }
                            }
                        },
                    },
                    "400": _error("Bad limit or cursor"),
                    **_ADMIN_ERRORS,
                },
            },
        },
        "/api/save-prompt": {
            "post": _save(
                "Save a prompt (struckdown playground compatible)",
                "LegacySaveRequest",
                "LegacySaved",
            ),
        },
        "/api/prompts/{prompt_id}": {
            "get": _get("Load a version", _json("The version", "Prompt"), errors=_GONE_ERRORS),
            "delete": _DELETE,
        },
        "/api/prompts/{prompt_id}/raw": {
            "get": _get(
                "Load the exact text",
                {
                    "description": "The text, byte for byte",
                    "content": {"text/plain": {"schema": {"type": "string"}}},
                },
                errors=_GONE_ERRORS,
            ),
        },
        "/api/prompts/{prompt_id}/history": {
            "get": _get(
                "Ancestors, nearest first",
                _json("Ancestors", "History"),
                query=[_int_query("limit", 1000)],
                errors={**_READ_ERRORS, "400": _error("Bad limit")},
            ),
        },
        "/api/prompts/{prompt_id}/diff": {
            "get": _get(
                "Unified diff from another version (default: the parent)",
                _json("The diff", "Diff"),
                query=[{"name": "against", "in": "query", "schema": {"type": "string"}}],
                errors={
                    **_GONE_ERRORS,
                    "400": _error("'against' is not a UUID"),
                    "422": _error("'against' names no prompt"),
                },
            ),
        },
        "/api/prompts/{prompt_id}/children": {
            "get": {
                **_get(
                    "Direct descendants (admin)",
                    {
                        "description": "Children",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "required": ["id", "children"],
                                    "properties": {
                                        "id": UUID,
                                        "children": {"type": "array", "items": PROMPT_SUMMARY},
                                    },
                                }
                            }
                        },
                    },
                    errors=_ADMIN_ERRORS,
                ),
                "security": _ADMIN,
            },
        },
        "/api/stats": {
            "get": {
                "summary": "Counts and sizes (admin)",
                "security": _ADMIN,
                "responses": {
                    "200": {
                        "description": "Stats",
                        "content": {"application/json": {"schema": {"type": "object"}}},
                    },
                    **_ADMIN_ERRORS,
                },
            },
        },
        "/healthz": {
            "get": {
                "summary": "Health check after a real query",
                "responses": {
                    "200": {
                        "description": "Healthy",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "properties": {"status": {"const": "ok"}},
                                }
                            }
                        },
                    },
                    "503": _error("The database cannot answer"),
                },
            },
        },
        "/api/openapi.json": {
            "get": {
                "summary": "This document",
                "responses": {
                    "200": {
                        "description": "OpenAPI 3.1",
                        "content": {"application/json": {"schema": {"type": "object"}}},
                    }
                },
            },
        },
    },
    "components": {
        "securitySchemes": {"adminToken": {"type": "http", "scheme": "bearer"}},
        "schemas": {
            "Error": ERROR,
            "SaveRequest": {
                "type": "object",
                "additionalProperties": False,
                "required": ["text"],
                "properties": {
                    "text": {"type": "string", "minLength": 1},
                    "parent_id": {"type": ["string", "null"], "format": "uuid"},
                },
            },
            "LegacySaveRequest": {
                "type": "object",
                "additionalProperties": False,
                "required": ["syntax"],
                "properties": {
                    "syntax": {"type": "string", "minLength": 1},
                    "parent_id": {"type": ["string", "null"], "format": "uuid"},
                },
            },
            "Saved": SAVED,
            "LegacySaved": {
                **SAVED,
                "required": [*SAVED["required"], "prompt_id"],
                "properties": {**SAVED["properties"], "prompt_id": UUID},
            },
            "Prompt": {
                "type": "object",
                "required": ["id", "text", "parent_id", "created_at", "sha256", "template"],
                "properties": {
                    "id": UUID,
                    "text": {"type": "string"},
                    "parent_id": {"type": ["string", "null"]},
                    "created_at": {"type": "string", "format": "date-time"},
                    "sha256": {"type": "string"},
                    "template": {"$ref": "#/components/schemas/Template"},
                },
            },
            "Template": {
                "type": "object",
                "description": "Read from the text, never stored: the Jinja-style variables "
                "it needs and the struckdown slots it asks to fill, each sorted and unique",
                "required": ["variables", "slots"],
                "properties": {"variables": NAMES, "slots": NAMES},
            },
            "History": {
                "type": "object",
                "required": ["id", "ancestors", "limit", "next"],
                "properties": {
                    "id": UUID,
                    "ancestors": {"type": "array", "items": PROMPT_SUMMARY},
                    "limit": {"type": "integer"},
                    "next": {"type": ["string", "null"]},
                },
            },
            "Diff": {
                "type": "object",
                "required": ["id", "against", "diff", "added", "removed", "template_changes"],
                "properties": {
                    "id": UUID,
                    "against": {"type": ["string", "null"]},
                    "diff": {"type": "string"},
                    "added": {"type": "integer"},
                    "removed": {"type": "integer"},
                    "template_changes": {
                        "type": "object",
                        "required": [
                            "variables_added",
                            "variables_removed",
                            "slots_added",
                            "slots_removed",
                        ],
                        "properties": {
                            "variables_added": NAMES,
                            "variables_removed": NAMES,
                            "slots_added": NAMES,
                            "slots_removed": NAMES,
                        },
                    },
                },
            },
        },
    },
}


class OpenAPI:
    """GET the OpenAPI document."""

    query_params = frozenset()

    def on_get(self, req, resp):
        resp.media = DOCUMENT
