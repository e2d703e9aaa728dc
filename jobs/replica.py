"""`replicate` and `replica status`: the off-host copy of the SQLite store (Litestream)."""

from __future__ import annotations

import fcntl
import os
import signal
import sys

import click

from api.store import Store
from api.store.sqlite.litestream import ReplicaError

from .common import echo_json, pass_store


@click.command()
@pass_store(creates=True)
def replicate(store: Store) -> None:
    """Run the replicator: Litestream ships every commit to STRUCKDOWN_REPLICA_URL.

    The Procfile's `replicator` process. It holds an exclusive lock on
    <database>.replicator.lock for its whole life, so however many are started
    (`dokku ps:scale`, a deploy starting the new container before stopping the
    old one), one replicates and the others wait to take over when it exits.
    SIGTERM makes Litestream upload what it has not yet, then exit. Without a
    replica configured it only waits (no Litestream, no I/O).

    Example: prompt-store replicate
    """
    replication = store.replication
    if replication is None:
        click.echo(
            "prompt-store replicate: no replica configured (STRUCKDOWN_REPLICA_URL is unset, "
            "or the store is PostgreSQL); waiting idle."
        )
        _idle()
        return
    litestream = replication.litestream
    argv = litestream.replicate_argv()  # refuses early when the binary is missing
    lock = f"{litestream.db_path}.replicator.lock"
    os.makedirs(litestream.db_path.parent, mode=0o700, exist_ok=True)
    fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        click.echo(f"another replicator holds {lock}; waiting to take over when it stops.")
        fcntl.flock(fd, fcntl.LOCK_EX)
    litestream.write_config()
    click.echo(
        f"replicating {litestream.db_path} to {replication.url} every "
        f"{replication.settings.sync_interval:g} s (Litestream, config {litestream.config_path})"
    )
    sys.stdout.flush()
    # Litestream replaces this process: signals reach it directly, and the lock,
    # passed on with the open file, is held until it exits.
    os.set_inheritable(fd, True)
    os.execve(argv[0], argv, litestream.environment())


def _idle() -> None:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    while True:
        signal.pause()


@click.group()
def replica() -> None:
    """The off-host replica of the SQLite store (STRUCKDOWN_REPLICA_URL).

    Example: prompt-store replica status --json
    """


@replica.command()
@click.option("--json", "as_json", is_flag=True, help="Print one line of JSON. Example: --json")
@pass_store
def status(store: Store, as_json: bool) -> None:
    """Say whether replication runs, what the replica holds and how far it lags.

    lag: 0 s only when proven that the replica holds every commit (it holds the
    newest LTX file Litestream cut here, and that file reaches the WAL's last
    commit); otherwise the time since the newest file it holds was cut, or
    "unknown". Exit 1 when the replica cannot be read or no replicator is running.

    Example: prompt-store replica status
    """
    replication = store.replication
    if replication is None:
        if as_json:
            echo_json({"configured": False})
        else:
            click.echo("replica          not configured (STRUCKDOWN_REPLICA_URL is unset)")
        return
    try:
        data = replication.status()
    except ReplicaError as error:
        if as_json:
            echo_json({"configured": True, "url": replication.url, "error": str(error)})
        raise click.ClickException(str(error)) from None
    if as_json:
        echo_json(data)
    else:
        for name, value in describe(data):
            click.echo(f"{name:<16} {value}")
    if not data["replicator_running"]:
        raise click.ClickException("no replicator is running: saves are not leaving the host")


def describe(data: dict) -> list[tuple[str, str]]:
    """The rows `replica status` and `stats` print about a configured replica."""
    running = "running" if data["replicator_running"] else "NOT RUNNING"
    return [
        ("replica", data["url"]),
        ("replicator", running),
        (
            "replicated",
            f"txid {data['replica_txid']:x} at {data['replica_updated_at'] or '-'} "
            f"({data['replica_objects']} objects, {data['replica_bytes']} bytes)",
        ),
        ("lag", _lag(data)),
        ("retention", f"{data['retention_seconds'] / 3600:g} h"),
    ]


def _lag(data: dict) -> str:
    if data["lag_seconds"] is None:
        return "unknown (the replica's position is not among the local files)"
    if data["replica_current"]:
        return "0.0 s (holds every commit)"
    return f"{data['lag_seconds']:.1f} s (holds every commit before {data['replica_holds_until']})"
