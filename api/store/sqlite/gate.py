"""SQLite's write gate: this app's writers queue on a file lock, and a restore shuts it.

SQLite lets one writer in at a time, and a writer that finds the lock taken polls it
with sleeps of 1, 2, 5, 10 ms..., far longer than a save holds it (~0.1 ms), so under
load workers mostly sleep. Writers of this app queue on a file lock (`<db>.lock`)
instead: the kernel wakes the next one the moment the lock is free. (Anything else,
like the CLI, still gets in through busy_timeout.) flock is shared by the threads of a
process, so a thread lock comes first.

A restore holds the gate for as long as it takes to copy the live file aside and
write the backup over it, and marks that with a second lock (`<db>.restore.lock`):
a writer that finds the gate taken meanwhile is refused at once (DatabaseUnavailable,
which the API answers 503 with Retry-After) instead of waiting the whole restore.
The kernel drops both locks when their process dies, so nothing stale is left.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import threading
import weakref
from collections.abc import Iterator
from pathlib import Path

from api.store.errors import DatabaseUnavailable, StoreError


class WriteGate:
    """The write gate of one SQLite file, for one process (forget() after a fork)."""

    def __init__(self, path: Path):
        self.path = path
        self._thread_lock = threading.Lock()
        self._fd: int | None = None
        self._owner: int | None = None  # the thread holding it: holding it again is free

    @contextlib.contextmanager
    def hold(self, refuse: bool = True) -> Iterator[None]:
        """Hold the gate: no other writer of this app until the block ends.

        Re-entrant in the thread holding it. `refuse`: during a restore, raise
        DatabaseUnavailable rather than wait for it (a takedown's scrub waits).
        """
        if self._owner == threading.get_ident():
            yield
            return
        if not self._thread_lock.acquire(blocking=False):
            if refuse:
                self._refuse_during_restore()
            self._thread_lock.acquire()
        try:
            fd = self._gate_fd()
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if refuse:
                    self._refuse_during_restore()
                fcntl.flock(fd, fcntl.LOCK_EX)
            self._owner = threading.get_ident()
            try:
                yield
            finally:
                self._owner = None
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            self._thread_lock.release()

    @contextlib.contextmanager
    def restoring(self) -> Iterator[None]:
        """Hold the gate for a restore, marked so that writers are refused; one at a time."""
        fd = os.open(self._restore_lock, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise StoreError(
                    f"another restore into {self.path} is running; wait until it ends."
                ) from None
            with self.hold(refuse=False):
                yield
        finally:
            os.close(fd)

    def forget(self) -> None:
        """In a forked child: close the parent's lock file (the child opens its own)."""
        if self._fd is not None:
            self._closer()
            self._fd = None

    def _gate_fd(self) -> int:
        if self._fd is None:
            self._fd = os.open(f"{self.path}.lock", os.O_RDWR | os.O_CREAT, 0o600)
            self._closer = weakref.finalize(self, os.close, self._fd)
        return self._fd

    @property
    def _restore_lock(self) -> str:
        return f"{self.path}.restore.lock"

    def _refuse_during_restore(self) -> None:
        """Raise DatabaseUnavailable if a restore holds the gate."""
        try:
            fd = os.open(self._restore_lock, os.O_RDONLY)
        except FileNotFoundError:  # no restore ever ran here
            return
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            raise DatabaseUnavailable(
                "a restore is replacing the database; saves and deletes resume when it ends"
            ) from None
        finally:
            os.close(fd)  # closing drops the shared lock too
