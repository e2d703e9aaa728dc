"""SQLite's backups: verified online copies of the file, and putting one back.

Whole-file work uses plain sqlite3 connections to the files, beside the store's own.
"""

from __future__ import annotations

import contextlib
import errno
import gzip
import os
import shutil
import sqlite3
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import NamedTuple

import peewee

from api.store.backup_files import (
    new_backup_path,
    partial_file,
    publish,
    remove_stale_partials,
)
from api.store.connection import Database
from api.store.errors import NotAPromptDatabase, StoreError
from api.store.maintenance import check_database
from api.store.schema import SCHEMA_VERSION
from api.store.takedown import make_tombstone

PAGES_PER_STEP = 1024  # progress on big files; one snapshot throughout
CHUNK = 1 << 20
NO_ROOM = (errno.ENOSPC, errno.EFBIG, errno.EDQUOT)  # a full disk, a file-size limit
Progress = Callable[[int, int], None]


class Restore(NamedTuple):
    """What a restore found in the backup, and what it did."""

    found: dict  # the backup's schema_version, prompts and newest save
    live_prompts: int  # prompts in the live database before
    safety_copy: Path | None  # the live database as it was, when restored
    purged_again: list[str]  # tombstones of the live database re-applied to the backup


class SqliteBackups:
    """Backups of a SQLite store: `prompts-<time>.db[.gz]` files on the data volume."""

    KINDS = ("db", "db.gz")  # the extensions of this backend's backups, for list_backups

    def __init__(self, database: Database, path: Path):
        self.database, self.path = database, path

    def write(
        self,
        directory: Path,
        compress: bool = False,
        prefix: str = "prompts",
        progress: Progress | None = None,
    ) -> tuple[Path, int]:
        """Write a verified backup as DIRECTORY/PREFIX-<UTC time>.db[.gz]; return (path, prompts).

        Everything is written under a hidden, locked temporary name, flushed to disk and
        checked before one rename gives it its real name: a crash never leaves a
        half-written file under a backup's name, and the next backup removes what a
        killed one left. The rename happens under the write gate, after the live
        tombstones are applied to the copy once more: a takedown made while the copy
        was written is not published in it. Any failure is one sentence (StoreError).
        """
        final = new_backup_path(directory, prefix, ".db.gz" if compress else ".db")
        remove_stale_partials(directory)
        with _one_sentence(f"the backup could not be written to {directory}", "no backup was made"):
            return self._write(final, compress, progress)

    def _write(self, final: Path, compress: bool, progress: Progress | None) -> tuple[Path, int]:
        gate = self.database.dialect.write_gate
        with partial_file(final) as copy:
            count = self.copy_to(copy, progress)
            if not compress:
                with gate():
                    self._apply_tombstones(copy)
                    publish(copy, final)
                return final, count
            with partial_file(final, ".gz") as packed:
                self._apply_tombstones(copy)
                _pack(copy, packed, final.stem)
                with gate():
                    if self._apply_tombstones(copy):  # a takedown landed while packing
                        _pack(copy, packed, final.stem)
                    publish(packed, final)
        return final, count

    def copy_to(
        self, path: Path, progress: Progress | None = None, pages: int = PAGES_PER_STEP
    ) -> int:
        """Copy one consistent snapshot of the live database into `path`; return its prompts."""
        self.database.ready()
        source = sqlite3.connect(self.path, timeout=10, isolation_level=None)
        target = sqlite3.connect(path, isolation_level=None)
        try:
            # One read transaction for every step: each sees the same snapshot, and
            # writers carry on in the WAL instead of restarting the copy.
            source.execute("BEGIN")
            (count,) = source.execute("SELECT COUNT(*) FROM prompts").fetchone()
            source.backup(
                target,
                pages=pages,
                progress=lambda _, left, total: progress and progress(total - left, total),
            )
            source.execute("COMMIT")
            target.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
            verify(target)
        finally:
            source.close()
            target.close()
        return count

    def restore(self, source: Path, apply: bool, safety_dir: Path) -> Restore:
        """Verify a backup (.db or .db.gz) and, with `apply`, restore it into the live database.

        The backup is unpacked, migrated and checked in a private copy first: the live
        database is untouched unless the copy opens as SQLite, passes integrity_check,
        has this app's schema and passes every check `prompt-store check` runs (each
        text's sha256, each stored template). Then, holding the write gate (writers
        are refused with a 503 meanwhile), a safety copy of the live database goes to
        `safety_dir`, the live tombstones are applied to the copy and SQLite's backup
        API writes it over the live database: every save acknowledged before is in the
        safety copy, every save after lands in the restored database, and no takedown
        is undone. Running web workers keep their connections and see the new rows.
        """
        safety_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        untouched = "the live database is untouched"
        with partial_file(safety_dir / f"restore-{os.getpid()}") as work:
            _unpack(source, work)
            try:
                with _one_sentence(f"{source} could not be prepared in {safety_dir}", untouched):
                    found = self._prepare_copy(work)
            except NotAPromptDatabase as error:
                raise NotAPromptDatabase(
                    f"{source} cannot be restored: {error}. The live database is untouched."
                ) from None
            (live,) = self.database.one("SELECT COUNT(*) FROM prompts")
            if not apply:
                return Restore(found, live, None, [])
            with self.database.dialect.restore_gate():
                final = new_backup_path(safety_dir, "pre-restore", ".db")
                with _one_sentence(f"the safety copy could not be written to {final}", untouched):
                    safety, _ = self._write(final, False, None)
                    purged = self._apply_tombstones(work)
                with _one_sentence(
                    f"{source} could not be written into {self.path}",
                    f"the live database is as it was, and {safety} holds it too",
                ):
                    copy = sqlite3.connect(work, isolation_level=None)
                    try:
                        copy.backup(self.database.ready().connection())
                    finally:
                        copy.close()
            return Restore(found, live, safety, purged)

    def _prepare_copy(self, path: Path) -> dict:
        """Verify a backup's copy, give it the live page size and this release's schema, and
        run `check`'s checks on it; return what verify() found."""
        found = verify_file(path)
        (page_size,) = self.database.one("PRAGMA page_size")
        copy = sqlite3.connect(path, isolation_level=None)
        try:
            (copy_page_size,) = copy.execute("PRAGMA page_size").fetchone()
            if copy_page_size != page_size:
                # A WAL database only accepts pages of its own size.
                copy.execute("PRAGMA journal_mode = DELETE")  # so VACUUM may change it
                copy.execute(f"PRAGMA page_size = {int(page_size)}")
                copy.execute("VACUUM")
        finally:
            copy.close()
        # The same migration and the same checks as the live database's, on the copy.
        database = Database(self.database.dialect.on_file(path))
        try:
            problems = [line for found in check_database(database).values() for line in found]
        finally:
            database.close()
        if problems:
            raise NotAPromptDatabase(
                f"it fails the checks `prompt-store check` runs ({len(problems)} problem(s); "
                f"the first: {problems[0]})"
            )
        return found

    def _apply_tombstones(self, path: Path) -> list[str]:
        """Remove from a copy the text of every version the live database has purged;
        return the ids it still held. Freed content is zeroed (secure_delete)."""
        tombstones = self.database.execute(
            "SELECT removed_at, id, parent_id, created_at FROM prompts WHERE removed_at IS NOT NULL"
        ).fetchall()
        copy = sqlite3.connect(path, isolation_level=None)
        try:
            copy.execute("PRAGMA secure_delete = ON")
            copy.execute("BEGIN IMMEDIATE")
            purged = [row[1] for row in tombstones if make_tombstone(copy.execute, row[1:], row[0])]
            copy.execute("COMMIT")
        finally:
            copy.close()
        return purged


def verify_file(path: Path) -> dict:
    """Check a file is a healthy prompt-store database; return its version and counts."""
    _check_length(path)
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        return verify(connection)
    finally:
        connection.close()


def verify(connection: sqlite3.Connection) -> dict:
    """Check an open SQLite database is a healthy prompt store; return its version and counts."""
    try:
        integrity = [message for (message,) in connection.execute("PRAGMA integrity_check")]
        tables = {name for (name,) in connection.execute("SELECT name FROM sqlite_master")}
    except sqlite3.DatabaseError as error:
        raise NotAPromptDatabase(f"it cannot be read as SQLite ({error})") from None
    if integrity != ["ok"]:
        raise NotAPromptDatabase(f"its integrity check failed: {'; '.join(integrity[:3])}")
    if not {"prompts", "schema_migrations"} <= tables:
        raise NotAPromptDatabase("it has no prompt-store schema (no prompts table)")
    (version,) = connection.execute("SELECT MAX(version) FROM schema_migrations").fetchone()
    if not version or version > SCHEMA_VERSION:
        raise NotAPromptDatabase(
            f"its schema version is {version}; this release reads 1 to {SCHEMA_VERSION}"
        )
    count, newest = connection.execute("SELECT COUNT(*), MAX(created_at) FROM prompts").fetchone()
    return {"schema_version": version, "prompts": count, "newest": newest}


@contextlib.contextmanager
def _one_sentence(failed: str, outcome: str) -> Iterator[None]:
    """Turn a file or database error into one StoreError sentence: what failed, why, and
    what state that leaves."""
    try:
        yield
    except (OSError, sqlite3.Error, peewee.PeeweeException) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else error
        raise StoreError(f"{failed}: {reason}; {outcome}.") from None


def _check_length(path: Path) -> None:
    """Refuse a file shorter than its header says (SQLite reads the missing end as zeros)."""
    with open(path, "rb") as file:
        header = file.read(100)
    if len(header) < 100 or not header.startswith(b"SQLite format 3\0"):
        return  # verify() says it is not SQLite
    page_size = int.from_bytes(header[16:18]) or 1
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(header[28:32])
    counted = header[24:28] == header[92:96]  # the page count is valid only then
    expected, size = pages * page_size, path.stat().st_size
    if counted and size < expected and not Path(f"{path}-wal").exists():
        raise NotAPromptDatabase(f"it is cut short: {size} bytes, where its header says {expected}")


def _pack(path: Path, packed: Path, name: str) -> None:
    """Write `path` gzip-compressed into `packed`, naming the file inside `name`."""
    with open(path, "rb") as source, open(packed, "wb") as raw:
        with gzip.GzipFile(filename=name, mode="wb", fileobj=raw, mtime=0) as out:
            shutil.copyfileobj(source, out, CHUNK)


def _unpack(source: Path, work: Path) -> None:
    """Copy a backup, decompressing a .gz, to a working file we may change."""
    try:
        with open(source, "rb") as raw, open(work, "wb") as out:
            reader = gzip.GzipFile(fileobj=raw) if source.suffix == ".gz" else raw
            shutil.copyfileobj(reader, out, CHUNK)
    except (OSError, EOFError, zlib.error) as error:
        if getattr(error, "errno", None) in NO_ROOM:  # writing the copy, not reading the backup
            raise StoreError(
                f"{source} could not be unpacked in {work.parent}: {error.strerror}; "
                "the live database is untouched."
            ) from None
        raise NotAPromptDatabase(
            f"{source} cannot be read: {error}. The live database is untouched."
        ) from None
