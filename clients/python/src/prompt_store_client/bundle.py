"""The bundle (`prompts.lock.json`): each label's version at pull time, shipped with an app."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Union

from .cache import sha256

FORMAT = "prompt-store-lock/1"
PathLike = Union[str, "os.PathLike[str]"]


@dataclass(frozen=True)
class Locked:
    """One label as pulled: its name, the version's id, the text and its sha256."""

    name: str
    id: str
    sha256: str
    text: str
    variables: list[str]
    slots: list[str]

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "id": self.id,
            "sha256": self.sha256,
            "text": self.text,
            "variables": self.variables,
            "slots": self.slots,
        }


class Bundle:
    """The labels of a lock file, by name and by version id."""

    def __init__(self, prompts: Iterable[Locked], url: str = "", pulled_at: str = "") -> None:
        self.prompts = sorted(prompts, key=lambda p: p.name)
        self.url = url
        self.pulled_at = pulled_at or datetime.now(timezone.utc).isoformat()
        self._names = {p.name: p for p in self.prompts}
        self._ids = {p.id: p for p in self.prompts}

    def label(self, name: str) -> Locked | None:
        return self._names.get(name)

    def version(self, prompt_id: str) -> Locked | None:
        return self._ids.get(prompt_id)

    def pulled_datetime(self) -> datetime:
        try:
            return datetime.fromisoformat(self.pulled_at)
        except ValueError:
            return datetime.fromtimestamp(0, timezone.utc)

    @classmethod
    def load(cls, path: PathLike) -> Bundle:
        """Read a lock file; a text that does not match its sha256 is an error, not a prompt."""
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
            if data.get("format") != FORMAT:
                raise ValueError(f"not a {FORMAT} file")
            prompts = [
                Locked(
                    p["name"],
                    p["id"],
                    p["sha256"],
                    p["text"],
                    list(p.get("variables", [])),
                    list(p.get("slots", [])),
                )
                for p in data["prompts"]
            ]
        except (KeyError, TypeError, AttributeError, ValueError) as error:
            raise ValueError(f"{path}: not a prompt bundle ({error})") from error
        for p in prompts:
            if sha256(p.text) != p.sha256:
                raise ValueError(f"{path}: the text of {p.name!r} does not match its sha256")
        return cls(prompts, data.get("url", ""), data.get("pulled_at", ""))

    def save(self, path: PathLike) -> None:
        """Write the lock file whole or not at all (a temporary file renamed over it)."""
        data = {
            "format": FORMAT,
            "url": self.url,
            "pulled_at": self.pulled_at,
            "prompts": [p.to_json() for p in self.prompts],
        }
        target = Path(path)
        fd, temporary = tempfile.mkstemp(dir=target.parent or ".", prefix=".tmp-", suffix=".json")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as file:
                json.dump(data, file, indent=2, ensure_ascii=False)
                file.write("\n")
            os.chmod(temporary, 0o644)
            os.replace(temporary, target)
        except BaseException:
            os.unlink(temporary)
            raise
