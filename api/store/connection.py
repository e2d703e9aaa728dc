"""The store's database handle: lazy per-thread connections, migrated once, safe across fork.

Nothing connects at import time or when a Store is built: the first query of a
thread opens that thread's connection (Peewee keeps one per thread), and it is
reused for the thread's life. A forked child forgets, without closing, every
connection its parent held, so gunicorn workers never share one.
"""

from __future__ import annotations

import contextlib
import os
import threading
import weakref
from collections.abc import Iterable, Iterator
from typing import Any

import peewee

from api.store.dialects import Dialect
from api.store.errors import DatabaseUnavailable, SchemaTooNew
from api.store.schema import CREATE_VERSIONS, CURRENT_VERSION, SCHEMA_VERSION, apply_migrations

PROBE = "SELECT id FROM prompts LIMIT 1"


class Database:
    """One database, opened lazily and migrated to this release's schema on first use."""

    def __init__(self, dialect: Dialect):
        self.dialect = dialect
        self.peewee = dialect.open()
        self._migrated = False
        self._lock = threading.Lock()
        self._spellings: dict[str, str] = {}
        _live.add(self)

    # -- queries ---------------------------------------------------------------------

    def ready(self) -> peewee.Database:
        """Return the Peewee database, migrated; the calling thread connects on first use."""
        if not self._migrated:
            with self._lock:
                if not self._migrated:
                    self.migrate()
                    self._migrated = True
        return self.peewee

    def execute(self, sql: str, params: tuple | list = ()) -> Any:
        """Run one portable statement, spelled for this database; return its cursor."""
        return self.ready().execute_sql(self._spelled(sql), params)

    def one(self, sql: str, params: tuple | list = ()) -> tuple | None:
        """Return the first row of a portable statement, or None."""
        return self.execute(sql, params).fetchone()

    def stream(self, sql: str, params: tuple | list = ()) -> Iterator[tuple]:
        """Yield the rows of a long read as it goes, holding only a batch in memory.

        For the jobs (export, check): a server-side cursor on PostgreSQL. Finish or close
        the iterator before the next write on this thread.
        """
        return self.dialect.stream(self.ready(), self._spelled(sql), params)

    def execute_many(self, sql: str, rows: Iterable) -> int:
        """Run one portable statement once per row, in one call; return the rows it changed."""
        cursor = self.ready().cursor()
        cursor.executemany(self._spelled(sql), rows)
        return cursor.rowcount

    def execute_pages(self, sql: str, rows: Iterable) -> None:
        """Run one portable statement once per row, in order, a page of rows a round trip
        on PostgreSQL (the rows changed are not counted: a bulk import counts them)."""
        self.dialect.execute_pages(self.ready(), self._spelled(sql), rows)

    def _spelled(self, sql: str) -> str:
        # Every statement is a module constant, so the cache stays as small as the code.
        spelled = self._spellings.get(sql)
        if spelled is None:
            spelled = self._spellings[sql] = self.dialect.prepare(sql)
        return spelled

    def write(self) -> contextlib.AbstractContextManager:
        """A write transaction of its own, queued with this app's other writers."""
        return self.dialect.write_transaction(self.ready())

    def write_or_join(self) -> contextlib.AbstractContextManager:
        """A write transaction, or the caller's if one is open.

        No savepoints: they cost two statements each on the save path and are never
        rolled back to alone.
        """
        if self.ready().in_transaction():
            return contextlib.nullcontext()
        return self.dialect.write_transaction(self.peewee)

    # -- schema ----------------------------------------------------------------------

    def migrate(self) -> int:
        """Create or update the schema to SCHEMA_VERSION; return the version found before."""
        try:
            self.dialect.prepare_storage()
        except OSError as error:  # a directory or file we may not create or open
            raise DatabaseUnavailable(
                f"{self.dialect.label()}: {error.strerror or error}"
            ) from None
        db = self.peewee
        with db.atomic():  # BEGIN IMMEDIATE on SQLite
            self.dialect.migration_lock(db)
            db.execute_sql(CREATE_VERSIONS)
            (found,) = db.execute_sql(CURRENT_VERSION).fetchone()
            if found > SCHEMA_VERSION:
                raise SchemaTooNew(
                    f"the database is at schema version {found}; this release knows "
                    f"only up to {SCHEMA_VERSION}. Deploy the newer release."
                )
            apply_migrations(db.execute_sql, found, self.dialect.prepare)
        return found

    def probe(self) -> None:
        """Run a real query on this thread's connection and on a new one; raise if either fails.

        The new connection notices what open connections do not: a file whose
        permissions changed, a volume gone, a server refusing new logins.
        """
        self.execute(PROBE).fetchall()
        self.dialect.probe(PROBE)

    def schema_version(self) -> int:
        """Return the schema version of the database (0 when empty)."""
        (version,) = self.one(CURRENT_VERSION)
        return version

    # -- lifetime --------------------------------------------------------------------

    def close(self) -> None:
        """Close this thread's connection, if it has one."""
        if not self.peewee.is_closed():
            self.peewee.close()

    def forget_after_fork(self) -> None:
        """In a forked child: drop the parent's connection state without closing it."""
        self.peewee._state.reset()
        self._lock = threading.Lock()
        self.dialect.forget_after_fork()


# Every Database alive in this process, so a forked child can make each forget its
# parent's connections; weak, so a Database nobody uses any more is not kept.
_live: weakref.WeakSet[Database] = weakref.WeakSet()


def _forget_in_child() -> None:
    for database in list(_live):
        database.forget_after_fork()


os.register_at_fork(after_in_child=_forget_in_child)
