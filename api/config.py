"""Configuration: every STRUCKDOWN_* setting, read from the environment in one place."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_DB_PATH = "~/.struckdown/prompts.db"
DEFAULT_CACHE_DIR = "~/.struckdown/prompts"  # the old flat-file store, for cleanup-flat-files
DEFAULT_MAX_BYTES = 200 * 1024
DEFAULT_SAVE_RATE_LIMIT = "20/minute"

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
    cache_max_age: int = 60
    prompt_cache_dir: Path = field(default_factory=lambda: Path(DEFAULT_CACHE_DIR).expanduser())
    log_format: str = "json"

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
            log_format=_choice(env, "STRUCKDOWN_LOG_FORMAT", ("json", "text")),
        )
