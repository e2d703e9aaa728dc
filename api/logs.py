"""Logs as an event stream on stdout: one line per event, fields not prose, no capabilities.

Every line is JSON, or one readable line with the same fields when stdout is a terminal
(STRUCKDOWN_LOG_FORMAT=json or text chooses either way). Prompt ids, old flat-file ids,
delete tokens and the admin token are capabilities: a line that would hold one has it
replaced before it is written, so neither a request path nor an error message can leak
one to a log service.
"""

from __future__ import annotations

import atexit
import contextvars
import logging
import os
import re
import threading
import time
from datetime import UTC, datetime

import msgspec

REQUEST_ID: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)

# What a line must never carry: a UUID (prompt ids), 24 hex (old flat-file ids), and
# 43-character url-safe base64 (delete tokens, 32 random bytes).
_CAPABILITIES = re.compile(
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
    r"|(?<![0-9a-fA-F])[0-9a-fA-F]{24}(?![0-9a-fA-F])"
    r"|(?<![\w-])[\w-]{43}(?![\w-])"
)
_secrets: list[str] = []  # exact strings to hide too: the admin token of this process's app
MIN_SECRET = 16


def redact(text: str) -> str:
    """Return `text` with every capability replaced by a marker."""
    for secret in _secrets:
        text = text.replace(secret, "<secret>")
    return _CAPABILITIES.sub("<id>", text)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def render(fields: dict, text: bool) -> str:
    """One log line from its fields: JSON, or `time level key=value …` for people."""
    if not text:
        return msgspec.json.encode(fields).decode()
    head = f"{fields.pop('time')} {fields.pop('level')}"
    return head + "".join(f" {k}={v}" for k, v in fields.items() if v is not None)


class LineFormatter(logging.Formatter):
    """Formats any log record (gunicorn's, the app's) as one redacted line."""

    text = False

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        if record.exc_info:
            # The exception, not its traceback: a traceback is many lines and can
            # quote request data. The request id ties it to its request.
            error = record.exc_info[1]
            message += f" ({type(error).__name__}: {error})"
        fields = {
            "time": _now(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "request_id": getattr(record, "request_id", None) or REQUEST_ID.get(),
            "message": message,
        }
        return redact(render(fields, self.text))


class TextFormatter(LineFormatter):
    """The same fields as LineFormatter, as one line for people (local use)."""

    text = True


STDOUT = 1  # what dokku and log shippers collect
PIPE_BUF = 4096  # a write to a pipe of at most this many bytes is never split
FLUSH_SECONDS = 0.2


class _Stdout:
    """Lines to stdout, batched: whole lines, at most PIPE_BUF bytes a write, so lines from
    several workers sharing the pipe never mix, and one write carries many lines."""

    def __init__(self):
        self._reset()
        os.register_at_fork(after_in_child=self._reset)  # the parent writes its own lines
        atexit.register(self.flush)

    def _reset(self) -> None:
        self.lock, self.lines, self.size, self.ticking = threading.Lock(), [], 0, False

    def write(self, line: str, now: bool = False) -> None:
        data = (line + "\n").encode()
        with self.lock:
            if self.size + len(data) > PIPE_BUF:
                self._flush()
            self.lines.append(data)
            self.size += len(data)
            if now:
                self._flush()
            elif not self.ticking:
                self.ticking = True
                threading.Thread(target=self._tick, name="log-flush", daemon=True).start()

    def flush(self) -> None:
        with self.lock:
            self._flush()

    def _flush(self) -> None:
        data = b"".join(self.lines)
        self.lines.clear()
        self.size = 0
        while data:
            data = data[os.write(STDOUT, data) :]

    def _tick(self) -> None:
        while True:  # a line waits at most FLUSH_SECONDS, even when no request follows
            time.sleep(FLUSH_SECONDS)
            self.flush()


_stdout = _Stdout()


def write_line(line: str) -> None:
    """Write a line (a request's) to stdout within FLUSH_SECONDS, in order with the rest."""
    _stdout.write(line)


def flush() -> None:
    """Write out the lines waiting for their batch (gunicorn's worker_exit, the tests)."""
    _stdout.flush()


class LineHandler(logging.Handler):
    """A logging handler that writes each formatted record with write_line."""

    def emit(self, record: logging.LogRecord) -> None:
        try:  # at once: a warning may come just before the process stops
            _stdout.write(self.format(record), now=True)
        except Exception:  # a log line must never break a request
            self.handleError(record)


class AccessLog:
    """Writes one line per request: the hot path skips `logging` and its record objects.

    Its fields are safe by construction (the route template, never the path; a request
    id that was checked), so unlike other lines it needs no redaction pass.
    """

    def __init__(self, text: bool = False):
        self.text = text

    def write(self, **fields) -> None:
        write_line(render({"time": _now(), "level": "info", **fields}, self.text))


def configure(log_format: str, admin_token: str | None = None) -> None:
    """Send the app's and gunicorn's log records to stdout through the line formatter."""
    # The admin token is hidden wherever it appears; one too short to be a secret would
    # hide every word it is part of, and guards nothing worth hiding.
    _secrets[:] = [admin_token] if admin_token and len(admin_token) >= MIN_SECRET else []
    handler = LineHandler()
    handler.setFormatter(TextFormatter() if log_format == "text" else LineFormatter())
    for name in ("prompt_store", "gunicorn.error"):
        logger = logging.getLogger(name)
        logger.handlers[:] = [handler]
        logger.propagate = False
        if logger.level == logging.NOTSET:
            logger.setLevel(logging.INFO)
