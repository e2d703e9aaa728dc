"""Backup files on the data volume: their names, and writing them so no crash leaves half a file."""

from __future__ import annotations

import contextlib
import fcntl
import glob
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from api.store.errors import StoreError

# .db[.gz]: SQLite's backup API; .dump: pg_dump's custom format, on PostgreSQL.
BACKUP_NAME = re.compile(r"^(prompts|pre-restore)-(\d{8}T\d{6}Z)\.(db(\.gz)?|dump)$")
STAMP = "%Y%m%dT%H%M%SZ"
# What partial_file makes (a locked hidden file), and its companions: files written
# beside it under its name, e.g. SQLite's journal or Litestream's output.
PARTIAL_NAME = re.compile(r"^\.(prompts|pre-restore|replica|restore)-[^/]*\.partial$")
COMPANION_NAME = re.compile(r"^(\.(prompts|pre-restore|replica|restore)-[^/]*\.partial)-.+$")


def list_backups(
    directory: Path, prefix: str = "prompts", kinds: tuple[str, ...] | None = None
) -> list[Path]:
    """List the backups with this prefix in a directory, newest first (names sort by time).

    `kinds` keeps only those extensions (a backend's KINDS: a SQLite copy is no backup
    of a PostgreSQL store, nor a dump of a SQLite one); None keeps all.
    """
    if not directory.is_dir():
        return []
    found = [
        path
        for path in directory.iterdir()
        if (match := BACKUP_NAME.match(path.name))
        and match[1] == prefix
        and (kinds is None or match[3] in kinds)
        and path.is_file()
    ]
    return sorted(found, key=lambda path: path.name, reverse=True)


def backup_time(path: Path) -> datetime:
    """Return the time in a backup's name."""
    return datetime.strptime(BACKUP_NAME.match(path.name)[2], STAMP).replace(tzinfo=UTC)


def new_backup_path(directory: Path, prefix: str, suffix: str) -> Path:
    """Return DIRECTORY/PREFIX-<UTC time>SUFFIX, creating DIRECTORY; refuse a name in use."""
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    final = directory / f"{prefix}-{datetime.now(UTC).strftime(STAMP)}{suffix}"
    if final.exists():
        raise StoreError(f"{final} already exists; wait a second and run it again.")
    return final


@contextmanager
def partial_file(final: Path, tag: str = "") -> Iterator[Path]:
    """A private hidden file beside `final`, locked while the block runs, removed however
    it ends.

    The lock (flock) tells a live partial from one a killed process left behind:
    stale_partials() finds those, and every backup removes them first. Files named
    `<partial>-<anything>` beside it (companion()) go with it.
    """
    partial = final.with_name(f".{final.name}{tag}.partial")
    fd = create_private(partial)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield partial
    finally:
        _remove(partial)
        os.close(fd)


def companion(partial: Path, tag: str) -> Path:
    """A file beside a partial that lives and dies with it (its lock covers it)."""
    return partial.with_name(f"{partial.name}-{tag}")


def stale_partials(directory: Path) -> list[Path]:
    """The partial files in `directory` that no live process holds, with their companions."""
    if not directory.is_dir():
        return []
    names = {path.name: path for path in directory.iterdir()}
    stale = [path for name, path in names.items() if PARTIAL_NAME.match(name) and _unlocked(path)]
    stale_names = {path.name for path in stale}
    for name, path in names.items():
        match = COMPANION_NAME.match(name)
        if match and (match[1] in stale_names or match[1] not in names):
            stale.append(path)
    return sorted(stale)


def remove_stale_partials(directory: Path) -> list[Path]:
    """Remove what killed backups and restores left in `directory`; return what went."""
    removed = []
    for path in stale_partials(directory):
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
            removed.append(path)
    return removed


def _unlocked(path: Path) -> bool:
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(fd)  # closing drops the shared lock too
    return True


def _remove(partial: Path) -> None:
    partial.unlink(missing_ok=True)
    for path in partial.parent.glob(f"{glob.escape(partial.name)}-*"):
        path.unlink(missing_ok=True)


def publish(partial: Path, final: Path) -> None:
    """Flush a finished file, then give it its real name with one rename that survives a crash."""
    fsync(partial)
    os.replace(partial, final)
    fsync(final.parent)


def fsync(path: Path) -> None:
    """Flush a file, or a directory entry, to the disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def create_private(path: Path) -> int:
    """Create an empty file only its owner can read, fail if it exists; return its fd."""
    return os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
