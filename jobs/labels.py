"""`labels`: the operator's view of labels, and the two things only an operator can do."""

from __future__ import annotations

import secrets

import click

from api.store import LabelNotFound, Store

from .common import echo_json, pass_store

JSON_HELP = "Print JSON for scripts instead of lines for people. Example: --json"


@click.group()
def labels() -> None:
    """List and inspect labels; take one down, or give its owner a new token.

    Example: prompt-store labels list
    """


@labels.command("list")
@click.option(
    "--limit", default=100, show_default=True, type=click.IntRange(1, 10_000),
    help="Labels per page. Example: --limit 50",
)  # fmt: skip
@click.option(
    "--after", default="", help="Start after this name (the last of the page before). "
    "Example: --after support-bot/production",
)  # fmt: skip
@click.option("--json", "as_json", is_flag=True, help=JSON_HELP)
@pass_store
def list_(store: Store, limit: int, after: str, as_json: bool) -> None:
    """List labels by name, a page at a time: name, version, last move, moves.

    Example: prompt-store labels list --limit 50 --after support-bot/production
    """
    rows = store.labels.listing(limit + 1, after)
    page, more = rows[:limit], len(rows) > limit
    following = page[-1].name if more else None
    if as_json:
        found = [row._asdict() for row in page]
        echo_json({"labels": found, "next_after": following})
        return
    for row in page:
        click.echo(f"{row.name}  {row.prompt_id}  moved {row.moved_at}  {row.revision} move(s)")
    if not page:
        click.echo("No labels." if not after else f"No labels after {after!r}.")
    if following:
        click.echo(f"More: prompt-store labels list --after {following}")


@labels.command()
@click.argument("name")
@click.option(
    "--moves", "shown", default=10, show_default=True, type=click.IntRange(1, 1000),
    help="How many recent moves to show. Example: --moves 20",
)  # fmt: skip
@click.option("--json", "as_json", is_flag=True, help=JSON_HELP)
@pass_store
def show(store: Store, name: str, shown: int, as_json: bool) -> None:
    """Show a label: the version it points at, and its recent moves, newest first.

    Example: prompt-store labels show support-bot/production
    """
    label = _label(store, name)
    version = store.prompts.find(label.prompt_id)
    removed = version is None or version.removed_at is not None
    moves = store.labels.moves(label.name, shown)
    if as_json:
        echo_json(
            {
                **label._asdict(),
                "version_removed": removed,
                "moves": [m._asdict() for m in moves],
            }
        )
        return
    state = "REMOVED: the label answers 410 until moved" if removed else "live"
    click.echo(f"{label.name} -> {label.prompt_id} ({state})")
    click.echo(f"created {label.created_at}, moved {label.moved_at}, {label.revision} move(s)")
    for move in moves:
        came = f"from {move.previous_id}" if move.previous_id else "created"
        flags = " forced" if move.forced else ""
        note = f"  {move.note!r}" if move.note else ""
        click.echo(f"  {move.moved_at}  {move.prompt_id}  {came}{flags}{note}")


@labels.command()
@click.argument("name")
@click.option(
    "--yes", is_flag=True,
    help="Really remove it; without it, only say what would be removed. Example: --yes",
)  # fmt: skip
@pass_store
def remove(store: Store, name: str, yes: bool) -> None:
    """Take a label down: the label and its moves go; the versions stay.

    Its URL then answers 404 and its name can be created again, by anyone.

    Example: prompt-store labels remove support-bot/production --yes
    """
    label = _label(store, name)
    click.echo(f"{label.name} -> {label.prompt_id}, {label.revision} move(s)")
    if not yes:
        click.echo("Dry run: nothing was removed. Run again with --yes to remove the label.")
        return
    store.labels.remove(label.name)
    click.echo(f"Removed the label {label.name} and its {label.revision} move(s).")


@labels.command("reset-token")
@click.argument("name")
@pass_store
def reset_token(store: Store, name: str) -> None:
    """Give a label a new token, for an owner who lost theirs; the old one stops working.

    The token is printed once: only its hash is stored.

    Example: prompt-store labels reset-token support-bot/production
    """
    label = _label(store, name)
    token = secrets.token_urlsafe(32)
    store.labels.reset_token(label.name, token)
    click.echo(f"New token of {label.name} (shown once; the old one no longer works):")
    click.echo(token)


def _label(store: Store, name: str):
    try:
        return store.labels.get(name)
    except LabelNotFound:
        raise click.ClickException(f"no label is named {name!r}.") from None
