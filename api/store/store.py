"""The Store: one object per configured database, holding every part of the store."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Callable
from pathlib import Path

from ..config import Config
from .connection import Database
from .dialects import dialect_for
from .labels import Labels
from .legacy import LegacyIds
from .maintenance import Maintenance
from .prompts import PromptVersions
from .ratelimit import RateLimits
from .takedown import Takedowns


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
