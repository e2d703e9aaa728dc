"""The Store: one object per configured database, holding every part of the store."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Callable
from pathlib import Path

from api.config import Config, ConfigError
from api.store.connection import Database
from api.store.dialects import Dialect
from api.store.labels import Labels
from api.store.legacy import LegacyIds
from api.store.maintenance import Maintenance
from api.store.postgres.dialect import PostgresDialect
from api.store.prompts import PromptVersions
from api.store.ratelimit import RateLimits
from api.store.sqlite.dialect import SqliteDialect
from api.store.takedown import Takedowns


class Store:
    """The prompt store of one database, built from a Config; connects on first use.

    Its parts, each owning one concern: `prompts` (versions: reads and writes),
    `takedowns` (purge, delete by token), `legacy` (old flat-file links), `labels`,
    `rate_limits`, `maintenance` (stats, checks, export) and `backups`.
    """

    def __init__(self, config: Config, *, new_id: Callable[[], uuid.UUID] = uuid.uuid4):
        self.config = config
        self.dialect = dialect_for(config)
        self.database = Database(self.dialect)
        self.prompts = PromptVersions(self.database, config.max_bytes, new_id)
        self.takedowns = Takedowns(self.database)
        self.legacy = LegacyIds(self.database, self.prompts)
        self.labels = Labels(self.database, self.prompts)
        self.rate_limits = RateLimits(self.database)
        self.maintenance = Maintenance(self.database, self.prompts, self.labels)
        self.backups = self.dialect.backups(self.database)
        # Off-host replication (SQLite with STRUCKDOWN_REPLICA_URL), else None.
        self.replication = self.dialect.replication(self.database, self.backups)

    @property
    def label(self) -> str:
        """Name the database for people: the SQLite file, or the PostgreSQL URL without secrets."""
        return self.dialect.label()

    @property
    def backup_dir(self) -> Path:
        """Return where backups go by default: `backups/` on the data volume."""
        return self.dialect.backup_dir(self.config)

    def migrate(self) -> int:
        """Create or update the schema; return the version found before."""
        return self.database.migrate()

    def schema_version(self) -> int:
        """Return the schema version of the database."""
        return self.database.schema_version()

    def transaction(self) -> contextlib.AbstractContextManager:
        """Group store calls into one write transaction (BEGIN IMMEDIATE on SQLite)."""
        return self.database.write_or_join()

    def healthcheck(self) -> None:
        """Query the database through this thread's connection and a new one; raise if it fails."""
        self.database.probe()

    def close(self) -> None:
        """Close this thread's connection (the next query of the thread opens a new one)."""
        self.database.close()


def dialect_for(config: Config) -> Dialect:
    """Choose the dialect `config` names: DATABASE_URL's, else SQLite at db_path."""
    url = config.database_url
    if url and url.split(":", 1)[0] in ("postgres", "postgresql"):
        return PostgresDialect(url, replica=config.replica)
    if url and not url.startswith("sqlite:///"):
        raise ConfigError(
            "DATABASE_URL must be postgres://user:password@host:port/name "
            "or sqlite:///path/to/prompts.db"
        )
    path = Path(url[len("sqlite:///") :]) if url else config.db_path
    return SqliteDialect(path, replica=config.replica, synchronous=config.sqlite_synchronous)
