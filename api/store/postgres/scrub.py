"""A takedown's scrub on PostgreSQL: the removed text's bytes written over where they lay,
without rewriting the table (no VACUUM FULL, no exclusive lock).

The tombstone UPDATE leaves the old row version, text and all, on its heap page (and its
TOAST chunks, and its index entries) as a dead tuple. Then:

1. Wait, at most `wait_ms`, until no transaction older than the takedown is open: a
   snapshot that can still see the old version keeps VACUUM from removing it.
2. Plain `VACUUM prompts`: prunes the dead version from its page and its TOAST chunks and
   index entries, page by page, while reads and saves go on. Pruning slides the page's
   live tuples together; PostgreSQL does not zero the space it frees, so the bytes of the
   old version that were not slid over stay in the page's free space.
3. Fill that page: those bytes lie at the top of the free space, where the next tuple
   written to the page goes (the table keeps a tenth of each page free, so the tombstone
   stays on its page). The tombstone row itself (an UPDATE goes to its own page
   while it fits) is given a filler text as long as the removed row, then '' again, in
   one transaction; where the tombstone lives on another page, live rows of that page
   are rewritten unchanged until as many bytes are covered.

Step 3 covers the heap page exactly. TOAST chunks and index entries are pruned by step 2
and written over only where later tuples are slid or put over them: docs/operating.md
says what that guarantees and what it does not (WAL, old page images, backups).
"""

from __future__ import annotations

import base64
import os
import time

from api.store.errors import ScrubIncomplete

# The columns that hold a text or what is derived from it keep no statistics: ANALYZE
# would copy samples of them into pg_statistic, beyond the reach of a takedown. Changing
# a column to its own type drops what was gathered before (no rewrite, indexes reused).
PRIVATE = ("text", "sha256", "template", "checksum", "delete_token_hash")
# A tenth of each new page is kept free, so a tombstone stays on its row's page, where
# the takedown's scrub finds it (api/store/postgres/scrub.py).
TAKEDOWN_STORAGE = "\n;\n".join(
    [
        *(
            f"ALTER TABLE prompts ALTER COLUMN {column} SET STATISTICS 0"
            f"\n;\nALTER TABLE prompts ALTER COLUMN {column} TYPE TEXT"
            for column in PRIVATE
        ),
        "ALTER TABLE prompts SET (fillfactor = 90)",
    ]
)

WAIT_MS = 5000  # how long a takedown waits for older transactions by default
POLL_S = 0.05
# Where each removed row lies (its heap block), how large it is, and the takedown's xid.
LOCATE = (
    "SELECT id, (ctid::text::point)[0]::bigint, pg_column_size(p.*), pg_column_size(p.text), "
    "octet_length(p.text) FROM prompts AS p WHERE id = ANY(%s) AND removed_at IS NULL"
)
XID = "SELECT mod(txid_current(), 4294967296)::text"
# Transactions whose snapshot may still see a row version the takedown made dead: VACUUM
# keeps every version one of them may see (as it computes its own horizon).
OLDER = """
SELECT 'process ' || pid || COALESCE(' (' || application_name || ')', '')
FROM pg_stat_activity
WHERE pid <> pg_backend_pid() AND backend_xmin IS NOT NULL AND age(backend_xmin) >= age(%s::xid)
  AND backend_type NOT LIKE 'autovacuum%%'  -- a VACUUM's own horizon leaves them out
UNION ALL
SELECT 'prepared transaction ' || gid FROM pg_prepared_xacts WHERE age(transaction) >= age(%s::xid)
UNION ALL
SELECT 'replication slot ' || slot_name FROM pg_replication_slots
WHERE xmin IS NOT NULL AND age(xmin) >= age(%s::xid)
LIMIT 1
"""
VACUUM = "VACUUM prompts"
BLOCK_OF = (
    "SELECT (ctid::text::point)[0]::bigint, pg_column_size(p.*) FROM prompts AS p WHERE id = %s"
)
ON_BLOCK = (
    "SELECT id, pg_column_size(p.*) FROM prompts AS p "
    "WHERE ctid >= format('(%%s,0)', %s::bigint)::tid AND ctid < format('(%%s,0)', %s::bigint)::tid"
)
FILL = (
    "UPDATE prompts SET text = %s WHERE id = %s AND removed_at IS NOT NULL "
    "RETURNING (ctid::text::point)[0]::bigint"
)
EMPTY = "UPDATE prompts SET text = '' WHERE id = %s AND removed_at IS NOT NULL"
# Rewrites a live row unchanged: its new version goes to its own page while it fits.
TOUCH = (
    "UPDATE prompts SET created_at = created_at WHERE id = %s "
    "RETURNING (ctid::text::point)[0]::bigint"
)
TUPLE_FIT = 2000  # a filler above ~2 KB would be compressed or moved to TOAST
# Bytes short of the old row the filler stays, so that it fits where the row was (the
# tuple's alignment); they are the lowest of the old row: its header, never its text.
SLACK = 16
BLOCK_SIZE = 8192
POINTER = 18  # a TOAST pointer's bytes in the row


class Located(list):
    """The removed rows as the takedown found them: (id, block, bytes in the row on its
    page, bytes of its text in TOAST or 0)."""

    xid: str | None = None

    def joined(self, later: Located | None) -> Located:
        """These rows and a later takedown's, waiting for transactions older than both."""
        if later is None:
            return self
        both = Located([*self, *later])
        both.xid = self.xid
        return both


def locate(db, prompt_ids: list[str]) -> Located:
    """Inside the takedown's transaction, before its UPDATE: where each row lies."""
    found = Located()
    for prompt_id, block, row, stored, length in db.execute_sql(LOCATE, (prompt_ids,)):
        # A text moved to TOAST is counted whole in the row's size (pg_column_size expands
        # it); on the page the row holds a pointer to it.
        if stored > TUPLE_FIT:
            found.append((prompt_id, block, row - length + POINTER, stored))
        else:
            found.append((prompt_id, block, row, 0))
    (found.xid,) = db.execute_sql(XID).fetchone()
    return found


def scrub(db, located: Located | None, prompt_ids: list[str], wait_ms: int) -> None:
    """Vacuum the table, then write over the free space the removed rows left.

    Raises ScrubIncomplete if a transaction older than the takedown outlasts `wait_ms`:
    `located` is then to be scrubbed again (retry) once it has ended.
    """
    if located is not None:
        blocker = _wait_for_older(db, located.xid, wait_ms)
        if blocker is not None:
            raise ScrubIncomplete(
                f"{blocker} has a transaction older than the takedown, so VACUUM cannot yet "
                "remove the old row version; it is retried, and `prompt-store purge ID --yes` "
                "finishes it once that transaction has ended"
            )
    db.execute_sql(VACUUM)
    for prompt_id, block, row_bytes, text_bytes in located or ():
        _fill(db, prompt_id, block, row_bytes)
        _fill_toast(db, prompt_id, text_bytes)
    filled = {row[0] for row in located or ()}
    for prompt_id in set(prompt_ids) - filled:  # a purge again: the tombstone's page
        row = db.execute_sql(BLOCK_OF, (prompt_id,)).fetchone()
        if row is not None:
            _touch_until_full(db, prompt_id, row[0])


def _wait_for_older(db, xid: str, wait_ms: int) -> str | None:
    deadline = time.monotonic() + wait_ms / 1000
    while True:
        row = db.execute_sql(OLDER, (xid, xid, xid)).fetchone()
        if row is None:
            return None
        if time.monotonic() >= deadline:
            return row[0]
        time.sleep(POLL_S)


def _filler(size: int) -> str:
    """Characters no compressor shortens, `size` of them (the page holds them as they are)."""
    return base64.b64encode(os.urandom(size)).decode()[: max(0, size)]


def _fill(db, prompt_id: str, block: int, row_bytes: int) -> None:
    """Put `row_bytes` of new tuples on `block`: over what pruning left of the old row."""
    need = min(row_bytes, TUPLE_FIT)
    with db.atomic():
        here, tombstone = db.execute_sql(BLOCK_OF, (prompt_id,)).fetchone()
        if here == block and need > tombstone + SLACK:
            filler = _filler(need - tombstone - SLACK)
            (landed,) = db.execute_sql(FILL, (filler, prompt_id)).fetchone()
            db.execute_sql(EMPTY, (prompt_id,))
            if landed == block:
                return
        _touch_until_full(db, prompt_id, block, need)


def _touch_until_full(db, prompt_id: str, block: int, need: int = BLOCK_SIZE) -> None:
    """Rewrite the other rows of `block` unchanged, until `need` bytes went onto it or a
    row no longer fits there: new tuples fill the page's free space from the top, where
    pruning left what it did not slide over."""
    covered = 0
    with db.atomic():
        for other, size in db.execute_sql(ON_BLOCK, (block, block + 1)).fetchall():
            if other == prompt_id:
                continue
            (landed,) = db.execute_sql(TOUCH, (other,)).fetchone()
            covered += size
            if landed != block or covered >= need:
                return


def _fill_toast(db, prompt_id: str, text_bytes: int) -> None:
    """A text stored in TOAST: as many bytes of filler go through TOAST, into freed space."""
    if text_bytes > TUPLE_FIT:
        with db.atomic():
            db.execute_sql(FILL, (_filler(text_bytes), prompt_id))
            db.execute_sql(EMPTY, (prompt_id,))
