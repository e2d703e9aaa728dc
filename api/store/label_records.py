"""Labels as records: the export, the import and the check of their move chains."""

from __future__ import annotations

from collections.abc import Iterator

from .connection import Database
from .errors import LabelTargetInvalid
from .reads import VersionReads
from .rows import Label
from .values import validate_label_name

EVERY = (
    "SELECT name, prompt_id, created_at, moved_at, revision, token_hash FROM labels ORDER BY name"
)
ALL_MOVES = (
    "SELECT revision, prompt_id, previous_id, moved_at, forced, note "
    "FROM label_moves WHERE label = ? ORDER BY revision"
)
EXISTS = "SELECT 1 FROM labels WHERE name = ?"
IMPORT = (
    "INSERT INTO labels (name, prompt_id, created_at, moved_at, revision, token_hash) "
    "VALUES (?, ?, ?, ?, ?, ?)"
)
RECORD = (
    "INSERT INTO label_moves (label, revision, prompt_id, previous_id, moved_at, forced, note) "
    "VALUES (?, ?, ?, ?, ?, ?, ?)"
)


class LabelRecords:
    """Every label with its token hash and moves, out and back in, and checked."""

    def __init__(self, database: Database, versions: VersionReads):
        self.database, self.versions = database, versions
        prepare = database.dialect.prepare
        self._sql = {
            "every": prepare(EVERY),
            "all_moves": prepare(ALL_MOVES),
            "exists": prepare(EXISTS),
            "import": prepare(IMPORT),
            "record": prepare(RECORD),
        }

    def export(self) -> Iterator[dict]:
        """Yield every label with its token hash and its whole history, by name."""
        for *row, stored_hash in self.database.execute(self._sql["every"]).fetchall():
            label = Label._make(row)
            moves = self.database.execute(self._sql["all_moves"], (label.name,)).fetchall()
            yield {
                "label": label.name,
                "id": label.prompt_id,
                "created_at": label.created_at,
                "moved_at": label.moved_at,
                "token_hash": stored_hash,
                "moves": [
                    {
                        "id": m[1],
                        "previous_id": m[2],
                        "moved_at": m[3],
                        "forced": bool(m[4]),
                        "note": m[5],
                    }
                    for m in moves
                ],
            }

    def store(self, record: dict) -> bool:
        """Store an exported label as given (imports); return False if it is here already.

        `record` is one of export()'s, checked by the caller; its versions must be stored.
        """
        name = validate_label_name(record["label"])
        moves = record["moves"]
        with self.database.write_or_join():
            if self.database.one(self._sql["exists"], (name,)) is not None:
                return False
            for move in moves:
                for prompt_id in (move["id"], move["previous_id"]):
                    if prompt_id is not None and not self.versions.exists(prompt_id):
                        raise LabelTargetInvalid(prompt_id, removed=False)
            params = (name, record["id"], record["created_at"], record["moved_at"])
            self.database.execute(self._sql["import"], (*params, len(moves), record["token_hash"]))
            for revision, move in enumerate(moves, 1):
                self.database.execute(
                    self._sql["record"],
                    (
                        name,
                        revision,
                        move["id"],
                        move["previous_id"],
                        move["moved_at"],
                        int(move["forced"]),
                        move["note"],
                    ),
                )
        return True

    def problems(self) -> list[str]:
        """Return what is wrong with the labels: a move chain with a gap, or one that does
        not end where its label points ([] when sound; missing rows: the foreign keys)."""
        found = []
        for *row, _ in self.database.execute(self._sql["every"]).fetchall():
            label = Label._make(row)
            moves = self.database.execute(self._sql["all_moves"], (label.name,)).fetchall()
            found += _chain_problems(label, moves)
        return found


def _chain_problems(label: Label, moves: list[tuple]) -> list[str]:
    revisions = [m[0] for m in moves]
    if revisions != list(range(1, label.revision + 1)):
        return [f"label {label.name}: its moves are not 1..{label.revision} (found {revisions})"]
    found = []
    if moves[0][2] is not None:
        found.append(f"label {label.name}: its first move has a previous version")
    for before, after in zip(moves, moves[1:], strict=False):
        if after[2] != before[1]:
            found.append(
                f"label {label.name}: move {after[0]} does not start where {before[0]} ended"
            )
    if moves[-1][1] != label.prompt_id:
        found.append(f"label {label.name}: its last move does not end where it points")
    return found
