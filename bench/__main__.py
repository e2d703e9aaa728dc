"""python -m bench: the service against a bare WSGI ceiling and the flat-file store.

Prints req/s and p50/p99 per scenario, each as a ratio to the ceiling measured in
alternating rounds (ceiling, service, ceiling, ...), and function-level ratios.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from bench.servers import ROOT, Gunicorn

from . import durability, functions, load, replica, scale
from .seed import seed, seed_labels

# Issue 25's goals, as ratios to the bare app's req/s.
TARGETS = {"load JSON by id": 0.72, "save": 0.45, "history of 100": 0.40}
LIFTED_RATE_LIMIT = "1000000000/second"  # limiter still runs on every save
HISTORY_TIPS = 1000  # versions with 100 ancestors or more: the history scenario's


def _median(rows: list[dict], key: str) -> float:
    return statistics.median(r[key] for r in rows)


def _machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    return (
        f"{os.cpu_count()} cores ({cpu}), Python {platform.python_version()}, "
        f"{datetime.now(UTC):%Y-%m-%d}"
    )


def _measured(server: Gunicorn, lua: str, args: list[str], opts) -> dict:
    """One wrk run, plus the workers' CPU time per request it cost."""
    before = load.server_cpu_seconds(server.process.pid)
    row = load.run_wrk(server.url, lua, args, opts.duration, opts.connections, opts.threads)
    spent = load.server_cpu_seconds(server.process.pid) - before
    return dict(row, cpu_us=spent / max(1, row["requests"]) * 1e6)


def _alternating(ceiling: Gunicorn, services: list[tuple], opts) -> list[dict]:
    """Alternate the ceiling and each (server, script, args), round after round: a row each."""
    bare = load.script("fixed", PATH="/")
    runs: list[list] = [[] for _ in services]
    for _ in range(opts.rounds):
        c = _measured(ceiling, bare, [], opts)
        for found, (server, lua, args) in zip(runs, services, strict=True):
            found.append((c, _measured(server, lua, args, opts)))
    return [_row(pairs) for pairs in runs]


def _row(pairs: list[tuple[dict, dict]]) -> dict:
    svc = [s for _, s in pairs]
    return {
        "cpu_us": _median(svc, "cpu_us"),
        "ceiling_cpu_us": statistics.median(c["cpu_us"] for c, _ in pairs),
        "cpu_ratio": statistics.median(c["cpu_us"] / s["cpu_us"] for c, s in pairs),
        "rps": _median(svc, "rps"),
        "p50": _median(svc, "p50_ms"),
        "p99": _median(svc, "p99_ms"),
        "errors": sum(s["errors"] for s in svc),
        "ceiling": statistics.median(c["rps"] for c, _ in pairs),
        "ratio": statistics.median(s["rps"] / c["rps"] for c, s in pairs),
    }


# Run in the checkout benchmarked, with its own code (`-c`: its directory comes first).
SEED = """
import json, sys, uuid
from pathlib import Path
from api.config import Config
from api.store import Store
from bench.seed import FILLER, seed
db, count, tips = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
found = seed(db, count)
# Versions on the chain's tip, each with 100 ancestors or more: a history of another one
# each request.
store, chain = Store(Config(db_path=db, save_rate_limit=None)), [found["chain_tip"]]
rows = []
for n in range(tips):
    chain.append(str(uuid.uuid4()))
    rows.append((chain[-1], chain[-2], f"tip {n}\\n{FILLER}", f"2026-02-01T00:00:00.{n:06d}+00:00"))
store.prompts.insert_many(rows)
store.close()
print(json.dumps({"ids": found["ids"], "chain_tip": found["chain_tip"], "history_ids": chain}))
"""


def _seeded(root: Path, db: Path, count: int) -> dict:
    """Seed `db` with the code of the checkout at `root`; return its ids, its chain's tip
    and the versions with at least as many ancestors (`history_ids`)."""
    done = subprocess.run(
        [sys.executable, "-c", SEED, str(db), str(count), str(HISTORY_TIPS)],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout)


def _scenarios(seeded: dict, ids_file: Path) -> list[tuple[str, str, list[str]]]:
    ids_file.write_text("\n".join(seeded["ids"]) + "\n")
    names_file = ids_file.with_suffix(".labels")
    names_file.write_text("\n".join(seeded.get("labels", [])) + "\n")
    return [
        ("load JSON by id", load.script("random_id", SUFFIX=""), [str(ids_file)]),
        # One more indexed lookup than a load by id: its ratio should be within 0.05.
        ("label read", load.script("random_label"), [str(names_file)]),
        ("load raw", load.script("random_id", SUFFIX="/raw"), [str(ids_file)]),
        ("save", load.script("save"), []),
        _history_scenario(seeded, ids_file.with_suffix(".history")),
        ("editor page", load.script("fixed", PATH=f"/p/{seeded['ids'][0]}"), []),
    ]


def _history_scenario(seeded: dict, ids_file: Path) -> tuple[str, str, list[str]]:
    """A history of 100 for another version each request: nothing answered twice could
    have been kept."""
    ids_file.write_text("\n".join(seeded["history_ids"]) + "\n")
    return "history of 100", load.script("random_id", SUFFIX="/history"), [str(ids_file)]


def http_table(work: Path, opts) -> None:
    checkouts = [("", ROOT)] + [(f" [{Path(d).name}]", Path(d)) for d in opts.against or ()]
    print(
        f"\nHTTP: wrk -t{opts.threads} -c{opts.connections} -d{opts.duration}s, "
        f"{opts.rounds} alternating rounds, {opts.prompts:,} prompts of ~2 KB, "
        f"gunicorn.conf.py (WEB_CONCURRENCY={os.environ.get('WEB_CONCURRENCY', '2')})"
        + "".join(f"; [{Path(d).name}]: the checkout at {d}" for d in opts.against or ())
    )
    print(
        f"{'scenario':<28}{'req/s':>8}{'p50 ms':>8}{'p99 ms':>8}{'ceiling':>9}{'ratio':>7}"
        f"{'CPU µs':>8}{'ceil µs':>8}{'ratio':>7}  {'target (req/s ratio)':<22}errors"
    )
    with contextlib.ExitStack() as stack:
        ceiling = stack.enter_context(Gunicorn(work / "bare.db", app="bench.bare:app"))
        services = []
        for n, (label, root) in enumerate(checkouts):
            db = work / f"prompts-{n}.db"
            seeded = _seeded(root, db, opts.prompts)
            if n == 0:  # labels are this checkout's: an older one answers their reads 404
                seeded["labels"] = seed_labels(db, seeded["ids"])
            scenarios = _scenarios(seeded, work / f"ids-{n}.txt")
            server = Gunicorn(db, root=root, STRUCKDOWN_SAVE_RATE_LIMIT=LIFTED_RATE_LIMIT)
            services.append((label, stack.enter_context(server), scenarios))
        for index, (name, _, _) in enumerate(services[0][2]):
            if opts.scenario and name not in opts.scenario:
                continue
            runs = [(server, *scenarios[index][1:]) for _, server, scenarios in services]
            for (label, _, _), row in zip(services, _alternating(ceiling, runs, opts), strict=True):
                _print_row(name + label, TARGETS.get(name), row)
        if opts.replica:
            # Saves with and without a replicated twin, in the same alternating rounds.
            twin = work / "replicated" / "prompts.db"
            seed(twin, opts.prompts)
            with replica.replicated_service(
                work / "replicated", twin, STRUCKDOWN_SAVE_RATE_LIMIT=LIFTED_RATE_LIMIT
            ) as replicated:
                save = load.script("save")
                runs = [(services[0][1], save, []), (replicated, save, [])]
                plain, copied = _alternating(ceiling, runs, opts)
                _print_row("save", TARGETS["save"], plain)
                _print_row("save, replicated", None, copied)


def _print_row(name: str, target: float | None, row: dict) -> None:
    met = target is not None and row["ratio"] >= target
    verdict = "" if target is None else f"≥{target:.2f} {'met' if met else 'MISSED'}"
    print(
        f"{name:<28}{row['rps']:>8.0f}{row['p50']:>8.2f}{row['p99']:>8.2f}"
        f"{row['ceiling']:>9.0f}{row['ratio']:>7.2f}{row['cpu_us']:>8.0f}"
        f"{row['ceiling_cpu_us']:>8.0f}{row['cpu_ratio']:>7.2f}  {verdict:<22}"
        f"{row['errors']}"
    )


def large_table(work: Path, opts) -> None:
    small = seed(work / "small.db", 10_000)
    large = seed(work / "large.db", opts.large)
    print(f"\nScale: load JSON by random id, {opts.large:,} prompts vs 10,000, alternating")
    small_ids, large_ids = work / "small-ids.txt", work / "large-ids.txt"
    small_ids.write_text("\n".join(small["ids"]) + "\n")
    large_ids.write_text("\n".join(large["ids"]) + "\n")
    lua = load.script("random_id", SUFFIX="")
    with Gunicorn(work / "small.db") as a, Gunicorn(work / "large.db") as b:
        pairs = [
            (
                load.run_wrk(
                    a.url, lua, [str(small_ids)], opts.duration, opts.connections, opts.threads
                ),
                load.run_wrk(
                    b.url, lua, [str(large_ids)], opts.duration, opts.connections, opts.threads
                ),
            )
            for _ in range(opts.rounds)
        ]
    ratio = statistics.median(b["rps"] / a["rps"] for a, b in pairs)
    print(
        f"10k: {statistics.median(a['rps'] for a, _ in pairs):.0f} req/s  "
        f"{opts.large:,}: {statistics.median(b['rps'] for _, b in pairs):.0f} req/s  "
        f"ratio {ratio:.2f} (target within 10%: {'met' if ratio >= 0.9 else 'MISSED'})"
    )


def function_table(opts) -> None:
    print(f"\nFunctions: {opts.calls} calls a round, {opts.rounds} alternating rounds, ~2 KB text")
    print(f"{'function':<14}{'store µs':>10}{'flat µs':>10}{'store speed vs flat':>22}")
    for row in functions.compare(calls=opts.calls, rounds=max(opts.rounds, 3)):
        print(
            f"{row['name']:<14}{row['store_us']:>10.1f}{row['flat_us']:>10.1f}"
            f"{row['speedup']:>21.2f}×"
        )


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "--prompts",
        type=int,
        default=None,
        help="prompts to seed (default 10,000; for --only scale the large database's, "
        "default 100,000)",
    )
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds per figure")
    parser.add_argument("--duration", type=int, default=5, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections")
    parser.add_argument("--threads", type=int, default=1, help="wrk threads")
    parser.add_argument("--calls", type=int, default=2000, help="calls per function round")
    parser.add_argument(
        "--large",
        type=int,
        default=0,
        help="also compare load by id at this many prompts (e.g. 1000000)",
    )
    parser.add_argument(
        "--only",
        choices=["http", "functions", "large", "durability", "scale"],
        help="one table; scale (only when asked): costs at --prompts against 1,000, on SQLite "
        "and, with DATABASE_URL, on PostgreSQL (bench/scale.py)",
    )
    parser.add_argument(
        "--against",
        metavar="DIR",
        action="append",
        help="also run the HTTP scenarios on another checkout (e.g. a git worktree of the "
        "previous release), in the same alternating rounds: before/after in one run "
        "(repeatable)",
    )
    parser.add_argument(
        "--scenario",
        action="append",
        help="only this HTTP scenario (repeatable), e.g. --scenario save",
    )
    parser.add_argument(
        "--replica",
        action="store_true",
        help="also run the save scenario with the replicator shipping to a local S3 (moto)",
    )
    opts = parser.parse_args()
    if opts.prompts is None:
        opts.prompts = 100_000 if opts.only == "scale" else 10_000
    if opts.only in (None, "http", "large", "durability", "scale") and not load.wrk_available():
        sys.exit("wrk is needed for the HTTP figures: apt-get install wrk")
    print(_machine())
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        work = Path(tmp)
        if opts.only in (None, "functions"):
            function_table(opts)
        if opts.only in (None, "http"):
            http_table(work, opts)
        if opts.large and opts.only in (None, "large"):
            large_table(work, opts)
        if opts.only in (None, "durability"):
            durability.table(work, opts)
        if opts.only == "scale":
            scale.table(work, opts, os.environ.get("DATABASE_URL"))


if __name__ == "__main__":
    main()
