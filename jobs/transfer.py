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

from api.store import Imported, Store, StoreError, fsync

from .common import pass_store, progress
from .import_lines import records, validate
from .reading import TemplateReader, default_workers

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
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=None,
    help="Processes that read the texts' templates beside the writes (1: none, all in this "
    "one); by default the CPUs available, at most 4. Example: --workers 2",
)
@pass_store(creates=True)
def import_(store: Store, file: str, workers: int | None) -> None:
    """Import JSON Lines written by `export`; ids, parents and created_at are kept.

    Every line is checked before anything is written; a bad line (bad id,
    missing parent, bad text or time) is reported by its number. Importing the
    same file twice changes nothing. FILE may be - for standard input. Lines are
    written 1,000 to a transaction.

    Example: prompt-store import prompts.jsonl
    """
    with _seekable(file) as source:
        with progress(source.seek(0, os.SEEK_END), "Checking lines") as bar:
            source.seek(0)
            total = validate(store, source, bar.update)
        source.seek(0)
        written = present = labelled = 0
        lines = records(store, source)
        if workers is None:  # a small file is read faster than processes start
            workers = default_workers() if total > 2 * BATCH else 1
        with progress(total, "Importing") as bar, TemplateReader(workers) as reader:
            ahead = None
            while True:
                batch = list(itertools.islice(lines, BATCH))
                # The next batch's templates are read while this one is written.
                following = (batch, reader.submit([_text(r) for _, r in batch])) if batch else None
                if ahead is not None:
                    counts = _import_batch(store, *ahead, written)
                    written, present = written + counts[0], present + counts[1]
                    labelled += counts[2]
                    bar.update(counts[0] + counts[1])
                if following is None:
                    break
                ahead = following
    labels = f" and {labelled} label(s)" if labelled else ""
    click.echo(f"Imported {written} prompts{labels} ({present} already present).")


def _text(record: dict) -> str | None:
    """The text whose template an import stores (none for a label or a tombstone)."""
    if "label" in record or record["removed_at"] is not None:
        return None
    return record["text"]


def _import_batch(store: Store, batch, templates, written: int) -> tuple[int, int, int]:
    try:
        with store.transaction():  # one commit per batch, not per line
            return _import(store, batch, templates())
    except StoreError:
        # The batch was rolled back: import its lines one by one up to the bad one,
        # so that what is said to be imported really is.
        return _import_until_bad(store, batch, written)


def _import(
    store: Store, batch: list[tuple[int, dict]], templates: list | None = None
) -> tuple[int, int, int]:
    """Store a batch of records; return (prompts written, already present, labels).

    Prompts go in bulk (store.prompts.import_many), flushed before each label line,
    whose versions may be on the lines just before it.
    """
    written = present = labelled = 0
    rows: list[Imported] = []
    read: list = []

    def flush() -> None:
        nonlocal written, present
        done = store.prompts.import_many(rows, read if templates is not None else None)
        written, present = written + done[0], present + done[1]
        rows.clear()
        read.clear()

    for n, (_, record) in enumerate(batch):
        if "label" in record:
            flush()
            labelled += store.labels.records.store(record)
            continue
        rows.append(
            Imported(
                record["id"],
                record["parent_id"],
                record["text"],
                record["created_at"],
                record["removed_at"],
            )
        )
        read.append(None if templates is None else templates[n])
        if record["legacy_ids"]:
            flush()
            for legacy_id in record["legacy_ids"]:
                store.legacy.add(legacy_id, record["id"])
    flush()
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
