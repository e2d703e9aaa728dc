"""The schema: the columns of a prompt, and the migrations that build the tables.

Each migration moves the schema one version forward. Never edit a released entry:
append a new one, so an existing database is brought up to date. Statements are
portable SQL except where a `{name}` asks the dialect for its spelling (see
Dialect.spellings), e.g. `{double}`: SQLite's REAL has 8 bytes, PostgreSQL's only 4.
A step that needs Python (filling a derived column) is a function instead of a
statement; it runs in the same transaction, through the same `execute` and `prepare`.
"""

from __future__ import annotations

from collections.abc import Callable

from api.store.derived import count_triggers, fill_derived, private_history, takedown_storage
from api.store.fragments import fill_fragments, tombstone_trigger
from api.store.values import now
from api.text import interface as template_interface

Execute = Callable[..., object]  # (sql, params=()) -> a DB-API cursor
Prepare = Callable[[str], str]


# The prompts table, as the migrations below leave it: one saved version per row, only
# its text and what is derived from it, never a prompt's inputs or outputs.
#   id, parent_id     the version's UUID and its parent's (NULL for a root)
#   text, sha256      the prompt text and the hash of its UTF-8 bytes
#   created_at        ISO 8601 UTC with a fixed width, so text order is time order
#   removed_at        set on a tombstone (text '', sha256 NULL): purged by request
#   delete_token_hash sha256 of the creator's delete token, never the token itself
#   template          what the text asks for (api/text/interface.py) as the JSON the
#                     API serves: derived from the text when written, NULL on a tombstone
#   depth, checksum   its number in its lineage, and a hash over sha256 and template
#                     (api/store/derived.py): kept when written, for the jobs
#   history_entry, history_bytes, history_decoded
#                     its history entry, encoded when written, and what a page's bounds
#                     count of it (api/store/fragments.py)
PROMPT_COLUMNS = (
    "id",
    "parent_id",
    "text",
    "sha256",
    "created_at",
    "removed_at",
    "delete_token_hash",
    "template",
    "depth",
    "checksum",
    "history_entry",
    "history_bytes",
    "history_decoded",
)


# Rows that have text but no template yet, oldest id first: filled in batches by id.
MISSING_TEMPLATES = (
    "SELECT id, text FROM prompts WHERE template IS NULL AND removed_at IS NULL AND id > ? "
    "ORDER BY id LIMIT ?"
)
SET_TEMPLATE = "UPDATE prompts SET template = ? WHERE id = ? AND removed_at IS NULL"
FILL_BATCH = 500


def fill_templates(execute: Execute, prepare: Prepare) -> int:
    """Store the template of every text that has none; return how many were filled.

    Only rows still missing one are read, so it can run again at any time: after a
    crash rolled it back, on a restored backup, or after rows were saved by an older
    release during a deploy (`prompt-store init-db` runs it each time).
    """
    select, update = prepare(MISSING_TEMPLATES), prepare(SET_TEMPLATE)
    filled, last = 0, ""
    while rows := execute(select, (last, FILL_BATCH)).fetchall():
        for prompt_id, text in rows:
            execute(update, (template_interface.stored(text), prompt_id))
        filled += len(rows)
        last = rows[-1][0]
    return filled


MIGRATIONS: list[tuple[str | Callable[[Execute, Prepare], object], ...]] = [
    (
        """CREATE TABLE prompts (
            id TEXT PRIMARY KEY NOT NULL,
            parent_id TEXT REFERENCES prompts (id),
            text TEXT NOT NULL,
            sha256 TEXT,
            created_at TEXT NOT NULL
        )""",
        # One row per (parent, text): idempotent saves hold even under races. Two
        # partial indexes, as NULL parents are never equal; each insert touches one,
        # and the second also serves lookups of children by parent.
        "CREATE UNIQUE INDEX prompts_root_sha256 ON prompts (sha256) WHERE parent_id IS NULL",
        "CREATE UNIQUE INDEX prompts_parent_sha256 ON prompts (parent_id, sha256) "
        "WHERE parent_id IS NOT NULL",
        "CREATE INDEX prompts_created_at ON prompts (created_at, id)",
        # The save rate limit (GCRA): per hashed client key, the theoretical arrival
        # time of its next save, as a Unix time.
        "CREATE TABLE rate_limits (key TEXT PRIMARY KEY NOT NULL, tat {double} NOT NULL)",
        "CREATE INDEX rate_limits_tat ON rate_limits (tat)",
    ),
    (
        "ALTER TABLE prompts ADD COLUMN removed_at TEXT",
        # Old share links of the flat-file store: a content-hash name -> its new UUID.
        """CREATE TABLE legacy_ids (
            legacy_id TEXT PRIMARY KEY NOT NULL,
            prompt_id TEXT NOT NULL REFERENCES prompts (id)
        )""",
        "CREATE INDEX legacy_ids_prompt_id ON legacy_ids (prompt_id)",
    ),
    (
        # The creator's delete token, hashed: NULL for prompts saved before, or imported.
        "ALTER TABLE prompts ADD COLUMN delete_token_hash TEXT",
    ),
    (
        # What each text asks for, read once when it is written instead of on every
        # load, so a history can mark interface changes without reading any text.
        "ALTER TABLE prompts ADD COLUMN template TEXT",
        # Empty but for rows not filled yet: finding them costs nothing however large
        # the table.
        "CREATE INDEX prompts_missing_template ON prompts (id) "
        "WHERE template IS NULL AND removed_at IS NULL",
        fill_templates,
    ),
    (
        # Labels (api/store/labels.py): a name an application fetches, pointing at one
        # version; moved only by the holder of its token (hashed, like delete tokens).
        # `revision` counts its moves: a move is an UPDATE guarded by the revision it read.
        """CREATE TABLE labels (
            name TEXT PRIMARY KEY NOT NULL,
            prompt_id TEXT NOT NULL REFERENCES prompts (id),
            token_hash TEXT NOT NULL,
            created_at TEXT NOT NULL,
            moved_at TEXT NOT NULL,
            revision INTEGER NOT NULL
        )""",
        "CREATE INDEX labels_prompt_id ON labels (prompt_id)",
        # Append-only: one row per move, the creation first (revision 1, no previous).
        """CREATE TABLE label_moves (
            label TEXT NOT NULL REFERENCES labels (name),
            revision INTEGER NOT NULL,
            prompt_id TEXT NOT NULL REFERENCES prompts (id),
            previous_id TEXT REFERENCES prompts (id),
            moved_at TEXT NOT NULL,
            forced INTEGER NOT NULL,
            note TEXT,
            PRIMARY KEY (label, revision)
        )""",
    ),
    (
        # The labels that once pointed at a version (the editor's "now points at v7"): found
        # by an indexed lookup, not a scan of every move.
        "CREATE INDEX label_moves_prompt_id ON label_moves (prompt_id)",
    ),
    (
        # What the jobs need without reading every text or walking every lineage.
        "ALTER TABLE prompts ADD COLUMN depth INTEGER",
        "ALTER TABLE prompts ADD COLUMN checksum TEXT",
        # Parents before children, in the export's order, without sorting any text.
        "CREATE INDEX prompts_depth ON prompts (depth, created_at, id)",
        "CREATE INDEX prompts_missing_depth ON prompts (id) WHERE depth IS NULL",
        "CREATE INDEX prompts_missing_checksum ON prompts (id) "
        "WHERE checksum IS NULL AND removed_at IS NULL",
        fill_derived,
        # The counts /metrics and /api/stats serve, kept by triggers in the transaction
        # of every insert, takedown and delete, whoever writes (an older release too).
        # PostgreSQL spreads its writers over 16 slots so that concurrent saves do not
        # queue on one row; SQLite has one writer and uses slot 0. A count is the sum.
        """CREATE TABLE prompt_counts (
            slot INTEGER PRIMARY KEY NOT NULL,
            prompts BIGINT NOT NULL,
            removed BIGINT NOT NULL
        )""",
        "INSERT INTO prompt_counts (slot, prompts, removed) "
        "SELECT 0, COUNT(*), COUNT(removed_at) FROM prompts",
        "INSERT INTO prompt_counts (slot, prompts, removed) "
        "SELECT n, 0, 0 FROM ("
        + " UNION ALL ".join(f"SELECT {n} AS n" for n in range(1, 16))
        + ") AS slots",
        count_triggers,
        # PostgreSQL: no samples of a text in pg_statistic, where no takedown reaches, and
        # room on each page for the tombstone beside the row it replaces.
        takedown_storage,
    ),
    (
        # A history page joins the entries each version keeps, encoded when it was
        # written (api/store/fragments.py): no text read, no interface decoded per request.
        "ALTER TABLE prompts ADD COLUMN history_entry TEXT",
        "ALTER TABLE prompts ADD COLUMN history_bytes INTEGER",
        "ALTER TABLE prompts ADD COLUMN history_decoded INTEGER",
        # Empty but for rows an older release wrote during a deploy, or took down (the
        # trigger): init-db finds them at no cost however large the table.
        "CREATE INDEX prompts_missing_entry ON prompts (id) WHERE history_entry IS NULL",
        tombstone_trigger,
        fill_fragments,
    ),
    (
        # PostgreSQL: the history entries quote the head of each text, so ANALYZE samples
        # none of them into pg_statistic either (as migration 7 for the text itself).
        private_history,
    ),
]
SCHEMA_VERSION = len(MIGRATIONS)

CREATE_VERSIONS = (
    "CREATE TABLE IF NOT EXISTS schema_migrations "
    "(version INTEGER PRIMARY KEY NOT NULL, applied_at TEXT NOT NULL)"
)
CURRENT_VERSION = "SELECT COALESCE(MAX(version), 0) FROM schema_migrations"
RECORD_VERSION = "INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)"


def apply_migrations(
    execute: Callable, found: int, prepare: Callable[[str], str], until: int = SCHEMA_VERSION
) -> None:
    """Run the migrations after version `found` through `until` (the newest by default)
    through `execute`, in the caller's transaction.

    `prepare` spells a statement for the database at hand (Dialect.prepare).
    """
    for version in range(found + 1, until + 1):
        for step in MIGRATIONS[version - 1]:
            if callable(step):
                step(execute, prepare)
            else:
                execute(prepare(step))
        execute(prepare(RECORD_VERSION), (version, now()))
