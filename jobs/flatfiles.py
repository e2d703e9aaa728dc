"""`cleanup-flat-files`: import and retire the old one-file-per-prompt directory."""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import click

from api.store import ID_REGEX, LEGACY_ID_REGEX, Store, StoreError, encode_text

from .common import counted, pass_store, progress, size

# <id>.txt where the id is a UUID or a 24-hex content hash; *.tmp are abandoned writes.
PROMPT_FILE = re.compile(
    rf"^({ID_REGEX}|{LEGACY_ID_REGEX})\.txt$",
    re.IGNORECASE,
)


@dataclass
class PromptFile:
    name: str
    legacy_id: str
    size: int
    created_at: str
    text: str | None  # None when the bytes are not UTF-8
    stored_as: str | None = None
    problem: str | None = None


@dataclass
class Listing:
    prompts: list[PromptFile] = field(default_factory=list)
    temps: list[str] = field(default_factory=list)
    others: list[str] = field(default_factory=list)  # foreign files, subdirectories, symlinks


@click.command("cleanup-flat-files")
@click.argument("directory", required=False, type=click.Path(path_type=Path))
@click.option(
    "--import",
    "import_",
    is_flag=True,
    help="Store each prompt's text (idempotent) before anything is removed. Example: --import",
)
@click.option(
    "--delete",
    is_flag=True,
    help="Remove the prompt files whose text is stored, then the directory if it is empty. "
    "Example: --import --delete",
)
@click.option(
    "--force",
    is_flag=True,
    help="With --delete, also remove prompt files whose text is not stored, and *.tmp "
    "leftovers. Example: --delete --force",
)
@pass_store
def cleanup_flat_files(
    store: Store, directory: Path | None, import_: bool, delete: bool, force: bool
) -> None:
    """Import and remove the old flat-file store: one <id>.txt per prompt.

    DIRECTORY defaults to $STRUCKDOWN_PROMPT_CACHE_DIR or ~/.struckdown/prompts.
    A dry run by default: it lists what it would do. A file named by a UUID keeps
    it as its id; a 24-hex name gets a new UUID and /p/<24-hex> redirects to it.
    Only regular files of that layout are ever removed: never a symlink (none is
    followed), a subdirectory or a foreign file.

    Example: prompt-store cleanup-flat-files --import --delete
    """
    if force and not delete:
        raise click.UsageError("--force only changes what --delete removes; add --delete.")
    if directory is None:
        directory = store.config.prompt_cache_dir
        if not os.path.lexists(directory):
            click.echo(f"{directory} does not exist: nothing to clean up.")
            return
    if not os.path.lexists(directory):
        raise click.ClickException(f"{directory} does not exist.")
    if directory.is_symlink() or not directory.is_dir():
        raise click.ClickException(f"{directory} is not a directory (symlinks are not followed).")
    listing = _scan(store, directory)
    if import_:
        _import(store, listing.prompts)
    _report(directory, listing)
    if delete:
        _delete(directory, listing, force)
    elif not import_:
        new = [p for p in listing.prompts if p.stored_as is None and p.problem is None]
        old = [p for p in listing.prompts if p.stored_as is not None]
        click.echo(
            f"Dry run: nothing changed. --import would store {counted(len(new), 'prompt')} "
            f"({size(sum(p.size for p in new))}); --delete would remove the "
            f"{counted(len(old), 'file')} already stored ({size(sum(p.size for p in old))}), "
            "and those imported."
        )


def _scan(store: Store, directory: Path) -> Listing:
    listing = Listing()
    with os.scandir(directory) as entries:
        for entry in sorted(entries, key=lambda e: e.name):
            match = PROMPT_FILE.match(entry.name)
            if entry.is_symlink():
                listing.others.append(f"{entry.name} (a symlink, not followed)")
            elif entry.is_dir(follow_symlinks=False):
                listing.others.append(f"{entry.name}/ (a subdirectory)")
            elif not entry.is_file(follow_symlinks=False):
                listing.others.append(f"{entry.name} (not a regular file)")
            elif match:
                listing.prompts.append(_read(entry, match[1].lower()))
            elif entry.name.endswith(".tmp"):
                listing.temps.append(entry.name)
            else:
                listing.others.append(f"{entry.name} (not a prompt file)")
    for prompt in listing.prompts:
        if prompt.text is None:
            continue
        prompt.stored_as = store.legacy.stored_as(prompt.legacy_id, prompt.text)
        if prompt.stored_as is None:
            try:  # what --import would refuse: say so now, in the dry run too
                encode_text(prompt.text, store.config.max_bytes)
            except StoreError as error:
                prompt.problem = str(error)
    return listing


def _read(entry: os.DirEntry, legacy_id: str) -> PromptFile:
    # O_NOFOLLOW: should the name become a symlink after the scan, do not read through it.
    fd = os.open(entry.path, os.O_RDONLY | os.O_NOFOLLOW)
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        data = handle.read()
    try:
        text, problem = data.decode("utf-8"), None
    except UnicodeDecodeError:
        text, problem = None, "not UTF-8"
    moment = datetime.fromtimestamp(info.st_mtime, UTC).isoformat(timespec="microseconds")
    return PromptFile(entry.name, legacy_id, len(data), moment, text, problem=problem)


def _import(store: Store, prompts: list[PromptFile]) -> None:
    created = 0
    with progress(len(prompts), "Importing") as bar:
        for prompt in prompts:
            bar.update(1)
            if prompt.problem is not None or prompt.stored_as is not None:
                continue
            try:
                prompt.stored_as, new = store.legacy.import_file(
                    prompt.legacy_id, prompt.text, prompt.created_at
                )
                created += new
            except StoreError as error:
                prompt.problem = str(error)
    click.echo(f"Imported {counted(created, 'prompt')}.")


def _report(directory: Path, listing: Listing) -> None:
    stored = [p for p in listing.prompts if p.stored_as is not None]
    unstored = [p for p in listing.prompts if p.stored_as is None]
    click.echo(
        f"{directory}: {counted(len(listing.prompts), 'prompt file')} "
        f"({size(sum(p.size for p in listing.prompts))}), {len(stored)} of them stored; "
        f"{counted(len(listing.temps), '*.tmp leftover')}; "
        f"{counted(len(listing.others), 'other entry', 'other entries')}."
    )
    for prompt in unstored:
        click.echo(
            f"  not stored: {prompt.name}" + (f" ({prompt.problem})" if prompt.problem else "")
        )
    for other in listing.others:
        click.echo(f"  leaving: {other}")


def _delete(directory: Path, listing: Listing, force: bool) -> None:
    doomed = [p.name for p in listing.prompts if p.stored_as is not None or force]
    doomed += listing.temps if force else []
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    removed = freed = 0
    try:
        for name in doomed:
            try:
                info = os.stat(name, dir_fd=fd, follow_symlinks=False)
            except FileNotFoundError:
                continue
            if stat.S_ISREG(info.st_mode):  # unchanged since the scan: still a plain file
                os.unlink(name, dir_fd=fd)
                removed, freed = removed + 1, freed + info.st_size
    finally:
        os.close(fd)
    left = len(listing.prompts) + len(listing.temps) + len(listing.others) - removed
    left_over = counted(left, "entry", "entries")
    click.echo(f"Deleted {counted(removed, 'file')} ({size(freed)}); {left_over} left.")
    if left == 0:
        try:
            directory.rmdir()
            click.echo(f"Removed the empty directory {directory}.")
        except OSError as error:  # something appeared since the scan
            click.echo(f"Left {directory}: {error.strerror}.")
    elif listing.temps and not force:
        click.echo(f"Left {len(listing.temps)} *.tmp leftovers; --force removes them.")
