"""Seed a benchmark database through the store's bulk path."""

from __future__ import annotations

import sys
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import click

from api.config import Config
from api.store import Store

FILLER = (
    "You are a careful assistant. Read {{ document }} and answer in [[summary]].\n"
    "Keep names exact, quote numbers as written, and say when the text is silent.\n"
)


def prompt_text(n: int, size: int = 2048) -> str:
    """A distinct prompt of about `size` bytes."""
    head = f"Prompt {n}: {uuid.UUID(int=n)}\n"
    return head + (FILLER * (size // len(FILLER) + 1))[: size - len(head)]


def seed(
    db_path: Path,
    count: int,
    chain_depth: int = 100,
    batch: int = 10_000,
    database_url: str | None = None,
) -> dict:
    """Store `count` roots plus a chain `chain_depth` deep; return sample ids and the tip.

    On PostgreSQL when `database_url` is given (db_path then only names the data volume)."""
    store = Store(Config(db_path=db_path, database_url=database_url, save_rate_limit=None))
    start = datetime(2026, 1, 1, tzinfo=UTC)
    ids: list[str] = []

    def rows(first: int, last: int):
        for n in range(first, last):
            prompt_id = str(uuid.uuid4())
            if len(ids) < 100_000:
                ids.append(prompt_id)
            created = (start + timedelta(microseconds=n)).isoformat(timespec="microseconds")
            yield prompt_id, None, prompt_text(n), created

    show = sys.stderr.isatty()
    with click.progressbar(
        length=count, label=f"seeding {count:,} prompts", file=sys.stderr, hidden=not show
    ) as bar:
        for first in range(0, count, batch):
            last = min(count, first + batch)
            store.prompts.insert_many(rows(first, last))
            bar.update(last - first)
    chain = [store.prompts.save("chain 0")[0].id]
    for depth in range(1, chain_depth + 1):
        chain.append(store.prompts.save(f"chain {depth}\n{FILLER}", chain[-1])[0].id)
    store.close()
    return {"ids": ids, "chain_tip": chain[-1]}


def seed_labels(
    db_path: Path, ids: list[str], count: int = 1000, database_url: str | None = None
) -> list[str]:
    """Label `count` of the seeded versions (`app-N/production`); return the names."""
    store = Store(Config(db_path=db_path, database_url=database_url, save_rate_limit=None))
    names = []
    for n, prompt_id in enumerate(ids[:count]):
        names.append(f"app-{n}/production")
        store.labels.create(names[-1], prompt_id, f"bench-token-{n}")
    store.close()
    return names
