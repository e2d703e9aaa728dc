"""Logs as an event stream on stdout: one line per event, fields not prose, no capabilities.

Every line is JSON, or one readable line with the same fields when stdout is a terminal
(STRUCKDOWN_LOG_FORMAT=json or text chooses either way); in text, each value that is not
one plain word is quoted and escaped, so no value can add a field. Prompt ids, old
flat-file ids, delete tokens and the admin token are capabilities: a value that would
hold one, also percent-encoded, has it replaced before the line is written, so neither a
request path nor an error message can leak one to a log service. No line is longer than
PIPE_BUF (its longest value is cut, with a marker), so lines of several workers sharing a
pipe never mix. gunicorn's own refusals of malformed requests are named by their kind and
the client's hashed key, never by the request line or the address.
"""

from __future__ import annotations

import atexit
import contextvars
import logging
import os
import re
import threading
import time
import urllib.parse
from datetime import UTC, datetime

import msgspec

from api.http.clients import client_key
from api.store import ID_REGEX, LEGACY_ID_REGEX

REQUEST_ID: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)

# What a line must never carry: a UUID (prompt ids), 24 hex (old flat-file ids), and
# 43-character url-safe base64 (delete tokens, 32 random bytes).
_CAPABILITIES = re.compile(
    f"{ID_REGEX}"
    f"|(?<![0-9a-fA-F]){LEGACY_ID_REGEX}(?![0-9a-fA-F])"
    r"|(?<![\w-])[\w-]{43}(?![\w-])"
)
_secrets: list[str] = []  # exact strings to hide too: the admin token of this process's app
MIN_SECRET = 16


_PERCENT_ROUNDS = 3  # an id percent-encoded twice over is still found


def redact(text: str) -> str:
    """Return `text` with every capability replaced by a marker, percent-encoded ones too.

    A percent-encoded text is decoded first (a path's `%36e…` is a working id), so what
    is logged is the decoded text.
    """
    for _ in range(_PERCENT_ROUNDS):
        if "%" not in text:
            break
        decoded = urllib.parse.unquote(text, errors="replace")
        if decoded == text:
            break
        text = decoded
    for secret in _secrets:
        text = text.replace(secret, "<secret>")
    return _CAPABILITIES.sub("<id>", text)


_second = (0, "")  # the last whole second formatted, and its text: one tuple, read once


def _now() -> str:
    """The time as ISO 8601 UTC to the millisecond: the second formatted once a second."""
    global _second
    now = time.time()
    second, text = _second
    if second != int(now):
        second = int(now)
        text = datetime.fromtimestamp(second, UTC).strftime("%Y-%m-%dT%H:%M:%S")
        _second = (second, text)
    return f"{text}.{int((now - second) * 1000):03d}Z"


PIPE_BUF = 4096  # a write to a pipe of at most this many bytes is never split
CUT = "...[cut: log line over 4096 bytes]"
# A value written bare in the text format: printable ASCII without space, quote, = or \.
_PLAIN = re.compile(r"[!#-<>-\[\]-~]+")


def render(fields: dict, text: bool) -> str:
    """One log line from its fields: JSON, or `time level key=value …` for people.

    The line with its newline fits in PIPE_BUF: the longest text value is cut to fit,
    ending in CUT.
    """
    line = _render(fields, text)
    if len(line.encode()) < PIPE_BUF:
        return line
    fields = dict(fields)
    for _ in range(4):  # each round cuts at least the excess: one or two suffice
        excess = len(line.encode()) + 1 - PIPE_BUF
        if excess <= 0:
            return line
        texts = [k for k, v in fields.items() if isinstance(v, str)]
        name = max(texts, key=lambda k: len(fields[k]))
        value = fields[name].removesuffix(CUT)
        fields[name] = value[: max(0, len(value) - excess - len(CUT))] + CUT
        line = _render(fields, text)
    return _render({"time": fields["time"], "level": fields["level"], "message": CUT}, text)


def _render(fields: dict, text: bool) -> str:
    if not text:
        return msgspec.json.encode(fields).decode()
    head = f"{fields['time']} {fields['level']}"
    return head + "".join(
        f" {k}={_text_value(v)}"
        for k, v in fields.items()
        if v is not None and k not in ("time", "level")
    )


def _text_value(value) -> str:
    """A value of the text format: bare if one plain word, else JSON-quoted and escaped."""
    if isinstance(value, str) and _PLAIN.fullmatch(value):
        return value
    if isinstance(value, str):
        return msgspec.json.encode(value).decode()
    return str(value)


# gunicorn's own warning, formatted before it is logged: the address in it is raw, and
# the error quotes the request line (whose path may hold an id).
_GUNICORN_REFUSAL = re.compile(r"Invalid request from ip=(?P<ip>\S*): (?P<error>.*)", re.DOTALL)


def _gunicorn_refusal(message: str) -> tuple[str, str | None]:
    """gunicorn's "Invalid request from ip=…: …" as (its kind, the client's key)."""
    found = _GUNICORN_REFUSAL.fullmatch(message)
    if found is None:
        return message, None
    # The kind is what comes before the quoted part ("Invalid HTTP request line: 'GET …'").
    kind = re.split(r"[:'\"]", found["error"], maxsplit=1)[0].strip()
    return f"malformed request refused by gunicorn: {kind}", client_key(found["ip"])


class LineFormatter(logging.Formatter):
    """Formats any log record (gunicorn's, the app's) as one redacted line."""

    text = False

    def format(self, record: logging.LogRecord) -> str:
        message, client = record.getMessage(), None
        if record.name.startswith("gunicorn"):
            message, client = _gunicorn_refusal(message)
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
            "message": redact(message),
            "client": client,
        }
        if client is None:
            del fields["client"]
        return render(fields, self.text)


class TextFormatter(LineFormatter):
    """The same fields as LineFormatter, as one line for people (local use)."""

    text = True


STDOUT = 1  # what dokku and log shippers collect
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
        if len(data) > PIPE_BUF:  # render() makes none this long; never split one all the same
            data = data[: PIPE_BUF - len(CUT) - 1] + CUT.encode() + b"\n"
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
