"""`backup` and `restore`: verified online copies of the database, and putting one back."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import click

from api.store import Store, list_backups

from .common import echo_json, pass_store, progress, size


@click.command()
@click.option(
    "--dest",
    type=click.Path(file_okay=False, path_type=Path),
    help="Directory for the backups. Default: backups/ beside the database. "
    "Example: --dest /app/.struckdown/backups",
)
@click.option(
    "--keep",
    type=click.IntRange(min=1),
    default=14,
    show_default=True,
    help="Keep this many newest backups in DEST and delete older ones. Example: --keep 30",
)
@click.option(
    "--gzip",
    "compress",
    is_flag=True,
    help="Compress the backup (PostgreSQL dumps are compressed anyway). Example: --gzip",
)
@click.option("--json", "as_json", is_flag=True, help="Print one line of JSON. Example: --json")
@pass_store
def backup(store: Store, dest: Path | None, keep: int, compress: bool, as_json: bool) -> None:
    """Take a verified online backup while the app keeps serving; prune old ones.

    SQLite's backup API copies one consistent snapshot into a hidden, locked
    file; the copy passes integrity_check, gets the takedowns made meanwhile and
    only then its name, prompts-YYYYMMDDTHHMMSSZ.db[.gz]. Hidden files a killed
    backup left are removed first (`check` counts them).
    On PostgreSQL, pg_dump writes prompts-YYYYMMDDTHHMMSSZ.dump when it is
    installed; otherwise use the database's own backups.

    Example: prompt-store backup --keep 14 --gzip
    """
    directory = dest or store.backup_dir
    with progress(1, "Backing up") as bar:
        path, count = store.backups.write(directory, compress, progress=_advance(bar))
    pruned = list_backups(directory, kinds=store.backups.KINDS)[keep:]
    for old in pruned:
        old.unlink()
    result = {
        "path": str(path),
        "bytes": path.stat().st_size,
        "prompts": count,
        "pruned": [str(p) for p in pruned],
    }
    if as_json:
        echo_json(result)
        return
    click.echo(f"Backed up {count} prompts to {path} ({size(result['bytes'])}).")
    if pruned:
        click.echo(f"Pruned {len(pruned)} older backup(s), keeping the newest {keep}.")


def _advance(bar):
    def advance(done: int, total: int) -> None:
        bar.length = total
        bar.update(done - getattr(bar, "pos", 0))

    return advance


@click.command()
@click.argument(
    "backup_file", metavar="[BACKUP]", required=False, type=click.Path(exists=True, dir_okay=False)
)
@click.option(
    "--from-replica",
    is_flag=True,
    help="Restore from the off-host replica (STRUCKDOWN_REPLICA_URL) instead of a file. "
    "Example: --from-replica",
)
@click.option(
    "--timestamp",
    metavar="ISO",
    help="With --from-replica: the database as it was at this time (UTC unless an offset "
    "is given). Example: --timestamp 2026-01-01T03:15:00Z",
)
@click.option(
    "--yes",
    is_flag=True,
    help="Really restore; without it, only verify and say what would happen. Example: --yes",
)
@pass_store
def restore(
    store: Store, backup_file: str | None, from_replica: bool, timestamp: str | None, yes: bool
) -> None:
    """Verify BACKUP (a .db or .db.gz from `backup`), or the replica, then restore it.

    The live database is untouched unless the copy opens as SQLite, has this
    app's schema and passes every check `prompt-store check` runs (integrity,
    keys, each text's sha256, each stored template). Then, holding the write
    gate, a safety copy of the live database is taken (pre-restore-<time>.db in
    the backups directory), the live takedowns are applied to the copy and it
    replaces the live database. Running web workers keep serving; saves and
    deletes that arrive meanwhile get 503 with Retry-After (or wait). Every save
    acknowledged before is in the safety copy, and no takedown is undone.

    --from-replica restores the replica's newest state, or with --timestamp its
    state at that time (point in time), through the same checks.

    On PostgreSQL the database's own tooling restores (pg_restore); this
    command says how, and which prompts to purge again afterwards.

    Example: prompt-store restore /app/.struckdown/backups/prompts-20260101T031500Z.db --yes
    """
    if from_replica == (backup_file is not None):
        raise click.UsageError("give either BACKUP or --from-replica.")
    if timestamp and not from_replica:
        raise click.UsageError("--timestamp goes with --from-replica.")
    if from_replica:
        if store.replication is None:
            raise click.ClickException(
                "no replica is configured: set STRUCKDOWN_REPLICA_URL "
                "(docs/operating.md: Off-host replication)."
            )
        at = _utc(timestamp) if timestamp else None
        source = f"the replica {store.replication.url}" + (f" at {at}" if at else "")
        done = store.replication.restore_into_live(at, apply=yes, safety_dir=store.backup_dir)
    else:
        source = backup_file
        done = store.backups.restore(Path(backup_file), apply=yes, safety_dir=store.backup_dir)
    found = done.found
    click.echo(
        f"{source}: {found['prompts']} prompts, newest saved {found['newest'] or '-'}, "
        f"schema version {found['schema_version']}; every check passed."
    )
    if not yes:
        click.echo(
            f"Dry run: the live database ({done.live_prompts} prompts) is unchanged. "
            "Run again with --yes to restore."
        )
        return
    click.echo(
        f"Safety copy of the live database ({done.live_prompts} prompts): {done.safety_copy}"
    )
    click.echo(f"Restored {found['prompts']} prompts from {source} into {store.label}.")
    if done.purged_again:
        click.echo(f"Removed again (purged after that backup): {', '.join(done.purged_again)}")


def _utc(value: str) -> str:
    """An ISO 8601 time as Litestream reads it: RFC 3339 in UTC."""
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is not an ISO 8601 time, e.g. 2026-01-01T03:15:00Z",
            param_hint="--timestamp",
        ) from None
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")
