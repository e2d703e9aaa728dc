"""Labels: a stable name an application fetches, pointing at one version.

Whoever creates a label gets its token (only the hash is kept, as for delete tokens);
moving or deleting it needs the token. Every move is appended to `label_moves`, the
creation first, so a label's history is whole and a rollback is a move back. A move
checks the two versions' stored interfaces first (`move`: the compatibility gate).
"""

from __future__ import annotations

from collections.abc import Callable

from api.store.connection import Database
from api.store.errors import (
    IncompatibleMove,
    LabelExists,
    LabelMoved,
    LabelNotFound,
    LabelTargetInvalid,
    LabelTargetRemoved,
    WrongLabelToken,
)
from api.store.label_records import LabelRecords
from api.store.reads import VersionReads
from api.store.rows import Label, Move, Version
from api.store.values import now, token_hash, tokens_match, validate_label_name, validate_prompt_id
from api.text import interface as template_interface

COLUMNS = "name, prompt_id, created_at, moved_at, revision"
GET = f"SELECT {COLUMNS}, token_hash FROM labels WHERE name = ?"
# A read: the label and its version in one query (two indexed lookups).
READ = (
    "SELECT l.name, l.prompt_id, l.created_at, l.moved_at, l.revision, "
    "p.parent_id, p.text, p.created_at, p.sha256, p.removed_at, p.template "
    "FROM labels AS l JOIN prompts AS p ON p.id = l.prompt_id WHERE l.name = ?"
)
CREATE = (
    f"INSERT INTO labels ({COLUMNS}, token_hash) VALUES (?, ?, ?, ?, 1, ?) ON CONFLICT DO NOTHING"
)
# Guarded by the revision read: of two moves from one state, only the first lands.
MOVE = (
    "UPDATE labels SET prompt_id = ?, moved_at = ?, revision = revision + 1 "
    "WHERE name = ? AND revision = ?"
)
RECORD = (
    "INSERT INTO label_moves (label, revision, prompt_id, previous_id, moved_at, forced, note) "
    "VALUES (?, ?, ?, ?, ?, ?, ?)"
)
MOVES = (
    "SELECT m.revision, m.prompt_id, m.previous_id, m.moved_at, m.forced, m.note, "
    "p.template, q.template FROM label_moves AS m "
    "JOIN prompts AS p ON p.id = m.prompt_id LEFT JOIN prompts AS q ON q.id = m.previous_id "
    "WHERE m.label = ? AND m.revision < ? ORDER BY m.revision DESC LIMIT ?"
)
POINTING = "SELECT name FROM labels WHERE prompt_id = ? ORDER BY name"
# At most LABELS_SHOWN names a version, the first by name: a history page stays bounded
# however many labels point at one version.
LABELS_SHOWN = 20
POINTING_ANY = (
    "SELECT prompt_id, name FROM (SELECT prompt_id, name, ROW_NUMBER() OVER "
    "(PARTITION BY prompt_id ORDER BY name) AS n FROM labels WHERE prompt_id IN ({ids})) "
    f"AS shown WHERE n <= {LABELS_SHOWN} ORDER BY name"
)
# Labels with a move to this version that point at another one now.
MOVED_ON = (
    "SELECT DISTINCT l.name, l.prompt_id FROM label_moves AS m JOIN labels AS l "
    "ON l.name = m.label WHERE m.prompt_id = ? AND l.prompt_id <> ? ORDER BY l.name LIMIT ?"
)
LISTING = f"SELECT {COLUMNS} FROM labels WHERE name > ? ORDER BY name LIMIT ?"
# The label's row is locked first, so a move landing meanwhile (PostgreSQL) cannot add a
# move row between the two deletes.
LOCK = "UPDATE labels SET revision = revision WHERE name = ? AND revision = ?"
DROP_MOVES = "DELETE FROM label_moves WHERE label = ?"
DROP = "DELETE FROM labels WHERE name = ?"
RESET = "UPDATE labels SET token_hash = ? WHERE name = ?"
COUNT = "SELECT COUNT(*) FROM labels"
RETRIES = 5  # moves without If-Match that lost a race to another move: read again

Precondition = Callable[[Label], bool]


class Labels:
    """Create, read, move and delete labels in one database."""

    def __init__(self, database: Database, versions: VersionReads):
        self.database, self.versions = database, versions
        self.records = LabelRecords(database, versions)  # for export, import and check

    # -- reads ---------------------------------------------------------------------------

    def read(self, name: str) -> tuple[Label, Version]:
        """Return a label and its version; raise LabelNotFound, or LabelTargetRemoved."""
        row = self.database.one(READ, (validate_label_name(name),))
        if row is None:
            raise LabelNotFound(name)
        label = Label._make(row[:5])
        parent_id, text, created_at, sha256, removed_at, template = row[5:]
        if removed_at is not None:
            raise LabelTargetRemoved(name)
        version = Version(label.prompt_id, parent_id, text, created_at, sha256, None, template)
        return label, version

    def get(self, name: str) -> Label:
        """Return a label, whatever its version's state; raise LabelNotFound."""
        return self._get(validate_label_name(name))[0]

    def moves(self, name: str, limit: int, before: int | None = None) -> list[Move]:
        """Return a label's moves, newest first, `limit` at most, older than `before`."""
        label = self.get(name)
        upper = label.revision + 1 if before is None else before
        rows = self.database.execute(MOVES, (label.name, upper, limit))
        return [Move(r[0], r[1], r[2], r[3], bool(r[4]), *r[5:]) for r in rows]

    def pointing_at(self, prompt_id: str) -> list[str]:
        """Return the names of the labels that point at a version now."""
        rows = self.database.execute(POINTING, (validate_prompt_id(prompt_id),))
        return [name for (name,) in rows]

    def pointing_at_each(self, prompt_ids: list[str]) -> dict[str, list[str]]:
        """Return, for those of these versions that labels point at now, their names (one
        query), at most LABELS_SHOWN a version; a version without labels is left out."""
        found: dict[str, list[str]] = {}
        if prompt_ids:
            sql = POINTING_ANY.format(ids=", ".join("?" * len(prompt_ids)))
            for prompt_id, name in self.database.execute(sql, tuple(prompt_ids)):
                found.setdefault(prompt_id, []).append(name)
        return found

    def moved_on(self, prompt_id: str, limit: int = 5) -> list[tuple[str, str]]:
        """Return (name, where it points now) of labels that pointed at a version once."""
        prompt_id = validate_prompt_id(prompt_id)
        return list(self.database.execute(MOVED_ON, (prompt_id, prompt_id, limit)))

    def listing(self, limit: int = 100, after: str = "") -> list[Label]:
        """List labels by name, `limit` at a time, after the name `after`."""
        rows = self.database.execute(LISTING, (after, limit))
        return [Label._make(row) for row in rows]

    def count(self) -> int:
        """Return the number of labels."""
        return self.database.one(COUNT)[0]

    # -- writes by the holder of the token ----------------------------------------------------

    def create(self, name: str, prompt_id: str, token: str) -> Label:
        """Create a label pointing at a live version, kept with the hash of `token`."""
        name = validate_label_name(name)
        with self.database.write_or_join():
            target = self._target(prompt_id)
            at = now()
            params = (name, target.id, at, at, token_hash(token))
            if self.database.execute(CREATE, params).rowcount == 0:
                raise LabelExists(name)
            self.database.execute(RECORD, (name, 1, target.id, None, at, 0, None))
        return Label(name, target.id, at, at, 1)

    def move(
        self,
        name: str,
        prompt_id: str,
        token: str,
        *,
        force: bool = False,
        note: str | None = None,
        precondition: Precondition | None = None,
    ) -> tuple[Label, Version, bool, dict | None]:
        """Point a label at another live version; return (label, version, forced, changes).

        Refused (IncompatibleMove) when the new version needs a variable the old one did
        not, or lacks one of its slots, or either interface was truncated, unless `force`;
        `forced` says the gate was overridden. A label whose version was removed moves
        freely: nothing that works can break. `precondition` (If-Match) is checked in the
        same transaction as the write, so of two moves from one state only one lands.
        Moving to the version it points at already changes nothing.
        """
        name = validate_label_name(name)
        for _ in range(RETRIES):
            with self.database.write_or_join():
                label = self._authorised(name, token, precondition)
                target = self._target(prompt_id)
                if target.id == label.prompt_id:  # nothing to move, nothing recorded
                    return label, target, False, None
                found, forced = self._gate(label.prompt_id, target, force)
                at = now()
                params = (target.id, at, name, label.revision)
                if self.database.execute(MOVE, params).rowcount:
                    revision = label.revision + 1
                    record = (name, revision, target.id, label.prompt_id, at, int(forced), note)
                    self.database.execute(RECORD, record)
                    moved = Label(name, target.id, label.created_at, at, revision)
                    return moved, target, forced, found
            if precondition is not None:  # another move landed first (PostgreSQL)
                raise LabelMoved(name)
        raise LabelMoved(name)

    def delete(self, name: str, token: str, precondition: Precondition | None = None) -> None:
        """Delete a label and its moves for the holder of its token; the name is free again."""
        name = validate_label_name(name)
        for _ in range(RETRIES):
            with self.database.write_or_join():
                if self._drop(self._authorised(name, token, precondition)):
                    return
            if precondition is not None:  # it moved since the caller's If-Match was true
                raise LabelMoved(name)
        raise LabelMoved(name)

    # -- the operator's -------------------------------------------------------------------

    def remove(self, name: str) -> None:
        """Take a label down, its moves with it (the operator: no token asked)."""
        name = validate_label_name(name)
        for _ in range(RETRIES):
            with self.database.write_or_join():
                if self._drop(self._get(name)[0]):
                    return
        raise LabelMoved(name)

    def reset_token(self, name: str, token: str) -> None:
        """Keep the hash of a new token for a label; the old token stops working."""
        name = validate_label_name(name)
        with self.database.write_or_join():
            self._get(name)
            self.database.execute(RESET, (token_hash(token), name))

    # -- helpers --------------------------------------------------------------------------

    def _get(self, name: str) -> tuple[Label, str]:
        row = self.database.one(GET, (name,))
        if row is None:
            raise LabelNotFound(name)
        return Label._make(row[:5]), row[5]

    def _authorised(self, name: str, token: str, precondition: Precondition | None) -> Label:
        label, stored_hash = self._get(name)
        if not tokens_match(stored_hash, token):
            raise WrongLabelToken(name)
        if precondition is not None and not precondition(label):
            raise LabelMoved(name)
        return label

    def _target(self, prompt_id: str) -> Version:
        version = self.versions.find(validate_prompt_id(prompt_id))
        if version is None or version.removed_at is not None:
            raise LabelTargetInvalid(prompt_id, removed=version is not None)
        return version

    def _gate(self, current_id: str, target: Version, force: bool) -> tuple[dict | None, bool]:
        """Return (the interface changes, whether the move overrides the gate)."""
        current = self.versions.find(current_id)
        if current is None or current.removed_at is not None:
            return None, False  # the label answers 410 now: any live version mends it
        old, new = _of(current), _of(target)
        found = template_interface.changes(old, new)
        truncated = bool(old.get("truncated") or new.get("truncated"))
        refused = truncated or template_interface.breaks(found)
        if refused and not force:
            raise IncompatibleMove(found, truncated)
        return found, refused

    def _drop(self, label: Label) -> bool:
        """Delete a label in the state read; False if it moved meanwhile (PostgreSQL)."""
        if not self.database.execute(LOCK, (label.name, label.revision)).rowcount:
            return False
        self.database.execute(DROP_MOVES, (label.name,))
        self.database.execute(DROP, (label.name,))
        return True


def _of(version: Version) -> template_interface.Interface:
    return template_interface.loaded(version.template, version.text)
