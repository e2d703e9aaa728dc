"""`purge`: a takedown. The text goes from every database file; the row stays as a tombstone."""

from __future__ import annotations

import click

from api.store import InvalidPromptId, PromptNotFound, PromptRemoved, Store
from api.store.backup_files import list_backups

from .common import pass_store, size


@click.command()
@click.argument("prompt_ids", metavar="ID...", nargs=-1, required=True)
@click.option(
    "--yes",
    is_flag=True,
    help="Really remove the text; without it, only list what would be removed. Example: --yes",
)
@pass_store
def purge(store: Store, prompt_ids: tuple[str, ...], yes: bool) -> None:
    """Remove the text of one or more prompts (a takedown), keeping each row as a tombstone.

    The text and its sha256 leave the database files (freed content is zeroed as
    pages are written, then the WAL is truncated); the API answers 410 Gone and
    history shows the tombstone, so descendants still resolve. Descendants keep
    their own text: purge them too if they hold the same thing. Backups taken
    before keep it until deleted, and the off-host replica until its retention
    window (STRUCKDOWN_REPLICA_RETENTION) has passed.

    Example: prompt-store purge 3f0c2a9e-8d1b-4c7e-9a55-2b6f0e1d4c33 --yes
    """
    for prompt_id in prompt_ids:
        click.echo(_describe(store, prompt_id))
    if not yes:
        click.echo("Dry run: nothing was removed. Run again with --yes to remove the text.")
        return
    removed = store.takedowns.purge(list(prompt_ids))
    click.echo(f"Removed the text of {len(removed)} prompt(s); {store.dialect.scrub_report}.")
    directory = store.backup_dir
    older = list_backups(directory) + list_backups(directory, "pre-restore")
    if removed and older:
        click.echo(
            f"{len(older)} backup(s) in {directory} predate this and still hold the text; "
            "delete them to remove it there too (older ones also age out with --keep)."
        )
    if store.replication is not None:
        retention = store.replication.settings.retention
        click.echo(
            f"The replica {store.replication.url} keeps the text in its history, which a "
            f"purge cannot reach: it leaves the replica once the retention window has passed "
            f"(STRUCKDOWN_REPLICA_RETENTION={_duration(retention)}; within "
            f"{_duration(retention * 1.5)} of now)."
        )


def _duration(seconds: float) -> str:
    for unit, length in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= length and seconds % length == 0:
            return f"{seconds // length:.0f}{unit}"
    return f"{seconds:g}s"


def _describe(store: Store, prompt_id: str) -> str:
    """One line about a prompt to purge, with its descendants; refuse an unknown id."""
    try:
        version = store.prompts.get(prompt_id)
    except InvalidPromptId:
        raise click.ClickException(f"{prompt_id!r} is not a prompt id (a UUID).") from None
    except PromptNotFound:
        raise click.ClickException(
            f"no prompt has the id {prompt_id}; nothing was removed."
        ) from None
    except PromptRemoved:
        return f"{prompt_id}  already removed (a --yes run scrubs the files again)"
    children = store.prompts.children(version.id)
    lines = [
        f"{version.id}  saved {version.created_at}, {size(len(version.text.encode()))}, "
        f"{len(children)} direct descendant(s)"
    ]
    lines += [f"    descendant {child.id}" for child in children if not child.removed]
    lines += [
        f"    label {name} points at it: it will answer 410 until its owner moves it"
        for name in store.labels.pointing_at(version.id)
    ]
    return "\n".join(lines)
