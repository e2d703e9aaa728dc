"""python -m bench --only scale: costs flat with size (issue 25).

Builds a database of --prompts prompts (100,000 unless given) and one of 1,000 with the
project's bulk path (bench/seed.py: insert_many), each with a 100-deep lineage and 1,000
labels; serves both with the same gunicorn settings and measures load, save, history and
label reads on each, alternating round after round, so that the p99 ratios (large / 1k)
come from one run. Then each job's duration on the large one, and import's batches
against one transaction a line on the same lines. On SQLite, and on PostgreSQL as well
when DATABASE_URL is set (each database a schema of its own there, dropped afterwards).
"""

from __future__ import annotations

import shutil
import statistics
import time
import uuid
from pathlib import Path

from bench import load
from bench.scale_jobs import import_speedup, job_durations, open_store
from bench.seed import seed, seed_labels
from bench.servers import Gunicorn

SMALL = 1000
P99_TARGET = 1.3
IMPORT_TARGET = 5.0
IMPORT_LINES = 10_000
LIFTED_RATE_LIMIT = "1000000000/second"


class Target:
    """One database of the scenario: a SQLite file, or a PostgreSQL schema of its own."""

    def __init__(self, work: Path, name: str, base_url: str | None):
        self.name, self.base_url, self.dropped = name, base_url, False
        self.db_path = work / name / "prompts.db"
        self.url = None
        if base_url:
            import psycopg2

            schema = f"bench_{name.replace('-', '_')}_{uuid.uuid4().hex[:8]}"
            with psycopg2.connect(base_url) as admin, admin.cursor() as cursor:
                cursor.execute(f"CREATE SCHEMA {schema}")
            self.schema = schema
            joiner = "&" if "?" in base_url else "?"
            self.url = f"{base_url}{joiner}options=-csearch_path%3D{schema}"

    def store(self):
        return open_store(self.db_path, self.url)

    def drop(self) -> None:
        """Remove the database (its directory; on PostgreSQL its schema too), once."""
        if self.dropped:
            return
        self.dropped = True
        shutil.rmtree(self.db_path.parent, ignore_errors=True)
        if self.url:
            import psycopg2

            admin = psycopg2.connect(self.base_url)
            admin.autocommit = True
            with admin.cursor() as cursor:
                cursor.execute(f"DROP SCHEMA {self.schema} CASCADE")
            admin.close()

    def server(self) -> Gunicorn:
        env = {"STRUCKDOWN_SAVE_RATE_LIMIT": LIFTED_RATE_LIMIT}
        if self.url:
            env["DATABASE_URL"] = self.url
        return Gunicorn(self.db_path, **env)


def _build(target: Target, count: int) -> tuple[dict, float]:
    started = time.perf_counter()
    seeded = seed(target.db_path, count, database_url=target.url)
    seeded["labels"] = seed_labels(target.db_path, seeded["ids"], database_url=target.url)
    return seeded, time.perf_counter() - started


def _scenarios(seeded: dict, work: Path, name: str) -> list[tuple[str, str, list[str]]]:
    ids, names = work / f"{name}-ids.txt", work / f"{name}-labels.txt"
    ids.write_text("\n".join(seeded["ids"]) + "\n")
    names.write_text("\n".join(seeded["labels"]) + "\n")
    tip = seeded["chain_tip"]
    return [
        ("load JSON by id", load.script("random_id", SUFFIX=""), [str(ids)]),
        ("save", load.script("save"), []),
        ("history of 100", load.script("fixed", PATH=f"/api/prompts/{tip}/history"), []),
        ("label read", load.script("random_label"), [str(names)]),
    ]


def _requests(small: tuple, large: tuple, opts) -> list[dict]:
    """Each scenario on the 1k and the large server in turn, `rounds` times."""
    rows = []
    for index, (name, _, _) in enumerate(small[1]):
        pairs = []
        for _ in range(opts.rounds):
            runs = []
            for server, scenarios in (small[0], small[1]), (large[0], large[1]):
                wrk = (opts.duration, opts.connections, opts.threads)
                _, lua, args = scenarios[index]  # each server's own ids, tip and names
                runs.append(load.run_wrk(server.url, lua, args, *wrk))
            pairs.append(runs)
        rows.append(
            {
                "name": name,
                "small_p99": statistics.median(a["p99_ms"] for a, _ in pairs),
                "large_p99": statistics.median(b["p99_ms"] for _, b in pairs),
                "p99_ratio": statistics.median(b["p99_ms"] / a["p99_ms"] for a, b in pairs),
                "small_rps": statistics.median(a["rps"] for a, _ in pairs),
                "large_rps": statistics.median(b["rps"] for _, b in pairs),
                "errors": sum(a["errors"] + b["errors"] for a, b in pairs),
            }
        )
    return rows


def _backend_table(work: Path, label: str, base_url: str | None, opts) -> None:
    count = opts.prompts
    made: list[Target] = []

    def fresh(name: str) -> Target:
        made.append(Target(work, f"{label}-{name}-{uuid.uuid4().hex[:6]}", base_url))
        return made[-1]

    try:
        small, large = fresh("1k"), fresh("large")
        small_seeded, _ = _build(small, SMALL)
        large_seeded, built = _build(large, count)
        print(
            f"\nScale, {label}: {count:,} prompts of ~2 KB vs {SMALL:,}, each with a 100-deep "
            f"lineage and 1,000 labels; wrk -t{opts.threads} -c{opts.connections} "
            f"-d{opts.duration}s, {opts.rounds} alternating rounds"
        )
        print(f"built {count:,} with the bulk path (insert_many) in {built:.1f} s")
        with small.server() as a, large.server() as b:
            rows = _requests(
                (a, _scenarios(small_seeded, work, small.name)),
                (b, _scenarios(large_seeded, work, large.name)),
                opts,
            )
        big = f"{count // 1000:,}k" if count < 1_000_000 else f"{count / 1e6:g}M"
        print(
            f"{'request':<18}{'1k p99 ms':>10}{big + ' p99 ms':>13}{'p99 ratio':>10}"
            f"{'1k req/s':>10}{big + ' req/s':>12}  target     errors"
        )
        for row in rows:
            met = "met" if row["p99_ratio"] <= P99_TARGET else "MISSED"
            print(
                f"{row['name']:<18}{row['small_p99']:>10.2f}{row['large_p99']:>13.2f}"
                f"{row['p99_ratio']:>10.2f}{row['small_rps']:>10.0f}{row['large_rps']:>12.0f}"
                f"  ≤{P99_TARGET:.1f} {met:<6}{row['errors']:>3}"
            )
        print(f"{'job':<22}{'seconds at ' + big:>16}")
        for name, seconds in job_durations(large, fresh, work):
            print(f"{name:<22}{seconds:>16.2f}")
        lines = min(IMPORT_LINES, count)
        speed = import_speedup(large, fresh, work, lines, max(2, min(opts.rounds, 3)))
        met = "met" if speed["speedup"] >= IMPORT_TARGET else "MISSED"
        print(
            f"import of {speed['lines']:,} lines: one transaction a line "
            f"{speed['per_line_s']:.2f} s, batched ({speed['batch']:,} a transaction) "
            f"{speed['batched_s']:.2f} s: {speed['speedup']:.1f}× "
            f"(target ≥{IMPORT_TARGET:.0f}× {met})"
        )
    finally:
        for target in made:
            target.drop()


def table(work: Path, opts, database_url: str | None) -> None:
    """The scale scenario on SQLite, then on PostgreSQL when `database_url` is set."""
    _backend_table(work, "SQLite", None, opts)
    if database_url:
        _backend_table(work, "PostgreSQL", database_url, opts)
