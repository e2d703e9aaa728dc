"""`purge`: a takedown. The text goes from every database file; the row stays as a tombstone."""

from __future__ import annotations

import click

from api import store

from .common import backups, default_backup_dir, size


@click.command()
@click.argument("prompt_ids", metavar="ID...", nargs=-1, required=True)
@click.option(
    "--yes",
    is_flag=True,
    help="Really remove the text; without it, only list what would be removed. Example: --yes",
)
def purge(prompt_ids: tuple[str, ...], yes: bool) -> None:
    """Remove the text of one or more prompts (a takedown), keeping each row as a tombstone.

    The text and its sha256 leave the database files (freed content is zeroed as
    pages are written, then the WAL is truncated); the API answers 410 Gone and
    history shows the tombstone, so descendants still resolve. Descendants keep
    their own text: purge them too if they hold the same thing. Backups taken
    before keep it until deleted.

    Example: prompt-store purge 3f0c2a9e-8d1b-4c7e-9a55-2b6f0e1d4c33 --yes
    """
    for prompt_id in prompt_ids:
        click.echo(_describe(prompt_id))
    if not yes:
        click.echo("Dry run: nothing was removed. Run again with --yes to remove the text.")
        return
    removed = store.purge_prompts(list(prompt_ids))
    if store.is_postgres():
        click.echo(
            f"Removed the text of {len(removed)} prompt(s); VACUUM FULL rewrote the prompts "
            "table, so no table file holds it (the server's WAL may, until it is recycled)."
        )
    else:
        click.echo(
            f"Removed the text of {len(removed)} prompt(s); its pages were zeroed and the "
            "WAL truncated, so no copy remains in the database files."
        )
    directory = default_backup_dir()
    older = backups(directory) + backups(directory, "pre-restore")
    if removed and older:
        click.echo(
            f"{len(older)} backup(s) in {directory} predate this and still hold the text; "
            "delete them to remove it there too (older ones also age out with --keep)."
        )


def _describe(prompt_id: str) -> str:
    """One line about a prompt to purge, with its descendants; refuse an unknown id."""
    try:
        prompt = store.get_prompt_with_metadata(prompt_id)
    except store.InvalidPromptId:
        raise click.ClickException(f"{prompt_id!r} is not a prompt id (a UUID).") from None
    except store.PromptNotFound:
        raise click.ClickException(
            f"no prompt has the id {prompt_id}; nothing was removed."
        ) from None
    except store.PromptRemoved:
        return f"{prompt_id}  already removed (a --yes run scrubs the files again)"
    children = store.get_children(prompt["id"])
    lines = [
        f"{prompt['id']}  saved {prompt['created_at']}, {size(len(prompt['text'].encode()))}, "
        f"{len(children)} direct descendant(s)"
    ]
    lines += [f"    descendant {c['id']}" for c in children if not c["removed"]]
    return "\n".join(lines)
