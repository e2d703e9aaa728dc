"""Takedowns: a version's text leaves every database file; its row stays as a tombstone.

Two doors lead here: the operator's `prompt-store purge`, and DELETE with the delete
token the creator was given. Both make exactly the same tombstone.
"""

from __future__ import annotations

import hmac

from api.store.connection import Database
from api.store.errors import PromptNotFound, PromptRemoved, ScrubIncomplete, WrongDeleteToken
from api.store.fragments import clear_children, tombstone
from api.store.values import delete_token_hash, now, validate_prompt_id

RETRY_WAIT_MS = 100  # a retry holds the write gate: it waits for readers this long at most
REMOVED = "SELECT id FROM prompts WHERE removed_at IS NOT NULL ORDER BY removed_at, id"
TOKEN_HASH = "SELECT delete_token_hash, removed_at FROM prompts WHERE id = ?"
TEXT = "SELECT text, removed_at, parent_id, created_at FROM prompts WHERE id = ?"
# The template goes with the text it was read from: its names are words of the text; its
# history entry becomes the tombstone's, and so do its children's (clear_children).
TOMBSTONE = (
    "UPDATE prompts SET text = '', sha256 = NULL, template = NULL, checksum = NULL, "
    "history_entry = ?, history_bytes = ?, history_decoded = ?, removed_at = ?, "
    "delete_token_hash = NULL WHERE id = ? AND removed_at IS NULL"
)


def make_tombstone(execute, row: tuple[str, str | None, str], removed_at: str) -> bool:
    """Tombstone one live version (id, parent_id, created_at), its children's history
    entries with it; return whether it was live. `execute(sql, params)`: spelled for the
    database (Database.execute), or SQLite's own (a backup's copy)."""
    prompt_id = row[0]
    if not execute(TOMBSTONE, (*tombstone(*row), removed_at, prompt_id)).rowcount:
        return False
    clear_children(execute, prompt_id)
    return True


class Takedowns:
    """Purge versions by id (the operator) or by delete token (their creator)."""

    def __init__(self, database: Database):
        self.database = database

    def delete(self, prompt_id: str, delete_token: str) -> None:
        """Purge a version for the holder of its delete token, exactly as purge() does."""
        prompt_id = validate_prompt_id(prompt_id)
        row = self.database.one(TOKEN_HASH, (prompt_id,))
        if row is None:
            raise PromptNotFound(prompt_id)
        stored_hash, removed_at = row
        if removed_at is not None:
            raise PromptRemoved(prompt_id)
        if stored_hash is None or not hmac.compare_digest(
            stored_hash, delete_token_hash(delete_token)
        ):
            raise WrongDeleteToken(prompt_id)
        self.purge([prompt_id])

    def purge(self, prompt_ids: list[str]) -> list[str]:
        """Tombstone versions and scrub their text from the files; return the newly removed.

        Raises PromptNotFound, writing nothing, if any id names no version. Purging a
        tombstone again removes nothing but scrubs the files once more.
        """
        prompt_ids = [validate_prompt_id(i) for i in prompt_ids]
        removed_at = now()
        db = self.database.ready()
        dialect = self.database.dialect
        texts: list[str] | None = []
        entries = {}
        with dialect.purge_transaction(db):  # queued with the saves, like every write
            for prompt_id in prompt_ids:
                row = self.database.one(TEXT, (prompt_id,))
                if row is None:
                    raise PromptNotFound(prompt_id)
                if row[1] is not None:
                    texts = None  # a tombstone: what it held is no longer known
                elif texts is not None:
                    texts.append(row[0])
                entries[prompt_id] = (prompt_id, row[2], row[3])
            located = dialect.locate_removed(db, prompt_ids)
            removed = [
                prompt_id
                for prompt_id in prompt_ids
                if make_tombstone(self.database.execute, entries[prompt_id], removed_at)
            ]
        dialect.scrub(db, texts, located=located, prompt_ids=prompt_ids)
        return removed

    def scrub_pending(self) -> bool:
        """Say whether a takedown's scrub could not finish and is still to be done."""
        return self.database.dialect.scrub_pending()

    def retry_scrub(self) -> bool:
        """Finish a pending scrub if readers now let it; return True when none is pending.

        Waits for readers briefly (RETRY_WAIT_MS), as saves queue behind it meanwhile.
        """
        dialect = self.database.dialect
        if not dialect.scrub_pending():
            return True
        try:
            dialect.scrub(self.database.ready(), wait_ms=RETRY_WAIT_MS)
        except ScrubIncomplete:
            return False
        return True
