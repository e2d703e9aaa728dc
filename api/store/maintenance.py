"""The store's maintenance queries, for the operator's jobs (`prompt-store`); only the
takedown (purge) also serves a request, DELETE with a delete token. They are the store's
own functions: `from api import store` has them all.
Work on whole files (backup, verify, restore) uses plain sqlite3 connections to them.
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from peewee import DatabaseError

from . import (
    _GET,
    _GET_META,
    _ON_POSTGRES,
    _UUID,
    PRAGMAS,
    SCHEMA_VERSION,
    InvalidPromptId,
    NotAPromptDatabase,
    ParentNotFound,
    Prompt,
    PromptConflict,
    PromptNotFound,
    ScrubIncomplete,
    _apply_migrations,
    _ensure,
    _find_same,
    _now,
    _sql,
    _write_transaction,
    database,
    database_path,
    encode_text,
    get_cache_stats,
    is_postgres,
    prompt_exists,
    store_prompt,
    validate_prompt_id,
)

__all__ = [
    "add_legacy_id",
    "backup_to",
    "check_database",
    "count_prompts",
    "export_prompts",
    "get_stats",
    "import_legacy_prompt",
    "legacy_prompt_id",
    "purge_prompts",
    "removed_prompt_ids",
    "resolve_legacy_id",
    "restore_from",
    "store_tombstone",
    "validate_legacy_id",
    "verify_database",
]

_LEGACY_ID = re.compile(r"^[0-9a-f]{24}$")
_BACKUP_PAGES = 1024  # pages per backup step: progress on big files, one snapshot throughout
_TREE = """
WITH RECURSIVE tree (id, depth) AS (
    SELECT id, 1 FROM prompts WHERE parent_id IS NULL
    UNION ALL
    SELECT p.id, t.depth + 1 FROM prompts AS p JOIN tree AS t ON p.parent_id = t.id
)
"""
_STATS = """
SELECT COUNT(*), COUNT(removed_at),
       COALESCE(SUM(CASE WHEN parent_id IS NULL THEN 1 ELSE 0 END), 0),
       COALESCE(SUM(CASE WHEN created_at >= ? THEN 1 ELSE 0 END), 0),
       COALESCE(SUM(CASE WHEN created_at >= ? THEN 1 ELSE 0 END), 0),
       MIN(created_at), MAX(created_at)
FROM prompts
"""
_LARGEST = (
    "SELECT id, length(CAST(text AS BLOB)) AS size FROM prompts ORDER BY size DESC, id LIMIT 1"
)
_UNREACHABLE = _TREE + "SELECT id FROM prompts WHERE id NOT IN (SELECT id FROM tree) ORDER BY id"
_EXPORT = (
    _TREE
    + """
SELECT p.id, p.parent_id, p.created_at, p.text, p.removed_at,
       (SELECT json_group_array(legacy_id) FROM legacy_ids WHERE prompt_id = p.id)
FROM tree JOIN prompts AS p ON p.id = tree.id
ORDER BY tree.depth, p.created_at, p.id
"""
)
_TOMBSTONE = (
    "UPDATE prompts SET text = '', sha256 = NULL, removed_at = ?, delete_token_hash = NULL "
    "WHERE id = ? AND removed_at IS NULL"
)
_LEGACY = "SELECT prompt_id FROM legacy_ids WHERE legacy_id = ?"
_INTEGRITY = "PRAGMA integrity_check"
_FOREIGN_KEYS = "PRAGMA foreign_key_check"
_HASHED = "SELECT id, CAST(text AS BLOB), sha256, removed_at FROM prompts ORDER BY id"

# The statements PostgreSQL spells differently; _sql() picks them there.
_ON_POSTGRES.update(
    {
        _LARGEST: _LARGEST.replace("length(CAST(text AS BLOB))", "octet_length(text)"),
        _EXPORT: _EXPORT.replace(
            "json_group_array(legacy_id)",
            "COALESCE(json_agg(legacy_id ORDER BY legacy_id), '[]')::text",
        ),
        _HASHED: _HASHED.replace("CAST(text AS BLOB)", "convert_to(text, 'UTF8')"),
        # FOREIGN KEY constraints hold unless someone disabled triggers; check like SQLite does.
        _FOREIGN_KEYS: """
SELECT 'prompts', c.id, 'prompts', 0 FROM prompts AS c
WHERE c.parent_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM prompts AS p WHERE p.id = c.parent_id)
UNION ALL
SELECT 'legacy_ids', l.legacy_id, 'prompts', 0 FROM legacy_ids AS l
WHERE NOT EXISTS (SELECT 1 FROM prompts AS p WHERE p.id = l.prompt_id)
""",
    }
)
# amcheck, when installed, verifies every B-tree index of this schema's tables.
_POSTGRES_INDEXES = """
SELECT i.indexrelid::regclass::text FROM pg_index AS i
JOIN pg_class AS c ON c.oid = i.indexrelid JOIN pg_am AS a ON a.oid = c.relam
WHERE c.relnamespace = current_schema()::regnamespace AND a.amname = 'btree' ORDER BY 1
"""


def count_prompts() -> int:
    """Return the number of prompts, tombstones included."""
    _ensure()
    return Prompt.select().count()


def removed_prompt_ids() -> list[str]:
    """Return the ids of the purged prompts (tombstones), oldest removal first."""
    _ensure()
    rows = database.execute_sql(
        "SELECT id FROM prompts WHERE removed_at IS NOT NULL ORDER BY removed_at, id"
    )
    return [row[0] for row in rows]


def get_stats(now: datetime | None = None) -> dict:
    """Return counts, the deepest lineage, recent saves, extremes and sizes."""
    _ensure()
    now = now or datetime.now(UTC)
    day = (now - timedelta(days=1)).isoformat(timespec="microseconds")
    week = (now - timedelta(days=7)).isoformat(timespec="microseconds")
    execute = database.execute_sql
    total, removed, roots, last_day, last_week, oldest, newest = execute(
        _sql(_STATS), (day, week)
    ).fetchone()
    largest = execute(_sql(_LARGEST)).fetchone()
    return dict(
        get_cache_stats(),
        prompts=total,
        roots=roots,
        versions=total - roots,
        removed=removed,
        legacy_ids=execute("SELECT COUNT(*) FROM legacy_ids").fetchone()[0],
        deepest_lineage=execute(_TREE + "SELECT COALESCE(MAX(depth), 0) FROM tree").fetchone()[0],
        saves_24h=last_day,
        saves_7d=last_week,
        oldest=oldest,
        newest=newest,
        largest={"id": largest[0], "bytes": largest[1]} if largest else None,
    )


def check_database(progress: Callable[[int], None] | None = None) -> dict[str, list[str]]:
    """Return the problems found by integrity, foreign-key, lineage and sha256 checks."""
    _ensure()
    execute = database.execute_sql
    integrity = _check_postgres() if is_postgres() else [row[0] for row in execute(_INTEGRITY)]
    problems = {
        "integrity": [] if integrity == ["ok"] else integrity,
        "foreign_keys": [
            f"{table} row {rowid} names a missing row of {parent}"
            for table, rowid, parent, _ in execute(_sql(_FOREIGN_KEYS))
        ],
        "lineage": [
            f"{prompt_id} is not reachable from a root (a parent cycle)"
            for (prompt_id,) in execute(_UNREACHABLE)
        ],
        "sha256": [],
    }
    # Hash the stored bytes: the check must not depend on the text decoding cleanly.
    rows = execute(_sql(_HASHED))
    for prompt_id, data, digest, removed_at in rows:
        if removed_at is not None and (data or digest):
            problems["sha256"].append(f"{prompt_id} is removed but still holds text or a hash")
        elif removed_at is None and hashlib.sha256(data).hexdigest() != digest:
            problems["sha256"].append(f"{prompt_id}: the text does not match its sha256")
        if progress:
            progress(1)
    return problems


def _check_postgres() -> list[str]:
    """Run amcheck's bt_index_check on every index, if the extension is installed.

    The server checks pages itself (with data checksums on, every page read is
    verified), and the sha256 pass of check_database reads every row.
    """
    execute = database.execute_sql
    if not execute("SELECT 1 FROM pg_extension WHERE extname = 'amcheck'").fetchone():
        return []
    problems = []
    for (index,) in execute(_POSTGRES_INDEXES).fetchall():
        try:
            execute("SELECT bt_index_check(%s::regclass)", (index,))
        except DatabaseError as error:
            problems.append(f"index {index}: {error}".strip())
    return problems


def backup_to(
    path: Path, progress: Callable[[int, int], None] | None = None, pages: int = _BACKUP_PAGES
) -> int:
    """Copy one consistent snapshot of the live database into a new file; return its prompts."""
    _ensure()
    source = sqlite3.connect(database_path(), timeout=10, isolation_level=None)
    target = sqlite3.connect(path, isolation_level=None)
    try:
        # One read transaction for every step: each sees the same snapshot, and
        # writers carry on in the WAL instead of restarting the copy.
        source.execute("BEGIN")
        count = source.execute("SELECT COUNT(*) FROM prompts").fetchone()[0]
        source.backup(
            target,
            pages=pages,
            progress=lambda _, left, total: progress and progress(total - left, total),
        )
        source.execute("COMMIT")
        target.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
        _verify(target)
    finally:
        source.close()
        target.close()
    return count


def verify_database(path: Path) -> dict:
    """Check a file is a healthy prompt-store database; return its version and counts."""
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        return _verify(connection)
    finally:
        connection.close()


def _verify(connection: sqlite3.Connection) -> dict:
    try:
        integrity = [row[0] for row in connection.execute("PRAGMA integrity_check")]
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
    except sqlite3.DatabaseError as error:
        raise NotAPromptDatabase(f"it cannot be read as SQLite ({error})") from None
    if integrity != ["ok"]:
        raise NotAPromptDatabase(f"its integrity check failed: {'; '.join(integrity[:3])}")
    if not {"prompts", "schema_migrations"} <= tables:
        raise NotAPromptDatabase("it has no prompt-store schema (no prompts table)")
    version = connection.execute("SELECT MAX(version) FROM schema_migrations").fetchone()[0]
    if not version or version > SCHEMA_VERSION:
        raise NotAPromptDatabase(
            f"its schema version is {version}; this release reads 1 to {SCHEMA_VERSION}"
        )
    count, newest = connection.execute("SELECT COUNT(*), MAX(created_at) FROM prompts").fetchone()
    return {"schema_version": version, "prompts": count, "newest": newest}


def restore_from(path: Path) -> list[str]:
    """Replace the live contents with a working copy at `path` (changed); return ids re-purged."""
    # The copy gets this release's schema and the live tombstones first, so a takedown
    # survives a restore. The backup API then writes it through the live database's
    # own locks and WAL: web workers keep their connections and see the restored rows
    # on their next query.
    _ensure()
    tombstones = database.execute_sql(
        "SELECT removed_at, id FROM prompts WHERE removed_at IS NOT NULL"
    ).fetchall()
    live = database.connection()
    copy = sqlite3.connect(path, isolation_level=None)
    try:
        found = _verify(copy)["schema_version"]
        copy.execute("PRAGMA journal_mode = DELETE")  # so VACUUM below may change page_size
        copy.execute("BEGIN IMMEDIATE")
        _apply_migrations(copy.execute, found)
        purged = [i for r, i in tombstones if copy.execute(_TOMBSTONE, (r, i)).rowcount]
        copy.execute("COMMIT")
        page_size = live.execute("PRAGMA page_size").fetchone()[0]
        if purged or copy.execute("PRAGMA page_size").fetchone()[0] != page_size:
            # A WAL database only accepts pages of its own size; VACUUM also drops
            # the purged text from the copy's free pages.
            copy.execute(f"PRAGMA page_size = {int(page_size)}")
            copy.execute("VACUUM")
        copy.backup(live)
    finally:
        copy.close()
    return purged


def purge_prompts(prompt_ids: list[str]) -> list[str]:
    """Tombstone prompts and scrub their text from the files; return the newly removed."""
    prompt_ids = [validate_prompt_id(i) for i in prompt_ids]
    _ensure()
    execute, removed_at = database.execute_sql, _now()
    if not is_postgres():
        # Also zero the pages this update frees (a long text's overflow pages).
        execute("PRAGMA secure_delete = ON")
    try:
        with _write_transaction():  # queued with the saves, like every request-path write
            for prompt_id in prompt_ids:
                if execute(_sql(_GET_META), (prompt_id,)).fetchone() is None:
                    raise PromptNotFound(prompt_id)
            removed = [i for i in prompt_ids if execute(_sql(_TOMBSTONE), (removed_at, i)).rowcount]
    finally:
        if not is_postgres():
            execute(f"PRAGMA secure_delete = {PRAGMAS['secure_delete']}")
    _scrub()
    return removed


def _scrub() -> None:
    if is_postgres():
        # VACUUM FULL writes the table, its TOAST table and its indexes into new
        # files and drops the old ones, which held the old row versions. ANALYZE
        # replaces the statistics, whose samples of the columns may quote the text,
        # and VACUUM FULL pg_statistic drops the old ones (a superuser's right: for
        # others the server skips it with a warning). Each locks its table while it
        # runs; the server's WAL keeps the text until it is recycled.
        for statement in ("VACUUM FULL prompts", "ANALYZE prompts", "VACUUM FULL pg_statistic"):
            database.execute_sql(statement)
        return
    # Every connection zeroes old content in the pages it writes (secure_delete=fast)
    # and the update above zeroed the pages it freed, so the main file's new pages
    # hold no trace; the WAL still has the old page images until this TRUNCATE
    # checkpoint copies the new ones home and empties it. No VACUUM: a takedown costs
    # the pages it touches, not a rewrite of the whole database under the write lock.
    busy = database.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
    if busy:
        raise ScrubIncomplete(
            "readers kept the WAL busy, so it still holds old pages; run the command again"
        )


def export_prompts() -> Iterator[dict]:
    """Yield every prompt reachable from a root, parents before children."""
    _ensure()
    for row in database.execute_sql(_sql(_EXPORT)):
        yield {
            "id": row[0],
            "parent_id": row[1],
            "created_at": row[2],
            "text": row[3],
            "removed_at": row[4],
            "legacy_ids": json.loads(row[5]),
        }


def store_tombstone(
    prompt_id: str, parent_id: str | None, created_at: str, removed_at: str
) -> bool:
    """Store a removed prompt's row as given; return True if written, False if already there."""
    prompt_id = validate_prompt_id(prompt_id)
    parent_id = None if parent_id is None else validate_prompt_id(parent_id)
    _ensure()
    execute = database.execute_sql
    with database.atomic():
        existing = execute(_sql(_GET), (prompt_id,)).fetchone()
        if existing is not None:
            if existing[5] is not None and existing[1] == parent_id:
                return False
            raise PromptConflict(f"{prompt_id} is stored here with its text; purge it here first")
        if parent_id is not None and execute(_sql(_GET_META), (parent_id,)).fetchone() is None:
            raise ParentNotFound(parent_id)
        execute(
            _sql(
                "INSERT INTO prompts (id, parent_id, text, sha256, created_at, removed_at) "
                "VALUES (?, ?, '', NULL, ?, ?)"
            ),
            (prompt_id, parent_id, created_at, removed_at),
        )
    return True


def validate_legacy_id(legacy_id: Any) -> str:
    """Return the canonical form of an old flat-file id (24 hex or a UUID), or raise."""
    if isinstance(legacy_id, str) and _LEGACY_ID.match(legacy_id.lower()):
        return legacy_id.lower()
    try:
        return validate_prompt_id(legacy_id)
    except InvalidPromptId:
        raise InvalidPromptId(f"{legacy_id!r} is not a flat-file id (24 hex or a UUID)") from None


def resolve_legacy_id(legacy_id: str) -> str | None:
    """Return the prompt id an old flat-file id now names, or None."""
    try:
        legacy_id = validate_legacy_id(legacy_id)
    except InvalidPromptId:
        return None
    _ensure()
    row = database.execute_sql(_sql(_LEGACY), (legacy_id,)).fetchone()
    return row[0] if row else None


def add_legacy_id(legacy_id: str, prompt_id: str) -> bool:
    """Record an old id as an alias of a prompt; return True if written, False if there."""
    legacy_id, prompt_id = validate_legacy_id(legacy_id), validate_prompt_id(prompt_id)
    _ensure()
    execute = database.execute_sql
    with database.atomic():
        row = execute(_sql(_LEGACY), (legacy_id,)).fetchone()
        if row is not None:
            if row[0] == prompt_id:
                return False
            raise PromptConflict(f"{legacy_id} already names {row[0]}")
        if execute(_sql(_GET_META), (prompt_id,)).fetchone() is None:
            raise PromptNotFound(prompt_id)
        execute(
            _sql("INSERT INTO legacy_ids (legacy_id, prompt_id) VALUES (?, ?)"),
            (legacy_id, prompt_id),
        )
    return True


def import_legacy_prompt(legacy_id: str, text: str, created_at: str) -> tuple[str, bool]:
    """Store a flat-file prompt by its old id (a new UUID aliased to it); return (id, created)."""
    legacy_id = validate_legacy_id(legacy_id)
    stored = legacy_prompt_id(legacy_id, text)
    if stored is not None:
        return stored, False
    if prompt_exists(legacy_id) or resolve_legacy_id(legacy_id) is not None:
        raise PromptConflict(f"{legacy_id} already names another prompt")
    digest = hashlib.sha256(encode_text(text)).hexdigest()
    root = _find_same(None, digest)
    if root is not None:  # the same text was saved as a root already: alias it
        add_legacy_id(legacy_id, root[0])
        return root[0], False
    if _UUID.match(legacy_id):
        store_prompt(legacy_id, text, created_at=created_at)
        return legacy_id, True
    prompt_id = str(uuid.uuid4())
    store_prompt(prompt_id, text, created_at=created_at)
    add_legacy_id(legacy_id, prompt_id)
    return prompt_id, True


def legacy_prompt_id(legacy_id: str, text: str) -> str | None:
    """Return the id an old link reaches if it holds this text (or is a tombstone), else None."""
    legacy_id = validate_legacy_id(legacy_id)
    _ensure()
    prompt_id = legacy_id if prompt_exists(legacy_id) else resolve_legacy_id(legacy_id)
    if prompt_id is None:
        return None
    row = database.execute_sql(_sql(_GET), (prompt_id,)).fetchone()
    if row[5] is not None or row[4] == hashlib.sha256(text.encode("utf-8")).hexdigest():
        return prompt_id
    return None
