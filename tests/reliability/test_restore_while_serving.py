"""`prompt-store restore BACKUP --yes` while gunicorn serves saves and deletes: nothing
acknowledged is lost, no takedown is undone (issue 20, findings 3 and 4)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from bench.servers import ROOT, Gunicorn
from tests.restore_load import assert_nothing_lost_or_undone, saves_and_deletes_during, seed

from .conftest import Client

RESTORES = 3
CLI = [str(Path(sys.executable).parent / "prompt-store")]


def _cli(*args: str) -> str:
    done = subprocess.run([*CLI, *args], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr + done.stdout
    return done.stdout


def test_restore_while_serving_keeps_every_201_and_every_204(tmp_path, tally):
    db = tmp_path / "live" / "prompts.db"
    with Gunicorn(db, workers=2) as server:
        tokens = seed(Client(server.port, tally), 1500, 120)
        backup = json.loads(_cli("--db", str(db), "backup", "--json"))["path"]

        def restores() -> None:
            for _ in range(RESTORES):
                time.sleep(1.1)  # safety copies are named to the second
                _cli("--db", str(db), "restore", backup, "--yes")

        def new_client() -> Client:
            return Client(server.port, tally)

        done = saves_and_deletes_during(new_client, tokens, restores)
        assert_nothing_lost_or_undone(new_client(), db, done, tally)
    assert len(list((db.parent / "backups").glob("pre-restore-*.db"))) == RESTORES
