"""The lines `import` reads: each parsed and validated before anything is written."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import IO

import click

from api.store import (
    Store,
    StoreError,
    encode_text,
    validate_label_name,
    validate_legacy_id,
    validate_prompt_id,
)

FIELDS = {"id", "parent_id", "text", "created_at", "removed_at", "legacy_ids"}
LABEL_FIELDS = {"label", "id", "created_at", "moved_at", "token_hash", "moves"}
MOVE_FIELDS = {"id", "previous_id", "moved_at", "forced", "note"}
TOKEN_HASH = re.compile(r"[0-9a-f]{64}")
SHOWN = 20  # bad lines listed before giving up


def records(store: Store, source: IO[bytes]) -> Iterator[tuple[int, dict]]:
    for number, line in enumerate(source, 1):
        if line.strip():
            yield number, _parse(line, store.config.max_bytes)


def validate(store: Store, source: IO[bytes], advance: Callable[[int], object]) -> int:
    """Check every line, parents included; raise listing the bad ones; return the count.

    `advance` is told the bytes read, line by line (a progress bar). The ids seen are
    held to check parents and repeats: the one part of an import that grows with the file
    (about 150 bytes a line).
    """
    seen: dict[str, int] = {}
    errors: list[str] = []
    for number, line in enumerate(source, 1):
        advance(len(line))
        if not line.strip():
            continue
        try:
            record = _parse(line, store.config.max_bytes)
            if "label" in record:
                _check_label(store, record, seen)
                continue
            parent = record["parent_id"]
            if record["id"] in seen:
                raise ValueError(f"the id {record['id']} is also on line {seen[record['id']]}")
            if parent is not None and parent not in seen and not store.prompts.exists(parent):
                raise ValueError(f"parent_id {parent} is neither on an earlier line nor stored")
            seen[record["id"]] = number
        except (ValueError, StoreError) as error:
            errors.append(f"line {number}: {error}")
            if len(errors) == SHOWN:
                break
    if errors:
        raise click.ClickException("nothing was imported:\n" + "\n".join(errors))
    return len(seen)


def _parse(line: bytes, max_bytes: int) -> dict:
    """Return one validated record, or raise ValueError saying what is wrong with it."""
    try:
        record = json.loads(line)
    except ValueError as error:
        raise ValueError(f"not JSON ({error})") from None
    if not isinstance(record, dict):
        raise ValueError("not a JSON object")
    if "label" in record:
        return _parse_label(record)
    if unknown := set(record) - FIELDS:
        raise ValueError(f"unknown fields {sorted(unknown)}: only prompt text is stored")
    if "id" not in record or "text" not in record:
        raise ValueError("an id and a text are required")
    parent = record.get("parent_id")
    removed = record.get("removed_at")
    legacy = record.get("legacy_ids") or []
    if not isinstance(legacy, list):
        raise ValueError("legacy_ids must be a list")
    parsed = {
        "id": validate_prompt_id(record["id"]),
        "parent_id": None if parent is None else validate_prompt_id(parent),
        "text": record["text"],
        "created_at": _timestamp(record.get("created_at"), "created_at"),
        "removed_at": None if removed is None else _timestamp(removed, "removed_at"),
        "legacy_ids": [validate_legacy_id(i) for i in legacy],
    }
    if removed is None:
        encode_text(parsed["text"], max_bytes)
    elif parsed["text"] != "":
        raise ValueError("a removed prompt (removed_at set) must have the text ''")
    return parsed


def _parse_label(record: dict) -> dict:
    """Return one validated label record (export's shape), or raise ValueError."""
    if unknown := set(record) - LABEL_FIELDS:
        raise ValueError(f"unknown label fields {sorted(unknown)}")
    if set(record) != LABEL_FIELDS:
        raise ValueError(f"a label needs {sorted(LABEL_FIELDS)}")
    moves = record["moves"]
    if not isinstance(moves, list) or not moves or not all(isinstance(m, dict) for m in moves):
        raise ValueError("a label's moves must be a list of objects, its creation first")
    if not isinstance(record["token_hash"], str) or not TOKEN_HASH.fullmatch(record["token_hash"]):
        raise ValueError("token_hash must be the sha256 of a label token, in hex")
    parsed_moves = []
    for move in moves:
        if set(move) != MOVE_FIELDS:
            raise ValueError(f"each move needs exactly {sorted(MOVE_FIELDS)}")
        note = move["note"]
        if note is not None and (not isinstance(note, str) or len(note) > 200):
            raise ValueError("a move's note is at most 200 characters")
        parsed_moves.append(
            {
                "id": validate_prompt_id(move["id"]),
                "previous_id": None
                if move["previous_id"] is None
                else validate_prompt_id(move["previous_id"]),
                "moved_at": _timestamp(move["moved_at"], "moved_at"),
                "forced": bool(move["forced"]),
                "note": note,
            }
        )
    if parsed_moves[0]["previous_id"] is not None or parsed_moves[-1]["id"] != record["id"]:
        raise ValueError("a label's moves must start at its creation and end where it points")
    return {
        "label": validate_label_name(record["label"]),
        "id": validate_prompt_id(record["id"]),
        "created_at": _timestamp(record["created_at"], "created_at"),
        "moved_at": _timestamp(record["moved_at"], "moved_at"),
        "token_hash": record["token_hash"],
        "moves": parsed_moves,
    }


def _check_label(store: Store, record: dict, seen: dict[str, int]) -> None:
    """A label's versions are on an earlier line or stored already."""
    for move in record["moves"]:
        for prompt_id in (move["id"], move["previous_id"]):
            if (
                prompt_id is not None
                and prompt_id not in seen
                and not store.prompts.exists(prompt_id)
            ):
                raise ValueError(f"label {record['label']}: {prompt_id} is not a stored prompt")


def _timestamp(value, name: str) -> str:
    """Return an ISO 8601 time in the store's fixed-width UTC form."""
    try:
        moment = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be an ISO 8601 time, not {value!r}") from None
    if moment.tzinfo is None:
        raise ValueError(f"{name} {value!r} has no UTC offset")
    return moment.astimezone(UTC).isoformat(timespec="microseconds")
