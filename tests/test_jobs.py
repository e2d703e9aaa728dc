"""The `prompt-store` CLI as a whole, `init-db`, `stats` and `check`."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import click
import pytest

from api.store import SCHEMA_VERSION
from jobs.cli import main

from .servers import ROOT

pytestmark = pytest.mark.usefixtures("store")


def _commands():
    return sorted(main.commands.items())


def test_the_group_and_every_command_have_help_with_an_example():
    assert "Example:" in main.help
    for name, command in _commands():
        assert command.help and "Example:" in command.help, name
        for param in command.params:
            if isinstance(param, click.Option):
                assert param.help and "Example:" in param.help, f"{name} {param.name}"


@pytest.mark.parametrize("name", [name for name, _ in _commands()])
def test_every_command_answers_help(runner, name):
    result = runner.invoke(main, [name, "--help"])
    assert result.exit_code == 0, result.output
    assert "Example:" in result.output


def test_python_dash_m_jobs_runs_the_same_cli(db_path):
    result = subprocess.run(
        [sys.executable, "-m", "jobs", "--db", str(db_path), "init-db"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert f"migrated from version 0 to {SCHEMA_VERSION}" in result.stdout
    usage = subprocess.run(
        [sys.executable, "-m", "jobs", "--help"], cwd=ROOT, capture_output=True, text=True
    )
    assert usage.stdout.startswith("Usage: prompt-store")


def test_init_db_migrates_then_reports_up_to_date(cli, config):
    first = cli("init-db")
    assert first.exit_code == 0
    assert f"migrated from version 0 to {SCHEMA_VERSION}" in first.output
    assert "up to date" in cli("init-db").output
    assert config.database_url or config.db_path.exists()


def test_an_unusable_setting_is_one_sentence_not_a_traceback(runner, monkeypatch, db_path):
    monkeypatch.setenv("DATABASE_URL", "mysql://db/prompts")
    result = runner.invoke(main, ["stats"])
    assert result.exit_code == 1
    assert result.output.startswith("Error: DATABASE_URL must be postgres://")
    assert "Traceback" not in result.output


def test_an_unreachable_postgres_server_is_one_sentence(runner, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://app:secret@127.0.0.1:1/prompts")
    result = runner.invoke(main, ["stats"])
    assert result.exit_code == 1
    assert result.output.startswith(
        "Error: the database postgresql://app@127.0.0.1:1/prompts cannot be used: "
    )
    assert "secret" not in result.output and "Traceback" not in result.output


@pytest.mark.sqlite_only
def test_a_file_that_is_not_a_database_is_one_sentence(cli, db_path):
    db_path.parent.mkdir(parents=True)
    db_path.write_bytes(b"this is not sqlite" * 100)
    result = cli("stats")
    assert result.exit_code == 1
    assert "cannot be used: file is not a database" in result.output
    assert result.exc_info[0] is SystemExit


def _lineage(store, *texts):
    ids, parent = [], None
    for text in texts:
        parent = store.prompts.save(text, parent)[0].id
        ids.append(parent)
    return ids


def test_stats_counts_prompts_lineage_and_recent_saves(store, cli):
    _lineage(store, "a", "b", "c")
    store.prompts.save("another root")
    week_ago = (datetime.now(UTC) - timedelta(days=3)).isoformat(timespec="microseconds")
    year_ago = (datetime.now(UTC) - timedelta(days=365)).isoformat(timespec="microseconds")
    store.prompts.store("00000000-0000-4000-8000-000000000001", "3 days old", created_at=week_ago)
    store.prompts.store("00000000-0000-4000-8000-000000000002", "x" * 5000, created_at=year_ago)
    result = cli("stats", "--json")
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert data["prompts"] == 6 and data["roots"] == 4 and data["versions"] == 2
    assert data["deepest_lineage"] == 3
    assert (data["saves_24h"], data["saves_7d"]) == (4, 5)
    assert data["oldest"] == year_ago
    assert data["largest"] == {"id": "00000000-0000-4000-8000-000000000002", "bytes": 5000}
    assert data["db_bytes"] > 0 and data["removed"] == 0
    assert data["newest_backup"] is None


@pytest.mark.sqlite_only  # PostgreSQL's: test_postgres.py
def test_stats_reports_the_newest_backup_and_its_age(store, cli):
    store.prompts.save("backed up")
    assert cli("backup").exit_code == 0
    data = json.loads(cli("stats", "--json").output)
    assert data["newest_backup"]["path"].endswith(".db")
    assert 0 <= data["newest_backup"]["age_seconds"] < 3600
    table = cli("stats").output
    assert "newest backup" in table and data["newest_backup"]["path"] in table


def test_stats_on_an_empty_database_is_a_readable_table(cli):
    result = cli("stats")
    assert result.exit_code == 0
    assert "prompts          0 (0 roots, 0 versions)" in result.output
    assert "deepest lineage  0 versions" in result.output
    assert "newest backup    none in" in result.output


def test_stats_counts_in_the_singular_for_one(store, cli):
    root = store.prompts.save("a root")[0].id
    store.prompts.save("its one version", root)
    table = cli("stats").output
    assert "prompts          2 (1 root, 1 version)" in table
    assert "deepest lineage  2 versions" in table
    store.prompts.save("a second root")
    assert "3 (2 roots, 1 version)" in cli("stats").output


def test_check_passes_a_sound_database(store, cli):
    _lineage(store, "one", "two")
    result = cli("check")
    assert result.exit_code == 0
    assert result.output.split() == [
        "integrity", "ok", "foreign_keys", "ok", "lineage", "ok", "sha256", "ok",
        "template", "ok", "labels", "ok",
    ]  # fmt: skip
    assert json.loads(cli("check", "--json").output) == {
        "ok": True,
        "problems": {
            "integrity": [],
            "foreign_keys": [],
            "lineage": [],
            "sha256": [],
            "template": [],
            "labels": [],
        },
    }


def _tamper(store, config, *statements):
    """Break the database behind the store's back, as a bad manual edit would."""
    store.close()
    if config.database_url:
        import psycopg2

        with psycopg2.connect(config.database_url) as db, db.cursor() as cursor:
            cursor.execute("SET session_replication_role = replica")  # no FK triggers
            for statement in statements:
                cursor.execute(statement)
        db.close()
        return
    with sqlite3.connect(config.db_path) as db:
        db.execute("PRAGMA foreign_keys = OFF")
        for statement in statements:
            db.execute(statement)


def test_check_reports_sha256_mismatches_cycles_and_missing_parents(store, cli, config):
    a, b = _lineage(store, "one", "two")
    c = store.prompts.save("three")[0].id
    _tamper(
        store,
        config,
        f"UPDATE prompts SET text = 'edited by hand' WHERE id = '{c}'",
        f"UPDATE prompts SET parent_id = '{b}' WHERE id = '{a}'",  # a -> b -> a
        "INSERT INTO prompts (id, parent_id, text, sha256, created_at) VALUES "
        "('00000000-0000-4000-8000-00000000000f', '00000000-0000-4000-8000-000000000000',"
        " 'orphan', NULL, '2026-01-01T00:00:00.000000+00:00')",
    )
    result = cli("check")
    assert result.exit_code == 1
    assert f"{c}: the text does not match its sha256" in result.output
    assert f"{a} is not reachable from a root" in result.output
    assert f"{b} is not reachable from a root" in result.output
    assert "prompts row" in result.output and "names a missing row of prompts" in result.output
    assert "Error: 7 problem(s) found" in result.output
    problems = json.loads(cli("check", "--json").stdout)["problems"]
    assert len(problems["lineage"]) == 3 and len(problems["foreign_keys"]) == 1
    assert len(problems["sha256"]) == 2  # the hand edit, and the orphan's missing hash
    assert problems["template"] == [  # inserted by hand, without one
        "00000000-0000-4000-8000-00000000000f has no stored template: "
        "`prompt-store init-db` reads it"
    ]


def _cron():
    return json.loads((ROOT / "app.json").read_text())["cron"]


def test_cron_has_a_daily_backup_a_weekly_check_and_hourly_stats():
    schedules = {job["command"]: job["schedule"].split() for job in _cron()}
    backup = next(s for c, s in schedules.items() if c.startswith("prompt-store backup --keep"))
    assert backup[1].isdigit() and backup[2:] == ["*", "*", "*"]  # daily
    assert schedules["prompt-store check"][2:4] == ["*", "*"]
    assert schedules["prompt-store check"][4].isdigit()  # weekly
    assert schedules["prompt-store stats --json"][1:] == ["*", "*", "*", "*"]  # hourly
    assert {job["concurrency_policy"] for job in _cron()} == {"forbid"}


@pytest.mark.parametrize("command", [job["command"] for job in _cron()])
def test_every_cron_command_runs(store, cli, command):
    store.prompts.save("scheduled")
    program, *args = command.split()
    assert program == "prompt-store"
    result = cli(*args)
    assert result.exit_code == 0, result.output
    assert result.output.strip()


@pytest.mark.sqlite_only
@pytest.mark.parametrize(
    "command",
    [
        ["stats"],
        ["stats", "--json"],
        ["check"],
        ["export"],
        ["backup"],
        ["purge", "00000000-0000-4000-8000-000000000000", "--yes"],
        ["cleanup-flat-files"],
        ["restore", "README.md"],
    ],
)
@pytest.mark.parametrize("given_by", ["--db", "STRUCKDOWN_PROMPT_DB"])
def test_a_missing_database_file_is_refused_and_not_created(runner, tmp_path, command, given_by):
    typo = tmp_path / "volume" / "promtps.db"
    args = ["--db", str(typo), *command] if given_by == "--db" else command
    env = {"STRUCKDOWN_PROMPT_DB": str(typo)} if given_by != "--db" else {}
    result = runner.invoke(main, args, env=env)
    assert result.exit_code == 1
    assert result.output == (
        f"Error: no database at {typo}. Check --db and STRUCKDOWN_PROMPT_DB, "
        "or create one with `prompt-store init-db`.\n"
    )
    assert not typo.parent.exists()  # neither the file nor its directory was made


@pytest.mark.sqlite_only
def test_init_db_and_import_create_the_database_they_are_given(runner, tmp_path):
    made = tmp_path / "new" / "prompts.db"
    assert runner.invoke(main, ["--db", str(made), "init-db"]).exit_code == 0
    assert made.is_file()
    imported = tmp_path / "other" / "prompts.db"
    line = json.dumps(
        {
            "id": "0b9b0a3e-6c0e-4b8e-9d1a-1f2e3d4c5b6a",
            "parent_id": None,
            "text": "t",
            "created_at": "2026-01-01T00:00:00+00:00",
        }
    )
    result = runner.invoke(main, ["--db", str(imported), "import", "-"], input=line + "\n")
    assert result.exit_code == 0, result.output
    assert imported.is_file()
