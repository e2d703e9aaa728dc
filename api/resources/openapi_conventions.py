"""What every operation of the OpenAPI document shares, added to the table in one pass.

`openapi.py` writes each operation's own answers with `op()`; this adds what holds
across routes, so that a client generator sees it: an `operationId` and a tag for each
operation (the names generated functions get), the 400 that any unknown query parameter
gets, the 304 of every answer with an ETag, the response headers clients act on
(X-Request-ID, Location, ETag, Cache-Control, Retry-After), and an example for each
request body.
"""

from __future__ import annotations

import copy

REF = "#/components/schemas/{name}"
ID = {"name": "prompt_id", "in": "path", "required": True, "schema": {"type": "string"}}
TEXT = {"text/plain": {"schema": {"type": "string"}}}
OBJECT = {"application/json": {"schema": {"type": "object"}}}


def content(schema: str) -> dict:
    return {"application/json": {"schema": {"$ref": REF.format(name=schema)}}}


def query(name: str, maximum: int | None = None, **more) -> dict:
    schema = (
        {"type": "integer", "minimum": 1, "maximum": maximum} if maximum else {"type": "string"}
    )
    return {"name": name, "in": "query", "required": False, "schema": schema, **more}


# Every list pages the same way (api/http/cursors.py).
CURSOR = query(
    "cursor",
    description="The `next_cursor` of the page before, to continue the list; opaque",
)


def op(
    summary: str, responses: dict, params=(ID,), body: str | None = None, error="Error", **more
) -> dict:
    """One operation. A response is "description" (an `error` body), (description, schema
    name), (description, content) or (description, None) for no body."""
    answers = {}
    for status, answer in responses.items():
        description, body_of = (answer, error) if isinstance(answer, str) else answer
        answers[status] = {"description": description}
        if body_of is not None:
            answers[status]["content"] = content(body_of) if isinstance(body_of, str) else body_of
    operation = {"summary": summary, "parameters": list(params), "responses": answers, **more}
    if body:
        operation["requestBody"] = {"required": True, "content": content(body)}
    return operation


# (path, method) -> (operationId, tag)
OPERATIONS = {
    ("/api/prompts", "post"): ("save_prompt", "prompts"),
    ("/api/prompts", "get"): ("list_prompts", "operators"),
    ("/api/save-prompt", "post"): ("save_playground_prompt", "playground"),
    ("/api/prompts/{prompt_id}", "get"): ("get_prompt", "prompts"),
    ("/api/prompts/{prompt_id}", "delete"): ("delete_prompt", "prompts"),
    ("/api/prompts/{prompt_id}/raw", "get"): ("get_prompt_text", "prompts"),
    ("/api/prompts/{prompt_id}/history", "get"): ("get_history", "prompts"),
    ("/api/prompts/{prompt_id}/diff", "get"): ("get_diff", "prompts"),
    ("/api/prompts/{prompt_id}/children", "get"): ("get_children", "operators"),
    ("/api/prompts/{prompt_id}/labels", "get"): ("get_prompt_labels", "labels"),
    ("/api/labels", "post"): ("create_label", "labels"),
    ("/api/labels/{name}", "get"): ("get_label", "labels"),
    ("/api/labels/{name}", "put"): ("move_label", "labels"),
    ("/api/labels/{name}", "delete"): ("delete_label", "labels"),
    ("/api/labels/{name}/raw", "get"): ("get_label_text", "labels"),
    ("/api/labels/{name}/moves", "get"): ("get_label_moves", "labels"),
    ("/api/stats", "get"): ("get_stats", "operators"),
    ("/healthz", "get"): ("get_health", "operators"),
    ("/api/openapi.json", "get"): ("get_openapi", "operators"),
    ("/metrics", "get"): ("get_metrics", "operators"),
}
TAGS = [
    {"name": "prompts", "description": "Versions of prompt text, read by id (a capability)"},
    {"name": "labels", "description": "Stable names an application fetches; moved by owners"},
    {"name": "playground", "description": "The struckdown playground's own save route"},
    {"name": "operators", "description": "Health, metrics and the admin-only listings"},
]
EXAMPLES = {
    "SaveRequest": {"text": "Summarise {{ document }} in [[summary]]", "parent_id": None},
    "PlaygroundSaveRequest": {"syntax": "Summarise {{ document }} in [[summary]]"},
    "CreateLabel": {"name": "summariser/production", "id": "3f6c1a2e-9b7d-4c1e-8f2a-5d0b7e4a9c31"},
    "MoveLabel": {"id": "3f6c1a2e-9b7d-4c1e-8f2a-5d0b7e4a9c31", "force": False, "note": "v2"},
}
# The answers with an ETag: If-None-Match with it answers 304.
VALIDATED = {
    ("/api/prompts/{prompt_id}", "get"),
    ("/api/prompts/{prompt_id}/raw", "get"),
    ("/api/labels/{name}", "get"),
    ("/api/labels/{name}/raw", "get"),
}
UNKNOWN_QUERY = "a query parameter this route does not take (named in the description)"


IF_NONE_MATCH = {
    "name": "If-None-Match",
    "in": "header",
    "required": False,
    "schema": {"type": "string"},
}


def _header(description: str) -> dict:
    return {"description": description, "schema": {"type": "string"}}


REQUEST_ID = {"X-Request-ID": _header("This request's id, for logs and support")}
VALIDATORS = {
    "ETag": _header("The answer's validator: send it back in If-None-Match"),
    "Cache-Control": _header("How long the answer may be kept; always private"),
}
HEADERS_BY_STATUS = {
    "201": {"Location": _header("The new resource's path")},
    "304": {"ETag": VALIDATORS["ETag"]},
    "429": {"Retry-After": _header("Seconds to wait before trying again")},
    "503": {"Retry-After": _header("Seconds to wait before trying again")},
}


def apply(paths: dict) -> dict:
    """Return a copy of `paths` with what every operation shares added to each."""
    paths = copy.deepcopy(paths)
    missing = [
        f"{method.upper()} {path}"
        for path, methods in paths.items()
        for method in methods
        if (path, method) not in OPERATIONS
    ]
    assert not missing, f"operations without an operationId: {missing}"
    for path, methods in paths.items():
        for method, operation in methods.items():
            _shared(path, method, operation)
    return paths


def _shared(path: str, method: str, operation: dict) -> None:
    operation["operationId"], tag = OPERATIONS[(path, method)]
    operation["tags"] = [tag]
    responses = operation["responses"]
    if "400" in responses:
        described = responses["400"]["description"]
        responses["400"]["description"] = f"{described}; or {UNKNOWN_QUERY}"
    else:
        responses["400"] = {
            "description": UNKNOWN_QUERY.capitalize(),
            "content": content("Error"),
        }
    etag = (path, method) in VALIDATED
    if etag:
        responses["304"] = {"description": "Unchanged: the copy named by If-None-Match is current"}
    for status, answer in responses.items():
        headers = dict(REQUEST_ID)
        headers |= HEADERS_BY_STATUS.get(status, {})
        if etag and status == "200":
            headers |= VALIDATORS
        answer["headers"] = headers
    if etag and not any(p.get("name") == "If-None-Match" for p in operation["parameters"]):
        operation["parameters"].append(IF_NONE_MATCH)
    body = operation.get("requestBody")
    if body:
        media = body["content"]["application/json"]
        name = media["schema"]["$ref"].rsplit("/", 1)[-1]
        media["example"] = EXAMPLES[name]
