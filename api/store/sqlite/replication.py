"""Off-host replication of the SQLite store: its state, and restoring from it.

`store.replication` exists when STRUCKDOWN_REPLICA_URL is set (SQLite only). The
replicator process (`prompt-store replicate`) runs Litestream; this module answers
the operator's questions about it and brings the replica back: by itself on a
fresh volume (`init-db`), or into the live database (`restore --from-replica`),
through the same verified path as a backup file.
"""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import NamedTuple

from api.store.backup_files import companion, partial_file, publish
from api.store.connection import Database
from api.store.errors import NotAPromptDatabase
from api.store.sqlite import positions
from api.store.sqlite.backups import Restore, SqliteBackups, verify_file
from api.store.sqlite.litestream import RELEASE_LIST_TIMEOUT, Litestream, ReplicaError


class FreshVolume(NamedTuple):
    """What init-db found on a volume with no database file."""

    restored: bool  # False: the replica was empty, a new database is made
    found: dict | None  # the restored file's schema_version, prompts and newest save
    seconds: float


class Replication:
    """The replica of one SQLite store: status, and restores from it."""

    def __init__(self, database: Database, litestream: Litestream, backups: SqliteBackups):
        self.database, self.litestream, self.backups = database, litestream, backups
        self.settings = litestream.replica

    @property
    def url(self) -> str:
        """Where the replica is: the URL and endpoint, never a credential."""
        at = f" at {self.settings.endpoint}" if self.settings.endpoint else ""
        return f"{self.settings.url}{at}"

    def status(self, now: datetime | None = None) -> dict:
        """Return the replicator's and the replica's state, and how far the replica lags.

        replica_current: proven from positions (positions.py): the replica holds the
        newest LTX file Litestream cut here, and that file covers the WAL up to its
        last commit. lag_seconds: 0.0 only then; otherwise the time since Litestream
        cut the newest file the replica holds (everything committed before that is
        there, anything after may not be); None when that cannot be told (the file
        is no longer here), which is never reported as 0.
        """
        now = now or datetime.now(UTC)
        files = self.litestream.files()  # the replica first: what is local can only be newer
        newest = max(files, key=lambda f: (f["timestamp"], int(f["max_txid"], 16)), default=None)
        replica_txid = max((int(f["max_txid"], 16) for f in files), default=0)
        cuts = positions.local_cuts(self.litestream.meta_dir)
        local_txid = max(cuts, default=0)
        local = positions.read_cut(cuts[local_txid]) if cuts else None
        live = positions.wal_end(Path(f"{self.litestream.db_path}-wal"))
        current = bool(
            replica_txid and local and replica_txid >= local_txid and positions.covers(local, live)
        )
        held = positions.read_cut(cuts[replica_txid]) if replica_txid in cuts else None
        if current:
            lag = 0.0
        elif held:
            lag = max(round((now - held.cut_at).total_seconds(), 3), 0.001)
        else:
            lag = None
        return {
            "configured": True,
            "url": self.url,
            "replicator_running": self.litestream.running(),
            "replica_objects": len(files),
            "replica_bytes": sum(f["size"] for f in files),
            "replica_txid": replica_txid,
            "local_txid": local_txid,
            "replica_current": current,
            "replica_updated_at": newest["timestamp"] if newest else None,
            "replica_holds_until": held.cut_at.isoformat() if held else None,
            "lag_seconds": lag,
            "retention_seconds": self.settings.retention,
            "sync_interval_seconds": self.settings.sync_interval,
        }

    def problems(self) -> list[str]:
        """Return what keeps the replica from holding every save within seconds."""
        try:
            state = self.status()
        except ReplicaError as error:
            return [f"{self.url}: {error}"]
        found = []
        if not state["replicator_running"]:
            found.append(
                "no replicator is running (`prompt-store replicate`, the Procfile's "
                "replicator process): saves are not leaving the host"
            )
        allowed = max(60.0, 10 * self.settings.sync_interval)
        if state["lag_seconds"] is None:
            found.append(
                f"the replica's position (txid {state['replica_txid']:x}) is not among the "
                f"local files (newest {state['local_txid']:x}): its lag cannot be told"
            )
        elif state["lag_seconds"] > allowed:
            found.append(
                f"the replica lags {state['lag_seconds']:.0f} s behind (over {allowed:.0f} s)"
            )
        return found

    # -- restores ----------------------------------------------------------------------

    def restore_fresh_volume(self) -> FreshVolume | None:
        """On a volume without the database file, put the replica's copy there first.

        None when the file exists (it is never overwritten). Otherwise the replica
        is listed: empty, nothing is written (init-db then creates a new database);
        with data, it is restored to a hidden file, verified, made private and only
        then renamed into place. A replica that cannot be read raises ReplicaError,
        so a release never starts an empty database over a replica it could not see.
        """
        path = self.litestream.db_path
        if path.exists():
            return None
        started = time.monotonic()
        if not self.litestream.files(timeout=RELEASE_LIST_TIMEOUT):
            return FreshVolume(False, None, time.monotonic() - started)
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        found = self._restore_verified(path, None)
        return FreshVolume(True, found, time.monotonic() - started)

    def restore_into_live(self, timestamp: str | None, apply: bool, safety_dir: Path) -> Restore:
        """Restore the replica (as it was at `timestamp`) into the live database, as a backup.

        The replica's copy is verified like a backup file; with `apply`, a safety copy
        of the live database is written first and tombstones of the live database are
        applied again (SqliteBackups.restore).
        """
        safety_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        with partial_file(safety_dir / f"replica-{os.getpid()}.db") as sentinel:
            work = companion(sentinel, "replica")
            self._litestream_restore(work, timestamp)
            return self.backups.restore(work, apply, safety_dir)

    def _restore_verified(self, final: Path, timestamp: str | None) -> dict:
        """Restore into `final` through a hidden file, verified, 0600, renamed in one step."""
        with partial_file(final, ".restore") as sentinel:
            partial = companion(sentinel, "replica")
            found = self._litestream_restore(partial, timestamp)
            publish(partial, final)
        return found

    def _litestream_restore(self, path: Path, timestamp: str | None) -> dict:
        """Have Litestream write the replica to `path` (a partial's companion: it refuses
        to write over a file), private and verified; return what verify_file found."""
        try:
            self.litestream.restore(path, timestamp)
            os.chmod(path, 0o600)
            return verify_file(path)
        except NotAPromptDatabase as error:
            raise NotAPromptDatabase(
                f"the replica {self.url} cannot be restored: {error}"
            ) from None
        except FileNotFoundError:
            raise ReplicaError(f"the replica {self.url} has nothing at that time") from None
