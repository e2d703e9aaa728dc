"""`prompt-store`: maintenance commands over the store, one small module per group."""

from __future__ import annotations

import os
import sys
from dataclasses import replace
from pathlib import Path

import click
import peewee

from api.config import Config, ConfigError
from api.store import SCHEMA_VERSION, SchemaTooNew, Store, StoreError

from . import backups, flatfiles, labels, purge, replica, reports, transfer
from .common import pass_store


class StoreCommands(click.Group):
    """A group that turns store, database and file errors into one sentence and exit 1."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except StoreError as error:
            raise click.ClickException(str(error)) from None
        except peewee.DatabaseError as error:
            where = ctx.obj.label if isinstance(ctx.obj, Store) else "the database"
            raise click.ClickException(f"the database {where} cannot be used: {error}") from None
        except BrokenPipeError:
            # Whoever read the output went away (`prompt-store export | head`): end
            # quietly, as a writer to a closed pipe does, and keep Python's own flush at
            # exit from failing on it again.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            ctx.exit(0)
        except OSError as error:  # a full disk, a missing directory, a file in the way
            where = f"{error.filename}: " if error.filename else ""
            raise click.ClickException(f"{where}{error.strerror or error}") from None


@click.group(cls=StoreCommands, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--db",
    type=click.Path(dir_okay=False, path_type=Path),
    envvar="STRUCKDOWN_PROMPT_DB",
    help="SQLite database file; given here, it wins over DATABASE_URL. "
    "Default: $DATABASE_URL, else $STRUCKDOWN_PROMPT_DB or ~/.struckdown/prompts.db. "
    "Example: --db /app/.struckdown/prompts.db",
)
@click.pass_context
def main(ctx: click.Context, db: Path | None) -> None:
    """Maintain the prompt store: stats, backups, checks, takedowns, export and import.

    Example: prompt-store --db /app/.struckdown/prompts.db stats
    """
    if isinstance(ctx.obj, Store):  # a Store the caller configured (tests, embedding scripts)
        return
    try:
        config = Config.from_env()
    except ConfigError as error:
        raise click.ClickException(str(error)) from None
    # Only an explicit --db overrides DATABASE_URL; $STRUCKDOWN_PROMPT_DB is already
    # in the config, and with DATABASE_URL set the app does not use it either.
    if db is not None and ctx.get_parameter_source("db") is click.core.ParameterSource.COMMANDLINE:
        config = replace(config, db_path=db.expanduser(), database_url=None)
    try:
        store = Store(config)
    except ConfigError as error:
        raise click.ClickException(str(error)) from None
    ctx.obj = store
    ctx.call_on_close(store.close)


@main.command("init-db")
@pass_store(creates=True)
def init_db(store: Store) -> None:
    """Create the schema, or migrate it to this release's version; fill missing templates.

    Safe to run on every deploy (the Procfile's release phase does). With a
    replica configured and no database file on the volume (a new host), the
    replica's copy is restored first; an existing file is never overwritten.

    Example: prompt-store init-db
    """
    fresh = store.replication.restore_fresh_volume() if store.replication else None
    try:
        found = store.migrate()
    except SchemaTooNew as error:
        raise click.ClickException(str(error)) from None
    if fresh is not None:
        click.echo(_fresh_volume(store, fresh, found))
    elif found == SCHEMA_VERSION:
        click.echo(f"{store.label}: schema is up to date (version {found}).")
    else:
        click.echo(f"{store.label}: schema migrated from version {found} to {SCHEMA_VERSION}.")
    # Rows an older release saved during the deploy have no template yet.
    filled = store.maintenance.fill_templates()
    if filled:
        click.echo(f"{store.label}: read the template of {filled} prompt(s) saved without one.")


def _fresh_volume(store: Store, fresh, found: int) -> str:
    """One line: what init-db did on a volume that had no database file."""
    schema = f"schema at version {SCHEMA_VERSION}" + (
        f" (migrated from {found})" if found not in (0, SCHEMA_VERSION) else ""
    )
    url = store.replication.url
    if not fresh.restored:
        return f"{store.label}: new database, the replica {url} is empty; {schema}."
    held = fresh.found
    return (
        f"{store.label}: restored from the replica {url} in {fresh.seconds:.1f} s "
        f"({held['prompts']} prompts, newest saved {held['newest'] or '-'}); {schema}."
    )


for command in (
    replica.replicate,
    replica.replica,
    reports.stats,
    reports.check,
    backups.backup,
    backups.restore,
    purge.purge,
    labels.labels,
    transfer.export,
    transfer.import_,
    flatfiles.cleanup_flat_files,
):
    main.add_command(command)
