"""SQLite, the default: one file on the data volume, WAL mode, every worker of the host."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import peewee

from api.config import Config, Replica
from api.store.dialects import Dialect
from api.store.errors import ScrubIncomplete
from api.store.sqlite import wal_text
from api.store.sqlite.backups import SqliteBackups
from api.store.sqlite.gate import WriteGate
from api.store.sqlite.litestream import Litestream
from api.store.sqlite.replication import Replication

# Every connection gets these. WAL lets readers run beside the one writer;
# synchronous is STRUCKDOWN_SQLITE_SYNCHRONOUS (Config.sqlite_synchronous): "full"
# fsyncs the WAL at every commit, so an acknowledged save survives a power cut;
# "normal" survives a crash of the process only (a power cut may drop the last
# commits, never corrupt the file); busy_timeout makes a writer wait
# for the lock instead of failing with "database is locked". secure_delete=fast zeroes
# old content inside b-tree pages whenever they are written anyway (no extra I/O), so
# text never lingers in a page's slack space: a takedown need not rewrite the file.
# cache_size: each connection's own page cache, 512 KiB instead of SQLite's 2 MiB, as a
# worker holds one connection per thread: the OS page cache, shared by every worker,
# serves the rest, and a worker's memory stays flat however much the database grows.
PRAGMAS = {
    "journal_mode": "wal",
    "synchronous": "full",
    "foreign_keys": 1,
    "busy_timeout": 10_000,
    "secure_delete": "fast",
    "cache_size": -512,
}

# GCRA in one statement, as on PostgreSQL: the client's theoretical arrival time moves on
# by one interval only if the save is allowed, and the new time comes back (RETURNING,
# SQLite 3.35). No row back: refused, and the time is read to say how long to wait.
TAKE = (
    "INSERT INTO rate_limits AS r (key, tat) VALUES (?, ?) "
    "ON CONFLICT (key) DO UPDATE SET tat = max(r.tat + ?, excluded.tat) "
    "WHERE max(r.tat + ?, excluded.tat) <= ? RETURNING tat"
)
TAT = "SELECT tat FROM rate_limits WHERE key = ?"
PRUNE = "DELETE FROM rate_limits WHERE tat < ?"
PRUNE_SECONDS = 1.0


# prompt_counts (api/store/schema.py, migration 7): one writer, so one slot.
COUNT_TRIGGERS = """CREATE TRIGGER prompts_counted_insert AFTER INSERT ON prompts BEGIN
    UPDATE prompt_counts SET prompts = prompts + 1, removed = removed + (NEW.removed_at IS NOT NULL)
    WHERE slot = 0;
END
;
CREATE TRIGGER prompts_counted_update AFTER UPDATE OF removed_at ON prompts
WHEN (OLD.removed_at IS NULL) != (NEW.removed_at IS NULL) BEGIN
    UPDATE prompt_counts SET removed = removed + (NEW.removed_at IS NOT NULL)
        - (OLD.removed_at IS NOT NULL) WHERE slot = 0;
END
;
CREATE TRIGGER prompts_counted_delete AFTER DELETE ON prompts BEGIN
    UPDATE prompt_counts SET prompts = prompts - 1, removed = removed - (OLD.removed_at IS NOT NULL)
    WHERE slot = 0;
END"""


# api/store/fragments.py: an older release's takedown leaves no entry to serve.
TOMBSTONE_TRIGGER = """CREATE TRIGGER prompts_tombstone_entry AFTER UPDATE OF removed_at ON prompts
WHEN OLD.removed_at IS NULL AND NEW.removed_at IS NOT NULL
    AND NEW.history_entry IS OLD.history_entry BEGIN
    UPDATE prompts SET history_entry = NULL, history_bytes = NULL, history_decoded = NULL
    WHERE id = NEW.id;
    UPDATE prompts SET history_entry = NULL WHERE parent_id = NEW.id;
END"""


class SqliteDialect(Dialect):
    """SQLite through the standard library's sqlite3, writers queued on a file lock."""

    name = "sqlite"
    param = "?"
    spellings = {
        "double": "REAL",
        "text_bytes": "CAST(text AS BLOB)",
        "text_size": "length(CAST(text AS BLOB))",
        "json_ids": "json_group_array(legacy_id)",
        "count_triggers": COUNT_TRIGGERS,
        "takedown_storage": "",  # sqlite_stat1 counts rows, it samples no values
        "private_history": "",
        "tombstone_trigger": TOMBSTONE_TRIGGER,
    }
    scrub_report = (
        "its pages were zeroed and the WAL truncated, so no copy remains in the database files"
    )

    def __init__(self, path: Path | str, replica: Replica | None = None, synchronous: str = "full"):
        self.path = Path(path)
        self.pragmas = {**PRAGMAS, "synchronous": synchronous}
        self.litestream = Litestream(replica, self.path) if replica else None
        self._pruned_at = float("-inf")  # when this process last pruned rate_limits
        self._forget_gate()

    def open(self) -> peewee.Database:
        return peewee.SqliteDatabase(
            str(self.path), pragmas=self.pragmas, timeout=10, lock_type="IMMEDIATE"
        )

    def label(self) -> str:
        return str(self.path)

    def exists(self) -> bool:
        return self.path.is_file()

    def prepare_storage(self) -> None:
        # Private from the start: the directory 0700, the file 0600 before SQLite opens it.
        if not self.path.parent.exists():
            self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not self.path.exists():
            os.close(os.open(self.path, os.O_CREAT | os.O_WRONLY, 0o600))

    def probe(self, query: str) -> None:
        # mode=rw: a probe must never create a database where the real one went missing.
        uri = f"file:{urllib.parse.quote(str(self.path))}?mode=rw"
        connection = sqlite3.connect(uri, uri=True, timeout=5, isolation_level=None)
        try:
            connection.execute(query).fetchall()
        finally:
            connection.close()

    # SQLite lets one writer in at a time; writers of this app queue on a file lock
    # first (gate.py says why).
    @contextlib.contextmanager
    def write_transaction(self, db: peewee.Database) -> Iterator[None]:
        with self.gate.hold(), db.atomic():  # BEGIN IMMEDIATE: no lock upgrade races
            yield

    def write_gate(self) -> contextlib.AbstractContextManager:
        """The write gate, for whole-file work (backups) that must see no write land."""
        return self.gate.hold(refuse=False)

    def restore_gate(self) -> contextlib.AbstractContextManager:
        """The write gate for a restore: writers are refused (503) until it ends."""
        return self.gate.restoring()

    def on_file(self, path: Path) -> SqliteDialect:
        """A dialect for another SQLite file (a backup's working copy), not replicated."""
        return SqliteDialect(path, synchronous="off")

    def _forget_gate(self) -> None:
        self.gate = WriteGate(self.path)

    def forget_after_fork(self) -> None:
        # The child opens its own lock file: a lock held in the parent must not be shared.
        self.gate.forget()
        self._forget_gate()

    def take_rate_limit(self, db, key, interval, period, now) -> float:
        fresh = now + interval
        rows = db.execute_sql(TAKE, (key, fresh, interval, interval, now + period + 1e-9))
        found = rows.fetchall()  # to the end: the statement is done before the commit
        if not found:
            (tat,) = db.execute_sql(TAT, (key,)).fetchone()
            return max(tat, now) + interval - period - now
        if found[0][0] == fresh and now - self._pruned_at >= PRUNE_SECONDS:
            # A new client, or one whose allowance refilled: forget the others like it,
            # at most once a second (a busy client is "refilled" at every save).
            self._pruned_at = now
            db.execute_sql(PRUNE, (now,))
        return 0.0

    def sizes(self, db) -> tuple[int, int]:
        return _size(self.path), _size(Path(f"{self.path}-wal"))

    def integrity_problems(self, db) -> list[str]:
        found = [message for (message,) in db.execute_sql("PRAGMA integrity_check")]
        return [] if found == ["ok"] else found

    def foreign_key_problems(self, db) -> list[str]:
        rows = db.execute_sql("PRAGMA foreign_key_check")
        return [
            f"{table} row {row} names a missing row of {parent}" for table, row, parent, _ in rows
        ]

    @contextlib.contextmanager
    def purge_transaction(self, db) -> Iterator[None]:
        # Also zero the pages the update frees (a long text's overflow pages).
        db.execute_sql("PRAGMA secure_delete = ON")
        try:
            with self.write_transaction(db):
                yield
        finally:
            db.execute_sql(f"PRAGMA secure_delete = {PRAGMAS['secure_delete']}")

    def scrub(self, db, texts=None, wait_ms=None, located=None, prompt_ids=()) -> None:
        # Every connection zeroes old content in the pages it writes (secure_delete=fast)
        # and the purge zeroed the pages it freed, so the main file's new pages hold no
        # trace once a checkpoint copies them home. No VACUUM: a takedown costs the
        # pages it touches, not a rewrite of the whole database under the write lock.
        # A running replicator (Litestream) keeps a read transaction open so that only
        # it checkpoints: it is asked to sync and let go of the file around the
        # checkpoint, while this app's writers wait at the gate, so no save lands in a
        # WAL it has not read. The WAL may still hold old page images: if it holds no
        # piece of the removed texts, a PASSIVE checkpoint suffices, and a one-page write
        # restarts the WAL before Litestream resumes (_restart_wal), so it follows on
        # from where it was; otherwise the WAL is truncated, which Litestream answers
        # with a snapshot (the whole database).
        # A scrub that readers keep from finishing leaves a marker file, so that it is
        # retried (retry_scrub, with texts unknown) by this process or any other.
        # `wait_ms`: how long the checkpoint may wait for readers; by default busy_timeout.
        wal = Path(f"{self.path}-wal")
        with self.gate.hold(refuse=False):  # a takedown's scrub waits out a restore
            paused = self.litestream.paused() if self.litestream else contextlib.nullcontext()
            with paused as replicating, _busy_timeout(db, wait_ms):
                keep_wal = (
                    replicating
                    and texts is not None
                    and wal_text.searchable(texts)
                    and not wal_text.holds_any(wal, texts)
                )
                mode = "PASSIVE" if keep_wal else "TRUNCATE"
                busy, log, done = db.execute_sql(f"PRAGMA wal_checkpoint({mode})").fetchone()
                if keep_wal:  # a truncated WAL: Litestream writes its first frame itself
                    _restart_wal(db)
            incomplete = bool(busy) or (keep_wal and log != done)
            if incomplete:
                _touch(self.scrub_marker)
            else:
                self.scrub_marker.unlink(missing_ok=True)
        if incomplete:
            raise ScrubIncomplete(
                "readers kept the WAL busy, so it still holds old pages; run the command again"
            )

    @property
    def scrub_marker(self) -> Path:
        return Path(f"{self.path}.scrub-pending")

    def scrub_pending(self) -> bool:
        # Asked after every save: one stat(), no Path built.
        return os.path.exists(f"{self.path}.scrub-pending")

    def backups(self, database) -> SqliteBackups:
        return SqliteBackups(database, self.path)

    def replication(self, database, backups) -> Replication | None:
        return Replication(database, self.litestream, backups) if self.litestream else None

    def backup_dir(self, config: Config) -> Path:
        return self.path.parent / "backups"


def _restart_wal(db) -> None:
    """Commit one small write, so the checkpointed WAL restarts now, while Litestream is paused.

    A checkpoint that copied every frame home lets the next writer restart the WAL
    from its first frame. Litestream, resumed, follows one restart if the frame it
    read last is still there (db.go, verify: "wal restarted"); a save of several
    pages would overwrite it ("wal overwritten by another process") and cost a
    snapshot of the whole database. One page restarts it instead; not yet copied
    home, that frame keeps any later writer from restarting the WAL again.
    This is the write Litestream makes after its own checkpoints (bumpLitestreamSeq),
    in its own table, created as Litestream creates it.
    """
    db.execute_sql(
        "CREATE TABLE IF NOT EXISTS _litestream_seq (id INTEGER PRIMARY KEY, seq INTEGER)"
    )
    db.execute_sql(
        "INSERT INTO _litestream_seq (id, seq) VALUES (1, 1) "
        "ON CONFLICT (id) DO UPDATE SET seq = seq + 1"
    )


@contextlib.contextmanager
def _busy_timeout(db, wait_ms: int | None) -> Iterator[None]:
    if wait_ms is None:
        yield
        return
    db.execute_sql(f"PRAGMA busy_timeout = {int(wait_ms)}")
    try:
        yield
    finally:
        db.execute_sql(f"PRAGMA busy_timeout = {PRAGMAS['busy_timeout']}")


def _touch(path: Path) -> None:
    os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0
