"""What the jobs keep per row so that their cost stays flat with size (issue 25): counts
kept by triggers, each row's depth in its lineage, a checksum over its text's hash and
its template; and what uses them (stats, check, export, import), on both databases."""

from __future__ import annotations

import json

import pytest

from api.store import Store
from api.store.derived import checksum_of
from api.store.schema import CREATE_VERSIONS, apply_migrations
from api.store.values import sha256_of
from api.text import interface as template_interface

ROOT, CHILD, GONE, LOOSE = (f"00000000-0000-4000-8000-00000000000{n}" for n in (1, 2, 3, 4))
TIME = "2026-01-01T00:00:00.000000+00:00"


def run(store: Store, sql: str, params: tuple = ()):
    """Run SQL behind the store's back, as a hand edit (or an older release) would."""
    return store.database.ready().execute_sql(store.dialect.prepare(sql), params)


def counted(store: Store) -> tuple[int, int]:
    """The counts as the triggers keep them, and as a scan finds them."""
    (kept,) = run(store, "SELECT CAST(SUM(removed) AS BIGINT) FROM prompt_counts").fetchone()
    return (store.prompts.count(), kept)


def scanned(store: Store) -> tuple[int, int]:
    return run(store, "SELECT COUNT(*), COUNT(removed_at) FROM prompts").fetchone()


def depths(store: Store) -> dict[str, int | None]:
    return dict(run(store, "SELECT id, depth FROM prompts").fetchall())


def _chain(store: Store, *texts: str) -> list[str]:
    ids = [store.prompts.save(texts[0])[0].id]
    for text in texts[1:]:
        ids.append(store.prompts.save(text, ids[-1])[0].id)
    return ids


def test_counts_stay_right_across_saves_takedowns_and_imports(store, cli, tmp_path):
    assert counted(store) == scanned(store) == (0, 0)
    a, b, c = _chain(store, "one", "two", "three")
    store.prompts.save("two", a)  # idempotent: no row, no count
    assert counted(store) == scanned(store) == (3, 0)
    store.prompts.save("own token", delete_token="token")
    store.takedowns.purge([b])
    store.takedowns.purge([b])  # again: already a tombstone
    assert counted(store) == scanned(store) == (4, 1)
    store.takedowns.delete(store.prompts.listing(1)[0].id, "token")
    assert counted(store) == scanned(store) == (4, 2)
    dump = tmp_path / "all.jsonl"
    assert cli("export", "-o", str(dump)).exit_code == 0
    assert cli("import", str(dump)).exit_code == 0  # all present already
    store.prompts.insert_many([(ROOT, None, "bulk", TIME), (CHILD, ROOT, "bulk 2", TIME)])
    store.prompts.store_tombstone(GONE, None, TIME, TIME)
    assert counted(store) == scanned(store) == (7, 3)
    run(store, "DELETE FROM prompts WHERE id = ?", (CHILD,))
    assert counted(store) == scanned(store) == (6, 3)


def test_counts_arrive_with_an_import_into_a_fresh_database(store, cli, make_config):
    _chain(store, "one", "two")
    store.takedowns.purge([store.prompts.listing(1)[0].id])
    other = Store(make_config(fresh=True))
    result = cli("import", "-", input=cli("export").stdout, on=other.config)
    assert result.exit_code == 0, result.output
    assert counted(other) == scanned(other) == (2, 1)
    other.close()


@pytest.mark.sqlite_only  # PostgreSQL restores with pg_restore, which brings the table back
def test_counts_come_back_with_a_restored_backup(store, cli):
    _chain(store, "one", "two")
    backup = json.loads(cli("backup", "--json").output)["path"]
    store.prompts.save("after the backup")
    assert cli("restore", backup, "--yes").exit_code == 0
    assert counted(store) == scanned(store) == (2, 0)


def test_api_stats_serve_the_kept_count(store, client, admin_headers):
    _chain(store, "one", "two")
    run(store, "UPDATE prompt_counts SET prompts = prompts + 40 WHERE slot = 0")
    assert client.get("/api/stats", headers=admin_headers).json["count"] == 42  # not a scan
    metrics = client.get("/metrics", headers=admin_headers).text
    assert "prompt_store_prompts 42.0" in metrics


def test_every_write_numbers_the_version_in_its_lineage(store, cli):
    a, b, c = _chain(store, "one", "two", "three")
    store.prompts.store(ROOT, "imported", c, TIME)
    store.prompts.insert_many([(CHILD, ROOT, "bulk", TIME)])
    store.prompts.store_tombstone(GONE, CHILD, TIME, TIME)
    assert depths(store) == {a: 1, b: 2, c: 3, ROOT: 4, CHILD: 5, GONE: 6}
    assert store.maintenance.stats()["deepest_lineage"] == 6
    assert store.maintenance.check()["lineage"] == []


def test_rows_an_older_release_wrote_are_numbered_by_init_db(store, cli):
    a, b = _chain(store, "one", "two")
    insert = "INSERT INTO prompts (id, parent_id, text, sha256, created_at) VALUES (?,?,?,?,?)"
    run(store, insert, (ROOT, b, "old", sha256_of(b"old"), TIME))  # no depth, template, checksum
    run(store, insert, (CHILD, ROOT, "old 2", sha256_of(b"old 2"), TIME))
    new = store.prompts.save("new under an old one", CHILD)[0].id  # its parent has no depth
    assert depths(store)[new] is None
    lineage = store.maintenance.check()["lineage"]
    assert len(lineage) == 3 and all("init-db" in line for line in lineage)
    assert cli("init-db").exit_code == 0
    assert depths(store) == {a: 1, b: 2, ROOT: 3, CHILD: 4, new: 5}
    problems = store.maintenance.check()
    assert problems["lineage"] == problems["template"] == [] and counted(store)[0] == 5
    (checksum,) = run(store, "SELECT checksum FROM prompts WHERE id = ?", (ROOT,)).fetchone()
    assert checksum == checksum_of(sha256_of(b"old"), template_interface.stored("old"))


def test_the_checksum_catches_a_changed_text_and_a_changed_template(store):
    texts = ("{{ a }}", "{{ b }}", "{{ c }}")
    edited, rehashed, kept = (store.prompts.save(text)[0].id for text in texts)
    run(store, "UPDATE prompts SET template = ? WHERE id = ?", ('{"variables":[]}', edited))
    # Text and sha256 changed together, by hand: only the checksum still knows.
    run(
        store, "UPDATE prompts SET text = 'x', sha256 = ? WHERE id = ?", (sha256_of(b"x"), rehashed)
    )
    problems = store.maintenance.check()
    assert problems["sha256"] == []
    assert sorted(problems["template"]) == sorted(
        f"{i}: the stored template does not match its text" for i in (edited, rehashed)
    )
    assert kept not in " ".join(problems["template"])


def test_check_deep_reads_every_template_again(store, cli):
    prompt_id = store.prompts.save("{{ a }}")[0].id
    forged = '{"variables":["z"],"slots":[],"truncated":false}'
    (digest,) = run(store, "SELECT sha256 FROM prompts WHERE id = ?", (prompt_id,)).fetchone()
    run(  # template and checksum edited together: the checksum agrees, the text does not
        store,
        "UPDATE prompts SET template = ?, checksum = ? WHERE id = ?",
        (forged, checksum_of(digest, forged), prompt_id),
    )
    assert cli("check").exit_code == 0
    result = cli("check", "--deep")
    assert result.exit_code == 1
    assert f"{prompt_id}: the stored template does not match its text" in result.output


def test_a_tombstone_keeps_no_checksum(store):
    prompt_id = store.prompts.save("gone soon")[0].id
    store.takedowns.purge([prompt_id])
    (checksum,) = run(store, "SELECT checksum FROM prompts WHERE id = ?", (prompt_id,)).fetchone()
    assert checksum is None
    run(store, "UPDATE prompts SET checksum = 'left' WHERE id = ?", (prompt_id,))
    assert store.maintenance.check()["sha256"] == [
        f"{prompt_id} is removed but still holds text, a hash or a template"
    ]


def test_the_migration_numbers_counts_and_checksums_existing_rows(store, monkeypatch):
    """A database at version 6 with a lineage, a tombstone and an orphaned root."""
    store.dialect.prepare_storage()
    db, prepare = store.database.peewee, store.dialect.prepare
    db.execute_sql(CREATE_VERSIONS)
    apply_migrations(db.execute_sql, 0, prepare, until=6)
    insert = prepare(
        "INSERT INTO prompts (id, parent_id, text, sha256, created_at, removed_at, template) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)"
    )
    for prompt_id, parent_id, text, removed in (
        (ROOT, None, "{{ root }}", None),
        (CHILD, ROOT, "{{ child }}", None),
        (GONE, CHILD, "", TIME),
        (LOOSE, None, "loose", None),
    ):
        digest = None if removed else sha256_of(text.encode())
        template = None if removed else template_interface.stored(text)
        db.execute_sql(insert, (prompt_id, parent_id, text, digest, TIME, removed, template))
    monkeypatch.setattr("api.store.derived.BATCH", 1)  # several pages per level
    assert store.migrate() == 6
    assert depths(store) == {ROOT: 1, CHILD: 2, GONE: 3, LOOSE: 1}
    assert counted(store) == scanned(store) == (4, 1)
    assert store.maintenance.check()["template"] == []
    (missing,) = run(store, "SELECT COUNT(*) FROM prompts WHERE checksum IS NULL").fetchone()
    assert missing == 1  # the tombstone's


def test_export_leaves_out_what_no_root_reaches_and_says_so(store, cli, tmp_path):
    a, b = _chain(store, "one", "two")
    c = store.prompts.save("three", b)[0].id
    run(store, "UPDATE prompts SET parent_id = ? WHERE id = ?", (c, b))  # b -> c -> b
    result = cli("export", "-o", str(tmp_path / "out.jsonl"))
    assert result.exit_code == 1 and "2 prompts are not reachable" in result.output
    exported = [
        json.loads(line)["id"] for line in (tmp_path / "out.jsonl").read_text().splitlines()
    ]
    assert exported == [a]
    assert store.maintenance.check()["lineage"] == [
        f"{i} is not reachable from a root (a parent cycle)" for i in sorted((b, c))
    ]


@pytest.mark.sqlite_only
def test_a_bad_line_in_a_batch_imports_the_lines_before_it_alone(store, cli, tmp_path):
    store.prompts.store(CHILD, "something else", created_at=TIME)
    lines = [
        {"id": ROOT, "parent_id": None, "text": "root", "created_at": TIME},
        {"id": LOOSE, "parent_id": ROOT, "text": "child", "created_at": TIME},
        {"id": CHILD, "parent_id": None, "text": "clash", "created_at": TIME},
    ]
    dump = tmp_path / "clash.jsonl"
    dump.write_text("".join(json.dumps(line) + "\n" for line in lines))
    result = cli("import", str(dump))
    assert result.exit_code == 1
    assert "line 3:" in result.output and "2 prompts were imported before it" in result.output
    assert store.prompts.get(LOOSE).text == "child" and counted(store) == scanned(store)
