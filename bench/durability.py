"""What durability costs: saves/s and latency with synchronous=NORMAL and FULL side by side.

`python -m bench --only durability` runs the save scenario through gunicorn at 1, 8
and 32 concurrent clients against two services that differ only in
STRUCKDOWN_SQLITE_SYNCHRONOUS, alternating round after round so both see the same
machine. It also times bare commits in one process (no HTTP), where the fsync is
all there is to see. The database lives in the bench's temporary directory: run it
on the disk the data volume uses.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

from api.config import Config
from api.store import Store
from bench.servers import Gunicorn

from . import load
from .seed import seed

MODES = ("normal", "full")
CLIENTS = (1, 8, 32)
LIFTED_RATE_LIMIT = "1000000000/second"


def commit_cost(work: Path, mode: str, saves: int) -> float:
    """Microseconds per save (one commit each) in this process, median of three rounds."""
    store = Store(Config(db_path=work / f"commits-{mode}.db", sqlite_synchronous=mode))
    rounds = []
    for r in range(3):
        started = time.perf_counter()
        for n in range(saves):
            store.prompts.save(f"durability {mode} {r} {n}: summarise {{{{ document }}}}")
        rounds.append((time.perf_counter() - started) / saves * 1e6)
    return statistics.median(rounds)


def table(work: Path, opts) -> None:
    print(
        f"\nDurability: save through gunicorn, wrk -t1 -d{opts.duration}s, {opts.rounds} "
        f"alternating rounds, {opts.prompts:,} prompts seeded; STRUCKDOWN_SQLITE_SYNCHRONOUS"
    )
    print(f"{'clients':>7}{'mode':>8}{'saves/s':>9}{'p50 ms':>8}{'p99 ms':>8}{'errors':>7}")
    servers = {}
    for mode in MODES:
        db = work / f"durability-{mode}" / "prompts.db"
        seed(db, opts.prompts)
        servers[mode] = Gunicorn(
            db, STRUCKDOWN_SAVE_RATE_LIMIT=LIFTED_RATE_LIMIT, STRUCKDOWN_SQLITE_SYNCHRONOUS=mode
        ).start()
    try:
        save = load.script("save")
        for clients in CLIENTS:
            runs = {mode: [] for mode in MODES}
            for _ in range(opts.rounds):
                for mode in MODES:
                    row = load.run_wrk(servers[mode].url, save, [], opts.duration, clients, 1)
                    runs[mode].append(row)
            for mode in MODES:
                rows = runs[mode]
                print(
                    f"{clients:>7}{mode.upper():>8}"
                    f"{statistics.median(r['rps'] for r in rows):>9.0f}"
                    f"{statistics.median(r['p50_ms'] for r in rows):>8.2f}"
                    f"{statistics.median(r['p99_ms'] for r in rows):>8.2f}"
                    f"{sum(r['errors'] for r in rows):>7}"
                )
            ratio = statistics.median(
                f["rps"] / n["rps"] for n, f in zip(runs["normal"], runs["full"], strict=True)
            )
            print(f"{'':>7}{'FULL/NORMAL saves/s':>27} {ratio:.2f}")
    finally:
        for server in servers.values():
            server.stop()
    costs = {mode: commit_cost(work, mode, opts.calls // 4 or 1) for mode in MODES}
    print(
        f"one process, no HTTP: NORMAL {costs['normal']:.0f} µs a save, "
        f"FULL {costs['full']:.0f} µs a save ({opts.calls // 4} saves, median of 3 rounds)"
    )
