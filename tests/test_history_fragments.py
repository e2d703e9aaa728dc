"""A history page joined from the entries each version keeps encoded (api/store/fragments.py,
migration 8) is byte for byte the page built from the stored templates, as before: for
random lineages with removals and labels, under a public URL, after a backfill, and for
rows an older release wrote."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest
import webtest

from api.app import create_app
from api.resources import history
from api.store import Store
from api.store.schema import CREATE_VERSIONS, apply_migrations
from api.store.values import sha256_of
from api.text import interface as template_interface

PARTS = [
    "{{ a }}",
    "{{ b }}",
    "[[c]]",
    "[[pick:d|x,y]]",
    "{{ é }}",
    "{% for x in xs %}{{ x }}{% endfor %}",
]
COLUMNS = "SELECT id, history_entry, history_bytes, history_decoded FROM prompts ORDER BY id"
TIME = "2026-01-01T00:00:00.000000+00:00"


def run(store, sql, params=()):
    return store.database.execute(sql, params)


def forest(store, save, client, rng, count=30) -> list[str]:
    """Random lineages: interfaces kept, changed and dropped; some versions removed, some
    labelled. Returns every id, in the order saved."""
    saved = []
    for n in range(count):
        parent = rng.choice(saved)["id"] if saved and rng.random() < 0.85 else None
        text = f"version {n}\n" + " ".join(rng.sample(PARTS, rng.randint(0, 3)))
        saved.append(save(text, parent))
    for version in rng.sample(saved, count // 4):
        headers = {"X-Delete-Token": version["delete_token"]}
        client.delete(f"/api/prompts/{version['id']}", headers=headers, status=204)
    live = [
        v["id"]
        for v in saved
        if run(store, "SELECT removed_at FROM prompts WHERE id = ?", (v["id"],)).fetchone()[0]
        is None
    ]
    for n, prompt_id in enumerate(rng.sample(live, min(6, len(live)))):
        store.labels.create(f"team-{n % 3}/label-{n}", prompt_id, f"token-{n}")
    return [v["id"] for v in saved]


def pages(client, ids: list[str]) -> list[bytes]:
    """Every page of each version's history at several limits, following the cursors."""
    found = []
    for prompt_id in ids:
        for limit in (1, 2, 5, 100):
            url = f"/api/prompts/{prompt_id}/history?limit={limit}"
            while url:
                answer = client.get(url)
                found.append(answer.body)
                url = answer.json["next"]
    return found


def from_templates(client, ids, monkeypatch) -> list[bytes]:
    """The pages as the path without stored entries builds them."""
    with monkeypatch.context() as patched:
        patched.setattr(history, "joined", lambda *args: None)
        return pages(client, ids)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_joined_page_is_the_page_built_from_templates(store, client, save, monkeypatch, seed):
    ids = forest(store, save, client, random.Random(seed))
    joined = pages(client, ids)
    assert joined == from_templates(client, ids, monkeypatch)
    assert any(b'"removed":true' in page for page in joined)
    assert any(b'"variables_added":["' in page for page in joined)
    assert any(b'"labels":["team-' in page for page in joined)


def test_a_public_url_is_joined_in_as_the_share_url(store, client, save, monkeypatch):
    ids = forest(store, save, client, random.Random(7), count=12)
    public = Store(replace(store.config, public_url="https://prompts.example"))
    shared = webtest.TestApp(create_app(store=public))
    joined = pages(shared, ids)
    assert joined == from_templates(shared, ids, monkeypatch)
    assert all(b'"url":"/p/' not in page for page in joined)
    assert any(b'"url":"https://prompts.example/p/' in page for page in joined)
    public.close()


def test_backfilled_entries_are_the_entries_written(store, client, save):
    forest(store, save, client, random.Random(4))
    written = run(store, COLUMNS).fetchall()
    run(
        store,
        "UPDATE prompts SET history_entry = NULL, history_bytes = NULL, history_decoded = NULL",
    )
    store.maintenance.fill_templates()  # init-db's step
    assert run(store, COLUMNS).fetchall() == written


def test_a_row_without_its_entry_is_answered_from_templates(store, client, save, monkeypatch):
    ids = forest(store, save, client, random.Random(5), count=12)
    expected = from_templates(client, ids, monkeypatch)
    run(
        store, "UPDATE prompts SET history_entry = NULL WHERE id = ?", (ids[3],)
    )  # an older release's
    assert pages(client, ids) == expected


def test_a_takedown_by_an_older_release_leaves_no_entry_to_serve(store, client, save, monkeypatch):
    root = save("Summarise {{ secret_name }}.")
    child = save("Summarise it.", root["id"])
    grandchild = save("Summarise it for {{ reader }}.", child["id"])
    ids = [root["id"], child["id"], grandchild["id"]]
    # An older release's takedown: it knows no history columns (the trigger does).
    run(
        store,
        "UPDATE prompts SET text = '', sha256 = NULL, template = NULL, removed_at = ? WHERE id = ?",
        (TIME, root["id"]),
    )
    entries = [entry for _, entry, _, _ in run(store, COLUMNS).fetchall() if entry]
    assert len(entries) == 1 and "secret_name" not in entries[0]  # the grandchild's only
    expected = from_templates(client, ids, monkeypatch)
    assert pages(client, ids) == expected
    store.maintenance.fill_templates()  # init-db writes them again
    entries = "".join(entry for _, entry, _, _ in run(store, COLUMNS).fetchall())
    assert "secret_name" not in entries and entries.count('"removed":true') == 1
    assert pages(client, ids) == expected


def test_a_takedown_leaves_no_word_of_the_text_in_any_entry(store, client, save):
    root = save("The secret_plan for {{ secret_name }}.")
    child = save("Nothing here.", root["id"])
    changes = client.get(f"/api/prompts/{child['id']}/history").json["template_changes"]
    assert changes["variables_removed"] == ["secret_name"]  # a word of the parent's text
    client.delete(f"/api/prompts/{root['id']}", headers={"X-Delete-Token": root["delete_token"]})
    entries = "".join(entry for _, entry, _, _ in run(store, COLUMNS).fetchall())
    assert "secret" not in entries
    assert client.get(f"/api/prompts/{child['id']}/history").json["template_changes"] is None


def test_the_migration_writes_every_rows_entry(store, client, monkeypatch):
    """A database at version 7: a lineage with kept, changed and removed interfaces."""
    store.dialect.prepare_storage()
    db, prepare = store.database.peewee, store.dialect.prepare
    db.execute_sql(CREATE_VERSIONS)
    apply_migrations(db.execute_sql, 0, prepare, until=7)
    insert = prepare(
        "INSERT INTO prompts (id, parent_id, text, sha256, created_at, removed_at, template, "
        "depth) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
    )
    ids = [f"00000000-0000-4000-8000-{n:012d}" for n in range(6)]
    rows = [
        (None, "{{ a }} [[b]]", None),
        (0, "{{ a }} [[b]] again", None),
        (1, "{{ a }} {{ c }}", None),
        (2, "", TIME),  # removed
        (3, "{{ d }}", None),
        (None, "a root of its own", None),
    ]
    for n, (parent, text, removed) in enumerate(rows):
        digest = None if removed else sha256_of(text.encode())
        template = None if removed else template_interface.stored(text)
        parent_id = None if parent is None else ids[parent]
        depth = 1 if parent is None else rows_depth(rows, n)
        db.execute_sql(insert, (ids[n], parent_id, text, digest, TIME, removed, template, depth))
    monkeypatch.setattr("api.store.fragments.BATCH", 2)  # several pages
    assert store.migrate() == 7
    assert all(entry is not None for _, entry, _, _ in run(store, COLUMNS).fetchall())
    assert pages(client, ids) == from_templates(client, ids, monkeypatch)
    page = client.get(f"/api/prompts/{ids[4]}/history").json
    assert [entry["removed"] for entry in page["ancestors"]] == [True, False, False, False]
    assert page["ancestors"][1]["template_changes"]["variables_added"] == ["c"]


def rows_depth(rows, n) -> int:
    depth = 1
    while rows[n][0] is not None:
        n, depth = rows[n][0], depth + 1
    return depth
