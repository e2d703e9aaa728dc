"""A small prompt-store on http.server, following the HTTP contract of issues 22 and 23.

For what the real server cannot be made to do on demand: answer 500 or 429, hang past
the client's timeout, or take a version down between two requests. It counts every
request it answers, by (method, route, status).
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import threading
import time
import uuid
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

LABEL = re.compile(r"^/api/labels/(?P<name>.+)$")
PROMPT = re.compile(r"^/api/prompts/(?P<id>[^/]+)$")


def interface(text: str) -> dict:
    variables = sorted(set(re.findall(r"{{\s*(\w+)", text)))
    slots = sorted(set(re.findall(r"\[\[(?:\w+:)?(\w+)", text)))
    return {"variables": variables, "slots": slots, "truncated": False}


class FakeStore:
    def __init__(self, max_age: int = 60) -> None:
        self.max_age = max_age
        self.prompts: dict = {}  # id -> {"text", ...}; None once removed
        self.labels: dict = {}  # name -> {"id", "token", "moves"}
        self.counts: Counter = Counter()
        self.failure: int | None = None  # answer every request with this status
        self.hang = 0.0  # or sleep this long first
        self.retry_after = "7"
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    def __enter__(self) -> FakeStore:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def count(self, method: str, route: str, status: int | None = None) -> int:
        return sum(
            n
            for (m, r, s), n in self.counts.items()
            if m == method and r == route and (status is None or s == status)
        )

    # Shortcuts for tests, as the real API would do them

    def add(self, text: str) -> str:
        prompt_id = str(uuid.uuid4())
        self.prompts[prompt_id] = {"text": text}
        return prompt_id

    def point(self, name: str, prompt_id: str) -> None:
        label = self.labels.setdefault(name, {"token": "t0k3n", "moves": 0})
        label["id"] = prompt_id
        label["moves"] += 1

    def remove(self, prompt_id: str) -> None:
        self.prompts[prompt_id] = None

    # The HTTP side

    def version_body(self, prompt_id: str) -> dict:
        text = self.prompts[prompt_id]["text"]
        sha = hashlib.sha256(text.encode()).hexdigest()
        return {
            "id": prompt_id,
            "text": text,
            "parent_id": None,
            "created_at": "2026-01-01",
            "sha256": sha,
            "template": interface(text),
        }

    def label_body(self, name: str) -> dict:
        label = self.labels[name]
        body = self.version_body(label["id"])
        return {
            "name": name,
            "id": label["id"],
            "text": body["text"],
            "template": body["template"],
            "created_at": "2026-01-01",
            "moved_at": "2026-01-02",
            "url": f"/api/labels/{name}",
        }

    def etag(self, name: str) -> str:
        label = self.labels[name]
        return f'"label-{label["id"]}-{label["moves"]}"'

    def answer(self, method: str, path: str, headers: Any, body: Any) -> tuple:
        """(route, status, headers, body) for one request."""
        if self.failure is not None:
            head = {"Retry-After": self.retry_after} if self.failure in (429, 503) else {}
            return "*", self.failure, head, {"title": "Failing", "description": "on purpose"}
        if method == "POST" and path == "/api/prompts":
            return ("/api/prompts", *self.save(body))
        if method == "POST" and path == "/api/labels":
            return ("/api/labels", *self.create_label(body))
        match = PROMPT.match(path)
        if match and method == "GET":
            return ("/api/prompts/{id}", *self.get_version(match["id"]))
        match = LABEL.match(path)
        if match and method == "GET":
            return ("/api/labels/{name}", *self.get_label(match["name"], headers))
        if match and method == "PUT":
            return ("/api/labels/{name}", *self.move_label(match["name"], headers, body))
        return path, 404, {}, {"title": "Not found", "description": "No such route."}

    def save(self, body: dict) -> tuple:
        for prompt_id, row in self.prompts.items():
            if row and row["text"] == body["text"]:
                return 200, {}, {"id": prompt_id, "url": f"/p/{prompt_id}"}
        prompt_id = self.add(body["text"])
        token = secrets.token_urlsafe(8)
        return 201, {}, {"id": prompt_id, "url": f"/p/{prompt_id}", "delete_token": token}

    def create_label(self, body: dict) -> tuple:
        if body["name"] in self.labels:
            return 409, {}, {"title": "Label exists", "description": "This name is taken."}
        if not self.prompts.get(body["id"]):
            return 422, {}, {"title": "Unknown version", "description": "No prompt has this id."}
        self.point(body["name"], body["id"])
        token = self.labels[body["name"]]["token"]
        return 201, {}, {"name": body["name"], "id": body["id"], "label_token": token}

    def get_version(self, prompt_id: str) -> tuple:
        if prompt_id not in self.prompts:
            return 404, {}, {"title": "Prompt not found", "description": "No prompt has this id."}
        if self.prompts[prompt_id] is None:
            return 410, {}, {"title": "Prompt removed", "description": "Removed by request."}
        cache = "private, max-age=31536000, immutable"
        return 200, {"Cache-Control": cache}, self.version_body(prompt_id)

    def get_label(self, name: str, headers: Any) -> tuple:
        if name not in self.labels:
            return 404, {}, {"title": "Label not found", "description": "No label has this name."}
        if self.prompts[self.labels[name]["id"]] is None:
            return (
                410,
                {},
                {
                    "title": "Label's version removed",
                    "description": "The version this label points at was removed.",
                },
            )
        head = {
            "ETag": self.etag(name),
            "Cache-Control": f"private, max-age={self.max_age}, stale-if-error=86400",
        }
        if headers.get("If-None-Match") == self.etag(name):
            return 304, head, None
        return 200, head, self.label_body(name)

    def move_label(self, name: str, headers: Any, body: dict) -> tuple:
        auth = headers.get("Authorization")
        if not auth:
            return 401, {}, {"title": "Label token required", "description": "Send it."}
        if auth != f"Bearer {self.labels[name]['token']}":
            return 403, {}, {"title": "Wrong label token", "description": "Not this one."}
        if headers.get("If-Match") and headers["If-Match"] != self.etag(name):
            return 412, {}, {"title": "Label moved", "description": "It moved since you read it."}
        old = interface(self.prompts[self.labels[name]["id"]]["text"])
        new = interface(self.prompts[body["id"]]["text"])
        added = sorted(set(new["variables"]) - set(old["variables"]))
        removed = sorted(set(old["slots"]) - set(new["slots"]))
        if (added or removed) and not body.get("force"):
            changes = {
                "variables_added": added,
                "variables_removed": [],
                "slots_added": [],
                "slots_removed": removed,
            }
            return (
                409,
                {},
                {
                    "title": "Incompatible move",
                    "description": "Send force.",
                    "template_changes": changes,
                },
            )
        self.point(name, body["id"])
        head = {"ETag": self.etag(name), "Cache-Control": "no-store"}
        return 200, head, self.label_body(name)

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _serve(self):
                if fake.hang:
                    time.sleep(fake.hang)
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length)) if length else None
                with fake.lock:
                    route, status, head, out = fake.answer(
                        self.command, self.path, self.headers, body
                    )
                    fake.counts[(self.command, route, status)] += 1
                data = json.dumps(out).encode() if out is not None else b""
                self.send_response(status)
                for k, v in head.items():
                    self.send_header(k, v)
                if status != 304:
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if status != 304:
                    self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_DELETE = _serve

        return Handler
