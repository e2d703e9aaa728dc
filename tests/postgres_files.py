"""The files a PostgreSQL server keeps a database's rows in, for tests that look for bytes
of a removed text there (the server must run on this machine, readable by the tests)."""

from __future__ import annotations

from pathlib import Path

import psycopg2
import pytest

# prompts, its TOAST table, and the indexes of both.
RELATIONS = (
    "SELECT pg_relation_filepath(c.oid) FROM pg_class AS c "
    "WHERE c.oid = 'prompts'::regclass "
    "OR c.oid = (SELECT reltoastrelid FROM pg_class WHERE oid = 'prompts'::regclass) "
    "OR c.oid IN (SELECT indexrelid FROM pg_index WHERE indrelid IN ('prompts'::regclass,"
    " (SELECT reltoastrelid FROM pg_class WHERE oid = 'prompts'::regclass)))"
)


def relation_files(url: str) -> tuple[list[Path], list[Path]]:
    """The files of prompts, its TOAST and their indexes; and every file of the database.
    Skips the test when the server's files cannot be read from here."""
    with psycopg2.connect(url) as raw, raw.cursor() as cursor:
        cursor.execute("CHECKPOINT")  # every page written out to the files
        cursor.execute("SHOW data_directory")
        data = Path(cursor.fetchone()[0])
        cursor.execute(RELATIONS)
        files = [data / row[0] for row in cursor.fetchall()]
        cursor.execute("SELECT oid FROM pg_database WHERE datname = current_database()")
        database_dir = data / "base" / str(cursor.fetchone()[0])
    try:
        files[0].read_bytes()
        everything = list(database_dir.rglob("*"))
    except OSError as error:
        pytest.skip(f"the server's files cannot be read from here: {error}")
    return files, everything


def holding(paths: list[Path], needle: bytes) -> list[str]:
    """The files among `paths` that hold `needle`."""
    return [str(p) for p in paths if p.is_file() and needle in p.read_bytes()]
