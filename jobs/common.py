"""Small helpers the commands share: output, progress, files and backup names."""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import click

from api import store

# .db[.gz]: SQLite's backup API; .dump: pg_dump's custom format, on PostgreSQL.
BACKUP_NAME = re.compile(r"^(prompts|pre-restore)-(\d{8}T\d{6}Z)\.(db(\.gz)?|dump)$")
STAMP = "%Y%m%dT%H%M%SZ"


def echo_json(data) -> None:
    """Print one line of JSON with sorted keys: stable output for scripts."""
    click.echo(json.dumps(data, sort_keys=True, ensure_ascii=False))


def size(count: int | None) -> str:
    """Format a byte count for people: 512 B, 3.4 KiB, 1.2 MiB."""
    value = float(count or 0)
    if value < 1024:
        return f"{value:.0f} B"
    for unit in ("KiB", "MiB", "GiB"):
        value /= 1024
        if value < 1024 or unit == "GiB":
            break
    return f"{value:.1f} {unit}"


class _Quiet:
    def update(self, steps: int, current_item=None) -> None:
        pass


@contextmanager
def progress(length: int, label: str) -> Iterator:
    """A progress bar on an interactive terminal; nothing at all when output is piped."""
    if sys.stderr.isatty():
        with click.progressbar(length=length, label=label, file=sys.stderr) as bar:
            yield bar
    else:
        yield _Quiet()


def default_backup_dir() -> Path:
    """Return `backups/` beside the database: on the same mounted volume.

    On PostgreSQL that is beside where the SQLite file would be (the volume that
    held it on dokku), as the database server has no directory of ours.
    """
    if store.is_postgres():
        return store.config().db_path.parent / "backups"
    return store.database_path().parent / "backups"


def backups(directory: Path, prefix: str = "prompts") -> list[Path]:
    """List the backups with this prefix in a directory, newest first (names sort by time)."""
    if not directory.is_dir():
        return []
    found = [
        path
        for path in directory.iterdir()
        if (match := BACKUP_NAME.match(path.name)) and match[1] == prefix and path.is_file()
    ]
    return sorted(found, key=lambda path: path.name, reverse=True)


def backup_time(path: Path) -> datetime:
    """Return the time in a backup's name."""
    return datetime.strptime(BACKUP_NAME.match(path.name)[2], STAMP).replace(tzinfo=UTC)


def fsync(path: Path) -> None:
    """Flush a file, or a directory entry, to the disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def create_private(path: Path) -> None:
    """Create an empty file only its owner can read; fail if it exists."""
    os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
