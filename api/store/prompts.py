"""Prompt versions: the writes of the request path, and of imports (reads: reads.py).

Every write goes through one helper, `_insert`, inside a write transaction; the
public writers differ only in where the id comes from and what an existing copy
of the same text means (`save` reuses it, `store` and `store_tombstone` refuse).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping
from typing import NamedTuple

import peewee

from api.store.connection import Database
from api.store.derived import checksum_of
from api.store.errors import ParentNotFound, PromptConflict
from api.store.fragments import Fragment, fragment, tombstone
from api.store.reads import VersionReads
from api.store.rows import Imported, VersionMeta
from api.store.values import (
    delete_token_hash,
    encode_text,
    now,
    optional_prompt_id,
    sha256_of,
    validate_prompt_id,
)
from api.text import interface as template_interface

# DO NOTHING: where another writer stored the same id or (parent, text) between our
# read and our insert (PostgreSQL runs writers at once), the unique indexes keep
# its row and skip ours, with no error and no aborted transaction.
# The depth is the parent's + 1, read in the same statement (a bulk batch inserts parents
# before children, so each sees its parent); NULL under a parent an older release wrote
# without one, until init-db fills it (api/store/derived.py).
# The history columns are the row's encoded history entry (api/store/fragments.py).
INSERT = (
    "INSERT INTO prompts (id, parent_id, text, sha256, created_at, removed_at, "
    "delete_token_hash, template, depth, checksum, history_entry, history_bytes, "
    "history_decoded) VALUES (?, ?, ?, ?, ?, ?, ?, ?, "
    "CASE WHEN ? IS NULL THEN 1 ELSE (SELECT p.depth + 1 FROM prompts AS p WHERE p.id = ?) END, "
    "?, ?, ?, ?) ON CONFLICT DO NOTHING"
)

# The rows of an import batch already stored, by id: what they must match.
EXISTING = "SELECT id, parent_id, sha256, removed_at IS NOT NULL FROM prompts WHERE id IN ({ids})"
COUNT_IDS = "SELECT COUNT(*) FROM prompts WHERE id IN ({ids})"
LOOKUP_BATCH = 500  # ids a lookup names (SQLite allows 32,766 parameters; PostgreSQL more)


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


class PromptVersions(VersionReads):
    """Read and write prompt versions in one database."""

    def __init__(
        self, database: Database, max_bytes: int, new_id: Callable[[], uuid.UUID] = uuid.uuid4
    ):
        super().__init__(database)
        self.max_bytes, self.new_id = max_bytes, new_id

    # -- writes ------------------------------------------------------------------------

    def template_for(self, text: str, parent_id: str | None = None) -> str | None:
        """Return the template interface a save of `text` under `parent_id` will store.

        For a caller that reads it before its write transaction, so that other writers
        do not wait while it reads. None when the text is stored there already: an
        idempotent save reads nothing. A text the store refuses, or an unknown parent,
        is refused here.
        """
        digest = sha256_of(encode_text(text, self.max_bytes))
        parent_id = optional_prompt_id(parent_id)
        parent = None if parent_id is None else self.meta(parent_id)
        if parent_id is not None and parent is None:
            raise ParentNotFound(parent_id)  # refused before any reading, and outside the gate
        if (parent and parent.sha256 == digest) or self.find_same(parent_id, digest):
            return None
        return template_interface.stored(text)

    def save(
        self,
        text: str,
        parent_id: str | None = None,
        *,
        delete_token: str | None = None,
        template: str | None = None,
    ) -> tuple[VersionMeta, bool]:
        """Save a version under a new id; return (it, created).

        Idempotent: the same text under the same parent returns the existing
        version, and text equal to the parent's returns the parent; neither writes.
        A new version keeps the hash of `delete_token`, which a takedown asks for,
        and `template`, if given, as its template interface (template_for(text)).
        """
        digest = sha256_of(encode_text(text, self.max_bytes))
        parent_id = optional_prompt_id(parent_id)
        token_hash = None if delete_token is None else delete_token_hash(delete_token)
        row = NewVersion(
            str(self.new_id()), parent_id, text, digest, now(), None, token_hash, template
        )
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
        records = [
            NewVersion(
                prompt_id, parent_id, text, sha256_of(encode_text(text, self.max_bytes)), created_at
            ).with_template()
            for prompt_id, parent_id, text, created_at in rows
        ]
        # Each child's history compares it with its parent: in the batch, or stored before.
        templates = {record.id: record.template for record in records}
        with self.database.write_or_join():
            for parent_id in {r.parent_id for r in records} - templates.keys() - {None}:
                found = self.parent(parent_id)
                templates[parent_id] = None if found is None else found[1]
            inserted = self._write(records, templates)
            if inserted != len(records):
                raise PromptConflict(
                    "a row repeats a stored id or (parent, text): nothing inserted"
                )
            return inserted

    def import_many(self, rows: list[Imported], templates: list | None = None) -> tuple[int, int]:
        """Store exported rows, parents first, as store() and store_tombstone() would one by
        one, in a few statements; return (inserted, already present). `templates`: each
        row's, read beforehand (None: read here). PromptConflict, with nothing written,
        where one of them would raise it: the caller then goes row by row to name it."""
        new, present = [], 0
        found = {r[0]: r[1:] for r in self._in_pages(EXISTING, [row.id for row in rows])}
        for n, row in enumerate(rows):
            removed = row.removed_at is not None
            digest = None if removed else sha256_of(encode_text(row.text, self.max_bytes))
            if row.id in found:
                if found[row.id] != (row.parent_id, digest, removed):
                    raise PromptConflict(f"{row.id} already holds another prompt")
                present += 1
                continue
            version = NewVersion(row.id, row.parent_id, row.text, digest, row.created_at)
            version = version._replace(removed_at=row.removed_at)
            template = None if templates is None or removed else templates[n]
            new.append(version._replace(template=template) if template else version.with_template())
            found[row.id] = (row.parent_id, digest, removed)
        # Each child's history compares it with its parent: in the batch, or stored before.
        parents = {row.id: row.template for row in new}
        with self.database.write_or_join():
            for parent_id in {row.parent_id for row in new} - parents.keys() - {None}:
                found = self.parent(parent_id)
                parents[parent_id] = None if found is None else found[1]
            try:
                self._write(new, parents, pages=True)
            except peewee.IntegrityError:  # a parent gone since the file was checked
                raise PromptConflict("a row's parent is not stored: nothing imported") from None
            # ON CONFLICT DO NOTHING skips a repeated (parent, text): count what is there.
            if sum(n for (n,) in self._in_pages(COUNT_IDS, [row.id for row in new])) != len(new):
                raise PromptConflict("a row repeats a stored (parent, text): nothing imported")
        return len(new), present

    def _in_pages(self, sql: str, ids: list[str]) -> list[tuple]:
        """The rows of `sql` (`IN ({ids})`) for every id, LOOKUP_BATCH ids a query."""
        found = []
        for page in (ids[n : n + LOOKUP_BATCH] for n in range(0, len(ids), LOOKUP_BATCH)):
            found += self.database.execute(sql.format(ids=", ".join("?" * len(page))), page)
        return found

    def _insert(self, row: NewVersion, *, reuse_same_text: bool) -> tuple[VersionMeta, bool]:
        """Insert a row inside the caller's write transaction; return (version, created).

        With `reuse_same_text`, an existing copy of the text under the same parent
        (or the parent itself) is the answer; without it, it is a conflict.
        """
        templates = {}  # the parent's, which its history entry is compared with
        if row.parent_id is not None:
            found = self.parent(row.parent_id)
            if found is None:
                raise ParentNotFound(row.parent_id)
            parent, templates[row.parent_id] = found
            if reuse_same_text and parent.sha256 == row.sha256:
                return parent, False
        # A save whose template was read beforehand (template_for: the text was not there
        # then) inserts at once; the unique indexes find the rare copy stored meanwhile,
        # one lookup fewer per save. Otherwise the copy is looked for first.
        if row.sha256 is not None and not (reuse_same_text and row.template is not None):
            same = self.find_same(row.parent_id, row.sha256)
            if same is not None:
                if reuse_same_text:
                    return same, False
                raise PromptConflict(f"this text is already stored under {same.id}")
        # Read only for a row really inserted: an idempotent save reads nothing.
        if row.template is None:
            row = row.with_template()  # read here, where the text is known to be new
        if self._write([row], templates) == 0:
            # Another writer got there first: since template_for, or (PostgreSQL, which
            # runs writers at once) between our read and our insert.
            same = self.find_same(row.parent_id, row.sha256) if row.sha256 else None
            if same is not None and reuse_same_text:
                return same, False
            raise PromptConflict("another save changed this prompt at the same moment; save again")
        return VersionMeta(row.id, row.parent_id, row.created_at, row.sha256), True

    def _write(
        self, rows: Iterable[NewVersion], templates: Mapping[str, str | None], pages: bool = False
    ) -> int:
        """The one INSERT of versions, for a save and for the bulk path alike; `templates`
        holds each parent's stored interface, by id. With `pages` (an import's batch), a
        page of rows goes a round trip, and the rows inserted are not counted (0)."""
        params = (
            (
                *row,
                row.parent_id,
                row.parent_id,
                checksum_of(row.sha256, row.template),
                *_fragment(row, templates),
            )
            for row in rows
        )
        if pages:
            self.database.execute_pages(INSERT, params)
            return 0
        return self.database.execute_many(INSERT, params)


def _fragment(row: NewVersion, templates: Mapping[str, str | None]) -> Fragment:
    """The history columns of a row about to be inserted."""
    if row.removed_at is not None:
        return tombstone(row.id, row.parent_id, row.created_at)
    parent_template = None if row.parent_id is None else templates.get(row.parent_id)
    return fragment(
        row.id, row.parent_id, row.created_at, row.sha256, row.text, row.template, parent_template
    )
