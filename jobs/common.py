"""Small helpers the commands share: the store, output, progress and backups' names."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import click

from api.store import Store

# Commands receive the Store the group built from the configuration (and --db).
pass_store = click.make_pass_decorator(Store)


def echo_json(data) -> None:
    """Print one line of JSON with sorted keys: stable output for scripts."""
    click.echo(json.dumps(data, sort_keys=True, ensure_ascii=False))


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
