"""Replication's figures: save throughput with a replica, the loss window, restore time.

`python -m bench --replica` adds a "save, replicated" row to the HTTP table: the same
save scenario against a second service whose database the real replicator (Litestream)
ships to a local S3 API (moto_server), in the same alternating run.
`python -m bench.replica loss` and `python -m bench.replica restore N` measure the rest.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from bench.replicas import MotoS3, Replicator, base_environment, prompt_store, replica_settings
from bench.servers import Gunicorn

from .seed import seed


@contextmanager
def replicated_service(work: Path, db: Path, **env: str):
    """A gunicorn on `db` with the replicator running to a fresh bucket of a local S3."""
    s3 = MotoS3(work / "s3").start()
    settings = replica_settings(s3, s3.new_bucket())
    prompt_store(db, settings, "init-db")
    replicator = Replicator(db, settings, work / "replicator.log").start()
    server = Gunicorn(db, log_dir=work, **env)
    server.env = {**base_environment(work), **server.env, **settings}
    server.env.pop("AWS_CA_BUNDLE", None)
    try:
        with server:
            yield server
    finally:
        replicator.stop()
        s3.stop()


def restore_time(count: int) -> None:
    """Seed `count` prompts, replicate them, then time a fresh volume's release (init-db)."""
    with tempfile.TemporaryDirectory(prefix="bench-replica-") as tmp:
        work = Path(tmp)
        db = work / "data" / "prompts.db"
        seed(db, count, chain_depth=1)
        s3 = MotoS3(work / "s3").start()
        settings = replica_settings(s3, s3.new_bucket())
        replicator = Replicator(db, settings, work / "replicator.log").start()
        try:
            time.sleep(5)
            status = prompt_store(db, settings, "replica", "status", "--json", check=False)
            print(f"replica after 5 s: {status.stdout.strip()}")
            replicator.stop()
            size = db.stat().st_size
            shutil.rmtree(db.parent)
            started = time.monotonic()
            release = prompt_store(db, settings, "init-db")
            took = time.monotonic() - started
            print(release.stdout.strip())
            print(
                f"{count:,} prompts, {size / 1e6:.0f} MB: init-db on an empty volume {took:.1f} s"
            )
        finally:
            s3.stop()


def loss_window(runs: int, load_seconds: float = 8.0) -> None:
    """SIGKILL a replicating host under load `runs` times; count what each window lost."""
    from collections import Counter

    from tests.reliability.conftest import read_all
    from tests.reliability.test_replica_host_loss import _host, _lose_the_host, _save_until_killed

    windows = (0.0, 0.5, 1.0, 2.0, 5.0)
    older, lost = Counter(), Counter()
    with tempfile.TemporaryDirectory(prefix="bench-loss-") as tmp:
        work = Path(tmp)
        s3 = MotoS3(work / "s3").start()
        try:
            for run in range(runs):
                settings = replica_settings(s3, s3.new_bucket())
                db = work / f"run-{run}" / "data" / "prompts.db"
                server, replicator = _host(db, settings, [])
                acknowledged, stop, threads = _save_until_killed(server, run, Counter())
                time.sleep(load_seconds)
                killed = _lose_the_host(server, replicator, db, threads, stop)
                prompt_store(db, settings, "init-db")
                stored = read_all(db)
                for pid, (text, at) in acknowledged.items():
                    for window in windows:
                        if killed - at >= window:
                            older[window] += 1
                            lost[window] += stored.get(pid) != text
        finally:
            s3.stop()
    print(f"{runs} SIGKILLs of a replicating host under load (4 writers, {load_seconds:g} s each)")
    print(f"{'acknowledged at least':<24}{'saves':>8}{'lost':>8}")
    for window in windows:
        print(f"{f'{window:g} s before the kill':<24}{older[window]:>8}{lost[window]:>8}")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.replica", description=__doc__)
    parser.add_argument("what", choices=["restore", "loss"])
    parser.add_argument("count", type=int, nargs="?", help="prompts (restore) or kills (loss)")
    parser.add_argument("--seconds", type=float, default=8.0, help="loss: seconds of load a run")
    opts = parser.parse_args()
    if opts.what == "restore":
        restore_time(opts.count or 100_000)
    else:
        loss_window(opts.count or 5, opts.seconds)


if __name__ == "__main__":
    main()
