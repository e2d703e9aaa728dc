"""The prompt store: the Peewee model, the database connection and every query.

This is the only module that speaks SQL. The public functions initialise the
database from the configuration on first use, so a script can call them directly:

    >>> from api import store
    >>> prompt_id, created = store.save_prompt("Summarise {{ text }}")
    >>> store.get_prompt(prompt_id)
    'Summarise {{ text }}'

Hot paths (load by id, save, history, rate limit) run fixed SQL strings; the
model, the rest of the queries and the connection handling are Peewee's.

SQLite is the default. DATABASE_URL=postgres://... selects PostgreSQL instead
(psycopg2, the `postgres` extra): the same statements run on both, except the few
listed in _ON_POSTGRES and the branches on `_postgres`, where the dialects differ.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import hmac
import os
import re
import threading
import uuid
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from peewee import (
    CharField,
    DatabaseProxy,
    FloatField,
    ForeignKeyField,
    Model,
    OperationalError,
    PostgresqlDatabase,
    SqliteDatabase,
    TextField,
    Tuple,
    fn,
)
from playhouse import db_url

from ..config import Config, ConfigError

SUMMARY_CHARS = 120
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")

database = DatabaseProxy()

# Every connection gets these. WAL lets readers run beside the one writer;
# synchronous=normal is durable across application crashes in WAL mode (a power
# loss may drop the last commits, never corrupt); busy_timeout makes a writer wait
# for the lock instead of failing with "database is locked". secure_delete=fast zeroes
# old content inside b-tree pages whenever they are written anyway (no extra I/O), so
# text never lingers in a page's slack space: a takedown need not rewrite the file.
PRAGMAS = {
    "journal_mode": "wal",
    "synchronous": "normal",
    "foreign_keys": 1,
    "busy_timeout": 10_000,
    "secure_delete": "fast",
}


class StoreError(Exception):
    """Base class for the errors a caller of the store can act on."""


class InvalidPromptId(StoreError, ValueError):
    """The id is not a UUID."""


class PromptNotFound(StoreError, LookupError):
    """No prompt has this id."""


class ParentNotFound(StoreError, LookupError):
    """The parent_id is a well-formed UUID that names no prompt."""


class InvalidPromptText(StoreError, ValueError):
    """The text is not something we store (empty, NUL, unpaired surrogates)."""


class PromptTooLarge(StoreError, ValueError):
    """The text is over the configured size limit."""

    def __init__(self, size: int, limit: int):
        super().__init__(f"prompt is {size} bytes; the limit is {limit} bytes")
        self.size, self.limit = size, limit


class PromptConflict(StoreError):
    """store_prompt was asked to reuse an id, or a (parent, text) pair, for other text."""


class SchemaTooNew(StoreError):
    """The database was migrated by a newer release than this one."""


class PromptRemoved(StoreError):
    """The prompt was purged: its row stays as a tombstone, its text is gone."""


class NotAPromptDatabase(StoreError):
    """A file offered as a backup is not a healthy prompt-store database."""


class WrongDeleteToken(StoreError):
    """The delete token is missing, or is not the one the prompt was saved with."""


class ScrubIncomplete(StoreError):
    """The prompt is a tombstone, but old copies of its text may remain in the files."""


# -- The model ---------------------------------------------------------------


class BaseModel(Model):
    class Meta:
        database = database


class Prompt(BaseModel):
    """One saved version of a prompt. Only the text is stored, never inputs or outputs."""

    id = CharField(primary_key=True, max_length=36)
    parent = ForeignKeyField("self", null=True, column_name="parent_id", backref="children")
    text = TextField()
    sha256 = CharField(max_length=64, null=True)
    # ISO 8601 UTC with a fixed width, so text order is time order.
    created_at = CharField(max_length=32)
    # Set on a tombstone (text '', sha256 NULL): the text was purged by request.
    removed_at = CharField(max_length=32, null=True)
    # sha256 of the token that lets the creator delete it; never the token itself.
    delete_token_hash = CharField(max_length=64, null=True)

    class Meta:
        table_name = "prompts"


class RateLimitState(BaseModel):
    """GCRA state per client: the theoretical arrival time of its next save."""

    key = CharField(primary_key=True)
    tat = FloatField()

    class Meta:
        table_name = "rate_limits"


# -- Schema migrations ---------------------------------------------------------
# Each entry moves the schema one version forward. Never edit a released entry:
# append a new one, so an existing database file is brought up to date.

MIGRATIONS: list[tuple[str, ...]] = [
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
        "CREATE TABLE rate_limits (key TEXT PRIMARY KEY NOT NULL, tat REAL NOT NULL)",
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
]
SCHEMA_VERSION = len(MIGRATIONS)

# Each statement runs as written on both databases, except these, which PostgreSQL
# runs instead. (Write new ones portably: TEXT, INTEGER, DOUBLE PRECISION, no PRAGMA.)
_POSTGRES_MIGRATIONS = {
    # PostgreSQL's REAL has 4 bytes: far too coarse for a Unix time.
    "CREATE TABLE rate_limits (key TEXT PRIMARY KEY NOT NULL, tat REAL NOT NULL)": (
        "CREATE TABLE rate_limits (key TEXT PRIMARY KEY NOT NULL, tat DOUBLE PRECISION NOT NULL)"
    ),
}


def migrate() -> int:
    """Create or update the schema to SCHEMA_VERSION; return the version found before."""
    _connect_lazily()
    with database.atomic():
        if _postgres:
            # One migrator at a time across every process and host (SQLite's
            # BEGIN IMMEDIATE already serialises them); released at commit.
            database.execute_sql("SELECT pg_advisory_xact_lock(%s)", (_MIGRATION_LOCK,))
        database.execute_sql(
            "CREATE TABLE IF NOT EXISTS schema_migrations "
            "(version INTEGER PRIMARY KEY NOT NULL, applied_at TEXT NOT NULL)"
        )
        found = database.execute_sql(
            "SELECT COALESCE(MAX(version), 0) FROM schema_migrations"
        ).fetchone()[0]
        if found > SCHEMA_VERSION:
            raise SchemaTooNew(
                f"the database is at schema version {found}; this release knows "
                f"only up to {SCHEMA_VERSION}. Deploy the newer release."
            )
        _apply_migrations(database.execute_sql, found, postgres=_postgres)
    return found


_MIGRATION_LOCK = 0x70726F6D  # any constant; names the advisory lock ("prom")


def _apply_migrations(execute: Callable, found: int, postgres: bool = False) -> None:
    """Run the migrations after version `found`, inside the caller's transaction."""
    param = "%s" if postgres else "?"
    for version in range(found + 1, SCHEMA_VERSION + 1):
        for statement in MIGRATIONS[version - 1]:
            execute(_POSTGRES_MIGRATIONS.get(statement, statement) if postgres else statement)
        execute(
            f"INSERT INTO schema_migrations (version, applied_at) VALUES ({param}, {param})",
            (version, _now()),
        )


def schema_version() -> int:
    """Return the schema version of the configured database (0 when empty)."""
    _ensure()
    return database.execute_sql("SELECT MAX(version) FROM schema_migrations").fetchone()[0]


# -- Connection handling --------------------------------------------------------
# One database object per process; Peewee keeps one connection per thread, opened
# on first use and then reused. Nothing connects at import time, and a forked
# child forgets (without closing) any connection its parent held.
#
# On PostgreSQL that is also one persistent connection per worker thread: gunicorn's
# workers x threads per container (8 by default), a fixed number that needs no
# pool, and no connect or pool checkout on a request. A connection the server
# dropped is replaced on the next query (_PostgresDatabase).

_lock = threading.Lock()
_config: Config | None = None
_migrated = False
_postgres = False  # the dialect switch of the hot paths: a module global, set once
_sql_cache: dict[str, str] = {}


class _PostgresDatabase(PostgresqlDatabase):
    """PostgreSQL through psycopg2, reconnecting after the server dropped a connection."""

    def cursor(self, named_cursor=None):
        conn = self._state.conn
        # After a restart or failover the old connection is marked closed: the query
        # that found out failed (503), the next one gets a new connection. Inside a
        # transaction (a savepoint's rollback) there is nothing left to do on it.
        if conn is not None and conn.closed:
            if self.in_transaction():
                raise OperationalError("the connection to the database was lost")
            self._state.reset()
        return super().cursor(named_cursor)

    def rollback(self):
        # A transaction whose connection died is over already: report the error
        # that killed it (503), not a failed rollback.
        if self._state.conn is None or not self._state.conn.closed:
            super().rollback()


def _postgres_database(url: str) -> PostgresqlDatabase:
    """Build the database a postgres:// URL names, or raise ConfigError saying why not."""
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
    name = params.pop("database", "")
    if not name:
        raise ConfigError("DATABASE_URL names no database: postgres://user:password@host/NAME")
    params.setdefault("connect_timeout", 10)
    params.setdefault("application_name", "prompt-store")
    return _PostgresDatabase(name, **params)


def configure(config: Config | None = None) -> None:
    """Point the store at the database `config` names; connects only on first use."""
    global _config, _migrated, _postgres
    config = config or Config.from_env()
    url = config.database_url
    if url and url.split(":", 1)[0] in ("postgres", "postgresql"):
        db = _postgres_database(url)
    elif url and not url.startswith("sqlite:///"):
        raise ConfigError(
            "DATABASE_URL must be postgres://user:password@host:port/name "
            "or sqlite:///path/to/prompts.db"
        )
    else:
        path = url[len("sqlite:///") :] if url else config.db_path
        db = SqliteDatabase(str(path), pragmas=PRAGMAS, timeout=10, lock_type="IMMEDIATE")
    with _lock:
        close()
        database.initialize(db)
        _config, _migrated, _postgres = config, False, isinstance(db, PostgresqlDatabase)
        _sql_cache.clear()
        _forget_gate()


def config() -> Config:
    """Return the configuration in use, reading the environment if none was given."""
    if _config is None:
        configure()
    return _config


def close() -> None:
    """Close this thread's connection, if it has one."""
    if database.obj is not None and not database.is_closed():
        database.close()


def database_path() -> Path:
    """Return the path of the SQLite database file."""
    config()
    return Path(database.database)


def is_postgres() -> bool:
    """Say whether the configured database is PostgreSQL (else SQLite)."""
    config()
    return _postgres


def database_label() -> str:
    """Name the database for people: the SQLite file, or the PostgreSQL URL without password."""
    config()
    if not _postgres:
        return str(database.database)
    params = database.connect_params
    user = f"{params['user']}@" if params.get("user") else ""
    port = f":{params['port']}" if params.get("port") else ""
    return f"postgresql://{user}{params.get('host', '')}{port}/{database.database}"


def postgres_environment() -> dict[str, str]:
    """Return libpq's PG* variables for the PostgreSQL database (for pg_dump and psql)."""
    config()
    names = {
        "host": "PGHOST",
        "port": "PGPORT",
        "user": "PGUSER",
        "password": "PGPASSWORD",
        "options": "PGOPTIONS",
        "sslmode": "PGSSLMODE",
    }
    env = {names[k]: str(v) for k, v in database.connect_params.items() if k in names}
    return dict(env, PGDATABASE=database.database)


def postgres_schema() -> str:
    """Return the PostgreSQL schema that holds the tables (normally public)."""
    _ensure()
    return database.execute_sql("SELECT current_schema()").fetchone()[0]


def _forget_connections_after_fork() -> None:
    if database.obj is not None:
        database._state.reset()
    _forget_gate()  # a child must not share its parent's lock: it opens its own


os.register_at_fork(after_in_child=_forget_connections_after_fork)


def _connect_lazily() -> None:
    if database.obj is None:
        configure()
    if _postgres:
        return
    path = Path(database.database)
    if not path.parent.exists():
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    if not path.exists():
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))


def _ensure() -> None:
    global _migrated
    if _migrated and database.obj is not None:
        return
    with _lock:
        if not _migrated:
            migrate()
            _migrated = True


_POSTGRES_SIZE = """
SELECT COALESCE(SUM(pg_total_relation_size(oid)), 0)::bigint FROM pg_class
WHERE relnamespace = current_schema()::regnamespace AND relkind = 'r'
"""
# Statements PostgreSQL spells differently, filled in where they are written.
_ON_POSTGRES: dict[str, str] = {}


def _sql(statement: str) -> str:
    """Adapt a '?'-parameter statement to the database's dialect and parameter style, once."""
    cached = _sql_cache.get(statement)
    if cached is None:
        dialect = _ON_POSTGRES.get(statement, statement) if _postgres else statement
        cached = _sql_cache[statement] = dialect.replace("?", database.param)
    return cached


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


# -- Validation -----------------------------------------------------------------


def validate_prompt_id(prompt_id: Any) -> str:
    """Return the canonical (lowercase) form of a UUID id, or raise InvalidPromptId."""
    if isinstance(prompt_id, str) and len(prompt_id) == 36:
        canonical = prompt_id.lower()
        if _UUID.match(canonical):
            return canonical
    raise InvalidPromptId(f"{prompt_id!r} is not a prompt id (a UUID)")


def encode_text(text: Any) -> bytes:
    """Return the UTF-8 bytes of a storable text, or raise why it is not storable."""
    if not isinstance(text, str):
        raise InvalidPromptText("text must be a string")
    if not text.strip():
        raise InvalidPromptText("text is empty")
    if "\x00" in text:
        raise InvalidPromptText("text contains a NUL character (U+0000)")
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidPromptText("text contains an unpaired surrogate; send valid Unicode") from None
    limit = config().max_bytes
    if len(data) > limit:
        raise PromptTooLarge(len(data), limit)
    return data


# -- Reads ------------------------------------------------------------------------

_GET = "SELECT id, parent_id, text, created_at, sha256, removed_at FROM prompts WHERE id = ?"
_GET_META = "SELECT id, parent_id, created_at, sha256 FROM prompts WHERE id = ?"


def _row(row: tuple) -> dict:
    return {"id": row[0], "parent_id": row[1], "created_at": row[2], "sha256": row[3]}


def get_prompt_with_metadata(prompt_id: str) -> dict:
    """Return {id, text, parent_id, created_at, sha256}; raise PromptNotFound or PromptRemoved."""
    prompt_id = validate_prompt_id(prompt_id)
    _ensure()
    row = database.execute_sql(_sql(_GET), (prompt_id,)).fetchone()
    if row is None:
        raise PromptNotFound(prompt_id)
    if row[5] is not None:
        raise PromptRemoved(prompt_id)
    return {
        "id": row[0],
        "text": row[2],
        "parent_id": row[1],
        "created_at": row[3],
        "sha256": row[4],
    }


def get_prompt(prompt_id: str) -> str:
    """Return the text of a prompt or raise PromptNotFound (PromptRemoved for a tombstone)."""
    return get_prompt_with_metadata(prompt_id)["text"]


def prompt_exists(prompt_id: str) -> bool:
    """Say whether a prompt with this id exists (False for anything not a UUID)."""
    try:
        prompt_id = validate_prompt_id(prompt_id)
    except InvalidPromptId:
        return False
    _ensure()
    return database.execute_sql(_sql(_GET_META), (prompt_id,)).fetchone() is not None


def summarise(text: str) -> str:
    """Return the first non-blank line of a text, shortened for listings."""
    for line in text.splitlines():
        if line.strip():
            line = line.strip()
            return line if len(line) <= SUMMARY_CHARS else line[: SUMMARY_CHARS - 1] + "…"
    return ""


_HISTORY = f"""
WITH RECURSIVE ancestry (id, parent_id, created_at, sha256, head, removed, depth) AS (
    SELECT id, parent_id, created_at, sha256, substr(text, 1, {SUMMARY_CHARS * 4}),
           removed_at IS NOT NULL, 0
    FROM prompts WHERE id = ?
    UNION ALL
    SELECT p.id, p.parent_id, p.created_at, p.sha256, substr(p.text, 1, {SUMMARY_CHARS * 4}),
           p.removed_at IS NOT NULL, a.depth + 1
    FROM prompts AS p JOIN ancestry AS a ON p.id = a.parent_id
    WHERE a.depth < ?
)
SELECT id, parent_id, created_at, sha256, head, removed FROM ancestry ORDER BY depth
"""


def get_prompt_history(prompt_id: str, limit: int | None = None) -> list[dict]:
    """Return the ancestors of a prompt, nearest first, in one recursive query.

    Each is {id, parent_id, created_at, sha256, summary, removed}; at most `limit` of
    them. A tombstone (removed) has an empty summary and no sha256.
    """
    prompt_id = validate_prompt_id(prompt_id)
    _ensure()
    depth = 1_000_000_000 if limit is None else max(0, limit)
    rows = database.execute_sql(_sql(_HISTORY), (prompt_id, depth)).fetchall()
    if not rows:
        raise PromptNotFound(prompt_id)
    return [dict(_row(r), summary=summarise(r[4]), removed=bool(r[5])) for r in rows[1:]]


def _listing(query) -> list[dict]:
    summary = fn.substr(Prompt.text, 1, SUMMARY_CHARS * 4).alias("head")
    rows = query.select(
        Prompt.id, Prompt.parent, Prompt.created_at, Prompt.sha256, summary, Prompt.removed_at
    ).tuples()
    return [dict(_row(r), summary=summarise(r[4]), removed=r[5] is not None) for r in rows]


def list_prompts(
    limit: int = 100, offset: int = 0, *, after: tuple[str, str] | None = None
) -> list[dict]:
    """List prompts newest first, without their text.

    `after` is the (created_at, id) of the last row already seen: keyset
    pagination that stays fast and stable however deep it goes.
    """
    _ensure()
    query = Prompt.select().order_by(Prompt.created_at.desc(), Prompt.id.desc())
    if after is not None:
        query = query.where(Tuple(Prompt.created_at, Prompt.id) < Tuple(*after))
    return _listing(query.limit(limit).offset(offset))


def get_children(prompt_id: str) -> list[dict]:
    """List the direct descendants of a prompt, oldest first."""
    prompt_id = validate_prompt_id(prompt_id)
    if not prompt_exists(prompt_id):
        raise PromptNotFound(prompt_id)
    query = Prompt.select().where(Prompt.parent == prompt_id)
    return _listing(query.order_by(Prompt.created_at, Prompt.id))


def get_cache_stats() -> dict:
    """Return the prompt count and the size on disk, WAL included."""
    _ensure()
    if _postgres:
        # The tables with their TOAST and indexes; the server's WAL is its own business.
        size = database.execute_sql(_POSTGRES_SIZE).fetchone()[0]
        return {
            "count": Prompt.select().count(),
            "path": database_label(),
            "db_bytes": size,
            "wal_bytes": 0,
            "total_bytes": size,
        }
    path = Path(database.database)
    sizes = {
        suffix: (Path(f"{path}{suffix}").stat().st_size if Path(f"{path}{suffix}").exists() else 0)
        for suffix in ("", "-wal")
    }
    return {
        "count": Prompt.select().count(),
        "path": str(path),
        "db_bytes": sizes[""],
        "wal_bytes": sizes["-wal"],
        "total_bytes": sizes[""] + sizes["-wal"],
    }


def healthcheck() -> None:
    """Run a real query; raise if the database cannot answer it."""
    _ensure()
    database.execute_sql("SELECT id FROM prompts LIMIT 1").fetchall()


# -- Writes -----------------------------------------------------------------------

_FIND_ROOT = (
    "SELECT id, parent_id, created_at, sha256 FROM prompts WHERE parent_id IS NULL AND sha256 = ?"
)
_FIND_CHILD = (
    "SELECT id, parent_id, created_at, sha256 FROM prompts WHERE parent_id = ? AND sha256 = ?"
)


def _find_same(parent_id: str | None, digest: str) -> tuple | None:
    """Return the row holding this text under this parent, if any."""
    if parent_id is None:
        return database.execute_sql(_sql(_FIND_ROOT), (digest,)).fetchone()
    return database.execute_sql(_sql(_FIND_CHILD), (parent_id, digest)).fetchone()


_INSERT = "INSERT INTO prompts (id, parent_id, text, sha256, created_at) VALUES (?, ?, ?, ?, ?)"
_SAVE = (
    "INSERT INTO prompts (id, parent_id, text, sha256, created_at, delete_token_hash) "
    "VALUES (?, ?, ?, ?, ?, ?)"
)
# PostgreSQL: another worker may insert the same (parent, text) between our read and
# our insert. The partial unique index then keeps its row and skips ours (no error,
# no aborted transaction), and the save becomes an idempotent hit.
_INSERT_ROOT_PG = (
    _SAVE.replace("?", "%s") + " ON CONFLICT (sha256) WHERE parent_id IS NULL DO NOTHING"
)
_INSERT_CHILD_PG = (
    _SAVE.replace("?", "%s")
    + " ON CONFLICT (parent_id, sha256) WHERE parent_id IS NOT NULL DO NOTHING"
)


def transaction():
    """Group store calls into one write transaction (BEGIN IMMEDIATE on SQLite)."""
    _ensure()
    return _write_transaction()


def _atomic():
    """A transaction of its own, or the caller's if one is open: no savepoints, which
    cost two statements each on the save path and are never rolled back to alone."""
    return contextlib.nullcontext() if database.in_transaction() else _write_transaction()


# SQLite lets one writer in at a time, and a writer that finds the lock taken polls
# it with sleeps of 1, 2, 5, 10 ms..., far longer than a save holds it (~0.1 ms), so
# under load workers mostly sleep. Writers of this app queue on a file lock instead:
# the kernel wakes the next one the moment the lock is free. (Anything else, like the
# CLI, still gets in through busy_timeout.) One holder per process: flock is shared
# by the threads of a process, so a thread lock comes first.
_gate = threading.Lock()
_gate_fd: int | None = None


@contextlib.contextmanager
def _write_transaction():
    global _gate_fd
    if _postgres:
        with database.atomic():
            yield
        return
    with _gate:
        if _gate_fd is None:
            _gate_fd = os.open(f"{database.database}.lock", os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(_gate_fd, fcntl.LOCK_EX)
        try:
            with database.atomic():
                yield
        finally:
            fcntl.flock(_gate_fd, fcntl.LOCK_UN)


def _forget_gate() -> None:
    global _gate, _gate_fd
    if _gate_fd is not None:
        os.close(_gate_fd)
    _gate, _gate_fd = threading.Lock(), None


def save_prompt_record(
    text: str,
    parent_id: str | None = None,
    *,
    new_id: Callable[[], uuid.UUID] = uuid.uuid4,
    delete_token: str | None = None,
) -> tuple[dict, bool]:
    """Save a version and return ({id, parent_id, created_at, sha256}, created).

    Idempotent: the same text under the same parent returns the existing row, and
    text equal to the parent's returns the parent; neither writes anything. A new
    row keeps the hash of `delete_token`, which delete_prompt then asks for.
    """
    digest = hashlib.sha256(encode_text(text)).hexdigest()
    parent_id = None if parent_id is None else validate_prompt_id(parent_id)
    _ensure()
    execute = database.execute_sql
    with _atomic():  # BEGIN IMMEDIATE: one writer at a time, no lock upgrade races
        if parent_id is not None:
            parent = execute(_sql(_GET_META), (parent_id,)).fetchone()
            if parent is None:
                raise ParentNotFound(parent_id)
            if parent[3] == digest:
                return _row(parent), False
        same = _find_same(parent_id, digest)
        if same is not None:
            return _row(same), False
        token_hash = None if delete_token is None else _token_hash(delete_token)
        row = (str(new_id()), parent_id, text, digest, _now(), token_hash)
        if not _postgres:
            execute(_sql(_SAVE), row)
        elif execute(_INSERT_CHILD_PG if parent_id else _INSERT_ROOT_PG, row).rowcount == 0:
            same = _find_same(parent_id, digest)
            if same is None:  # saved and purged in that instant
                raise PromptConflict("this text was removed as it was saved; save it again")
            return _row(same), False
    return _row((row[0], row[1], row[4], row[3])), True


def save_prompt(text: str, parent_id: str | None = None) -> tuple[str, bool]:
    """Save a version under a new UUID; return (id, created). See save_prompt_record."""
    record, created = save_prompt_record(text, parent_id)
    return record["id"], created


_DELETE_TOKEN = "SELECT delete_token_hash, removed_at FROM prompts WHERE id = ?"


def _token_hash(token: str) -> str:
    # A token has 256 random bits: a plain hash is as good as a slow one.
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def delete_prompt(prompt_id: str, delete_token: str) -> None:
    """Purge a prompt for the holder of its delete token, exactly as purge_prompts does."""
    prompt_id = validate_prompt_id(prompt_id)
    _ensure()
    row = database.execute_sql(_sql(_DELETE_TOKEN), (prompt_id,)).fetchone()
    if row is None:
        raise PromptNotFound(prompt_id)
    if row[1] is not None:
        raise PromptRemoved(prompt_id)
    if row[0] is None or not hmac.compare_digest(row[0], _token_hash(delete_token)):
        raise WrongDeleteToken(prompt_id)
    from .maintenance import purge_prompts  # the same tombstone the operator's purge makes

    purge_prompts([prompt_id])


def store_prompt(
    prompt_id: str, text: str, parent_id: str | None = None, *, created_at: str | None = None
) -> bool:
    """Store text under a given id; return True if written, False if already there.

    For imports: ids, parents and timestamps are kept as given. Raises
    PromptConflict if the id holds other text, or the parent already has a child
    with this text under another id.
    """
    prompt_id = validate_prompt_id(prompt_id)
    digest = hashlib.sha256(encode_text(text)).hexdigest()
    parent_id = None if parent_id is None else validate_prompt_id(parent_id)
    _ensure()
    execute = database.execute_sql
    with _atomic():
        existing = execute(_sql(_GET_META), (prompt_id,)).fetchone()
        if existing is not None:
            if existing[3] == digest and existing[1] == parent_id:
                return False
            raise PromptConflict(f"{prompt_id} already holds another prompt")
        if parent_id is not None and execute(_sql(_GET_META), (parent_id,)).fetchone() is None:
            raise ParentNotFound(parent_id)
        same = _find_same(parent_id, digest)
        if same is not None:
            raise PromptConflict(f"this text is already stored under {same[0]}")
        execute(_sql(_INSERT), (prompt_id, parent_id, text, digest, created_at or _now()))
    return True


def insert_prompts(rows: Iterable[tuple[str, str | None, str, str]]) -> int:
    """Insert (id, parent_id, text, created_at) rows, parents first, in one transaction.

    The bulk path for seeding and imports: ids and timestamps are kept as given, and
    any duplicate id or (parent, text) pair aborts the whole batch.
    """
    _ensure()

    def records():
        for prompt_id, parent_id, text, created_at in rows:
            digest = hashlib.sha256(encode_text(text)).hexdigest()
            yield prompt_id, parent_id, text, digest, created_at

    with _atomic():
        cursor = database.cursor()
        cursor.executemany(_sql(_INSERT), records())
        return cursor.rowcount


# -- Rate limit -------------------------------------------------------------------
# Kept in the database so every gunicorn worker (and every host sharing the
# database) sees the same count. GCRA: a burst of up to `count`, then one save
# per period/count; a client can never bank more than `count`.

_TAT = "SELECT tat FROM rate_limits WHERE key = ?"
_SET_TAT = (
    "INSERT INTO rate_limits (key, tat) VALUES (?, ?) "
    "ON CONFLICT (key) DO UPDATE SET tat = excluded.tat"
)
_PRUNE = "DELETE FROM rate_limits WHERE tat < ?"


def take_rate_limit(key: str, count: int, period: float, now: float) -> float:
    """Count one save by `key`; return 0 if allowed, else the seconds to wait."""
    interval = period / count
    _ensure()
    if _postgres:
        return _take_rate_limit_postgres(key, interval, period, now)
    execute = database.execute_sql
    with _atomic():
        row = execute(_sql(_TAT), (key,)).fetchone()
        if row is None:
            # A new client: forget the ones whose allowance has fully refilled.
            execute(_sql(_PRUNE), (now,))
        tat = max(row[0], now) if row else now
        wait = tat + interval - period - now
        if wait > 1e-9:
            return wait
        execute(_sql(_SET_TAT), (key, tat + interval))
    return 0.0


# PostgreSQL runs several writers at once, so read-then-write would let concurrent
# saves by one client all pass. One upsert takes the row lock and decides: a new
# client gets tat = now + interval; a known one max(tat, now) + interval, but only
# while that stays within now + period (the burst). No row back means refused.
_TAKE_PG = (
    "INSERT INTO rate_limits AS r (key, tat) VALUES (%s, %s) "
    "ON CONFLICT (key) DO UPDATE SET tat = GREATEST(r.tat + %s, excluded.tat) "
    "WHERE GREATEST(r.tat + %s, excluded.tat) <= %s RETURNING tat"
)
# SKIP LOCKED: never wait for a row another save holds, so pruning cannot deadlock.
_PRUNE_PG = (
    "DELETE FROM rate_limits WHERE key IN "
    "(SELECT key FROM rate_limits WHERE tat < %s LIMIT 1000 FOR UPDATE SKIP LOCKED)"
)


def _take_rate_limit_postgres(key: str, interval: float, period: float, now: float) -> float:
    execute = database.execute_sql
    with _atomic():
        fresh = now + interval
        row = execute(_TAKE_PG, (key, fresh, interval, interval, now + period + 1e-9)).fetchone()
        if row is None:
            tat = execute(_sql(_TAT), (key,)).fetchone()[0]
            return max(tat, now) + interval - period - now
        if row[0] == fresh:
            # A new client, or one whose allowance refilled: forget others like it.
            execute(_PRUNE_PG, (now,))
    return 0.0


# The operator's queries live in their own module, loaded last as it uses the above.
from .maintenance import *  # noqa: E402, F403
