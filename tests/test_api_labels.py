"""Labels over HTTP: create, read, move behind the compatibility gate, roll back, delete."""

from __future__ import annotations

import re

import pytest

from api.store.schema import PromptRow
from api.template_reader import MAX_PARTS

UNKNOWN = "00000000-0000-4000-8000-000000000000"
BASE = "Summarise {{ doc }} for {{ reader }} in [[summary]]"


@pytest.fixture
def versions(save):
    """A root and one child of each kind of interface change."""
    root = save(BASE)

    def child(text):
        return save(text, root["id"])["id"]

    return {
        "root": root["id"],
        "same": child("Summarise {{ doc }} for {{ reader }}, briefly, in [[summary]]"),
        "added_variable": child(BASE + " in {{ language }}"),
        "removed_variable": child("Summarise {{ doc }} in [[summary]]"),
        "added_slot": child(BASE + " and [[title]]"),
        "removed_slot": child("Summarise {{ doc }} for {{ reader }}"),
    }


@pytest.fixture
def label(client, versions):
    """A label `app/production` on the root, and the headers that move it."""
    made = client.post_json("/api/labels", {"name": "app/production", "id": versions["root"]}).json
    return made, {"Authorization": f"Bearer {made['label_token']}"}


def move(client, body, headers, status=200, name="app/production"):
    return client.put_json(f"/api/labels/{name}", body, headers=headers, status=status)


def directives(resp) -> list[str]:
    return [d.strip() for d in resp.headers["Cache-Control"].split(",")]


# -- creating ---------------------------------------------------------------------------


def test_a_created_label_answers_201_with_its_token_once(client, versions):
    resp = client.post_json("/api/labels", {"name": "summariser", "id": versions["root"]})
    assert resp.status_int == 201
    assert resp.headers["Location"].endswith("/api/labels/summariser")
    assert set(resp.json) == {"name", "id", "label_token", "url"}
    assert resp.json["id"] == versions["root"] and resp.json["url"] == "/api/labels/summariser"
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", resp.json["label_token"])
    assert "label_token" not in client.get("/api/labels/summariser").json
    assert "no-store" in directives(resp)


def test_only_the_hash_of_a_label_token_is_stored(store, label):
    made, _ = label
    rows = store.database.execute("SELECT token_hash FROM labels").fetchall()
    assert rows and made["label_token"] not in repr(rows)


@pytest.mark.parametrize(
    "name",
    ["summariser", "support-bot/production", "a", "x" * 100, "v1.2_beta-3/eu/prod", "raw", "moves"],
)
def test_names_that_keep_the_rule_are_accepted(client, versions, name):
    client.post_json("/api/labels", {"name": name, "id": versions["root"]}, status=201)
    assert client.get(f"/api/labels/{name}").json["name"] == name
    assert client.get(f"/api/labels/{name}/raw").text == BASE
    assert len(client.get(f"/api/labels/{name}/moves").json["moves"]) == 1


@pytest.mark.parametrize(
    "name",
    ["", "Prod", "-prod", ".prod", "/prod", "a//b", "a/../b", "a..b", "prod/", "a b", "é",
     "x" * 101, "app/raw", "app/moves", 7, None],
)  # fmt: skip
def test_names_that_break_the_rule_are_400_stating_it(client, versions, name):
    body = client.post_json("/api/labels", {"name": name, "id": versions["root"]}, status=400).json
    assert body["title"] == "Invalid label name"
    assert "a-z, 0-9" in body["description"] and "'//'" in body["description"]


def test_a_taken_name_is_409_and_keeps_the_first(client, versions, label):
    client.post_json("/api/labels", {"name": "app/production", "id": versions["same"]}, status=409)
    assert client.get("/api/labels/app/production").json["id"] == versions["root"]


def test_an_unknown_or_removed_id_is_422(client, store, versions):
    body = client.post_json("/api/labels", {"name": "x", "id": UNKNOWN}, status=422).json
    assert body["title"] == "Unknown version"
    store.takedowns.purge([versions["same"]])
    body = client.post_json("/api/labels", {"name": "x", "id": versions["same"]}, status=422).json
    assert body["title"] == "Version removed"


@pytest.mark.parametrize(
    "body",
    [{"name": "x"}, {"id": UNKNOWN}, {"name": "x", "id": "nope"}, {"name": "x", "id": 5},
     {"name": "x", "id": UNKNOWN, "inputs": {"doc": "secret"}}, [], "x"],
)  # fmt: skip
def test_a_malformed_body_is_400(client, body):
    assert client.post_json("/api/labels", body, status=400).json["description"]


def test_malformed_json_and_another_media_type_are_refused(client):
    client.post("/api/labels", b"{", content_type="application/json", status=400)
    client.post("/api/labels", b"name=x", status=415)


def test_creating_labels_counts_against_the_save_rate_limit(make_config, save):
    import webtest

    from api.app import create_app
    from api.config import RateLimit
    from api.store import Store

    config = make_config(save_rate_limit=RateLimit(3, 3600.0))
    store = Store(config)
    client = webtest.TestApp(create_app(config, store=store))
    root = client.post_json("/api/prompts", {"text": "one"}).json["id"]
    client.post_json("/api/labels", {"name": "a", "id": root}, status=201)
    client.post_json("/api/labels", {"name": "a", "id": root}, status=409)  # refused: counted
    client.post_json("/api/labels", {"name": "b", "id": root}, status=429)
    store.close()


# -- reading ----------------------------------------------------------------------------


def test_a_label_answers_its_version_in_one_request(client, versions, label):
    body = client.get("/api/labels/app/production").json
    assert set(body) == {"name", "id", "text", "template", "created_at", "moved_at", "url"}
    assert body["text"] == BASE and body["id"] == versions["root"]
    assert body["template"] == {"variables": ["doc", "reader"], "slots": ["summary"],
                                "truncated": False}  # fmt: skip
    assert body["created_at"] == body["moved_at"]


def test_label_answers_are_private_short_lived_and_servable_stale(client, label):
    for path in ("", "/raw", "/moves"):
        found = directives(client.get(f"/api/labels/app/production{path}"))
        assert "private" in found and "max-age=60" in found and "stale-if-error=86400" in found


def test_the_label_max_age_is_configurable(make_config):
    import webtest

    from api.app import create_app
    from api.config import Config

    assert Config.from_env({"STRUCKDOWN_LABEL_MAX_AGE": "5"}).label_max_age == 5
    client = webtest.TestApp(create_app(make_config(label_max_age=7)))
    root = client.post_json("/api/prompts", {"text": "one"}).json["id"]
    client.post_json("/api/labels", {"name": "a", "id": root})
    assert "max-age=7" in directives(client.get("/api/labels/a"))


def test_a_version_by_id_says_it_never_changes(client, versions):
    for path in ("", "/raw"):
        found = directives(client.get(f"/api/prompts/{versions['root']}{path}"))
        assert "immutable" in found and "private" in found and "max-age=3600" in found


def test_if_none_match_answers_304_until_the_label_moves(client, versions, label):
    _, owner = label
    for path in ("", "/raw"):
        etag = client.get(f"/api/labels/app/production{path}").headers["ETag"]
        headers = {"If-None-Match": etag}
        client.get(f"/api/labels/app/production{path}", headers=headers, status=304)
        client.head(f"/api/labels/app/production{path}", headers=headers, status=304)
    before = client.get("/api/labels/app/production").headers["ETag"]
    move(client, {"id": versions["same"]}, owner)
    after = client.get("/api/labels/app/production", headers={"If-None-Match": before})
    assert after.status_int == 200 and after.headers["ETag"] != before
    move(client, {"id": versions["root"]}, owner)  # back where it was: still a new state
    again = client.get("/api/labels/app/production", headers={"If-None-Match": before})
    assert again.status_int == 200 and again.headers["ETag"] not in (before, after.headers["ETag"])


def test_head_answers_the_headers_without_a_body(client, label):
    resp = client.head("/api/labels/app/production")
    assert resp.status_int == 200 and resp.body == b"" and resp.headers["ETag"]


def test_an_unknown_label_is_404(client):
    for path in ("", "/raw", "/moves"):
        assert client.get(f"/api/labels/nobody{path}", status=404).json["title"]


def test_a_label_whose_version_was_taken_down_is_410_until_moved(client, store, versions, label):
    _, owner = label
    store.takedowns.purge([versions["root"]])
    for path in ("", "/raw"):
        body = client.get(f"/api/labels/app/production{path}", status=410).json
        assert "removed" in body["description"] and "label stays" in body["description"]
    assert client.get(f"/api/prompts/{versions['root']}/labels").json == {
        "labels": ["app/production"]
    }
    # Any live version mends it, without force: nothing that works can break.
    moved = move(client, {"id": versions["removed_slot"]}, owner).json
    assert moved["forced"] is False and moved["template_changes"] is None
    assert client.get("/api/labels/app/production").json["id"] == versions["removed_slot"]


def test_a_version_lists_the_labels_that_point_at_it_now(client, versions, label):
    _, owner = label
    client.post_json("/api/labels", {"name": "app/staging", "id": versions["root"]})
    root_labels = f"/api/prompts/{versions['root']}/labels"
    assert client.get(root_labels).json == {"labels": ["app/production", "app/staging"]}
    move(client, {"id": versions["same"]}, owner)
    assert client.get(root_labels).json == {"labels": ["app/staging"]}
    assert client.get(f"/api/prompts/{versions['same']}/labels").json["labels"] == [
        "app/production"
    ]
    link = client.get(f"/api/prompts/{versions['root']}").headers["Link"]
    assert f"</api/prompts/{versions['root']}/labels>" in link and "labels" in link
    client.get(f"/api/prompts/{UNKNOWN}/labels", status=404)


# -- moving: the token, If-Match ---------------------------------------------------------


def test_a_move_without_a_token_is_401_and_a_wrong_one_403(client, versions, label):
    made, _ = label
    for headers, status in (
        ({}, 401),
        ({"Authorization": "Basic abc"}, 401),
        ({"Authorization": "Bearer "}, 401),
        ({"Authorization": "Bearer wrong"}, 403),
        ({"Authorization": f"Bearer {made['label_token'][:-1]}"}, 403),
        ({"Authorization": f"Bearer {made['label_token']}A"}, 403),
    ):
        resp = move(client, {"id": versions["same"]}, headers, status)
        assert resp.json["title"]
    assert (
        "Bearer"
        in client.put_json(
            "/api/labels/app/production", {"id": versions["same"]}, status=401
        ).headers["WWW-Authenticate"]
    )
    assert client.get("/api/labels/app/production").json["id"] == versions["root"]


def test_another_labels_token_does_not_move_it(client, versions, label):
    other = client.post_json("/api/labels", {"name": "other", "id": versions["root"]}).json
    move(client, {"id": versions["same"]}, {"Authorization": f"Bearer {other['label_token']}"},
         403)  # fmt: skip


def test_moving_an_unknown_label_is_404_and_to_an_unknown_id_422(client, store, versions, label):
    _, owner = label
    move(client, {"id": versions["same"]}, owner, 404, name="nobody")
    assert move(client, {"id": UNKNOWN}, owner, 422).json["title"] == "Unknown version"
    store.takedowns.purge([versions["same"]])
    assert move(client, {"id": versions["same"]}, owner, 422).json["title"] == "Version removed"


@pytest.mark.parametrize(
    "body",
    [{}, {"id": "nope"}, {"id": UNKNOWN, "force": "yes"}, {"id": UNKNOWN, "note": "x" * 201},
     {"id": UNKNOWN, "note": 5}, {"id": UNKNOWN, "inputs": {"doc": "x"}}],
)  # fmt: skip
def test_a_malformed_move_is_400(client, label, body):
    _, owner = label
    assert move(client, body, owner, 400).json["description"]


def test_if_match_with_a_stale_etag_is_412_and_moves_nothing(client, versions, label):
    _, owner = label
    etag = client.get("/api/labels/app/production").headers["ETag"]
    moved = move(client, {"id": versions["same"]}, {**owner, "If-Match": etag})
    assert moved.headers["ETag"] == client.get("/api/labels/app/production").headers["ETag"]
    body = move(client, {"id": versions["removed_variable"]}, {**owner, "If-Match": etag}, 412).json
    assert body["title"] == "Label moved"
    assert client.get("/api/labels/app/production").json["id"] == versions["same"]
    # The raw answer's ETag and `*` name the current state too.
    raw = client.get("/api/labels/app/production/raw").headers["ETag"]
    move(client, {"id": versions["removed_variable"]}, {**owner, "If-Match": raw})
    move(client, {"id": versions["added_slot"], "force": True}, {**owner, "If-Match": "*"})


def test_moving_to_where_it_points_changes_nothing(client, versions, label):
    _, owner = label
    etag = client.get("/api/labels/app/production").headers["ETag"]
    resp = move(client, {"id": versions["root"]}, owner)
    assert resp.headers["ETag"] == etag and resp.json["template_changes"] is None
    assert len(client.get("/api/labels/app/production/moves").json["moves"]) == 1


# -- the compatibility gate --------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "changed"),
    [("added_variable", {"variables_added": ["language"]}),
     ("removed_slot", {"slots_removed": ["summary"]})],
)  # fmt: skip
def test_a_move_that_would_break_the_app_is_409_naming_each_change(
    client, versions, label, kind, changed
):
    _, owner = label
    body = move(client, {"id": versions[kind]}, owner, 409).json
    empty = {"variables_added": [], "variables_removed": [], "slots_added": [], "slots_removed": []}
    assert body["template_changes"] == {**empty, **changed}
    assert '"force": true' in body["description"]
    assert next(iter(changed.values()))[0] in body["description"]
    assert client.get("/api/labels/app/production").json["id"] == versions["root"]


def test_force_moves_it_anyway_and_the_move_says_forced(client, versions, label):
    _, owner = label
    resp = move(client, {"id": versions["added_variable"], "force": True}, owner)
    assert resp.json["forced"] is True and resp.json["id"] == versions["added_variable"]
    assert resp.json["template_changes"]["variables_added"] == ["language"]
    newest = client.get("/api/labels/app/production/moves").json["moves"][0]
    assert newest["forced"] is True and newest["id"] == versions["added_variable"]


@pytest.mark.parametrize("kind", ["same", "removed_variable", "added_slot"])
def test_a_compatible_move_needs_no_force(client, versions, label, kind):
    _, owner = label
    resp = move(client, {"id": versions[kind]}, owner)
    assert resp.json["forced"] is False and resp.json["id"] == versions[kind]
    assert (
        client.get("/api/labels/app/production").json["text"]
        == client.get(f"/api/prompts/{versions[kind]}").json["text"]
    )


def test_a_truncated_interface_is_refused_unless_forced(client, save, versions, label):
    _, owner = label
    huge = save(BASE + " {{ doc }}" * (MAX_PARTS + 1), versions["root"])  # past a cap
    assert client.get(f"/api/prompts/{huge['id']}").json["template"]["truncated"] is True
    body = move(client, {"id": huge["id"]}, owner, 409).json
    assert "cannot tell" in body["description"]
    assert move(client, {"id": huge["id"], "force": True}, owner).json["forced"] is True


# -- history, rollback, deleting ---------------------------------------------------------


def test_moves_are_newest_first_with_the_creation_oldest_and_paged(client, versions, label):
    _, owner = label
    move(client, {"id": versions["same"], "note": "tighter wording"}, owner)
    move(client, {"id": versions["removed_slot"], "force": True}, owner)
    move(client, {"id": versions["root"], "note": "roll back"}, owner)  # a rollback: a move back
    moves = client.get("/api/labels/app/production/moves").json
    assert moves["next"] is None and moves["limit"] == 100
    entries = moves["moves"]
    assert [(m["id"], m["previous_id"]) for m in entries] == [
        (versions["root"], versions["removed_slot"]),
        (versions["removed_slot"], versions["same"]),
        (versions["same"], versions["root"]),
        (versions["root"], None),
    ]
    assert [m["forced"] for m in entries] == [False, True, False, False]
    assert [m["note"] for m in entries] == ["roll back", None, "tighter wording", None]
    assert entries[0]["template_changes"]["slots_added"] == ["summary"]
    assert entries[-1]["template_changes"] is None
    assert set(entries[0]) == {"id", "previous_id", "moved_at", "forced", "note",
                               "template_changes"}  # fmt: skip
    page = client.get("/api/labels/app/production/moves?limit=3").json
    assert len(page["moves"]) == 3 and page["next"]
    rest = client.get(page["next"]).json
    assert rest["moves"] == entries[3:] and rest["next"] is None


def test_delete_needs_the_token_and_frees_the_name(client, versions, label):
    made, owner = label
    client.delete("/api/labels/app/production", status=401)
    client.delete("/api/labels/app/production", headers={"Authorization": "Bearer x"}, status=403)
    client.delete("/api/labels/app/production", headers={**owner, "If-Match": '"x"'}, status=412)
    resp = client.delete("/api/labels/app/production", headers=owner, status=204)
    assert resp.body == b""
    client.get("/api/labels/app/production", status=404)
    client.delete("/api/labels/app/production", headers=owner, status=404)
    again = client.post_json("/api/labels", {"name": "app/production", "id": versions["same"]})
    assert again.json["label_token"] != made["label_token"]
    assert len(client.get("/api/labels/app/production/moves").json["moves"]) == 1


def test_a_label_token_is_not_a_delete_token(client, versions, label):
    made, _ = label
    client.delete(
        f"/api/prompts/{versions['root']}",
        headers={"X-Delete-Token": made["label_token"]},
        status=403,
    )


def test_labels_store_no_text_of_their_own(store, label, versions):
    # A label holds ids and times; the version keeps the only copy of the text.
    columns = {c.name for c in store.database.peewee.get_columns("labels")}
    assert columns == {"name", "prompt_id", "token_hash", "created_at", "moved_at", "revision"}
    assert PromptRow.select().bind(store.database.ready()).count() == len(versions)
