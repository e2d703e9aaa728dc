"""Prompt versions as the request path reads them: by id, by text, as a lineage or a list."""

from __future__ import annotations

from api.store.connection import Database
from api.store.errors import InvalidPromptId, PromptNotFound, PromptRemoved
from api.store.rows import Ancestor, Entry, Listed, Version, VersionMeta
from api.store.values import SUMMARY_CHARS, summarise, validate_prompt_id
from api.text.interface import MAX_STORED_CHARS

GET = (
    "SELECT id, parent_id, text, created_at, sha256, removed_at, template FROM prompts WHERE id = ?"
)
GET_META = "SELECT id, parent_id, created_at, sha256 FROM prompts WHERE id = ?"
GET_PARENT = "SELECT id, parent_id, created_at, sha256, template FROM prompts WHERE id = ?"
FIND_ROOT = (
    "SELECT id, parent_id, created_at, sha256 FROM prompts WHERE parent_id IS NULL AND sha256 = ?"
)
FIND_CHILD = (
    "SELECT id, parent_id, created_at, sha256 FROM prompts WHERE parent_id = ? AND sha256 = ?"
)
# A stored interface longer than any within the caps was written before them: it is not
# read (a history shows no changes for it) rather than read whole for every entry.
_TEMPLATE = f"CASE WHEN length({{0}}template) <= {MAX_STORED_CHARS} THEN {{0}}template END"
HISTORY = f"""
WITH RECURSIVE ancestry (id, parent_id, created_at, sha256, head, removed, template, depth) AS (
    SELECT id, parent_id, created_at, sha256, substr(text, 1, {SUMMARY_CHARS * 4}),
           removed_at IS NOT NULL, {_TEMPLATE.format("")}, 0
    FROM prompts WHERE id = ?
    UNION ALL
    SELECT p.id, p.parent_id, p.created_at, p.sha256, substr(p.text, 1, {SUMMARY_CHARS * 4}),
           p.removed_at IS NOT NULL, {_TEMPLATE.format("p.")}, a.depth + 1
    FROM prompts AS p JOIN ancestry AS a ON p.id = a.parent_id
    WHERE a.depth < ?
)
SELECT id, parent_id, created_at, sha256, head, removed, template FROM ancestry ORDER BY depth
"""
# A history page from the entries each row keeps (api/store/fragments.py): one indexed
# walk that reads no text, carrying only what the page joins (each column costs).
ENTRIES = """
WITH RECURSIVE ancestry (id, parent_id, entry, size, decoded, depth) AS (
    SELECT id, parent_id, history_entry, history_bytes, history_decoded, 0
    FROM prompts WHERE id = ?
    UNION ALL
    SELECT p.id, p.parent_id, p.history_entry, p.history_bytes, p.history_decoded, a.depth + 1
    FROM prompts AS p JOIN ancestry AS a ON p.id = a.parent_id
    WHERE a.depth < ?
)
SELECT id, entry, size, decoded FROM ancestry ORDER BY depth
"""
# The version number of a version: its depth, kept per row (api/store/derived.py).
NUMBER = "SELECT depth FROM prompts WHERE id = ?"
# ...or counted, for a row an older release wrote without one: 1 for a root, if within `?`.
DEPTH = """
WITH RECURSIVE up (id, parent_id, n) AS (
    SELECT id, parent_id, 1 FROM prompts WHERE id = ?
    UNION ALL
    SELECT p.id, p.parent_id, u.n + 1 FROM prompts AS p JOIN up AS u ON p.id = u.parent_id
    WHERE u.n < ?
)
SELECT n, parent_id FROM up ORDER BY n DESC LIMIT 1
"""
LISTED = (
    f"SELECT id, parent_id, created_at, sha256, substr(text, 1, {SUMMARY_CHARS * 4}), removed_at"
)
# Keyset pagination, newest first: the rows strictly before the last one seen.
AFTER = "WHERE (created_at, id) < (?, ?)"
LISTING = LISTED + " FROM prompts {where} ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?"
CHILDREN = LISTED + " FROM prompts WHERE parent_id = ? ORDER BY created_at, id"
# Kept by triggers (api/store/schema.py, migration 7): no scan of the table.
COUNT = "SELECT CAST(COALESCE(SUM(prompts), 0) AS BIGINT) FROM prompt_counts"
NO_LIMIT = 1_000_000_000


class VersionReads:
    """Read prompt versions from one database."""

    def __init__(self, database: Database):
        self.database = database

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
        row = self.database.one(GET, (validate_prompt_id(prompt_id),))
        return None if row is None else Version._make(row)

    def meta(self, prompt_id: str) -> VersionMeta | None:
        """Return a version without its text, or None."""
        row = self.database.one(GET_META, (prompt_id,))
        return None if row is None else VersionMeta._make(row)

    def parent(self, prompt_id: str) -> tuple[VersionMeta, str | None] | None:
        """Return a version without its text, and its stored template; or None."""
        row = self.database.one(GET_PARENT, (prompt_id,))
        return None if row is None else (VersionMeta._make(row[:4]), row[4])

    def exists(self, prompt_id: str) -> bool:
        """Say whether a version with this id exists (tombstones included; False for non-UUIDs)."""
        try:
            return self.meta(validate_prompt_id(prompt_id)) is not None
        except InvalidPromptId:
            return False

    def find_same(self, parent_id: str | None, sha256: str) -> VersionMeta | None:
        """Return the version holding this text under this parent (None: a root), if any."""
        if parent_id is None:
            row = self.database.one(FIND_ROOT, (sha256,))
        else:
            row = self.database.one(FIND_CHILD, (parent_id, sha256))
        return None if row is None else VersionMeta._make(row)

    def history(self, prompt_id: str, limit: int | None = None) -> list[Ancestor]:
        """Return the ancestors of a version, nearest first, at most `limit`, in one query."""
        return self.lineage(prompt_id, limit)[1:]

    def lineage(self, prompt_id: str, limit: int | None = None) -> list[Ancestor]:
        """Return a version and its ancestors, nearest first, at most `limit` of them."""
        depth = NO_LIMIT if limit is None else max(0, limit)
        rows = self.database.execute(HISTORY, (validate_prompt_id(prompt_id), depth))
        found = [
            Ancestor(id_, parent_id, created_at, sha256, summarise(head), bool(removed), template)
            for id_, parent_id, created_at, sha256, head, removed, template in rows
        ]
        if not found:
            raise PromptNotFound(prompt_id)
        return found

    def entries(self, prompt_id: str, limit: int) -> list[Entry]:
        """Return a version and at most `limit` ancestors, nearest first, as a history page
        joins them: (id, encoded entry, names' bytes, interfaces' characters) each, the
        entry None where an older release wrote the row (api/store/fragments.py)."""
        rows = self.database.execute(ENTRIES, (validate_prompt_id(prompt_id), max(0, limit)))
        found = rows.fetchall()
        if not found:
            raise PromptNotFound(prompt_id)
        return found

    def number(self, prompt_id: str, cap: int = 1000) -> int | None:
        """Return a version's number (its depth, 1 for a root), or None past `cap`."""
        prompt_id = validate_prompt_id(prompt_id)
        row = self.database.one(NUMBER, (prompt_id,))
        if row is not None and row[0] is not None:
            return row[0] if row[0] <= cap else None
        row = self.database.one(DEPTH, (prompt_id, cap))
        return row[0] if row is not None and row[1] is None else None

    def listing(
        self, limit: int = 100, offset: int = 0, after: tuple[str, str] | None = None
    ) -> list[Listed]:
        """List versions newest first, without their text.

        `after` is the (created_at, id) of the last row already seen: keyset
        pagination that stays fast and stable however deep it goes.
        """
        if after is None:
            return self._listed(LISTING.format(where=""), (limit, offset))
        return self._listed(LISTING.format(where=AFTER), (*after, limit, offset))

    def children(self, prompt_id: str) -> list[Listed]:
        """List the direct descendants of a version, oldest first."""
        if not self.exists(prompt_id):
            raise PromptNotFound(prompt_id)
        return self._listed(CHILDREN, (validate_prompt_id(prompt_id),))

    def _listed(self, sql: str, params: tuple) -> list[Listed]:
        return [
            Listed(id_, parent_id, created_at, sha256, summarise(text), removed_at is not None)
            for id_, parent_id, created_at, sha256, text, removed_at in self.database.execute(
                sql, params
            )
        ]

    def count(self) -> int:
        """Return the number of versions, tombstones included."""
        (count,) = self.database.one(COUNT)
        return count
