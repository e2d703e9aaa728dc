"""`prompt-store`: maintenance commands over the store."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import click

from api import store
from api.config import Config, ConfigError


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--db",
    type=click.Path(dir_okay=False, path_type=Path),
    envvar="STRUCKDOWN_PROMPT_DB",
    help="SQLite database file. Default: $STRUCKDOWN_PROMPT_DB or ~/.struckdown/prompts.db.",
)
@click.pass_context
def main(ctx: click.Context, db: Path | None) -> None:
    """Maintain the prompt store.

    Example: prompt-store --db /app/.struckdown/prompts.db init-db
    """
    try:
        config = Config.from_env()
    except ConfigError as error:
        raise click.ClickException(str(error)) from None
    if db is not None:
        config = replace(config, db_path=db.expanduser(), database_url=None)
    store.configure(config)
    ctx.obj = config


@main.command("init-db")
def init_db() -> None:
    """Create the schema, or migrate it to this release's version.

    Safe to run on every deploy (the Procfile's release phase does).

    Example: prompt-store init-db
    """
    try:
        found = store.migrate()
    except store.SchemaTooNew as error:
        raise click.ClickException(str(error)) from None
    path = store.database_path()
    if found == store.SCHEMA_VERSION:
        click.echo(f"{path}: schema is up to date (version {found}).")
    else:
        click.echo(f"{path}: schema migrated from version {found} to {store.SCHEMA_VERSION}.")
