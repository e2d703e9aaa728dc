"""PromptStore: reads by label or id through the cache, falling back in an outage; writes."""

from __future__ import annotations

import logging
import os
import threading
import time
from datetime import datetime, timezone
from typing import Any, Callable, Union
from urllib.parse import quote, urljoin

from .bundle import Bundle, Locked
from .cache import Cache, Entry, Key
from .errors import PromptStoreError, PromptStoreUnavailable, error_for
from .models import Prompt, Saved
from .transport import Answer, Transport, Unreachable

log = logging.getLogger("prompt_store_client")

_EPOCH = datetime.fromtimestamp(0, timezone.utc)
BundleLike = Union[Bundle, str, "os.PathLike[str]", None]


class PromptStore:
    """A prompt-store at `base_url`, read through a cache that outlives an outage.

    >>> store = PromptStore("https://prompts.example.org", cache_dir="/var/cache/prompts")
    >>> store.get("summariser/production").text  # doctest: +SKIP
    """

    def __init__(
        self,
        base_url: str,
        *,
        cache_dir: str | os.PathLike[str] | None = None,
        timeout: float = 2.0,
        max_stale: float = 86400,
        bundle: BundleLike = None,
        retry_interval: float = 5.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.max_stale = max_stale
        self.retry_interval = retry_interval
        self._transport = Transport(self.base_url, timeout)
        self._cache = Cache(cache_dir)
        self._bundle = (
            bundle if isinstance(bundle, Bundle) or bundle is None else Bundle.load(bundle)
        )
        self._clock = clock
        self._lock = threading.Lock()
        self._key_locks: dict[Key, threading.Lock] = {}
        self._outages: dict[Key, tuple[float, str]] = {}  # key -> (retry at, cause)

    # Reads

    def get(self, name: str) -> Prompt:
        """The version the label `name` points at: from the cache while fresh, else asked."""
        return self._read(("label", name), "/api/labels/" + quote(name, safe="/"))

    def version(self, prompt_id: str) -> Prompt:
        """The version with this id; cached for good once fetched (a version never changes)."""
        return self._read(("version", prompt_id), "/api/prompts/" + quote(prompt_id, safe=""))

    def _read(self, key: Key, path: str) -> Prompt:
        entry = self._cache.memory(key)
        if entry is not None and entry.fresh(self._clock()):
            return self._prompt(entry, stale=False)
        # One request per key at a time: the other threads wait for its answer.
        with self._lock_for(key):
            now = self._clock()
            entry = self._cache.newest(key)
            if entry is not None and entry.fresh(now):
                return self._prompt(entry, stale=False)
            if self._waiting(key, now):
                served = self._fallback(key, entry, now)
                if served is not None:
                    return served[0]  # warned already; asked again at the retry time
            return self._fetch(key, path, entry, now)

    def _fetch(self, key: Key, path: str, entry: Entry | None, now: float) -> Prompt:
        headers = {"If-None-Match": entry.etag} if entry is not None and entry.etag else {}
        try:
            answer = self._transport.request("GET", path, headers=headers)
        except Unreachable as error:
            return self._outage(key, entry, str(error), None, now)
        if answer.status == 304 and entry is not None:
            entry = entry.confirmed(now, answer.max_age(), answer.header("etag"))
        elif answer.status == 200 and _whole(answer.json()):
            entry = Entry(
                key[0], key[1], answer.json(), answer.header("etag"), now, answer.max_age()
            )
        elif answer.status in (404, 410):
            # Never papered over: and a removed prompt's copies go too.
            self._cache.drop(key)
            if answer.status == 410 and entry is not None and key[0] == "label":
                self._cache.drop(("version", entry.body["id"]))
            raise error_for(answer.status, answer.json(), None)
        elif answer.status == 429 or answer.status >= 500:
            cause = f"HTTP {answer.status}" + _title(answer)
            return self._outage(key, entry, cause, answer, now)
        elif answer.status < 400:
            return self._outage(key, entry, f"unexpected answer HTTP {answer.status}", None, now)
        else:
            raise error_for(answer.status, answer.json(), answer.retry_after())
        self._cache.put(entry)
        self._recovered(key)
        return self._prompt(entry, stale=False)

    # Outages

    def _outage(
        self, key: Key, entry: Entry | None, cause: str, answer: Answer | None, now: float
    ) -> Prompt:
        """Serve the last good copy or the bundle's, warning once; else raise Unavailable."""
        served = self._fallback(key, entry, now)
        if served is None:
            raise PromptStoreUnavailable(
                key[1], cause, status=answer.status if answer else None, shown=_shown(key)
            )
        wait = (answer.retry_after() if answer is not None else None) or self.retry_interval
        with self._lock:
            first = key not in self._outages
            self._outages[key] = (now + wait, cause)
        if first:
            log.warning(
                "prompt-store unavailable (%s): serving %s %r from %s, stale",
                cause,
                key[0],
                _shown(key),
                served[1],
            )
        return served[0]

    def _fallback(self, key: Key, entry: Entry | None, now: float) -> tuple[Prompt, str] | None:
        """The last good copy younger than max_stale, else the bundle's; and where it is from."""
        if entry is not None and now - entry.fetched_at < self.max_stale:
            confirmed = datetime.fromtimestamp(entry.fetched_at, timezone.utc)
            return self._prompt(
                entry, stale=True
            ), f"the copy confirmed at {confirmed:%Y-%m-%dT%H:%M:%SZ}"
        locked = self._locked(key)
        if locked is not None:
            return self._bundled(key, locked), "the bundle"
        return None

    def _waiting(self, key: Key, now: float) -> bool:
        """Whether an outage of this key is still being waited out."""
        with self._lock:
            retry_at = self._outages.get(key, (0.0, ""))[0]
        return now < retry_at

    def _recovered(self, key: Key) -> None:
        with self._lock:
            gone = self._outages.pop(key, None)
        if gone is not None:
            log.info("prompt-store reachable again: %s %r is current", key[0], _shown(key))

    # Turning answers into Prompts

    def _prompt(self, entry: Entry, stale: bool) -> Prompt:
        body = entry.body
        template = body.get("template") or {}
        return Prompt(
            name=entry.key if entry.kind == "label" else None,
            id=body["id"],
            text=body["text"],
            variables=tuple(template.get("variables", ())),
            slots=tuple(template.get("slots", ())),
            fetched_at=datetime.fromtimestamp(entry.fetched_at, timezone.utc),
            stale=stale,
            etag=entry.etag if entry.kind == "label" else None,
        )

    def _locked(self, key: Key) -> Locked | None:
        if self._bundle is None:
            return None
        return self._bundle.label(key[1]) if key[0] == "label" else self._bundle.version(key[1])

    def _bundled(self, key: Key, locked: Locked) -> Prompt:
        return Prompt(
            name=key[1] if key[0] == "label" else None,
            id=locked.id,
            text=locked.text,
            variables=tuple(locked.variables),
            slots=tuple(locked.slots),
            fetched_at=self._bundle.pulled_datetime() if self._bundle else _EPOCH,
            stale=True,
        )

    def _lock_for(self, key: Key) -> threading.Lock:
        with self._lock:
            return self._key_locks.setdefault(key, threading.Lock())

    # Writes

    def save(self, text: str, parent_id: str | None = None) -> Saved:
        """Store `text` (an edit of `parent_id`, if given); the same text again is the same id."""
        body: dict[str, Any] = {"text": text}
        if parent_id is not None:
            body["parent_id"] = parent_id
        answer = self._write("POST", "/api/prompts", body, "saving a prompt")
        data = answer.json()
        url = urljoin(self.base_url + "/", data.get("url") or f"/p/{data['id']}")
        return Saved(data["id"], url, data.get("delete_token"), answer.status == 201)

    def create_label(self, name: str, prompt_id: str) -> str:
        """Point a new label at a version; returns the label token (shown only this once)."""
        body = {"name": name, "id": prompt_id}
        answer = self._write("POST", "/api/labels", body, f"creating label {name!r}")
        return str(answer.json()["label_token"])

    def move_label(
        self,
        name: str,
        prompt_id: str,
        token: str,
        *,
        force: bool = False,
        note: str | None = None,
        if_match: str | None = None,
    ) -> Prompt:
        """Move a label to another version; returns its new state (and caches it)."""
        body: dict[str, Any] = {"id": prompt_id, "force": force}
        if note is not None:
            body["note"] = note
        headers = {"Authorization": f"Bearer {token}"}
        if if_match is not None:
            headers["If-Match"] = if_match
        path = "/api/labels/" + quote(name, safe="/")
        answer = self._write("PUT", path, body, f"moving label {name!r}", headers)
        key = ("label", name)
        data, old = answer.json(), self._cache.newest(key)
        if _whole(data) and answer.header("etag"):
            # A write's answer is no-store: keep it for the label's max-age as last seen.
            max_age = old.max_age if old is not None else 0.0
            entry = Entry("label", name, data, answer.header("etag"), self._clock(), max_age)
            self._cache.put(entry)
            return self._prompt(entry, stale=False)
        if old is not None:
            self._cache.put(old.expired())  # asked again next time, still there for an outage
        return self.get(name)

    def delete_label(self, name: str, token: str) -> None:
        """Delete a label (its name can then be created again)."""
        path = "/api/labels/" + quote(name, safe="/")
        headers = {"Authorization": f"Bearer {token}"}
        self._write("DELETE", path, None, f"deleting label {name!r}", headers)
        self._cache.drop(("label", name))

    def _write(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None,
        what: str,
        headers: dict[str, str] | None = None,
    ) -> Answer:
        try:
            answer = self._transport.request(method, path, body=body, headers=headers)
        except Unreachable as error:
            raise PromptStoreUnavailable(what, str(error)) from error
        if answer.status >= 500:
            raise PromptStoreUnavailable(
                what, f"HTTP {answer.status}" + _title(answer), status=answer.status
            )
        if answer.status >= 400:
            raise error_for(answer.status, answer.json(), answer.retry_after())
        if answer.status not in (200, 201, 204):
            raise PromptStoreError(
                f"{what}: unexpected answer {answer.status}", status=answer.status
            )
        return answer


def _whole(body: Any) -> bool:
    """Whether an answer holds a prompt version (not a proxy's page or a partial body)."""
    return (
        isinstance(body, dict)
        and isinstance(body.get("id"), str)
        and isinstance(body.get("text"), str)
        and isinstance(body.get("template", {}), dict)
    )


def _shown(key: Key) -> str:
    """A label's name; only the start of a version's id (an id is a capability: not for logs)."""
    return key[1] if key[0] == "label" else f"{key[1][:8]}..."


def _title(answer: Answer) -> str:
    body = answer.json()
    title = body.get("title") if isinstance(body, dict) else None
    return f" {title}" if isinstance(title, str) else ""
