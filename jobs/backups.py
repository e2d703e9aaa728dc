"""`backup` and `restore`: verified online copies of the database, and putting one back."""

from __future__ import annotations

import gzip
import os
import shutil
import subprocess
import zlib
from datetime import UTC, datetime
from pathlib import Path

import click

from api import store

from .common import (
    STAMP,
    backups,
    create_private,
    default_backup_dir,
    echo_json,
    fsync,
    progress,
    size,
)

CHUNK = 1 << 20


def write_backup(directory: Path, compress: bool, prefix: str = "prompts") -> tuple[Path, int]:
    """Write a verified backup as DIRECTORY/PREFIX-<UTC time>.db[.gz]; return (path, prompts).

    Everything is written under a hidden temporary name, flushed to disk and checked
    before one rename gives it its real name: a crash never leaves a half-written
    file under a backup's name.
    """
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    final = directory / f"{prefix}-{datetime.now(UTC).strftime(STAMP)}.db"
    final = final.with_name(final.name + ".gz") if compress else final
    if final.exists():
        raise click.ClickException(f"{final} already exists; wait a second and run it again.")
    partial = directory / f".{final.name}.partial"
    packed = directory / f".{final.name}.gz.partial"
    try:
        create_private(partial)
        with progress(1, f"Backing up to {final.name}") as bar:
            count = store.backup_to(partial, lambda done, total: _advance(bar, done, total))
        if compress:
            create_private(packed)
            with open(partial, "rb") as source, open(packed, "wb") as raw:
                with gzip.GzipFile(filename=final.stem, mode="wb", fileobj=raw, mtime=0) as out:
                    shutil.copyfileobj(source, out, CHUNK)
            partial.unlink()
            partial = packed
        fsync(partial)
        os.replace(partial, final)
        fsync(directory)  # the rename itself survives a power cut
    finally:
        for leftover in (partial, packed):
            leftover.unlink(missing_ok=True)
    return final, count


def write_pg_dump(directory: Path, prefix: str = "prompts") -> tuple[Path, int]:
    """Write pg_dump's custom-format archive of the schema as DIRECTORY/PREFIX-<time>.dump.

    Written under a hidden name, read back with pg_restore --list, flushed, then
    renamed, like write_backup. pg_dump takes one consistent snapshot itself.
    """
    pg_dump, pg_restore = _postgres_tool("pg_dump"), _postgres_tool("pg_restore")
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    final = directory / f"{prefix}-{datetime.now(UTC).strftime(STAMP)}.dump"
    if final.exists():
        raise click.ClickException(f"{final} already exists; wait a second and run it again.")
    partial = directory / f".{final.name}.partial"
    schema, count = store.postgres_schema(), store.count_prompts()
    try:
        create_private(partial)
        _run(pg_dump, "--format=custom", "--no-owner", f"--schema={schema}", f"--file={partial}")
        listing = _run(pg_restore, "--list", str(partial))
        if f"TABLE DATA {schema} prompts " not in listing:
            raise click.ClickException(f"pg_dump wrote {final.name} without the prompts table.")
        fsync(partial)
        os.replace(partial, final)
        fsync(directory)
    finally:
        partial.unlink(missing_ok=True)
    return final, count


def _postgres_tool(name: str) -> str:
    tool = shutil.which(name)
    if tool is None:
        raise click.ClickException(
            f"{name} is not installed here. On PostgreSQL use the database's own backups "
            "(dokku postgres:backup, or pg_dump where it is installed); for a portable "
            "copy of every prompt run `prompt-store export -o prompts.jsonl`."
        )
    return tool


def _run(*command: str) -> str:
    """Run a PostgreSQL client tool against the store's database; return its output."""
    env = dict(os.environ, **store.postgres_environment())
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no message"])[-1]
        raise click.ClickException(f"{Path(command[0]).name} failed: {last}")
    return done.stdout


def _advance(bar, done: int, total: int) -> None:
    bar.length = total
    bar.update(done - getattr(bar, "pos", 0))


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
def backup(dest: Path | None, keep: int, compress: bool, as_json: bool) -> None:
    """Take a verified online backup while the app keeps serving; prune old ones.

    SQLite's backup API copies one consistent snapshot; the copy passes
    integrity_check before it gets its name, prompts-YYYYMMDDTHHMMSSZ.db[.gz].
    On PostgreSQL, pg_dump writes prompts-YYYYMMDDTHHMMSSZ.dump when it is
    installed; otherwise use the database's own backups.

    Example: prompt-store backup --keep 14 --gzip
    """
    directory = dest or default_backup_dir()
    if store.is_postgres():
        path, count = write_pg_dump(directory)
    else:
        path, count = write_backup(directory, compress)
    pruned = backups(directory)[keep:]
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


@click.command()
@click.argument("backup_file", metavar="BACKUP", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--yes",
    is_flag=True,
    help="Really restore; without it, only verify and say what would happen. Example: --yes",
)
def restore(backup_file: str, yes: bool) -> None:
    """Verify BACKUP (a .db or .db.gz from `backup`), then restore it into the live database.

    The live database is untouched unless BACKUP opens as SQLite, passes
    integrity_check and has this app's schema. A safety copy of the live
    database is taken first (pre-restore-<time>.db in the backups directory).
    Running web workers keep serving. Prompts removed with `purge` stay removed.

    On PostgreSQL the database's own tooling restores (pg_restore); this
    command says how, and which prompts to purge again afterwards.

    Example: prompt-store restore /app/.struckdown/backups/prompts-20260101T031500Z.db --yes
    """
    source = Path(backup_file)
    if store.is_postgres():
        _restore_postgres(source)
    directory = default_backup_dir()
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    work = directory / f".restore-{os.getpid()}.partial"
    work.unlink(missing_ok=True)
    try:
        create_private(work)
        _unpack(source, work)
        try:
            found = store.verify_database(work)
        except store.NotAPromptDatabase as error:
            raise click.ClickException(
                f"{source} cannot be restored: {error}. The live database is untouched."
            ) from None
        live = store.count_prompts()
        click.echo(
            f"{source}: {found['prompts']} prompts, newest saved {found['newest'] or '-'}, "
            f"schema version {found['schema_version']}; integrity ok."
        )
        if not yes:
            click.echo(
                f"Dry run: the live database ({live} prompts) is unchanged. "
                "Run again with --yes to restore."
            )
            return
        safety, _ = write_backup(directory, compress=False, prefix="pre-restore")
        click.echo(f"Safety copy of the live database ({live} prompts): {safety}")
        purged = store.restore_from(work)
    finally:
        work.unlink(missing_ok=True)
    click.echo(f"Restored {found['prompts']} prompts from {source} into {store.database_path()}.")
    if purged:
        click.echo(f"Removed again (purged after that backup): {', '.join(purged)}")


def _restore_postgres(source: Path) -> None:
    """Explain how to restore into PostgreSQL; never touches the live database."""
    removed = store.removed_prompt_ids()
    again = (
        f" Then purge again what was removed since: prompt-store purge {' '.join(removed)} --yes."
        if removed
        else ""
    )
    raise click.ClickException(
        "on PostgreSQL, restore with the database's own tooling, e.g. "
        f'pg_restore --clean --if-exists --no-owner -d "$DATABASE_URL" {source} '
        "(or dokku postgres:import), then run prompt-store init-db. To move prompts "
        "from any other store instead, run prompt-store export there and "
        f"prompt-store import here.{again} The live database is untouched."
    )


def _unpack(source: Path, work: Path) -> None:
    """Copy a backup, decompressing a .gz, to a working file we may change."""
    try:
        with open(source, "rb") as raw, open(work, "wb") as out:
            reader = gzip.GzipFile(fileobj=raw) if source.suffix == ".gz" else raw
            shutil.copyfileobj(reader, out, CHUNK)
    except (OSError, EOFError, zlib.error) as error:
        raise click.ClickException(
            f"{source} cannot be read: {error}. The live database is untouched."
        ) from None
