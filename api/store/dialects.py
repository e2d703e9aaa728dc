"""What differs between SQLite and PostgreSQL, behind one interface.

A Store picks its dialect once, from the configuration (`api/store/store.py`), and asks
it for the few operations that really differ; every other query is one code path for
both. Nothing outside `sqlite/` and `postgres/` asks which database it is on.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from pathlib import Path

import peewee

from api.config import Config


class Dialect:
    """The operations that differ between databases; subclasses implement each one."""

    name: str
    param: str  # the driver's parameter placeholder
    # SQL spelled differently, filled into `{name}` placeholders by prepare().
    spellings: dict[str, str]

    def prepare(self, statement: str) -> str:
        """Spell a portable statement ('?' parameters, `{name}` spellings) for this database."""
        return statement.format_map(self.spellings).replace("?", self.param)

    def open(self) -> peewee.Database:
        """Return the Peewee database, not yet connected."""
        raise NotImplementedError

    def label(self) -> str:
        """Name the database for people, without secrets."""
        raise NotImplementedError

    def exists(self) -> bool:
        """Say whether the database is there already (a server's is: it answers for itself)."""
        return True

    def prepare_storage(self) -> None:
        """Make sure the database can be opened (SQLite: its directory and file)."""

    def probe(self, query: str) -> None:
        """Run `query` on a new connection of its own, closed afterwards; raise if it fails."""
        fresh = self.open()
        try:
            fresh.connect()
            fresh.execute_sql(query).fetchall()
        finally:
            fresh.close()

    def migration_lock(self, db: peewee.Database) -> None:
        """Inside the migration's transaction: keep other migrators out until it ends."""

    @contextlib.contextmanager
    def write_transaction(self, db: peewee.Database) -> Iterator[None]:
        """One write transaction, queued with this app's other writers."""
        with db.atomic():
            yield

    def stream(self, db: peewee.Database, sql: str, params: tuple | list) -> Iterator[tuple]:
        """Yield the rows of a spelled statement, a batch at a time (SQLite steps its cursor)."""
        yield from db.execute_sql(sql, params)

    def execute_pages(self, db: peewee.Database, sql: str, rows: Iterable) -> None:
        """Run a spelled statement once per row (SQLite: in process, no round trips)."""
        db.cursor().executemany(sql, rows)

    def take_rate_limit(
        self, db: peewee.Database, key: str, interval: float, period: float, now: float
    ) -> float:
        """Count one save by `key` (GCRA); return 0 if allowed, else the seconds to wait."""
        raise NotImplementedError

    def sizes(self, db: peewee.Database) -> tuple[int, int]:
        """Return (bytes of the database, bytes of its write-ahead log we own)."""
        raise NotImplementedError

    def integrity_problems(self, db: peewee.Database) -> list[str]:
        """Return what the database's own page and index checks find ([] when sound)."""
        raise NotImplementedError

    def foreign_key_problems(self, db: peewee.Database) -> list[str]:
        """Return rows whose reference names a missing row."""
        raise NotImplementedError

    @contextlib.contextmanager
    def purge_transaction(self, db: peewee.Database) -> Iterator[None]:
        """The write transaction of a takedown, zeroing what it frees where the dialect can."""
        with self.write_transaction(db):
            yield

    def locate_removed(self, db: peewee.Database, prompt_ids: list[str]) -> object | None:
        """Inside a takedown's transaction, before its UPDATE: what scrub() needs to know of
        the rows it removes (PostgreSQL: where they lie), or None."""
        return None

    def scrub(
        self,
        db: peewee.Database,
        texts: list[str] | None = None,
        wait_ms: int | None = None,
        located: object | None = None,
        prompt_ids: list[str] | tuple = (),
    ) -> None:
        """After a takedown: leave no old copy of the text in the database's files.

        `texts`: what was removed, when known (None: a purge again or a retry, the text is
        gone); `located`: what locate_removed() found; `prompt_ids`: the takedown's ids.
        Raises ScrubIncomplete if it could not finish (waiting at most `wait_ms`
        for readers, where that applies), and leaves it pending (scrub_pending) until one
        does.
        """
        raise NotImplementedError

    def scrub_pending(self) -> bool:
        """Say whether a scrub could not finish and none has since (retry_scrub)."""
        return False

    scrub_report: str  # what scrub() did, for the operator

    def backups(self, database):
        """Return the backups of this kind of database (write, restore)."""
        raise NotImplementedError

    def backup_dir(self, config: Config) -> Path:
        """Return where backups go by default: `backups/` on the data volume."""
        return config.db_path.parent / "backups"

    def forget_after_fork(self) -> None:
        """In a forked child: drop what must not be shared with the parent."""

    def replication(self, database, backups):
        """Return the off-host replication of this database, or None when none is configured."""
        return None
