"""The save rate limit: who the client is, and whether it may save now."""

from __future__ import annotations

import functools
import hashlib
import ipaddress
import math
import time
from collections.abc import Callable

import falcon

from .config import RateLimit
from .store.ratelimit import RateLimits

_PERIOD_NAMES = {1.0: "second", 60.0: "minute", 3600.0: "hour"}


def client_address(req: falcon.Request, trusted_proxies: int) -> str:
    """Return the client's address, believing X-Forwarded-For only as far as trusted.

    Each trusted proxy appends the address it saw, so with N trusted proxies the
    client is the N-th entry from the right; anything further left is the
    client's own claim and is ignored.
    """
    if trusted_proxies > 0:
        hops = [h.strip() for h in (req.get_header("X-Forwarded-For") or "").split(",")]
        hops = [h for h in hops if h]
        if hops:
            return hops[-min(trusted_proxies, len(hops))]
    return req.remote_addr or "unknown"


@functools.lru_cache(maxsize=4096)  # busy clients repeat; parsing and hashing each time costs
def client_key(address: str) -> str:
    """Return the rate-limit key for an address: hashed, IPv6 grouped by /64."""
    try:
        ip = ipaddress.ip_address(address)
        if ip.version == 6 and ip.ipv4_mapped is None:
            address = str(ipaddress.ip_network(f"{ip}/64", strict=False))
        elif ip.version == 6:
            address = str(ip.ipv4_mapped)
    except ValueError:
        pass
    # Only a hash is stored: the database never holds client addresses.
    return hashlib.sha256(address.encode()).hexdigest()[:32]


class SaveLimiter:
    """Counts every accepted save against the client's allowance, shared by all workers."""

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
