"""Configuration: every STRUCKDOWN_* setting, read from the environment in one place."""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_DB_PATH = "~/.struckdown/prompts.db"
DEFAULT_CACHE_DIR = "~/.struckdown/prompts"  # the old flat-file store, for cleanup-flat-files
DEFAULT_MAX_BYTES = 200 * 1024
DEFAULT_SAVE_RATE_LIMIT = "20/minute"

SYNCHRONOUS = ("full", "normal")  # the first is the default
_PERIODS = {"second": 1, "minute": 60, "hour": 3600}
_RATE = re.compile(r"^\s*(\d+)\s*/\s*(second|minute|hour)s?\s*$", re.IGNORECASE)


class ConfigError(ValueError):
    """A setting has a value the service cannot use."""


@dataclass(frozen=True)
class RateLimit:
    """At most `count` saves per `period` seconds for one client."""

    count: int
    period: float

    @classmethod
    def parse(cls, value: str) -> RateLimit | None:
        """Parse '20/minute' (also N/second, N/hour); 'off' disables the limit."""
        if value.strip().lower() in ("off", "none", "0", ""):
            return None
        match = _RATE.match(value)
        if not match or int(match.group(1)) < 1:
            raise ConfigError(
                f"STRUCKDOWN_SAVE_RATE_LIMIT={value!r}: use N/second, N/minute, N/hour or off"
            )
        return cls(int(match.group(1)), float(_PERIODS[match.group(2).lower()]))


def _int(env: Mapping[str, str], name: str, default: int, minimum: int = 0) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a whole number") from None
    if value < minimum:
        raise ConfigError(f"{name} must be at least {minimum}")
    return value


def _choice(env: Mapping[str, str], name: str, choices: tuple[str, ...]) -> str:
    value = env.get(name, "").strip().lower() or choices[0]
    if value not in choices:
        raise ConfigError(f"{name}={value!r}: use {' or '.join(choices)}")
    return value


def _log_format(env: Mapping[str, str]) -> str:
    """STRUCKDOWN_LOG_FORMAT; unset, text for a person at a terminal, JSON for a log service."""
    if env.get("STRUCKDOWN_LOG_FORMAT", "").strip():
        return _choice(env, "STRUCKDOWN_LOG_FORMAT", ("json", "text"))
    try:
        at_terminal = sys.stdout is not None and sys.stdout.isatty()
    except (AttributeError, ValueError):  # replaced by an object without one, or closed
        at_terminal = False
    return "text" if at_terminal else "json"


@dataclass(frozen=True)
class Config:
    """Everything the app and the jobs need to know about their surroundings."""

    db_path: Path = field(default_factory=lambda: Path(DEFAULT_DB_PATH).expanduser())
    database_url: str | None = None
    max_bytes: int = DEFAULT_MAX_BYTES
    save_rate_limit: RateLimit | None = RateLimit(20, 60.0)
    trusted_proxies: int = 0
    admin_token: str | None = None
    public_url: str | None = None
    cors_origins: tuple[str, ...] = ()
    # A version by id never changes: its answers are `immutable` for this long. A takedown
    # reaches a client's own cache within it (docs/api.md: caching).
    cache_max_age: int = 3600
    label_max_age: int = 60  # a label moves: its answers are fresh this long, then revalidated
    prompt_cache_dir: Path = field(default_factory=lambda: Path(DEFAULT_CACHE_DIR).expanduser())
    log_format: str = "json"
    replica: Replica | None = None  # off-host replication of the SQLite file (Litestream)
    # SQLite's synchronous pragma: when a save is acknowledged, "full" has fsynced the WAL
    # (it survives a power cut), "normal" has only written it (it survives a crash of
    # the process). Chosen from `python -m bench --only durability`; see SYNCHRONOUS.
    sqlite_synchronous: str = "full"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Config:
        """Build the configuration from STRUCKDOWN_* variables (and DATABASE_URL)."""
        env = os.environ if env is None else env
        origins = env.get("STRUCKDOWN_CORS_ORIGINS", "")
        return cls(
            db_path=Path(env.get("STRUCKDOWN_PROMPT_DB") or DEFAULT_DB_PATH).expanduser(),
            database_url=env.get("DATABASE_URL") or None,
            max_bytes=_int(env, "STRUCKDOWN_PROMPT_MAX_BYTES", DEFAULT_MAX_BYTES, minimum=1),
            save_rate_limit=RateLimit.parse(
                env.get("STRUCKDOWN_SAVE_RATE_LIMIT", DEFAULT_SAVE_RATE_LIMIT)
            ),
            trusted_proxies=_int(env, "STRUCKDOWN_TRUSTED_PROXIES", 0),
            admin_token=env.get("STRUCKDOWN_ADMIN_TOKEN") or None,
            public_url=(env.get("STRUCKDOWN_PUBLIC_URL") or "").rstrip("/") or None,
            cors_origins=tuple(o.strip().rstrip("/") for o in origins.split(",") if o.strip()),
            prompt_cache_dir=Path(
                env.get("STRUCKDOWN_PROMPT_CACHE_DIR") or DEFAULT_CACHE_DIR
            ).expanduser(),
            label_max_age=_int(env, "STRUCKDOWN_LABEL_MAX_AGE", 60),
            log_format=_log_format(env),
            replica=Replica.from_env(env),
            sqlite_synchronous=_choice(env, "STRUCKDOWN_SQLITE_SYNCHRONOUS", SYNCHRONOUS),
        )


# -- Off-host replication (STRUCKDOWN_REPLICA_*): read here, used by api/store/litestream.py --

DEFAULT_REPLICA_RETENTION = "72h"
DEFAULT_REPLICA_SYNC_INTERVAL = "1s"
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)\s*$")
_SECONDS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400}


def _duration(env: Mapping[str, str], name: str, default: str) -> float:
    raw = env.get(name, "").strip() or default
    match = _DURATION.match(raw)
    if not match or float(match.group(1)) <= 0:
        raise ConfigError(f"{name}={raw!r}: use a duration such as 500ms, 10s, 30m, 72h or 7d")
    return float(match.group(1)) * _SECONDS[match.group(2)]


@dataclass(frozen=True)
class Replica:
    """Where and how often the SQLite file is copied off the host; credentials never printed."""

    url: str  # s3://bucket/path
    endpoint: str | None = None  # an S3-compatible store (R2, B2, MinIO); path-style addressing
    region: str = "us-east-1"
    retention: float = 72 * 3600.0  # seconds the replica keeps history (and purged text)
    sync_interval: float = 1.0  # seconds between uploads: the loss window on a lost host
    access_key_id: str | None = field(default=None, repr=False)
    secret_access_key: str | None = field(default=None, repr=False)
    session_token: str | None = field(default=None, repr=False)  # temporary credentials

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Replica | None:
        """Read STRUCKDOWN_REPLICA_* and the standard AWS_* credentials; None when unset."""
        url = env.get("STRUCKDOWN_REPLICA_URL", "").strip()
        if not url:
            return None
        bucket, _, path = url.removeprefix("s3://").partition("/")
        if not url.startswith("s3://") or not bucket or "@" in url or "?" in url:
            raise ConfigError(
                "STRUCKDOWN_REPLICA_URL must look like s3://bucket/path, without credentials "
                "or options (the endpoint has STRUCKDOWN_REPLICA_ENDPOINT)"
            )
        endpoint = env.get("STRUCKDOWN_REPLICA_ENDPOINT", "").strip().rstrip("/") or None
        if endpoint and (not re.match(r"^https?://[^/@\s]+$", endpoint)):
            raise ConfigError(
                "STRUCKDOWN_REPLICA_ENDPOINT must be http(s)://host[:port], without credentials "
                "or a path"
            )
        return cls(
            url=url.rstrip("/"),
            endpoint=endpoint,
            region=env.get("AWS_DEFAULT_REGION", "").strip() or "us-east-1",
            retention=_duration(env, "STRUCKDOWN_REPLICA_RETENTION", DEFAULT_REPLICA_RETENTION),
            sync_interval=_duration(
                env, "STRUCKDOWN_REPLICA_SYNC_INTERVAL", DEFAULT_REPLICA_SYNC_INTERVAL
            ),
            access_key_id=env.get("AWS_ACCESS_KEY_ID") or None,
            secret_access_key=env.get("AWS_SECRET_ACCESS_KEY") or None,
            session_token=env.get("AWS_SESSION_TOKEN") or None,
        )
