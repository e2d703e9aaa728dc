"""The save rate limit's state, kept in the database so every worker and host shares it.

GCRA: a burst of up to `count` saves, then one per period/count; a client can never
bank more than `count`. Keys are hashes of client addresses (api/http/ratelimit.py): the
database never holds an address.
"""

from __future__ import annotations

from api.store.connection import Database

TAT = "SELECT tat FROM rate_limits WHERE key = ?"


class RateLimits:
    """Count saves per client key."""

    def __init__(self, database: Database):
        self.database = database
        self._tat = database.dialect.prepare(TAT)

    def peek(self, key: str, count: int, period: float, now: float) -> float:
        """Return what take() would answer now, counting nothing: one read, no lock."""
        row = self.database.one(self._tat, (key,))
        if row is None:
            return 0.0
        (tat,) = row
        return max(0.0, max(tat, now) + period / count - period - now)

    def take(self, key: str, count: int, period: float, now: float) -> float:
        """Count one save by `key`; return 0 if allowed, else the seconds to wait."""
        with self.database.write_or_join():
            return self.database.dialect.take_rate_limit(
                self.database.peewee, key, period / count, period, now
            )
