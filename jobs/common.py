"""Small helpers the commands share: the store, output, progress and backups' names."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import click

from api.store import Store


def pass_store(command: Callable | None = None, *, creates: bool = False) -> Callable:
    """Give a command the Store the group built (from the settings, or --db) as first argument.

    Only a command that `creates` a database may run where none exists: for any
    other, a missing SQLite file is a mistyped path, refused before it is created.
    """

    def decorate(command: Callable) -> Callable:
        @functools.wraps(command)
        def run(*args, **kwargs):
            store = click.get_current_context().find_object(Store)
            if not creates and not store.dialect.exists():
                raise click.ClickException(
                    f"no database at {store.label}. Check --db and STRUCKDOWN_PROMPT_DB, "
                    "or create one with `prompt-store init-db`."
                )
            return command(store, *args, **kwargs)

        return run

    return decorate(command) if command is not None else decorate


def echo_json(data) -> None:
    """Print one line of JSON with sorted keys: stable output for scripts."""
    click.echo(json.dumps(data, sort_keys=True, ensure_ascii=False))


def counted(number: int, thing: str, things: str | None = None) -> str:
    """Say how many: '1 file', '2 files' ('1 entry', '2 entries' given the plural)."""
    return f"{number} {thing if number == 1 else things or thing + 's'}"


def size(count: int | None) -> str:
    """Format a byte count for people: 512 B, 3.4 KiB, 1.2 MiB."""
    value = float(count or 0)
    if value < 1024:
        return f"{value:.0f} B"
    for unit in ("KiB", "MiB", "GiB"):
        value /= 1024
        if value < 1024 or unit == "GiB":
            break
    return f"{value:.1f} {unit}"


class _Quiet:
    def update(self, steps: int, current_item=None) -> None:
        pass


@contextmanager
def progress(length: int, label: str) -> Iterator:
    """A progress bar on an interactive terminal; nothing at all when output is piped."""
    if sys.stderr.isatty():
        with click.progressbar(length=length, label=label, file=sys.stderr) as bar:
            yield bar
    else:
        yield _Quiet()
