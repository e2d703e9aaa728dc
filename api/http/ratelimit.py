"""The save rate limit: who the client is, and whether it may save now."""

from __future__ import annotations

import math
import time
from collections.abc import Callable

import falcon

from api.config import RateLimit
from api.http.clients import client_address, client_key
from api.store.ratelimit import RateLimits

_PERIOD_NAMES = {1.0: "second", 60.0: "minute", 3600.0: "hour"}


class SaveLimiter:
    """Counts every save, stored or refused, against its client's allowance (all workers)."""

    def __init__(
        self,
        counts: RateLimits,
        limit: RateLimit | None,
        trusted_proxies: int,
        clock: Callable[[], float] = time.time,
    ):
        self.counts, self.limit, self.trusted_proxies = counts, limit, trusted_proxies
        self.clock = clock

    def check(self, req: falcon.Request) -> None:
        """Count one save; answer 429 with Retry-After if the client is over its limit."""
        if self.limit is not None:
            key = client_key(client_address(req, self.trusted_proxies))
            self._refuse(self.counts.take(key, self.limit.count, self.limit.period, self.clock()))

    def check_early(self, req: falcon.Request) -> None:
        """Answer 429 now, counting nothing, if check() would: a client over its limit then
        costs no work before it (the real count is check(), in the save's transaction)."""
        if self.limit is not None:
            key = client_key(client_address(req, self.trusted_proxies))
            self._refuse(self.counts.peek(key, self.limit.count, self.limit.period, self.clock()))

    def charge(self, req: falcon.Request) -> None:
        """Count a refused save in a transaction of its own; refuse nothing (the request
        already has its answer). A client already over its limit has nothing to count."""
        if self.limit is not None:
            key = client_key(client_address(req, self.trusted_proxies))
            self.counts.take(key, self.limit.count, self.limit.period, self.clock())

    def _refuse(self, wait: float) -> None:
        if wait > 1e-9:
            seconds = max(1, math.ceil(wait))
            per = _PERIOD_NAMES.get(self.limit.period, f"{self.limit.period:g} seconds")
            raise falcon.HTTPTooManyRequests(
                title="Too many saves",
                description=f"Too many saves: try again in {seconds} "
                f"second{'s' if seconds != 1 else ''} (this client may save "
                f"{self.limit.count} prompts per {per}). Nothing was stored.",
                retry_after=seconds,
            )
