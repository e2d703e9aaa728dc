"""Every request's request id, its one log line and its counts, in one middleware."""

from __future__ import annotations

import itertools
import os
import re
import time

import falcon

from api.http.clients import client_address, client_key
from api.http.logs import REQUEST_ID, AccessLog, redact
from api.http.metrics import RequestMetrics

# A request id a client or proxy sent is kept if it is a short token of safe characters.
_SAFE_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# A made id: random per process (this module is imported in each worker, after the fork),
# then a serial number. Unique, and cheaper than random bytes per request.
_PREFIX, _SERIAL = os.urandom(4).hex() + "-", itertools.count(1)


class Observer:
    """Give each request an id, then log one line and count it when it is answered."""

    def __init__(self, access_log: AccessLog, metrics: RequestMetrics, trusted_proxies: int):
        self.access_log, self.metrics, self.trusted_proxies = access_log, metrics, trusted_proxies

    def process_request(self, req: falcon.Request, resp: falcon.Response) -> None:
        given = req.get_header("X-Request-ID")
        if given and _SAFE_ID.fullmatch(given) and redact(given) == given:
            request_id = given  # safe characters, and not shaped like an id or a token
        else:
            request_id = f"{_PREFIX}{next(_SERIAL):x}"
        req.context.request_id = request_id
        req.context.started = time.perf_counter()
        REQUEST_ID.set(request_id)
        resp.set_header("X-Request-ID", request_id)

    def process_response(self, req, resp, resource, req_succeeded) -> None:
        seconds = time.perf_counter() - req.context.started
        # The route, never the path: a path holds the prompt id, which is a capability.
        route = req.uri_template or "(no route)"
        status = resp.status_code
        method = req.method if req.method in METHODS else "OTHER"  # a client's own word
        self.metrics.count(route, method, status, seconds)
        self.access_log.write(
            request_id=req.context.request_id,
            method=method,
            route=route,
            status=status,
            duration_ms=round(seconds * 1000, 2),
            bytes=_length(resp),
            client=client_key(client_address(req, self.trusted_proxies)),
        )
        REQUEST_ID.set(None)


def _length(resp: falcon.Response) -> int:
    """Bytes of the body as it will be sent (rendered once; Falcon reuses it)."""
    length = resp.get_header("Content-Length")
    if length is not None:
        return int(length)
    body = resp.render_body()
    return len(body) if body else 0
