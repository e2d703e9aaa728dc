"""The operator's queries: statistics, checks and the export, for `prompt-store`."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

from .. import template_interface
from .connection import Database
from .labels import Labels
from .prompts import PromptVersions
from .rows import Exported
from .schema import fill_templates
from .values import sha256_of

TREE = """
WITH RECURSIVE tree (id, depth) AS (
    SELECT id, 1 FROM prompts WHERE parent_id IS NULL
    UNION ALL
    SELECT p.id, t.depth + 1 FROM prompts AS p JOIN tree AS t ON p.parent_id = t.id
)
"""
STATS = """
SELECT COUNT(*), COUNT(removed_at),
       COALESCE(SUM(CASE WHEN parent_id IS NULL THEN 1 ELSE 0 END), 0),
       COALESCE(SUM(CASE WHEN created_at >= ? THEN 1 ELSE 0 END), 0),
       COALESCE(SUM(CASE WHEN created_at >= ? THEN 1 ELSE 0 END), 0),
       MIN(created_at), MAX(created_at),
       (SELECT COUNT(*) FROM legacy_ids)
FROM prompts
"""
DEEPEST = TREE + "SELECT COALESCE(MAX(depth), 0) FROM tree"
LARGEST = "SELECT id, length({text_bytes}) AS size FROM prompts ORDER BY size DESC, id LIMIT 1"
UNREACHABLE = TREE + "SELECT id FROM prompts WHERE id NOT IN (SELECT id FROM tree) ORDER BY id"
HASHED = "SELECT id, {text_bytes}, sha256, removed_at, template FROM prompts ORDER BY id"
EXPORT = (
    TREE
    + """
SELECT p.id, p.parent_id, p.created_at, p.text, p.removed_at,
       (SELECT {json_ids} FROM legacy_ids WHERE prompt_id = p.id)
FROM tree JOIN prompts AS p ON p.id = tree.id
ORDER BY tree.depth, p.created_at, p.id
"""
)
REMOVED = "SELECT id FROM prompts WHERE removed_at IS NOT NULL ORDER BY removed_at, id"


class Maintenance:
    """Counts, sizes, soundness checks and the full export of one database."""

    def __init__(self, database: Database, versions: PromptVersions, labels: Labels):
        self.database, self.versions, self.labels = database, versions, labels
        prepare = database.dialect.prepare
        self._stats, self._largest = prepare(STATS), prepare(LARGEST)
        self._hashed, self._export = prepare(HASHED), prepare(EXPORT)

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
        total, removed, roots, last_day, last_week, oldest, newest, legacy = one(
            self._stats, (day, week)
        )
        largest = one(self._largest)
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

    def check(self, progress: Callable[[int], None] | None = None) -> dict[str, list[str]]:
        """Return the problems found by integrity, foreign-key, lineage, sha256, template and
        label checks."""
        db, dialect = self.database.ready(), self.database.dialect
        problems = {
            "integrity": dialect.integrity_problems(db),
            "foreign_keys": dialect.foreign_key_problems(db),
            "lineage": [
                f"{prompt_id} is not reachable from a root (a parent cycle)"
                for (prompt_id,) in db.execute_sql(UNREACHABLE)
            ],
            "sha256": [],
            "template": [],
            "labels": self.labels.records.problems(),
        }
        # Hash the stored bytes: the check must not depend on the text decoding cleanly.
        for prompt_id, data, digest, removed_at, template in db.execute_sql(self._hashed):
            if removed_at is not None and (data or digest or template is not None):
                problems["sha256"].append(
                    f"{prompt_id} is removed but still holds text, a hash or a template"
                )
            elif removed_at is None:
                if sha256_of(bytes(data)) != digest:
                    problems["sha256"].append(f"{prompt_id}: the text does not match its sha256")
                problems["template"] += _template_problems(prompt_id, bytes(data), template)
            if progress:
                progress(1)
        return problems

    def fill_templates(self) -> int:
        """Store the template of every text without one (rows an older release wrote)."""
        with self.database.write():
            return fill_templates(self.database.execute, self.database.dialect.prepare)

    def removed_ids(self) -> list[str]:
        """Return the ids of the purged versions (tombstones), oldest removal first."""
        return [prompt_id for (prompt_id,) in self.database.execute(REMOVED)]

    def export(self) -> Iterator[Exported]:
        """Yield every version reachable from a root, parents before children."""
        for prompt_id, parent_id, created_at, text, removed_at, legacy in self.database.execute(
            self._export
        ):
            yield Exported(prompt_id, parent_id, created_at, text, removed_at, json.loads(legacy))


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
