"""`export` and `import`: every prompt as JSON Lines, parents before children."""

from __future__ import annotations

import itertools
import json
import os
import re
import shutil
import sys
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

import click

from api.store import (
    Store,
    StoreError,
    encode_text,
    fsync,
    validate_label_name,
    validate_legacy_id,
    validate_prompt_id,
)

from .common import pass_store, progress

FIELDS = {"id", "parent_id", "text", "created_at", "removed_at", "legacy_ids"}
LABEL_FIELDS = {"label", "id", "created_at", "moved_at", "token_hash", "moves"}
MOVE_FIELDS = {"id", "previous_id", "moved_at", "forced", "note"}
TOKEN_HASH = re.compile(r"[0-9a-f]{64}")
SHOWN = 20  # bad lines listed before giving up
BATCH = 1000  # lines imported per write transaction


@click.command()
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to this file (complete or not at all) instead of standard output. "
    "Example: -o prompts.jsonl",
)
@pass_store
def export(store: Store, output: Path | None) -> None:
    """Write every prompt as JSON Lines: id, parent_id, created_at, text; parents first.

    Removed prompts are exported as tombstones (text "", removed_at set), with
    any old flat-file ids in legacy_ids. Labels follow the prompts, one line each
    with its moves and its token's hash (so its owner's token keeps working where
    the file is imported). `import` reads the file back.

    Example: prompt-store export -o prompts.jsonl
    """
    total = store.prompts.count()
    if output is None:
        written = _write(store, sys.stdout, total)
    else:
        partial = output.with_name(f".{output.name}.partial")
        try:
            with open(partial, "w", encoding="utf-8") as out:
                written = _write(store, out, total)
            fsync(partial)
            os.replace(partial, output)
        finally:
            partial.unlink(missing_ok=True)
        click.echo(f"Exported {written} prompts to {output}.", err=True)
    if written != total:
        raise click.ClickException(
            f"{total - written} prompts are not reachable from a root and were left out; "
            "run `prompt-store check`."
        )


def _write(store: Store, out: IO[str], total: int) -> int:
    written = 0
    with progress(total, "Exporting") as bar:
        for record in store.maintenance.export():
            out.write(json.dumps(record._asdict(), ensure_ascii=False) + "\n")
            written += 1
            bar.update(1)
    for record in store.labels.records.export():
        out.write(json.dumps(record, ensure_ascii=False) + "\n")
    out.flush()
    return written


@click.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, allow_dash=True))
@pass_store(creates=True)
def import_(store: Store, file: str) -> None:
    """Import JSON Lines written by `export`; ids, parents and created_at are kept.

    Every line is checked before anything is written; a bad line (bad id,
    missing parent, bad text or time) is reported by its number. Importing the
    same file twice changes nothing. FILE may be - for standard input.

    Example: prompt-store import prompts.jsonl
    """
    with _seekable(file) as source:
        total = _validate(store, source)
        source.seek(0)
        written = present = labelled = 0
        records = _records(store, source)
        with progress(total, "Importing") as bar:
            while batch := list(itertools.islice(records, BATCH)):
                try:
                    with store.transaction():  # one commit per batch, not per line
                        counts = _import(store, batch)
                except StoreError:
                    # The batch was rolled back: import its lines one by one up to the
                    # bad one, so that what is said to be imported really is.
                    counts = _import_until_bad(store, batch, written)
                written, present = written + counts[0], present + counts[1]
                labelled += counts[2]
                bar.update(counts[0] + counts[1])
    labels = f" and {labelled} label(s)" if labelled else ""
    click.echo(f"Imported {written} prompts{labels} ({present} already present).")


def _import(store: Store, batch: list[tuple[int, dict]]) -> tuple[int, int, int]:
    """Store a batch of records; return (prompts written, already present, labels)."""
    written = present = labelled = 0
    for _, record in batch:
        if "label" in record:
            labelled += store.labels.records.store(record)
        elif _store(store, record):
            written += 1
        else:
            present += 1
    return written, present, labelled


def _import_until_bad(store: Store, batch: list[tuple[int, dict]], written: int):
    """Import a failed batch a line at a time; raise naming the bad line."""
    for number, record in batch:
        try:
            with store.transaction():
                done = _import(store, [(number, record)])
        except StoreError as error:
            raise click.ClickException(
                f"line {number}: {error}. {written} prompts were imported before it; "
                "fix the line and run the import again (it is idempotent)."
            ) from None
        written += done[0]
    raise AssertionError("a batch failed, but none of its lines alone")  # pragma: no cover


def _seekable(file: str):
    """Open FILE for two passes; standard input is spooled to a temporary file first."""
    if file != "-":
        return open(file, "rb")
    spool = tempfile.TemporaryFile()
    shutil.copyfileobj(sys.stdin.buffer, spool)
    spool.seek(0)
    return spool


def _records(store: Store, source: IO[bytes]) -> Iterator[tuple[int, dict]]:
    for number, line in enumerate(source, 1):
        if line.strip():
            yield number, _parse(line, store.config.max_bytes)


def _validate(store: Store, source: IO[bytes]) -> int:
    """Check every line, parents included; raise listing the bad ones; return the count."""
    seen: dict[str, int] = {}
    errors: list[str] = []
    for number, line in enumerate(source, 1):
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


def _store(store: Store, record: dict) -> bool:
    if record["removed_at"] is None:
        created = store.prompts.store(
            record["id"], record["text"], record["parent_id"], record["created_at"]
        )
    else:
        created = store.prompts.store_tombstone(
            record["id"], record["parent_id"], record["created_at"], record["removed_at"]
        )
    for legacy_id in record["legacy_ids"]:
        store.legacy.add(legacy_id, record["id"])
    return created
