"""PostgreSQL, the scale-out path: DATABASE_URL=postgres://..., through psycopg2.

One persistent connection per worker thread (gunicorn's workers x threads per
container, 8 by default): a fixed number that needs no pool, and no connect or
pool checkout on a request. A connection the server dropped is replaced on the
next query.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import peewee
from playhouse import db_url

from api.config import ConfigError
from api.store.dialects import Dialect
from api.store.errors import ScrubIncomplete
from api.store.postgres import scrub
from api.store.postgres.backups import PostgresBackups

PAGE_ROWS = 100  # statements a round trip of a bulk import
STREAM_BATCH = 200  # rows per round trip of a server-side cursor: at most 40 MB of 200 KB texts
MIGRATION_LOCK = 0x70726F6D  # any constant; names the advisory lock ("prom")

# PostgreSQL runs several writers at once, so read-then-write would let concurrent
# saves by one client all pass. One upsert takes the row lock and decides: a new
# client gets tat = now + interval; a known one max(tat, now) + interval, but only
# while that stays within now + period (the burst). No row back means refused.
TAKE = (
    "INSERT INTO rate_limits AS r (key, tat) VALUES (%s, %s) "
    "ON CONFLICT (key) DO UPDATE SET tat = GREATEST(r.tat + %s, excluded.tat) "
    "WHERE GREATEST(r.tat + %s, excluded.tat) <= %s RETURNING tat"
)
TAT = "SELECT tat FROM rate_limits WHERE key = %s"
# SKIP LOCKED: never wait for a row another save holds, so pruning cannot deadlock.
PRUNE = (
    "DELETE FROM rate_limits WHERE key IN "
    "(SELECT key FROM rate_limits WHERE tat < %s LIMIT 1000 FOR UPDATE SKIP LOCKED)"
)
SIZE = """
SELECT COALESCE(SUM(pg_total_relation_size(oid)), 0)::bigint FROM pg_class
WHERE relnamespace = current_schema()::regnamespace AND relkind = 'r'
"""
# FOREIGN KEY constraints hold unless someone disabled triggers; check as SQLite does.
ORPHANS = """
SELECT 'prompts', c.id, 'prompts' FROM prompts AS c
WHERE c.parent_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM prompts AS p WHERE p.id = c.parent_id)
UNION ALL
SELECT 'legacy_ids', l.legacy_id, 'prompts' FROM legacy_ids AS l
WHERE NOT EXISTS (SELECT 1 FROM prompts AS p WHERE p.id = l.prompt_id)
UNION ALL
SELECT 'labels', l.name, 'prompts' FROM labels AS l
WHERE NOT EXISTS (SELECT 1 FROM prompts AS p WHERE p.id = l.prompt_id)
UNION ALL
SELECT 'label_moves', m.label || ' ' || m.revision, 'prompts' FROM label_moves AS m
WHERE NOT EXISTS (SELECT 1 FROM prompts AS p WHERE p.id = m.prompt_id)
   OR (m.previous_id IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM prompts AS p WHERE p.id = m.previous_id))
UNION ALL
SELECT 'label_moves', m.label || ' ' || m.revision, 'labels' FROM label_moves AS m
WHERE NOT EXISTS (SELECT 1 FROM labels AS l WHERE l.name = m.label)
"""
# amcheck, when installed, verifies every B-tree index of this schema's tables.
INDEXES = """
SELECT i.indexrelid::regclass::text FROM pg_index AS i
JOIN pg_class AS c ON c.oid = i.indexrelid JOIN pg_am AS a ON a.oid = c.relam
WHERE c.relnamespace = current_schema()::regnamespace AND a.amname = 'btree' ORDER BY 1
"""
# prompt_counts (api/store/schema.py, migration 7): each server process counts in its
# own slot of 16, so concurrent saves do not queue on one row until they commit.
COUNT_TRIGGERS = """CREATE FUNCTION prompts_counted() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    d_prompts bigint := 0;
    d_removed bigint := 0;
BEGIN
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        d_prompts := 1;
        d_removed := (NEW.removed_at IS NOT NULL)::int;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        d_prompts := d_prompts - 1;
        d_removed := d_removed - (OLD.removed_at IS NOT NULL)::int;
    END IF;
    IF d_prompts <> 0 OR d_removed <> 0 THEN
        UPDATE prompt_counts SET prompts = prompts + d_prompts, removed = removed + d_removed
        WHERE slot = mod(pg_backend_pid(), 16);
    END IF;
    RETURN NULL;
END
$$
;
CREATE TRIGGER prompts_counted AFTER INSERT OR DELETE OR UPDATE OF removed_at ON prompts
FOR EACH ROW EXECUTE FUNCTION prompts_counted()"""


# api/store/fragments.py: an older release's takedown leaves no entry to serve.
TOMBSTONE_TRIGGER = """CREATE FUNCTION prompts_tombstone_entry() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.history_entry := NULL;
    NEW.history_bytes := NULL;
    NEW.history_decoded := NULL;
    UPDATE prompts SET history_entry = NULL WHERE parent_id = NEW.id;
    RETURN NEW;
END
$$
;
CREATE TRIGGER prompts_tombstone_entry BEFORE UPDATE OF removed_at ON prompts FOR EACH ROW
WHEN (OLD.removed_at IS NULL AND NEW.removed_at IS NOT NULL
    AND NEW.history_entry IS NOT DISTINCT FROM OLD.history_entry)
EXECUTE FUNCTION prompts_tombstone_entry()"""
# Migration 9: the history entries (migration 8) quote the head of each text. The type
# change that drops their statistics is refused while a trigger names the column, so the
# trigger is made again around it.
PRIVATE_HISTORY = "\n;\n".join(
    [
        "DROP TRIGGER prompts_tombstone_entry ON prompts",
        "ALTER TABLE prompts ALTER COLUMN history_entry SET STATISTICS 0",
        "ALTER TABLE prompts ALTER COLUMN history_entry TYPE TEXT",
        TOMBSTONE_TRIGGER.split("\n;\n")[1],
    ]
)


class ReconnectingDatabase(peewee.PostgresqlDatabase):
    """PostgreSQL through psycopg2, reconnecting after the server dropped a connection."""

    def cursor(self, named_cursor=None):
        conn = self._state.conn
        # After a restart or failover the old connection is marked closed: the query
        # that found out failed (503), the next one gets a new connection. Inside a
        # transaction there is nothing left to do on it.
        if conn is not None and conn.closed:
            if self.in_transaction():
                raise peewee.OperationalError("the connection to the database was lost")
            self._state.reset()
        return super().cursor(named_cursor)

    def rollback(self):
        # A transaction whose connection died is over already: report the error
        # that killed it (503), not a failed rollback.
        if self._state.conn is None or not self._state.conn.closed:
            super().rollback()


class PostgresDialect(Dialect):
    """PostgreSQL: many writers at once, so the database's own locks do the queueing."""

    name = "postgres"
    param = "%s"
    spellings = {
        "double": "DOUBLE PRECISION",
        "text_bytes": "convert_to(text, 'UTF8')",
        "text_size": "octet_length(text)",  # no text read whole
        "json_ids": "COALESCE(json_agg(legacy_id ORDER BY legacy_id), '[]')::text",
        "count_triggers": COUNT_TRIGGERS,
        "takedown_storage": scrub.TAKEDOWN_STORAGE,
        "private_history": PRIVATE_HISTORY,
        "tombstone_trigger": TOMBSTONE_TRIGGER,
    }
    scrub_report = (
        "VACUUM removed its old row version and the space it held on its page was written "
        "over, without rewriting the table (docs/operating.md: Takedowns on PostgreSQL)"
    )

    def __init__(self, url: str, replica=None):
        if replica is not None:
            raise ConfigError(
                "STRUCKDOWN_REPLICA_URL replicates the SQLite file, so it cannot be used with "
                "DATABASE_URL: PostgreSQL has its own backups and WAL archiving "
                "(docs/operating.md: Scaling out)."
            )
        try:
            import psycopg2  # noqa: F401 -- only to say clearly when the driver is missing
        except ImportError:
            raise ConfigError(
                "DATABASE_URL names PostgreSQL, but its driver is not installed: "
                "pip install 'prompt-store[postgres]' (requirements.txt has it)"
            ) from None
        try:
            params = db_url.parse(url, unquote_password=True, unquote_user=True)
        except ValueError as error:
            raise ConfigError(f"DATABASE_URL cannot be read: {error}") from None
        self.name_in_server = params.pop("database", "")
        if not self.name_in_server:
            raise ConfigError("DATABASE_URL names no database: postgres://user:password@host/NAME")
        params.setdefault("connect_timeout", 10)
        params.setdefault("application_name", "prompt-store")
        self.params = params

    def open(self) -> peewee.Database:
        return ReconnectingDatabase(self.name_in_server, **self.params)

    def label(self) -> str:
        user = f"{self.params['user']}@" if self.params.get("user") else ""
        port = f":{self.params['port']}" if self.params.get("port") else ""
        return f"postgresql://{user}{self.params.get('host', '')}{port}/{self.name_in_server}"

    def client_environment(self) -> dict[str, str]:
        """Return libpq's PG* variables for this database (for pg_dump and psql)."""
        names = {
            "host": "PGHOST",
            "port": "PGPORT",
            "user": "PGUSER",
            "password": "PGPASSWORD",
            "options": "PGOPTIONS",
            "sslmode": "PGSSLMODE",
        }
        env = {names[k]: str(v) for k, v in self.params.items() if k in names}
        return dict(env, PGDATABASE=self.name_in_server)

    def migration_lock(self, db) -> None:
        # One migrator at a time across every process and host (SQLite's BEGIN
        # IMMEDIATE already serialises them); released at commit.
        db.execute_sql("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))

    def stream(self, db, sql, params) -> Iterator[tuple]:
        # A named cursor: the server keeps the result and sends STREAM_BATCH rows per
        # round trip, so the client holds one batch whatever the table's size. psycopg2
        # allows one only inside a transaction, which peewee's autocommit connection is not
        # between statements: this read gets one of its own, rolled back at the end.
        if db.in_transaction():
            yield from db.execute_sql(sql, params)
            return
        db.connect(reuse_if_open=True)
        conn = db.connection()
        conn.autocommit = False
        try:
            with conn.cursor(name=f"prompt_store_{uuid.uuid4().hex}") as cursor:
                cursor.itersize = STREAM_BATCH
                cursor.execute(sql, params)
                yield from cursor
        finally:
            if not conn.closed:
                conn.rollback()
                conn.autocommit = True

    def execute_pages(self, db, sql, rows) -> None:
        from psycopg2.extras import execute_batch  # a page of rows a round trip, not one row

        execute_batch(db.cursor(), sql, rows, page_size=PAGE_ROWS)

    def take_rate_limit(self, db, key, interval, period, now) -> float:
        fresh = now + interval
        row = db.execute_sql(TAKE, (key, fresh, interval, interval, now + period + 1e-9)).fetchone()
        if row is None:
            (tat,) = db.execute_sql(TAT, (key,)).fetchone()
            return max(tat, now) + interval - period - now
        (tat,) = row
        if tat == fresh:
            # A new client, or one whose allowance refilled: forget others like it.
            db.execute_sql(PRUNE, (now,))
        return 0.0

    def sizes(self, db) -> tuple[int, int]:
        # The tables with their TOAST and indexes; the server's WAL is its own business.
        (size,) = db.execute_sql(SIZE).fetchone()
        return size, 0

    def integrity_problems(self, db) -> list[str]:
        # The server checks pages itself (with data checksums on, every page read is
        # verified); amcheck, when installed, checks every index.
        if not db.execute_sql("SELECT 1 FROM pg_extension WHERE extname = 'amcheck'").fetchone():
            return []
        problems = []
        for (index,) in db.execute_sql(INDEXES).fetchall():
            try:
                db.execute_sql("SELECT bt_index_check(%s::regclass)", (index,))
            except peewee.DatabaseError as error:
                problems.append(f"index {index}: {error}".strip())
        return problems

    def foreign_key_problems(self, db) -> list[str]:
        rows = db.execute_sql(ORPHANS)
        return [f"{table} row {row} names a missing row of {parent}" for table, row, parent in rows]

    def backups(self, database) -> PostgresBackups:
        return PostgresBackups(database, self.client_environment())

    def locate_removed(self, db, prompt_ids):
        return scrub.locate(db, prompt_ids)

    scrub_wait_ms = scrub.WAIT_MS  # how long a takedown waits for older transactions
    _pending: scrub.Located | None = None  # a scrub older transactions kept from finishing

    def scrub(self, db, texts=None, wait_ms=None, located=None, prompt_ids=()) -> None:
        wait_ms = self.scrub_wait_ms if wait_ms is None else wait_ms
        if self._pending is not None:  # this process's scrub that could not finish
            located = self._pending.joined(located)
        try:
            scrub.scrub(db, located, list(prompt_ids), wait_ms)
        except ScrubIncomplete:
            self._pending = located
            raise
        self._pending = None

    def scrub_pending(self) -> bool:
        return self._pending is not None
