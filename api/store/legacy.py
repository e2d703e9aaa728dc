"""Old links of the flat-file store: `/p/<24 hex>` names, aliased to the prompts they hold."""

from __future__ import annotations

import uuid

from api.store.connection import Database
from api.store.errors import InvalidPromptId, PromptConflict, PromptNotFound
from api.store.prompts import PromptVersions
from api.store.values import (
    UUID_PATTERN,
    encode_text,
    sha256_of,
    validate_legacy_id,
    validate_prompt_id,
)

RESOLVE = "SELECT prompt_id FROM legacy_ids WHERE legacy_id = ?"
ADD = "INSERT INTO legacy_ids (legacy_id, prompt_id) VALUES (?, ?)"


class LegacyIds:
    """Aliases from flat-file ids (24 hex, or a UUID) to prompt ids."""

    def __init__(self, database: Database, versions: PromptVersions):
        self.database, self.versions = database, versions
        prepare = database.dialect.prepare
        self._resolve, self._add = prepare(RESOLVE), prepare(ADD)

    def resolve(self, legacy_id: str) -> str | None:
        """Return the prompt id an old flat-file id now names, or None."""
        try:
            legacy_id = validate_legacy_id(legacy_id)
        except InvalidPromptId:
            return None
        row = self.database.one(self._resolve, (legacy_id,))
        if row is None:
            return None
        (prompt_id,) = row
        return prompt_id

    def add(self, legacy_id: str, prompt_id: str) -> bool:
        """Record an old id as an alias of a prompt; return False if it is there already."""
        legacy_id, prompt_id = validate_legacy_id(legacy_id), validate_prompt_id(prompt_id)
        with self.database.write_or_join():
            current = self.resolve(legacy_id)
            if current is not None:
                if current == prompt_id:
                    return False
                raise PromptConflict(f"{legacy_id} already names {current}")
            if not self.versions.exists(prompt_id):
                raise PromptNotFound(prompt_id)
            self.database.execute(self._add, (legacy_id, prompt_id))
        return True

    def stored_as(self, legacy_id: str, text: str) -> str | None:
        """Return the id an old link reaches if it holds this text (or a tombstone), else None."""
        legacy_id = validate_legacy_id(legacy_id)
        found = self.versions.find(legacy_id) if UUID_PATTERN.match(legacy_id) else None
        if found is None:
            target = self.resolve(legacy_id)
            found = None if target is None else self.versions.find(target)
        if found is None:
            return None
        if found.removed_at is not None or found.sha256 == sha256_of(text.encode("utf-8")):
            return found.id
        return None

    def import_file(self, legacy_id: str, text: str, created_at: str) -> tuple[str, bool]:
        """Store a flat-file prompt by its old id; return (prompt id, created).

        A UUID name stays the id; a 24-hex name gets a new UUID aliased to it; text
        already stored as a root is aliased, not stored again.
        """
        legacy_id = validate_legacy_id(legacy_id)
        stored = self.stored_as(legacy_id, text)
        if stored is not None:
            return stored, False
        if self.resolve(legacy_id) is not None or (
            UUID_PATTERN.match(legacy_id) and self.versions.exists(legacy_id)
        ):
            raise PromptConflict(f"{legacy_id} already names another prompt")
        root = self.versions.find_same(None, sha256_of(encode_text(text, self.versions.max_bytes)))
        if root is not None:
            self.add(legacy_id, root.id)
            return root.id, False
        if UUID_PATTERN.match(legacy_id):
            self.versions.store(legacy_id, text, created_at=created_at)
            return legacy_id, True
        prompt_id = str(uuid.uuid4())
        with self.database.write_or_join():  # the prompt and its alias land together
            self.versions.store(prompt_id, text, created_at=created_at)
            self.add(legacy_id, prompt_id)
        return prompt_id, True
