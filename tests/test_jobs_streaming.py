"""Long jobs stream and say how far they are (issue 25): a server-side cursor on
PostgreSQL, so the client holds one batch; a progress bar on a terminal, nothing when
the output is piped."""

from __future__ import annotations

import os
import pty
import subprocess
import sys

import pytest

from api.config import Config
from api.store import Store
from bench.servers import ROOT

JOBS = {
    "export": ["export", "-o", "{tmp}/out.jsonl"],
    "check": ["check"],
    "import": ["import", "{tmp}/out.jsonl"],
    "backup": ["backup", "--dest", "{tmp}/backups"],
}
SHOWN = {"export": "Exporting", "check": "Checking", "import": "Importing", "backup": "Backing"}


def _run(config, args: list[str], terminal: bool) -> str:
    """Run `prompt-store ARGS`, its standard error a terminal or a pipe; return what it said."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    if config.database_url:
        env["DATABASE_URL"] = config.database_url
    else:
        args = ["--db", str(config.db_path), *args]
    command = [sys.executable, "-m", "jobs", *args]
    if not terminal:
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
        return done.stdout + done.stderr
    main, other = pty.openpty()
    try:
        done = subprocess.run(
            command, env=env, stdout=subprocess.PIPE, stderr=other, text=True, timeout=120
        )
        os.close(other)
        other = -1
        said = b""
        while True:
            try:
                chunk = os.read(main, 65536)
            except OSError:  # the terminal's other end is closed: all was read
                break
            if not chunk:
                break
            said += chunk
    finally:
        if other != -1:
            os.close(other)
        os.close(main)
    return done.stdout + said.decode(errors="replace")


@pytest.mark.parametrize("job", sorted(set(JOBS) - {"backup"}))
def test_a_long_job_shows_progress_on_a_terminal_and_nothing_when_piped(
    store, config, tmp_path, job
):
    _shows_progress_on_a_terminal_only(store, config, tmp_path, job)


@pytest.mark.sqlite_only  # on PostgreSQL pg_dump makes the backup, and says nothing as it runs
def test_a_backup_shows_progress_on_a_terminal_and_nothing_when_piped(store, config, tmp_path):
    _shows_progress_on_a_terminal_only(store, config, tmp_path, "backup")


def _shows_progress_on_a_terminal_only(store, config, tmp_path, job):
    for n in range(30):
        store.prompts.save(f"prompt {n} {{{{ x }}}}")
    if job == "import":
        _run(config, [a.format(tmp=tmp_path) for a in JOBS["export"]], terminal=False)
    args = [a.format(tmp=tmp_path) for a in JOBS[job]]
    assert SHOWN[job] in _run(config, args, terminal=True)
    assert SHOWN[job] not in _run(config, args, terminal=False)


def _server_side_cursors(store) -> int:
    """The named cursors open on the store's connection (pg_cursors: this session's)."""
    with store.database.peewee.connection().cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_cursors WHERE name LIKE 'prompt_store_%'")
        return cursor.fetchone()[0]


@pytest.mark.sqlite_only  # not the shared tests' two runs: PostgreSQL alone, below
def test_export_and_check_read_through_a_server_side_cursor_on_postgresql(
    new_postgres_url, db_path
):
    store = Store(Config(db_path=db_path, database_url=new_postgres_url(), save_rate_limit=None))
    for n in range(5):
        store.prompts.save(f"prompt {n}")
    open_while_exporting = [_server_side_cursors(store) for _ in store.maintenance.export()]
    assert open_while_exporting == [1] * 5
    seen = []
    store.maintenance.check(progress=lambda _: seen.append(_server_side_cursors(store)))
    assert seen == [1] * 5
    assert _server_side_cursors(store) == 0  # closed when the read ends
    store.close()
