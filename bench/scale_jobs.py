"""The scale scenario's jobs: how long each takes on the large database, and import's
batches against one transaction a line, measured side by side."""

from __future__ import annotations

import itertools
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from click.testing import CliRunner

from api.config import Config
from api.store import Store
from bench.servers import ROOT
from jobs import transfer
from jobs.cli import main


def _env(target) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("STRUCKDOWN_")}
    env.pop("DATABASE_URL", None)
    if target.url:
        env["DATABASE_URL"] = target.url
    return dict(env, PYTHONPATH=str(ROOT))


def run_job(target, *args: str) -> float:
    """Run `prompt-store ARGS` on `target` in its own process; return its seconds."""
    command = [sys.executable, "-m", "jobs"]
    if not target.url:
        command += ["--db", str(target.db_path)]
    started = time.perf_counter()
    done = subprocess.run(
        [*command, *args], env=_env(target), cwd=ROOT, capture_output=True, text=True
    )
    spent = time.perf_counter() - started
    if done.returncode not in (0, 1):  # check exits 1 on a problem: still a duration
        raise RuntimeError(f"prompt-store {' '.join(args)} failed:\n{done.stderr}")
    return spent


def job_durations(large, fresh, work: Path) -> list[tuple[str, float]]:
    """stats, check, export, import (into an empty database), backup, takedown."""
    dump = work / f"{large.name}.jsonl"
    found = [
        ("stats", run_job(large, "stats", "--json")),
        ("check", run_job(large, "check")),
        ("check --deep", run_job(large, "check", "--deep")),
        ("export", run_job(large, "export", "-o", str(dump))),
    ]
    into = fresh("import")
    found.append(("import", run_job(into, "import", str(dump))))
    into.drop()
    if large.url is None or _has_pg_dump():
        found.append(("backup", run_job(large, "backup", "--dest", str(work / "backups"))))
    store = large.store()
    victim = store.prompts.save(f"to be taken down {time.time()}")[0].id
    started = time.perf_counter()
    store.takedowns.purge([victim])
    found.append(("takedown (purge one)", time.perf_counter() - started))
    store.close()
    return found


def _has_pg_dump() -> bool:
    return subprocess.run(["which", "pg_dump"], capture_output=True).returncode == 0


def _one_transaction_a_line(target, lines: list[bytes]) -> float:
    """Import as `import` did before its batches: each line stored in its own transaction."""
    store = target.store()
    started = time.perf_counter()
    for line in lines:
        record = json.loads(line)
        with store.transaction():
            if record.get("removed_at") is None:
                store.prompts.store(
                    record["id"], record["text"], record["parent_id"], record["created_at"]
                )
            else:
                store.prompts.store_tombstone(
                    record["id"], record["parent_id"], record["created_at"], record["removed_at"]
                )
            for legacy_id in record.get("legacy_ids") or ():
                store.legacy.add(legacy_id, record["id"])
    spent = time.perf_counter() - started
    store.close()
    return spent


def _batched(target, path: Path) -> float:
    """`prompt-store import` as it is, in this process (as the line-a-transaction one)."""
    args = ["import", str(path)]
    if not target.url:
        args = ["--db", str(target.db_path), *args]
    env = {"DATABASE_URL": target.url} if target.url else {}
    started = time.perf_counter()
    result = CliRunner().invoke(main, args, env=env)
    spent = time.perf_counter() - started
    if result.exit_code != 0:
        raise RuntimeError(result.output)
    return spent


def import_speedup(large, fresh, work: Path, lines: int, rounds: int) -> dict:
    """The first `lines` lines of the large database's export (parents come first, so they
    stand alone), imported both ways into empty databases, alternating `rounds` times."""
    dump = work / f"{large.name}.jsonl"
    with open(dump, "rb") as source:
        sample = [line for line in itertools.islice(source, lines) if b'"label"' not in line]
    path = work / "sample.jsonl"
    path.write_bytes(b"".join(sample))
    per_line, batched = [], []
    for n in range(rounds):
        one, other = fresh(f"per-line-{n}"), fresh(f"batched-{n}")
        one.store().migrate()
        per_line.append(_one_transaction_a_line(one, sample))
        batched.append(_batched(other, path))
        one.drop()
        other.drop()
    return {
        "lines": len(sample),
        "per_line_s": statistics.median(per_line),
        "batched_s": statistics.median(batched),
        "speedup": statistics.median(a / b for a, b in zip(per_line, batched, strict=True)),
        "batch": transfer.BATCH,
    }


def open_store(db_path: Path, url: str | None) -> Store:
    return Store(Config(db_path=db_path, database_url=url, save_rate_limit=None))
