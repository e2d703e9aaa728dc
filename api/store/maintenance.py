"""The operator's queries: statistics, checks and the export, for `prompt-store`."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

from api.store.connection import Database
from api.store.derived import checksum_of, fill_checksums, fill_depths
from api.store.fragments import fill_fragments, forget_children
from api.store.label_records import LabelRecords
from api.store.labels import Labels
from api.store.lineage import lineage
from api.store.prompts import PromptVersions
from api.store.reads import VersionReads
from api.store.rows import Exported
from api.store.schema import fill_templates
from api.store.values import sha256_of
from api.text import interface as template_interface

# `stats` and `check` read the whole table once each (they are jobs); nothing here walks
# a lineage level by level: the depth kept per row answers for it (api/store/lineage.py).
STATS = """
SELECT COUNT(*), COUNT(removed_at),
       COALESCE(SUM(CASE WHEN parent_id IS NULL THEN 1 ELSE 0 END), 0),
       COALESCE(SUM(CASE WHEN created_at >= ? THEN 1 ELSE 0 END), 0),
       COALESCE(SUM(CASE WHEN created_at >= ? THEN 1 ELSE 0 END), 0),
       MIN(created_at), MAX(created_at),
       (SELECT COUNT(*) FROM legacy_ids)
FROM prompts
"""
DEEPEST = "SELECT COALESCE(MAX(depth), 0) FROM prompts"  # the end of the prompts_depth index
LARGEST = "SELECT id, {text_size} AS size FROM prompts ORDER BY size DESC, id LIMIT 1"
# In primary-key order: streamed from the index, never sorted.
HASHED = "SELECT id, {text_bytes}, sha256, removed_at, template, checksum FROM prompts ORDER BY id"
# Rows an older release wrote without a template (the prompts_missing_template index).
NO_TEMPLATE = "SELECT id FROM prompts WHERE template IS NULL AND removed_at IS NULL"
# Parents first, in the order of the prompts_depth index: no text goes through a sort.
EXPORT = """
SELECT p.id, p.parent_id, p.created_at, p.text, p.removed_at,
       (SELECT {json_ids} FROM legacy_ids WHERE prompt_id = p.id)
FROM prompts AS p WHERE p.depth IS NOT NULL
ORDER BY p.depth, p.created_at, p.id
"""


class Maintenance:
    """Counts, sizes, soundness checks and the full export of one database."""

    def __init__(self, database: Database, versions: PromptVersions, labels: Labels):
        self.database, self.versions, self.labels = database, versions, labels

    def sizes(self) -> dict:
        """Return the version count and the database's size, its write-ahead log included."""
        return {"count": self.versions.count(), **self._files()}

    def _files(self) -> dict:
        db_bytes, wal_bytes = self.database.dialect.sizes(self.database.ready())
        return {
            "path": self.database.dialect.label(),
            "db_bytes": db_bytes,
            "wal_bytes": wal_bytes,
            "total_bytes": db_bytes + wal_bytes,
        }

    def stats(self, now: datetime | None = None) -> dict:
        """Return counts, the deepest lineage, recent saves, extremes and sizes."""
        now = now or datetime.now(UTC)
        day = (now - timedelta(days=1)).isoformat(timespec="microseconds")
        week = (now - timedelta(days=7)).isoformat(timespec="microseconds")
        one = self.database.one
        total, removed, roots, last_day, last_week, oldest, newest, legacy = one(STATS, (day, week))
        largest = one(LARGEST)
        if largest is not None:
            largest_id, largest_bytes = largest
            largest = {"id": largest_id, "bytes": largest_bytes}
        (deepest,) = one(DEEPEST)
        return dict(
            self._files(),
            prompts=total,
            roots=roots,
            versions=total - roots,
            removed=removed,
            legacy_ids=legacy,
            deepest_lineage=deepest,
            saves_24h=last_day,
            saves_7d=last_week,
            oldest=oldest,
            newest=newest,
            largest=largest,
        )

    def check(
        self, progress: Callable[[int], None] | None = None, deep: bool = False
    ) -> dict[str, list[str]]:
        """Return the problems found by integrity, foreign-key, lineage, sha256, template and
        label checks; `deep` reads every template again instead of trusting its checksum."""
        return check_database(self.database, progress, deep=deep)

    def fill_templates(self) -> int:
        """Store the template of every text without one (rows an older release wrote), and
        the depth, checksum and history columns of every row without them; return how many
        templates."""
        execute, prepare = self.database.execute, self.database.dialect.prepare
        with self.database.write():
            without = [prompt_id for (prompt_id,) in execute(NO_TEMPLATE).fetchall()]
            filled = fill_templates(execute, prepare)
            forget_children(execute, prepare, without)  # compared against no template
            fill_depths(execute, prepare)
            fill_checksums(execute, prepare)
            fill_fragments(execute, prepare)
            return filled

    def export(self) -> Iterator[Exported]:
        """Yield every version reachable from a root, parents before children, streamed."""
        left_out = set(lineage(self.database).unreachable)  # normally none
        for prompt_id, parent_id, created_at, text, removed_at, legacy in self.database.stream(
            EXPORT
        ):
            if prompt_id not in left_out:
                yield Exported(
                    prompt_id, parent_id, created_at, text, removed_at, json.loads(legacy)
                )


def check_database(
    database: Database, progress: Callable[[int], None] | None = None, *, deep: bool = False
) -> dict[str, list[str]]:
    """Check one database as `prompt-store check` does: the live one, or a backup's copy
    before a restore puts it in place. Returns the problems found, by kind.

    Each text is hashed against its sha256, and its template against the checksum kept
    when it was written; `deep` reads every template from its text again (a row with no
    checksum yet is read again either way)."""
    db, dialect = database.ready(), database.dialect
    problems = {
        "integrity": dialect.integrity_problems(db),
        "foreign_keys": dialect.foreign_key_problems(db),
        "lineage": lineage(database).problems(),
        "sha256": [],
        "template": [],
        "labels": LabelRecords(database, VersionReads(database)).problems(),
    }
    # Hash the stored bytes: the check must not depend on the text decoding cleanly.
    for prompt_id, data, digest, removed_at, template, checksum in database.stream(HASHED):
        if removed_at is not None and (data or digest or template is not None or checksum):
            problems["sha256"].append(
                f"{prompt_id} is removed but still holds text, a hash or a template"
            )
        elif removed_at is None:
            if sha256_of(bytes(data)) != digest:
                problems["sha256"].append(f"{prompt_id}: the text does not match its sha256")
            if template is None or deep or checksum is None:
                problems["template"] += _template_problems(prompt_id, bytes(data), template)
            elif checksum != checksum_of(digest, template):
                problems["template"].append(
                    f"{prompt_id}: the stored template does not match its text"
                )
        if progress:
            progress(1)
    return problems


def _template_problems(prompt_id: str, data: bytes, template: str | None) -> list[str]:
    if template is None:
        return [f"{prompt_id} has no stored template: `prompt-store init-db` reads it"]
    text = data.decode("utf-8", "replace")
    try:
        kept = template_interface.loaded(template, text)
    except ValueError:  # not JSON at all: a hand edit
        kept = None
    if kept != template_interface.extract(text):
        return [f"{prompt_id}: the stored template does not match its text"]
    return []
