"""The stored template: written with every text, filled in for older rows by a migration
that runs Python, gone with the text on a takedown, and checked like the text."""

from __future__ import annotations

import pytest

from api.store import SCHEMA_VERSION, Store
from api.store.schema import (
    CREATE_VERSIONS,
    CURRENT_VERSION,
    MIGRATIONS,
    RECORD_VERSION,
    SET_TEMPLATE,
    fill_templates,
)
from api.store.values import sha256_of
from api.text import interface as template_interface

ROOT, CHILD, GONE = (f"00000000-0000-4000-8000-00000000000{n}" for n in (1, 2, 3))
TIME = "2026-01-01T00:00:00.000000+00:00"


def stored_templates(store: Store) -> dict[str, str | None]:
    return dict(run(store, "SELECT id, template FROM prompts ORDER BY id").fetchall())


def run(store: Store, sql: str, params: tuple = ()):
    """Run SQL behind the store's back, as a bad manual edit (or an older release) would."""
    return store.database.peewee.execute_sql(store.dialect.prepare(sql), params)


def test_every_write_path_stores_the_template_of_its_text(store):
    saved = store.prompts.save("Hello {{ name }}: [[reply]]")[0].id
    store.prompts.store(ROOT, "{% for x in xs %}{{ x }}{% endfor %}")
    store.prompts.insert_many([(CHILD, ROOT, "[[pick:tone|a,b]]", TIME)])
    store.prompts.store_tombstone(GONE, None, TIME, TIME)
    assert stored_templates(store) == {
        ROOT: '{"variables":["xs"],"slots":[],"truncated":false}',
        CHILD: '{"variables":[],"slots":["tone"],"truncated":false}',
        GONE: None,  # an imported tombstone: no text, so nothing read from it
        saved: '{"variables":["name"],"slots":["reply"],"truncated":false}',
    }


def _at_version_3(store: Store) -> None:
    """Build the schema as the release before the template column left it, with rows."""
    store.dialect.prepare_storage()
    db, prepare = store.database.peewee, store.dialect.prepare
    db.execute_sql(CREATE_VERSIONS)
    for version in (1, 2, 3):
        for statement in MIGRATIONS[version - 1]:
            db.execute_sql(prepare(statement))
        db.execute_sql(prepare(RECORD_VERSION), (version, TIME))
    insert = prepare(
        "INSERT INTO prompts (id, parent_id, text, sha256, created_at, removed_at) "
        "VALUES (?, ?, ?, ?, ?, ?)"
    )
    for prompt_id, parent_id, text in (
        (ROOT, None, "{{ document }} [[summary]]"),
        (CHILD, ROOT, "{{ document }} [[title]]"),
    ):
        db.execute_sql(insert, (prompt_id, parent_id, text, sha256_of(text.encode()), TIME, None))
    db.execute_sql(insert, (GONE, CHILD, "", None, TIME, TIME))


def test_the_migration_reads_the_template_of_every_stored_text(store, monkeypatch):
    _at_version_3(store)
    monkeypatch.setattr("api.store.schema.FILL_BATCH", 1)  # several batches, keyset by id
    assert store.migrate() == 3
    assert store.schema_version() == SCHEMA_VERSION
    assert stored_templates(store) == {
        ROOT: template_interface.stored("{{ document }} [[summary]]"),
        CHILD: template_interface.stored("{{ document }} [[title]]"),
        GONE: None,
    }
    history = store.prompts.history(CHILD)
    assert [a.template for a in history] == [stored_templates(store)[ROOT]]


def test_a_failed_fill_rolls_the_whole_migration_back_and_a_rerun_finishes(store, monkeypatch):
    _at_version_3(store)
    real = template_interface.stored

    def fail_on_child(text):
        if "title" in text:
            raise RuntimeError("the process died here")
        return real(text)

    monkeypatch.setattr(template_interface, "stored", fail_on_child)
    with pytest.raises(RuntimeError):
        store.migrate()
    # Nothing of version 4 was kept, not even the column.
    assert run(store, CURRENT_VERSION).fetchone()[0] == 3
    assert "template" not in [c.name for c in store.database.peewee.get_columns("prompts")]
    monkeypatch.setattr(template_interface, "stored", real)
    assert store.migrate() == 3 and store.schema_version() == SCHEMA_VERSION
    assert None not in (stored_templates(store)[ROOT], stored_templates(store)[CHILD])


def test_filling_again_reads_only_the_rows_without_a_template(store):
    kept = store.prompts.save("{{ a }}")[0].id
    missing = store.prompts.save("{{ b }}")[0].id
    run(store, "UPDATE prompts SET template = NULL WHERE id = ?", (missing,))
    read = []
    with store.database.write():
        prepare = store.dialect.prepare

        def execute(sql, params=()):
            if sql == prepare(SET_TEMPLATE):
                read.append(params[1])
            return store.database.execute(sql, params)

        assert fill_templates(execute, prepare) == 1
    assert read == [missing]
    assert stored_templates(store)[missing] == template_interface.stored("{{ b }}")
    assert store.maintenance.fill_templates() == 0
    assert kept in stored_templates(store)


def test_init_db_fills_rows_an_older_release_saved_during_a_deploy(store, cli):
    old = store.prompts.save("{{ during_the_deploy }}")[0].id
    run(store, "UPDATE prompts SET template = NULL WHERE id = ?", (old,))
    assert "has no stored template" in cli("check").output
    result = cli("init-db")
    assert "read the template of 1 prompt(s) saved without one" in result.output
    assert cli("check").exit_code == 0
    assert "read the template" not in cli("init-db").output


def test_a_load_reads_the_text_where_no_template_was_stored(store, client):
    old = store.prompts.save("{{ during_the_deploy }}")[0].id
    run(store, "UPDATE prompts SET template = NULL WHERE id = ?", (old,))
    assert client.get(f"/api/prompts/{old}").json["template"]["variables"] == ["during_the_deploy"]


@pytest.mark.parametrize("how", ["purge", "delete"])
def test_a_takedown_removes_the_template_with_the_text(store, how):
    prompt_id = store.prompts.save("{{ secret_name }}", delete_token="token")[0].id
    if how == "purge":
        store.takedowns.purge([prompt_id])
    else:
        store.takedowns.delete(prompt_id, "token")
    assert stored_templates(store)[prompt_id] is None
    assert store.maintenance.check()["sha256"] == []


def test_check_finds_a_template_left_on_a_tombstone_or_not_matching_its_text(store):
    gone = store.prompts.save("{{ a }}")[0].id
    store.takedowns.purge([gone])
    edited = store.prompts.save("{{ b }}")[0].id
    garbled = store.prompts.save("{{ c }}")[0].id
    run(store, "UPDATE prompts SET template = ? WHERE id = ?", ("{not json", garbled))
    run(store, "UPDATE prompts SET template = ? WHERE id = ?", ('{"variables":["a"]}', gone))
    changed = template_interface.stored("{{ c }}")
    run(store, "UPDATE prompts SET template = ? WHERE id = ?", (changed, edited))
    problems = store.maintenance.check()
    assert problems["sha256"] == [f"{gone} is removed but still holds text, a hash or a template"]
    mismatch = "{}: the stored template does not match its text"
    assert sorted(problems["template"]) == sorted(map(mismatch.format, (edited, garbled)))


@pytest.mark.sqlite_only
def test_a_restored_backup_from_before_the_column_gets_its_templates(store, cli, tmp_path):
    old = Store(store.config.__class__(db_path=tmp_path / "v3.db", save_rate_limit=None))
    _at_version_3(old)
    kept = ("{{ kept }}", sha256_of(b"{{ kept }}"), ROOT)
    run(old, "UPDATE prompts SET text = ?, sha256 = ? WHERE id = ?", kept)
    old.close()  # the last connection: the WAL goes into the file
    result = cli("restore", str(tmp_path / "v3.db"), "--yes")
    assert result.exit_code == 0, result.output
    assert stored_templates(store) == {
        ROOT: template_interface.stored("{{ kept }}"),
        CHILD: template_interface.stored("{{ document }} [[title]]"),
        GONE: None,
    }
