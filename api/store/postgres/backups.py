"""PostgreSQL's backups: pg_dump's archive where the image has it; restores are the server's."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from api.store.backup_files import new_backup_path, partial_file, publish, remove_stale_partials
from api.store.connection import Database
from api.store.errors import NotOnThisDatabase, StoreError
from api.store.takedown import REMOVED

DUMP_ATTEMPTS = 3


class PostgresBackups:
    """Backups of a PostgreSQL store: `prompts-<time>.dump` archives from pg_dump."""

    KINDS = ("dump",)  # the extensions of this backend's backups, for list_backups

    def __init__(self, database: Database, environment: dict[str, str]):
        self.database, self.environment = database, environment

    def write(
        self, directory: Path, compress: bool = False, prefix: str = "prompts", progress=None
    ) -> tuple[Path, int]:
        """Write pg_dump's custom-format archive of the schema as DIRECTORY/PREFIX-<time>.dump.

        Written under a hidden, locked name (what a killed backup left is removed first),
        dumped again if a takedown landed meanwhile, read back with pg_restore --list, flushed, then
        renamed. pg_dump takes one consistent snapshot itself and compresses anyway.
        """
        pg_dump, pg_restore = _tool("pg_dump"), _tool("pg_restore")
        final = new_backup_path(directory, prefix, ".dump")
        remove_stale_partials(directory)
        (schema,) = self.database.one("SELECT current_schema()")
        (count,) = self.database.one("SELECT COUNT(*) FROM prompts")
        with partial_file(final) as partial:
            # A takedown committed while pg_dump ran may be in its snapshot: dump again
            # until none landed, so no backup is published with a text just purged.
            removed = self._removed()
            for _ in range(DUMP_ATTEMPTS):
                self._run(
                    pg_dump,
                    "--format=custom",
                    "--no-owner",
                    f"--schema={schema}",
                    f"--file={partial}",
                )
                removed, before = self._removed(), removed
                if removed <= before:
                    break
            else:
                raise StoreError(
                    "takedowns kept landing while pg_dump ran; no backup was made, run it again."
                )
            if f"TABLE DATA {schema} prompts " not in self._run(pg_restore, "--list", str(partial)):
                raise StoreError(f"pg_dump wrote {final.name} without the prompts table.")
            publish(partial, final)
        return final, count

    def restore(self, source: Path, apply: bool, safety_dir: Path):
        """Explain how to restore into PostgreSQL; never touches the live database."""
        removed = [prompt_id for (prompt_id,) in self.database.execute(REMOVED)]
        again = (
            f" Then purge again what was removed since: prompt-store purge {' '.join(removed)} "
            "--yes."
            if removed
            else ""
        )
        raise NotOnThisDatabase(
            "on PostgreSQL, restore with the database's own tooling, e.g. "
            f'pg_restore --clean --if-exists --no-owner -d "$DATABASE_URL" {source} '
            "(or dokku postgres:import), then run prompt-store init-db. To move prompts "
            "from any other store instead, run prompt-store export there and "
            f"prompt-store import here.{again} The live database is untouched."
        )

    def _removed(self) -> set[str]:
        return {prompt_id for (prompt_id,) in self.database.execute(REMOVED)}

    def _run(self, *command: str) -> str:
        """Run a PostgreSQL client tool against the store's database; return its output."""
        env = dict(os.environ, **self.environment)
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            last = (done.stderr.strip().splitlines() or ["no message"])[-1]
            raise StoreError(f"{Path(command[0]).name} failed: {last}")
        return done.stdout


def _tool(name: str) -> str:
    tool = shutil.which(name)
    if tool is None:
        raise NotOnThisDatabase(
            f"{name} is not installed here. On PostgreSQL use the database's own backups "
            "(dokku postgres:backup, or pg_dump where it is installed); for a portable "
            "copy of every prompt run `prompt-store export -o prompts.jsonl`."
        )
    return tool
