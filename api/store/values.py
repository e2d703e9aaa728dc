"""What the store accepts: ids, texts and timestamps, checked and in canonical form."""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import UTC, datetime
from typing import Any

from .errors import InvalidLabelName, InvalidPromptId, InvalidPromptText, PromptTooLarge

SUMMARY_CHARS = 120
UUID_PATTERN = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
LEGACY_PATTERN = re.compile(r"^[0-9a-f]{24}$")  # the flat-file store's content-hash names


def validate_prompt_id(prompt_id: Any) -> str:
    """Return the canonical (lowercase) form of a UUID id, or raise InvalidPromptId."""
    if isinstance(prompt_id, str) and len(prompt_id) == 36:
        canonical = prompt_id.lower()
        if UUID_PATTERN.match(canonical):
            return canonical
    raise InvalidPromptId(f"{prompt_id!r} is not a prompt id (a UUID)")


def optional_prompt_id(prompt_id: Any) -> str | None:
    """Return None for None, else validate_prompt_id(prompt_id)."""
    return None if prompt_id is None else validate_prompt_id(prompt_id)


def validate_legacy_id(legacy_id: Any) -> str:
    """Return the canonical form of an old flat-file id (24 hex or a UUID), or raise."""
    if isinstance(legacy_id, str) and LEGACY_PATTERN.match(legacy_id.lower()):
        return legacy_id.lower()
    try:
        return validate_prompt_id(legacy_id)
    except InvalidPromptId:
        raise InvalidPromptId(f"{legacy_id!r} is not a flat-file id (24 hex or a UUID)") from None


def encode_text(text: Any, limit: int) -> bytes:
    """Return the UTF-8 bytes of a storable text, or raise why it is not storable."""
    if not isinstance(text, str):
        raise InvalidPromptText("text must be a string")
    if not text.strip():
        raise InvalidPromptText("text is empty")
    if "\x00" in text:
        raise InvalidPromptText("text contains a NUL character (U+0000)")
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidPromptText("text contains an unpaired surrogate; send valid Unicode") from None
    if len(data) > limit:
        raise PromptTooLarge(len(data), limit)
    return data


def sha256_of(data: bytes) -> str:
    """Return the hex sha256 of stored bytes."""
    return hashlib.sha256(data).hexdigest()


def delete_token_hash(token: str) -> str:
    """Return what the database keeps of a delete or label token: its sha256, never the token."""
    # A token has 256 random bits: a plain hash is as good as a slow one.
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


token_hash = delete_token_hash  # label tokens are kept the same way


def tokens_match(stored_hash: str | None, token: str) -> bool:
    """Say, in constant time, whether `token` is the one whose hash was stored."""
    return stored_hash is not None and hmac.compare_digest(stored_hash, token_hash(token))


# Label names: a path of lowercase words. The last part of a name with a '/' may not be
# 'raw' or 'moves', which would read as the label's own sub-resources in its URL.
LABEL_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._/-]{0,99}$")
RESERVED_LAST_PARTS = ("raw", "moves")
NAME_RULE = (
    "A label name is 1-100 characters of a-z, 0-9, '.', '_', '-' and '/', starting with a "
    "letter or digit, with no '//', no '..' and no trailing '/' (e.g. 'summariser', "
    "'support-bot/production'); after a '/', its last part may not be 'raw' or 'moves'."
)


def validate_label_name(name: Any) -> str:
    """Return a label name that keeps the rule (NAME_RULE), or raise InvalidLabelName."""
    if (
        isinstance(name, str)
        and LABEL_PATTERN.match(name)
        and "//" not in name
        and ".." not in name
        and not name.endswith("/")
        and not ("/" in name and name.rsplit("/", 1)[1] in RESERVED_LAST_PARTS)
    ):
        return name
    raise InvalidLabelName(NAME_RULE)


def summarise(text: str) -> str:
    """Return the first non-blank line of a text, shortened for listings."""
    for line in text.splitlines():
        if line.strip():
            line = line.strip()
            return line if len(line) <= SUMMARY_CHARS else line[: SUMMARY_CHARS - 1] + "…"
    return ""


def now() -> str:
    """Return the time as stored: ISO 8601 UTC with a fixed width, so text order is time order."""
    return datetime.now(UTC).isoformat(timespec="microseconds")
