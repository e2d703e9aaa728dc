"""Prompt versions: the reads and writes of the request path, and of imports.

Every write goes through one helper, `_insert`, inside a write transaction; the
public writers differ only in where the id comes from and what an existing copy
of the same text means (`save` reuses it, `store` and `store_tombstone` refuse).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from typing import NamedTuple

from peewee import Tuple, fn

from .. import template_interface
from .connection import Database
from .errors import InvalidPromptId, ParentNotFound, PromptConflict, PromptNotFound, PromptRemoved
from .rows import Ancestor, Listed, Version, VersionMeta
from .schema import PromptRow
from .values import (
    SUMMARY_CHARS,
    delete_token_hash,
    encode_text,
    now,
    optional_prompt_id,
    sha256_of,
    summarise,
    validate_prompt_id,
)

GET = (
    "SELECT id, parent_id, text, created_at, sha256, removed_at, template FROM prompts WHERE id = ?"
)
GET_META = "SELECT id, parent_id, created_at, sha256 FROM prompts WHERE id = ?"
FIND_ROOT = (
    "SELECT id, parent_id, created_at, sha256 FROM prompts WHERE parent_id IS NULL AND sha256 = ?"
)
FIND_CHILD = (
    "SELECT id, parent_id, created_at, sha256 FROM prompts WHERE parent_id = ? AND sha256 = ?"
)
# DO NOTHING: where another writer stored the same id or (parent, text) between our
# read and our insert (PostgreSQL runs writers at once), the unique indexes keep
# its row and skip ours, with no error and no aborted transaction.
INSERT = (
    "INSERT INTO prompts "
    "(id, parent_id, text, sha256, created_at, removed_at, delete_token_hash, template) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING"
)
HISTORY = f"""
WITH RECURSIVE ancestry (id, parent_id, created_at, sha256, head, removed, template, depth) AS (
    SELECT id, parent_id, created_at, sha256, substr(text, 1, {SUMMARY_CHARS * 4}),
           removed_at IS NOT NULL, template, 0
    FROM prompts WHERE id = ?
    UNION ALL
    SELECT p.id, p.parent_id, p.created_at, p.sha256, substr(p.text, 1, {SUMMARY_CHARS * 4}),
           p.removed_at IS NOT NULL, p.template, a.depth + 1
    FROM prompts AS p JOIN ancestry AS a ON p.id = a.parent_id
    WHERE a.depth < ?
)
SELECT id, parent_id, created_at, sha256, head, removed, template FROM ancestry ORDER BY depth
"""
NO_LIMIT = 1_000_000_000


class NewVersion(NamedTuple):
    """A row about to be inserted, in INSERT's column order; `_insert` reads its template."""

    id: str
    parent_id: str | None
    text: str
    sha256: str | None
    created_at: str
    removed_at: str | None = None
    delete_token_hash: str | None = None
    template: str | None = None

    def with_template(self) -> NewVersion:
        """Return the row with the template of its text (a tombstone has none)."""
        if self.removed_at is not None:
            return self
        return self._replace(template=template_interface.stored(self.text))


class PromptVersions:
    """Read and write prompt versions in one database."""

    def __init__(
        self, database: Database, max_bytes: int, new_id: Callable[[], uuid.UUID] = uuid.uuid4
    ):
        self.database, self.max_bytes, self.new_id = database, max_bytes, new_id
        prepare = database.dialect.prepare
        self._get, self._get_meta = prepare(GET), prepare(GET_META)
        self._find_root, self._find_child = prepare(FIND_ROOT), prepare(FIND_CHILD)
        self._insert_sql, self._history = prepare(INSERT), prepare(HISTORY)

    # -- reads -------------------------------------------------------------------------

    def get(self, prompt_id: str) -> Version:
        """Return a version with its text; raise PromptNotFound (PromptRemoved: a tombstone)."""
        version = self.find(prompt_id)
        if version is None:
            raise PromptNotFound(prompt_id)
        if version.removed_at is not None:
            raise PromptRemoved(prompt_id)
        return version

    def find(self, prompt_id: str) -> Version | None:
        """Return a version, tombstones included, or None."""
        row = self.database.one(self._get, (validate_prompt_id(prompt_id),))
        return None if row is None else Version._make(row)

    def meta(self, prompt_id: str) -> VersionMeta | None:
        """Return a version without its text, or None."""
        row = self.database.one(self._get_meta, (prompt_id,))
        return None if row is None else VersionMeta._make(row)

    def exists(self, prompt_id: str) -> bool:
        """Say whether a version with this id exists (tombstones included; False for non-UUIDs)."""
        try:
            return self.meta(validate_prompt_id(prompt_id)) is not None
        except InvalidPromptId:
            return False

    def find_same(self, parent_id: str | None, sha256: str) -> VersionMeta | None:
        """Return the version holding this text under this parent (None: a root), if any."""
        if parent_id is None:
            row = self.database.one(self._find_root, (sha256,))
        else:
            row = self.database.one(self._find_child, (parent_id, sha256))
        return None if row is None else VersionMeta._make(row)

    def history(self, prompt_id: str, limit: int | None = None) -> list[Ancestor]:
        """Return the ancestors of a version, nearest first, at most `limit`, in one query."""
        depth = NO_LIMIT if limit is None else max(0, limit)
        rows = self.database.execute(self._history, (validate_prompt_id(prompt_id), depth))
        found = [
            Ancestor(id_, parent_id, created_at, sha256, summarise(head), bool(removed), template)
            for id_, parent_id, created_at, sha256, head, removed, template in rows
        ]
        if not found:
            raise PromptNotFound(prompt_id)
        return found[1:]

    def listing(
        self, limit: int = 100, offset: int = 0, after: tuple[str, str] | None = None
    ) -> list[Listed]:
        """List versions newest first, without their text.

        `after` is the (created_at, id) of the last row already seen: keyset
        pagination that stays fast and stable however deep it goes.
        """
        query = PromptRow.select().order_by(PromptRow.created_at.desc(), PromptRow.id.desc())
        if after is not None:
            query = query.where(Tuple(PromptRow.created_at, PromptRow.id) < Tuple(*after))
        return self._listed(query.limit(limit).offset(offset))

    def children(self, prompt_id: str) -> list[Listed]:
        """List the direct descendants of a version, oldest first."""
        if not self.exists(prompt_id):
            raise PromptNotFound(prompt_id)
        query = PromptRow.select().where(PromptRow.parent == validate_prompt_id(prompt_id))
        return self._listed(query.order_by(PromptRow.created_at, PromptRow.id))

    def _listed(self, query) -> list[Listed]:
        head = fn.substr(PromptRow.text, 1, SUMMARY_CHARS * 4)
        rows = query.select(
            PromptRow.id,
            PromptRow.parent,
            PromptRow.created_at,
            PromptRow.sha256,
            head,
            PromptRow.removed_at,
        )
        return [
            Listed(id_, parent_id, created_at, sha256, summarise(text), removed_at is not None)
            for id_, parent_id, created_at, sha256, text, removed_at in rows.tuples().bind(
                self.database.ready()
            )
        ]

    def count(self) -> int:
        """Return the number of versions, tombstones included."""
        return PromptRow.select().bind(self.database.ready()).count()

    # -- writes ------------------------------------------------------------------------

    def save(
        self, text: str, parent_id: str | None = None, *, delete_token: str | None = None
    ) -> tuple[VersionMeta, bool]:
        """Save a version under a new id; return (it, created).

        Idempotent: the same text under the same parent returns the existing
        version, and text equal to the parent's returns the parent; neither writes.
        A new version keeps the hash of `delete_token`, which a takedown asks for.
        """
        digest = sha256_of(encode_text(text, self.max_bytes))
        parent_id = optional_prompt_id(parent_id)
        token_hash = None if delete_token is None else delete_token_hash(delete_token)
        row = NewVersion(str(self.new_id()), parent_id, text, digest, now(), None, token_hash)
        with self.database.write_or_join():
            return self._insert(row, reuse_same_text=True)

    def store(
        self, prompt_id: str, text: str, parent_id: str | None = None, created_at: str | None = None
    ) -> bool:
        """Store text under a given id and time (imports); return False if it is there already.

        Raises PromptConflict if the id holds other text, or the parent already has
        a child with this text under another id.
        """
        row = NewVersion(
            validate_prompt_id(prompt_id),
            optional_prompt_id(parent_id),
            text,
            sha256_of(encode_text(text, self.max_bytes)),
            created_at or now(),
        )
        with self.database.write_or_join():
            existing = self.meta(row.id)
            if existing is not None:
                if existing.sha256 == row.sha256 and existing.parent_id == row.parent_id:
                    return False
                raise PromptConflict(f"{row.id} already holds another prompt")
            _, created = self._insert(row, reuse_same_text=False)
            return created

    def store_tombstone(
        self, prompt_id: str, parent_id: str | None, created_at: str, removed_at: str
    ) -> bool:
        """Store a removed version's row as given (imports); return False if it is there already."""
        row = NewVersion(
            validate_prompt_id(prompt_id),
            optional_prompt_id(parent_id),
            "",
            None,
            created_at,
            removed_at,
        )
        with self.database.write_or_join():
            existing = self.find(row.id)
            if existing is not None:
                if existing.removed_at is not None and existing.parent_id == row.parent_id:
                    return False
                raise PromptConflict(f"{row.id} is stored here with its text; purge it here first")
            _, created = self._insert(row, reuse_same_text=False)
            return created

    def insert_many(self, rows: Iterable[tuple[str, str | None, str, str]]) -> int:
        """Insert (id, parent_id, text, created_at) rows, parents first, in one transaction.

        The bulk path for seeding: ids and times are kept as given, nothing is
        looked up first, and a duplicate id or (parent, text) pair aborts the batch.
        """
        given = 0

        def records():
            nonlocal given
            for prompt_id, parent_id, text, created_at in rows:
                given += 1
                digest = sha256_of(encode_text(text, self.max_bytes))
                yield NewVersion(prompt_id, parent_id, text, digest, created_at).with_template()

        with self.database.write_or_join():
            cursor = self.database.ready().cursor()
            cursor.executemany(self._insert_sql, records())
            if cursor.rowcount != given:
                raise PromptConflict(
                    "a row repeats a stored id or (parent, text): nothing inserted"
                )
            return cursor.rowcount

    def _insert(self, row: NewVersion, *, reuse_same_text: bool) -> tuple[VersionMeta, bool]:
        """Insert a row inside the caller's write transaction; return (version, created).

        With `reuse_same_text`, an existing copy of the text under the same parent
        (or the parent itself) is the answer; without it, it is a conflict.
        """
        if row.parent_id is not None:
            parent = self.meta(row.parent_id)
            if parent is None:
                raise ParentNotFound(row.parent_id)
            if reuse_same_text and parent.sha256 == row.sha256:
                return parent, False
        if row.sha256 is not None:
            same = self.find_same(row.parent_id, row.sha256)
            if same is not None:
                if reuse_same_text:
                    return same, False
                raise PromptConflict(f"this text is already stored under {same.id}")
        # Read only for a row really inserted: an idempotent save reads nothing.
        if self.database.execute(self._insert_sql, row.with_template()).rowcount == 0:
            # Another writer got there between our read and our insert (PostgreSQL).
            same = self.find_same(row.parent_id, row.sha256) if row.sha256 else None
            if same is not None and reuse_same_text:
                return same, False
            raise PromptConflict("another save changed this prompt at the same moment; save again")
        return VersionMeta(row.id, row.parent_id, row.created_at, row.sha256), True
