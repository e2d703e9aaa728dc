"""SQLite's backups: verified online copies of the file, and putting one back.

Whole-file work uses plain sqlite3 connections to the files, beside the store's own.
"""

from __future__ import annotations

import gzip
import os
import shutil
import sqlite3
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

from api.store.backup_files import new_backup_path, partial_file, publish
from api.store.connection import Database
from api.store.errors import NotAPromptDatabase
from api.store.schema import SCHEMA_VERSION, apply_migrations
from api.store.takedown import TOMBSTONE

PAGES_PER_STEP = 1024  # progress on big files; one snapshot throughout
CHUNK = 1 << 20
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

        Everything is written under a hidden temporary name, flushed to disk and
        checked before one rename gives it its real name: a crash never leaves a
        half-written file under a backup's name.
        """
        final = new_backup_path(directory, prefix, ".db.gz" if compress else ".db")
        with partial_file(final) as copy:
            count = self.copy_to(copy, progress)
            if not compress:
                publish(copy, final)
                return final, count
            with partial_file(final, ".gz") as packed:
                with open(copy, "rb") as source, open(packed, "wb") as raw:
                    with gzip.GzipFile(filename=final.stem, mode="wb", fileobj=raw, mtime=0) as out:
                        shutil.copyfileobj(source, out, CHUNK)
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

        The live database is untouched unless the backup opens as SQLite, passes
        integrity_check and has this app's schema; a safety copy of the live
        database is written to `safety_dir` first. Running web workers keep serving.
        """
        safety_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        with partial_file(safety_dir / f".restore-{os.getpid()}") as work:
            _unpack(source, work)
            try:
                found = verify_file(work)
            except NotAPromptDatabase as error:
                raise NotAPromptDatabase(
                    f"{source} cannot be restored: {error}. The live database is untouched."
                ) from None
            (live,) = self.database.one("SELECT COUNT(*) FROM prompts")
            if not apply:
                return Restore(found, live, None, [])
            safety, _ = self.write(safety_dir, prefix="pre-restore")
            return Restore(found, live, safety, self._restore_from(work))

    def _restore_from(self, path: Path) -> list[str]:
        # The copy gets this release's schema and the live tombstones first, so a
        # takedown survives a restore. The backup API then writes it through the live
        # database's own locks and WAL: web workers keep their connections and see
        # the restored rows on their next query.
        tombstones = self.database.execute(
            "SELECT removed_at, id FROM prompts WHERE removed_at IS NOT NULL"
        ).fetchall()
        live = self.database.ready().connection()
        copy = sqlite3.connect(path, isolation_level=None)
        try:
            found = verify(copy)["schema_version"]
            copy.execute("PRAGMA journal_mode = DELETE")  # so VACUUM below may change page_size
            copy.execute("BEGIN IMMEDIATE")
            apply_migrations(copy.execute, found, self.database.dialect.prepare)
            purged = [i for r, i in tombstones if copy.execute(TOMBSTONE, (r, i)).rowcount]
            copy.execute("COMMIT")
            (page_size,) = live.execute("PRAGMA page_size").fetchone()
            (copy_page_size,) = copy.execute("PRAGMA page_size").fetchone()
            if purged or copy_page_size != page_size:
                # A WAL database only accepts pages of its own size; VACUUM also drops
                # the purged text from the copy's free pages.
                copy.execute(f"PRAGMA page_size = {int(page_size)}")
                copy.execute("VACUUM")
            copy.backup(live)
        finally:
            copy.close()
        return purged


def verify_file(path: Path) -> dict:
    """Check a file is a healthy prompt-store database; return its version and counts."""
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


def _unpack(source: Path, work: Path) -> None:
    """Copy a backup, decompressing a .gz, to a working file we may change."""
    try:
        with open(source, "rb") as raw, open(work, "wb") as out:
            reader = gzip.GzipFile(fileobj=raw) if source.suffix == ".gz" else raw
            shutil.copyfileobj(reader, out, CHUNK)
    except (OSError, EOFError, zlib.error) as error:
        raise NotAPromptDatabase(
            f"{source} cannot be read: {error}. The live database is untouched."
        ) from None
