"""One HTTP request with urllib: an answer of any status, or Unreachable."""

from __future__ import annotations

import http.client
import json
import socket
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

VERSION = "0.1.0"
USER_AGENT = f"prompt-store-client/{VERSION}"


class Unreachable(Exception):
    """No answer: the connection failed or timed out. str() is the cause."""


@dataclass(frozen=True)
class Answer:
    status: int
    headers: Mapping[str, str]
    body: bytes

    def json(self) -> dict[str, Any]:
        """The body as a JSON object, or {} when it is not (a proxy's HTML error page, say)."""
        try:
            data = json.loads(self.body)
        except ValueError:
            return {}
        return data if isinstance(data, dict) else {}

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    def max_age(self) -> float:
        """Seconds the answer may be reused without asking, from Cache-Control (0 if none)."""
        directives = [d.strip().lower() for d in (self.header("cache-control") or "").split(",")]
        if "no-store" in directives or "no-cache" in directives:
            return 0.0
        for directive in directives:
            if directive.startswith("max-age="):
                try:
                    return max(0.0, float(directive.split("=", 1)[1]))
                except ValueError:
                    return 0.0
        return 0.0

    def retry_after(self) -> float | None:
        value = self.header("retry-after")
        try:
            return float(value) if value is not None else None
        except ValueError:
            return None


class Transport:
    """Sends requests to one base URL with one timeout."""

    def __init__(self, base_url: str, timeout: float) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout

    def request(
        self,
        method: str,
        path: str,
        *,
        body: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Answer:
        sent = {"User-Agent": USER_AGENT, "Accept": "application/json", **(headers or {})}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            sent["Content-Type"] = "application/json"
        req = urllib.request.Request(self.base_url + path, data=data, method=method, headers=sent)
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                return Answer(resp.status, _lower(resp.headers), resp.read())
        except urllib.error.HTTPError as error:  # an answer with a status of 400 or more (or 304)
            with error:
                return Answer(error.code, _lower(error.headers), error.read())
        except urllib.error.URLError as error:
            raise Unreachable(_cause(error.reason)) from error
        except (OSError, http.client.HTTPException) as error:
            raise Unreachable(_cause(error)) from error


def _lower(headers: Any) -> dict[str, str]:
    return {k.lower(): v for k, v in headers.items()} if headers else {}


def _cause(reason: Any) -> str:
    if isinstance(reason, (socket.timeout, TimeoutError)):
        return "timed out"
    return str(reason) or type(reason).__name__
