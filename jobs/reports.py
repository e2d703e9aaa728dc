"""`stats` and `check`: what is in the store, and whether it is sound."""

from __future__ import annotations

from datetime import UTC, datetime

import click

from api.store import ReplicaError, Store, backup_time, list_backups, stale_partials

from .common import counted, echo_json, pass_store, progress, size
from .replica import describe

JSON_HELP = "Print one line of JSON for scripts instead of the table. Example: --json"
SHOWN = 20  # problems listed per kind; the count says how many more


@click.command()
@click.option("--json", "as_json", is_flag=True, help=JSON_HELP)
@pass_store
def stats(store: Store, as_json: bool) -> None:
    """Show counts, lineage depth, recent saves, sizes, the newest backup and the replica.

    Example: prompt-store stats --json
    """
    now = datetime.now(UTC)
    data = store.maintenance.stats(now)
    found = list_backups(store.backup_dir, kinds=store.backups.KINDS)
    data["newest_backup"] = (
        {
            "path": str(found[0]),
            "bytes": found[0].stat().st_size,
            "age_seconds": int((now - backup_time(found[0])).total_seconds()),
        }
        if found
        else None
    )
    data["replica"] = _replica(store)
    if as_json:
        echo_json(data)
        return
    largest = data["largest"]
    newest = data["newest_backup"]
    rows = [
        (
            "prompts",
            f"{data['prompts']} ({counted(data['roots'], 'root')}, "
            f"{counted(data['versions'], 'version')})",
        ),
        ("removed", data["removed"]),
        ("legacy ids", data["legacy_ids"]),
        ("deepest lineage", counted(data["deepest_lineage"], "version")),
        ("saves", f"{data['saves_24h']} in the last 24 h, {data['saves_7d']} in 7 days"),
        ("oldest", data["oldest"] or "-"),
        ("newest", data["newest"] or "-"),
        ("largest", f"{largest['id']} ({size(largest['bytes'])})" if largest else "-"),
        ("database", f"{data['path']} ({size(data['db_bytes'])})"),
        ("wal", size(data["wal_bytes"])),
        (
            "newest backup",
            f"{newest['path']} ({size(newest['bytes'])}, {_age(newest['age_seconds'])} old)"
            if newest
            else f"none in {store.backup_dir}",
        ),
    ]
    replica = data["replica"]
    if not replica["configured"]:
        rows.append(("replica", "not configured (STRUCKDOWN_REPLICA_URL is unset)"))
    elif "error" in replica:
        rows.append(("replica", f"{replica['url']}: {replica['error']}"))
    else:
        rows += describe(replica)
    for name, value in rows:
        click.echo(f"{name:<16} {value}")


def _replica(store: Store) -> dict:
    """The replica's state for stats; an unreadable replica is reported, not raised."""
    if store.replication is None:
        return {"configured": False}
    try:
        return store.replication.status()
    except ReplicaError as error:
        return {"configured": True, "url": store.replication.url, "error": str(error)}


def _age(seconds: int) -> str:
    if seconds < 3600:
        return f"{seconds // 60} min"
    if seconds < 2 * 86400:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} days"


@click.command()
@click.option("--json", "as_json", is_flag=True, help=JSON_HELP)
@click.option(
    "--deep",
    is_flag=True,
    help="Read every text's template again instead of trusting the checksum kept when it was "
    "written (slower: after upgrading the template reader). Example: --deep",
)
@pass_store
def check(store: Store, as_json: bool, deep: bool) -> None:
    """Check integrity, keys, cycles, sha256s, templates, backups and the replica; exit 1 on
    a problem.

    Each text is hashed against its sha256, and its stored template against the checksum
    kept when it was saved; --deep reads every template from its text again.

    backups: files a killed backup or restore left in the backups directory (the
    next backup removes them). The replica (when configured) is a problem when it
    cannot be read, when no replicator is running, or when it lags over a minute.

    Example: prompt-store check
    """
    with progress(store.prompts.count(), "Checking sha256 and templates") as bar:
        problems = store.maintenance.check(progress=bar.update, deep=deep)
    problems["backups"] = [
        f"{path} ({size(path.stat().st_size)}) was left by a killed backup or restore; "
        "the next `prompt-store backup` removes it"
        for path in stale_partials(store.backup_dir)
    ]
    if store.replication is not None:
        problems["replica"] = store.replication.problems()
    count = sum(len(found) for found in problems.values())
    if as_json:
        echo_json({"ok": not count, "problems": problems})
    else:
        for kind, found in problems.items():
            click.echo(f"{kind:<13} {'ok' if not found else f'{len(found)} problem(s)'}")
            for line in found[:SHOWN]:
                click.echo(f"  {line}")
            if len(found) > SHOWN:
                click.echo(f"  ... and {len(found) - SHOWN} more")
    if count:
        raise click.ClickException(f"{count} problem(s) found in {store.label}")
