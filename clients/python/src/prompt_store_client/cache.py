"""The cache: in memory always, on disk too when given a directory.

A disk entry is one JSON file, written to a temporary file in the same directory and
renamed over the old one (`os.replace`, atomic on POSIX and Windows): a reader in any
process sees the old file or the new one, never part of either. Each file carries the
sha256 of its text, so a file damaged some other way is ignored, not served.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import threading
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

log = logging.getLogger("prompt_store_client")

FORMAT = 1
Key = tuple[str, str]  # ("label", name) or ("version", id)


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Entry:
    """One answer of the store: the body, its ETag, when it was last confirmed, for how long."""

    kind: str
    key: str
    body: dict[str, Any]
    etag: str | None
    fetched_at: float
    max_age: float

    def fresh(self, now: float) -> bool:
        """A version never changes, so it is always fresh; a label is for its max-age."""
        return self.kind == "version" or now < self.fetched_at + self.max_age

    def confirmed(self, now: float, max_age: float, etag: str | None) -> Entry:
        """The same entry, confirmed by a 304 at `now`."""
        return replace(self, fetched_at=now, max_age=max_age, etag=etag or self.etag)

    def expired(self) -> Entry:
        return replace(self, max_age=0.0)

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "kind": self.kind,
            "key": self.key,
            "etag": self.etag,
            "fetched_at": self.fetched_at,
            "max_age": self.max_age,
            "sha256": sha256(self.body["text"]),
            "body": self.body,
        }

    @classmethod
    def from_json(cls, data: Any, kind: str, key: str) -> Entry | None:
        """The entry a file holds, or None if it is not a whole entry for this key."""
        try:
            body = data["body"]
            if (
                data["format"] != FORMAT
                or (data["kind"], data["key"]) != (kind, key)
                or data["sha256"] != sha256(body["text"])
            ):
                return None
            return cls(
                kind,
                key,
                body,
                data["etag"],
                float(data["fetched_at"]),
                float(data["max_age"]),
            )
        except (KeyError, TypeError, ValueError, AttributeError):
            return None


class Cache:
    """Entries by key, shared by every thread; on disk under `directory` when one is given."""

    def __init__(self, directory: str | os.PathLike[str] | None = None) -> None:
        self._memory: dict[Key, Entry] = {}
        self._lock = threading.Lock()
        self.directory = Path(directory) if directory is not None else None
        self._disk_failed = False
        if self.directory is not None:
            try:
                self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
            except OSError as error:  # the app still starts, on its memory cache
                self._disk_trouble("create", error)

    def memory(self, key: Key) -> Entry | None:
        with self._lock:
            return self._memory.get(key)

    def newest(self, key: Key) -> Entry | None:
        """The newer of the memory and disk entries (another process may have refreshed it)."""
        mine, theirs = self.memory(key), self._read(key)
        if theirs is not None and (mine is None or theirs.fetched_at > mine.fetched_at):
            with self._lock:
                self._memory[key] = theirs
            return theirs
        return mine

    def put(self, entry: Entry) -> None:
        key = (entry.kind, entry.key)
        with self._lock:
            self._memory[key] = entry
        self._write(key, entry)

    def drop(self, key: Key) -> None:
        with self._lock:
            self._memory.pop(key, None)
        path = self._path(key)
        if path is not None:
            try:
                path.unlink()
            except FileNotFoundError:
                pass
            except OSError as error:
                self._disk_trouble("remove", error)

    def _path(self, key: Key) -> Path | None:
        if self.directory is None:
            return None
        # Hashed: a label name may hold "/", and a file name should not show an id.
        return self.directory / f"{key[0]}-{sha256(key[1])[:40]}.json"

    def _read(self, key: Key) -> Entry | None:
        path = self._path(key)
        if path is None:
            return None
        try:
            data = json.loads(path.read_bytes())
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as error:
            log.debug("prompt-store cache: unreadable %s: %s", path, error)
            return None
        return Entry.from_json(data, *key)

    def _write(self, key: Key, entry: Entry) -> None:
        path = self._path(key)
        if path is None:
            return
        try:
            fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
            try:
                with os.fdopen(fd, "wb") as file:
                    file.write(json.dumps(entry.to_json(), ensure_ascii=False).encode("utf-8"))
                    file.flush()
                    os.fsync(file.fileno())
                os.replace(temporary, path)
            except BaseException:
                os.unlink(temporary)
                raise
        except OSError as error:
            self._disk_trouble("write", error)

    def _disk_trouble(self, what: str, error: OSError) -> None:
        """A cache that cannot write keeps working from memory; say so once."""
        if not self._disk_failed:
            self._disk_failed = True
            log.warning("prompt-store cache: cannot %s in %s (%s)", what, self.directory, error)
