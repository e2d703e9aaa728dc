"""Reading request bodies: strict JSON into the declared shapes, prompt text and nothing else."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import TypeVar

import falcon
import msgspec

from . import store

# JSON may spell one byte of text as six (\u0001), so the body limit is looser
# than the text limit; the exact text limit is applied after decoding.
_JSON_EXPANSION = 6
_ENVELOPE_BYTES = 16 * 1024
_NAMED = 5  # unknown fields named in a refusal; the rest are counted
# A high surrogate escape with no low one after it, or a low one with no high one before.
_LONE_SURROGATE = re.compile(
    rb"\\u[dD][89abAB][0-9a-fA-F]{2}(?!\\u[dD][c-fC-F])"
    rb"|(?<!\\u[dD][89abAB][0-9a-fA-F]{2})\\u[dD][c-fC-F]"
)

Body = TypeVar("Body", bound=msgspec.Struct)
log = logging.getLogger("prompt_store")


def kib(size: int) -> str:
    """Format a byte count as KiB for people."""
    return f"{size / 1024:g} KiB"


def decode(
    req: falcon.Request,
    shape: type[Body],
    max_text_bytes: int,
    refuse: Callable[[bytes, type[msgspec.Struct]], falcon.HTTPError] | None = None,
) -> Body:
    """Return the request body decoded into `shape`, or answer why it cannot be.

    `refuse` says why for bodies other than a save's (a label's).
    """
    body = _read(req, max_text_bytes)
    try:
        return msgspec.json.decode(body, type=shape)
    except (msgspec.DecodeError, UnicodeDecodeError, RecursionError):  # incl. ValidationError
        raise (refuse or _refusal)(body, shape) from None


def _read(req: falcon.Request, max_text_bytes: int) -> bytes:
    media_type = (req.content_type or "").split(";", 1)[0].strip().lower()
    if media_type != "application/json":
        raise falcon.HTTPUnsupportedMediaType(
            title="Unsupported media type",
            description="Send the prompt as JSON with 'Content-Type: application/json'. "
            "Nothing was stored.",
        )
    limit = max_text_bytes * _JSON_EXPANSION + _ENVELOPE_BYTES
    too_large = falcon.HTTPContentTooLarge(
        title="Prompt too large",
        description=f"The prompt is over the limit of {kib(max_text_bytes)} of UTF-8 text. "
        "Nothing was stored.",
    )
    if req.content_length is not None and req.content_length > limit:
        raise too_large  # refused before reading any of it
    # Without a Content-Length (chunked transfer) the server's stream ends the body.
    stream = req.stream if req.content_length is None else req.bounded_stream
    try:
        body = stream.read(limit + 1)
    except Exception as error:  # the server's parser refused it: a bad chunk size, a cut body
        # Its kind only: the parser's message quotes the bytes it choked on, prompt text.
        log.warning(
            "unreadable body on %s %s: %s", req.method, req.uri_template, type(error).__name__
        )
        raise falcon.HTTPBadRequest(
            title="Malformed body",
            description="The request body could not be read (a malformed chunked encoding, "
            "or a body shorter than its Content-Length). Nothing was stored.",
        ) from None
    if len(body) > limit:
        raise too_large
    return body


def _refusal(body: bytes, shape: type[msgspec.Struct]) -> falcon.HTTPError:
    """Say precisely what is wrong with a body that did not decode into `shape`."""
    try:
        data = msgspec.json.decode(body)
    except RecursionError:
        return falcon.HTTPBadRequest(
            title="JSON nested too deep",
            description="The body nests arrays or objects deeper than this server reads. "
            "Send the prompt text as a string. Nothing was stored.",
        )
    except UnicodeDecodeError:
        return falcon.HTTPBadRequest(
            title="Malformed JSON", description="The body is not valid UTF-8. Nothing was stored."
        )
    except msgspec.DecodeError as error:
        why = (
            "it escapes half of a surrogate pair, such as \\ud800, which is no character"
            if _LONE_SURROGATE.search(body)
            else str(error).removeprefix("JSON is malformed: ").lower()
        )
        return falcon.HTTPBadRequest(
            title="Malformed JSON",
            description=f"The body is not valid JSON: {why}. Nothing was stored.",
        )
    if not isinstance(data, dict):
        return falcon.HTTPBadRequest(
            title="Malformed request", description="The body must be a JSON object."
        )
    fields = shape.__struct_fields__
    text_fields = [f for f in fields if f != "parent_id"]
    unknown = sorted(set(data) - set(fields))
    if unknown:
        named = ", ".join(unknown[:_NAMED])
        more = f" and {len(unknown) - _NAMED} more" if len(unknown) > _NAMED else ""
        return falcon.HTTPBadRequest(
            title="Unknown fields",
            description=f"Unknown field(s): {named}{more}. Only prompt text is stored, "
            "never the inputs or outputs of running it: send "
            f"{' or '.join(repr(f) for f in text_fields)} and optionally 'parent_id'.",
        )
    try:
        msgspec.convert(data, shape)
    except msgspec.ValidationError as error:
        return _invalid_field(str(error), text_fields)
    return falcon.HTTPBadRequest(title="Invalid request", description="The body was not accepted.")


def _invalid_field(message: str, text_fields: list[str]) -> falcon.HTTPError:
    if message.startswith("Object missing required field"):
        return falcon.HTTPBadRequest(
            title="Missing text", description=f"The field {text_fields[0]!r} is required."
        )
    for name in text_fields:
        if message.endswith(f"`$.{name}`"):
            return falcon.HTTPBadRequest(
                title="Invalid text", description=f"{name!r} must be a string."
            )
    if message.endswith("`$.parent_id`"):
        return invalid_id("parent_id")
    return falcon.HTTPBadRequest(title="Invalid request", description=message)


def invalid_id(name: str) -> falcon.HTTPError:
    """The answer to an id parameter that is not a UUID."""
    return falcon.HTTPBadRequest(
        title=f"Invalid {name}", description=f"{name!r} must be a prompt id (a UUID)."
    )


def parse_id(value: str, name: str) -> str:
    """Return a canonical prompt id from a request parameter, or answer 400."""
    try:
        return store.validate_prompt_id(value)
    except store.InvalidPromptId:
        raise invalid_id(name) from None
