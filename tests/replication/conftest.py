"""Replication tests: SQLite files replicated by the real Litestream to a real S3 API."""

from __future__ import annotations

from pathlib import Path

import pytest

from api.config import Config
from api.store import Store
from bench.replicas import Replicator, prompt_store, replica_settings


class Volume:
    """A data volume (a directory holding prompts.db), its replica settings and its processes."""

    def __init__(self, root: Path, settings: dict[str, str]):
        self.root, self.settings = root, settings
        self.db = root / "data" / "prompts.db"
        self.replicators: list[Replicator] = []
        self.outputs: list[str] = []  # every line a command printed, for the credential check

    def cli(self, *args: str, check: bool = True):
        done = prompt_store(self.db, self.settings, *args, check=check)
        self.outputs.append(done.stdout + done.stderr)
        return done

    def replicator(self, **kwargs) -> Replicator:
        n = len(self.replicators)
        replicator = Replicator(self.db, self.settings, self.root / f"replicator-{n}.log", **kwargs)
        self.replicators.append(replicator)
        return replicator

    def store(self) -> Store:
        return Store(Config.from_env({"STRUCKDOWN_PROMPT_DB": str(self.db), **self.settings}))

    def logs(self) -> str:
        return "\n".join(self.outputs + [r.text() for r in self.replicators])

    def stop(self) -> None:
        for replicator in self.replicators:
            replicator.stop()


@pytest.fixture
def bucket(s3) -> str:
    return s3.new_bucket()


@pytest.fixture
def volume(tmp_path, s3, bucket):
    """A volume replicated to a fresh bucket; a 10 s retention unless a test sets one."""
    volume = Volume(tmp_path, replica_settings(s3, bucket))
    yield volume
    volume.stop()
