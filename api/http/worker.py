"""gunicorn's threaded worker, answering the requests it refuses itself in JSON.

gunicorn refuses malformed HTTP before the app sees it (a request line over
`limit_request_line`, a bad header, a bad chunk size) and writes an HTML page. This
worker writes the same status as the app's own errors are written: `{"title",
"description"}`, so a client reads every refusal the same way.

Its logger writes no access log: the app writes one line per request itself
(api/http/observe.py), and gunicorn's own, with `logconfig_dict` set, built every
request's fields and a record only for a logger with no handler to drop them.
"""

from __future__ import annotations

import msgspec
from gunicorn import glogging, util
from gunicorn.workers.gthread import ThreadWorker


def write_json_error(sock, status_int: int, reason: str, mesg: str) -> None:
    """gunicorn's util.write_error, with a JSON body instead of an HTML page."""
    body = msgspec.json.encode(
        {"title": reason, "description": f"{mesg or reason}. The request was not read."}
    )
    head = (
        f"HTTP/1.1 {status_int} {reason}\r\nConnection: close\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    util.write_nonblock(sock, head.encode("latin-1") + body)


class JSONErrorsWorker(ThreadWorker):
    """The gthread worker; its own refusals are JSON."""

    def init_process(self):
        util.write_error = write_json_error  # gunicorn writes its refusals through this
        super().init_process()


class NoAccessLog(glogging.Logger):
    """gunicorn's logger, less its access log (the app writes its own line per request)."""

    def access(self, resp, req, environ, request_time) -> None:
        return None
