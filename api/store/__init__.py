"""The prompt store: the only place SQL lives.

`Store(config)` is the store of one database; the app and the CLI each build one
and pass it on. Its parts: `prompts` (reads and writes of versions), `takedowns`,
`legacy`, `rate_limits`, `maintenance` and `backups`; `docs/architecture.md` maps them.

For scripts, the module-level functions below are the compatibility surface of the
flat-file `prompt_cache` module this store replaces, with the same signatures. They
use `default_store()`, configured from the environment (STRUCKDOWN_PROMPT_DB,
DATABASE_URL) on first call:

    >>> from api import store
    >>> prompt_id, created = store.save_prompt("Summarise {{ text }}")
    >>> store.get_prompt(prompt_id)
    'Summarise {{ text }}'
"""

from __future__ import annotations

import functools

from api.config import Config
from api.store.backup_files import backup_time, fsync, list_backups, stale_partials
from api.store.errors import (
    DatabaseUnavailable,
    IncompatibleMove,
    InvalidLabelName,
    InvalidPromptId,
    InvalidPromptText,
    LabelExists,
    LabelMoved,
    LabelNotFound,
    LabelTargetInvalid,
    LabelTargetRemoved,
    NotAPromptDatabase,
    NotOnThisDatabase,
    ParentNotFound,
    PromptConflict,
    PromptNotFound,
    PromptRemoved,
    PromptTooLarge,
    SchemaTooNew,
    ScrubIncomplete,
    StoreError,
    WrongDeleteToken,
    WrongLabelToken,
)
from api.store.ratelimit import RateLimits
from api.store.rows import Ancestor, Entry, Imported, Label, Move, Version
from api.store.schema import SCHEMA_VERSION
from api.store.sqlite.litestream import ReplicaError
from api.store.store import Store
from api.store.values import (
    ID_REGEX,
    LEGACY_ID_REGEX,
    NAME_RULE,
    SUMMARY_CHARS,
    encode_text,
    summarise,
    validate_label_name,
    validate_legacy_id,
    validate_prompt_id,
)

__all__ = [
    "ID_REGEX",
    "LEGACY_ID_REGEX",
    "NAME_RULE",
    "SUMMARY_CHARS",
    "SCHEMA_VERSION",
    "Ancestor",
    "Entry",
    "Imported",
    "Label",
    "Move",
    "RateLimits",
    "ReplicaError",
    "Version",
    "backup_time",
    "encode_text",
    "fsync",
    "list_backups",
    "stale_partials",
    "DatabaseUnavailable",
    "IncompatibleMove",
    "InvalidLabelName",
    "LabelExists",
    "LabelMoved",
    "LabelNotFound",
    "LabelTargetInvalid",
    "LabelTargetRemoved",
    "WrongLabelToken",
    "InvalidPromptId",
    "InvalidPromptText",
    "NotAPromptDatabase",
    "NotOnThisDatabase",
    "ParentNotFound",
    "PromptConflict",
    "PromptNotFound",
    "PromptRemoved",
    "PromptTooLarge",
    "SchemaTooNew",
    "ScrubIncomplete",
    "Store",
    "StoreError",
    "WrongDeleteToken",
    "default_store",
    "get_cache_stats",
    "get_prompt",
    "get_prompt_history",
    "get_prompt_with_metadata",
    "list_prompts",
    "prompt_exists",
    "save_prompt",
    "store_prompt",
    "summarise",
    "validate_label_name",
    "validate_legacy_id",
    "validate_prompt_id",
]


@functools.cache
def default_store() -> Store:
    """Return the store the functions below use, configured from the environment once."""
    return Store(Config.from_env())


def save_prompt(text: str, parent_id: str | None = None) -> tuple[str, bool]:
    """Save a version under a new UUID; return (id, created). Idempotent per (parent, text)."""
    version, created = default_store().prompts.save(text, parent_id)
    return version.id, created


def store_prompt(
    prompt_id: str, text: str, parent_id: str | None = None, *, created_at: str | None = None
) -> bool:
    """Store text under a given id; return True if written, False if already there."""
    return default_store().prompts.store(prompt_id, text, parent_id, created_at)


def get_prompt(prompt_id: str) -> str:
    """Return the text of a prompt or raise PromptNotFound (PromptRemoved for a tombstone)."""
    return default_store().prompts.get(prompt_id).text


def get_prompt_with_metadata(prompt_id: str) -> dict:
    """Return {id, text, parent_id, created_at, sha256}; raise PromptNotFound or PromptRemoved."""
    version = default_store().prompts.get(prompt_id)
    return {
        "id": version.id,
        "text": version.text,
        "parent_id": version.parent_id,
        "created_at": version.created_at,
        "sha256": version.sha256,
    }


def get_prompt_history(prompt_id: str, limit: int | None = None) -> list[dict]:
    """Return the ancestors of a prompt, nearest first: {id, parent_id, created_at, sha256,
    summary, removed} each."""
    return [a.listed()._asdict() for a in default_store().prompts.history(prompt_id, limit)]


def list_prompts(limit: int = 100, offset: int = 0) -> list[dict]:
    """List prompts newest first, without their text."""
    return [p._asdict() for p in default_store().prompts.listing(limit, offset)]


def get_cache_stats() -> dict:
    """Report the database (the flat-file module reported its directory): the prompt count,
    its path and its size on disk, write-ahead log included."""
    return default_store().maintenance.sizes()


def prompt_exists(prompt_id: str) -> bool:
    """Say whether a prompt with this id exists (False for anything not a UUID)."""
    return default_store().prompts.exists(prompt_id)
