"""`export` and `import`: every prompt as JSON Lines, parents before children."""

from __future__ import annotations

import itertools
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import IO

import click

from api.store import Store, StoreError, fsync

from .common import pass_store, progress
from .import_lines import records, validate

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
        total = validate(store, source)
        source.seek(0)
        written = present = labelled = 0
        lines = records(store, source)
        with progress(total, "Importing") as bar:
            while batch := list(itertools.islice(lines, BATCH)):
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
