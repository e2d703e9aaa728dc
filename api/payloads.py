"""Reading save requests: strict JSON, prompt text and nothing else."""

from __future__ import annotations

from dataclasses import dataclass

import falcon
import msgspec

from . import store

# JSON may spell one byte of text as six (\u0001), so the body limit is looser
# than the text limit; the exact text limit is applied after decoding.
_JSON_EXPANSION = 6
_ENVELOPE_BYTES = 16 * 1024


@dataclass(frozen=True)
class SaveRequest:
    text: str
    parent_id: str | None


def kib(size: int) -> str:
    """Format a byte count as KiB for people."""
    return f"{size / 1024:g} KiB"


def read_json_object(req: falcon.Request, max_text_bytes: int) -> dict:
    """Return the request body as a JSON object, refusing anything else."""
    media_type = (req.content_type or "").split(";", 1)[0].strip().lower()
    if media_type != "application/json":
        raise falcon.HTTPUnsupportedMediaType(
            title="Unsupported media type",
            description="Send the prompt as JSON with 'Content-Type: application/json'.",
        )
    limit = max_text_bytes * _JSON_EXPANSION + _ENVELOPE_BYTES
    too_large = falcon.HTTPContentTooLarge(
        title="Prompt too large",
        description=f"The prompt is over the limit of {kib(max_text_bytes)} of UTF-8 text.",
    )
    if req.content_length is not None and req.content_length > limit:
        raise too_large  # refused before reading any of it
    # Without a Content-Length (chunked transfer) the server's stream ends the body.
    stream = req.stream if req.content_length is None else req.bounded_stream
    body = stream.read(limit + 1)
    if len(body) > limit:
        raise too_large
    try:
        data = msgspec.json.decode(body)
    except (msgspec.DecodeError, UnicodeDecodeError):
        raise falcon.HTTPBadRequest(
            title="Malformed JSON",
            description="The body is not valid JSON in UTF-8 (unpaired surrogate "
            "escapes such as \\ud800 are not valid either).",
        ) from None
    if not isinstance(data, dict):
        raise falcon.HTTPBadRequest(
            title="Malformed request", description="The body must be a JSON object."
        )
    return data


def parse_save(data: dict, text_fields: tuple[str, ...] = ("text",)) -> SaveRequest:
    """Validate a save request: the text (under one of `text_fields`) and parent_id."""
    allowed = {*text_fields, "parent_id"}
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise falcon.HTTPBadRequest(
            title="Unknown fields",
            description=f"Unknown field(s): {', '.join(unknown)}. Only prompt text is "
            "stored, never the inputs or outputs of running it: send "
            f"{' or '.join(repr(f) for f in text_fields)} and optionally 'parent_id'.",
        )
    given = [f for f in text_fields if f in data]
    if not given:
        raise falcon.HTTPBadRequest(
            title="Missing text", description=f"The field {text_fields[0]!r} is required."
        )
    if len(given) > 1:
        raise falcon.HTTPBadRequest(
            title="Ambiguous text", description=f"Send only one of {', '.join(given)}."
        )
    text = data[given[0]]
    if not isinstance(text, str):
        raise falcon.HTTPBadRequest(
            title="Invalid text", description=f"{given[0]!r} must be a string."
        )
    return SaveRequest(text, parse_id(data.get("parent_id"), "parent_id", optional=True))


def parse_id(value, name: str, *, optional: bool = False) -> str | None:
    """Return a canonical prompt id from request data, or answer 400."""
    if value is None and optional:
        return None
    try:
        return store.validate_prompt_id(value)
    except store.InvalidPromptId:
        raise falcon.HTTPBadRequest(
            title=f"Invalid {name}", description=f"{name!r} must be a prompt id (a UUID)."
        ) from None
