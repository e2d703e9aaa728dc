"""The storage this service replaces: one <id>.txt per prompt, written via a temp file."""

from __future__ import annotations

import os
import re
import uuid
from pathlib import Path

from api.store import ID_REGEX

_ID = re.compile(f"^{ID_REGEX}$")


class FlatFileStore:
    """Like the old prompt cache: write to <id>.tmp, chmod 0600, rename; read per get."""

    def __init__(self, directory: Path):
        self.directory = directory
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)

    def store_prompt(self, prompt_id: str, text: str) -> None:
        path = self.directory / f"{prompt_id}.txt"
        if path.exists():
            return
        tmp = path.with_suffix(".tmp")
        tmp.write_text(text, encoding="utf-8")
        os.chmod(tmp, 0o600)
        tmp.rename(path)

    def save_prompt(self, text: str) -> str:
        prompt_id = str(uuid.uuid4())
        self.store_prompt(prompt_id, text)
        return prompt_id

    def get_prompt(self, prompt_id: str) -> str:
        if not _ID.match(prompt_id):
            raise ValueError(prompt_id)
        path = self.directory / f"{prompt_id}.txt"
        if not path.exists():
            raise FileNotFoundError(prompt_id)
        return path.read_text(encoding="utf-8")
