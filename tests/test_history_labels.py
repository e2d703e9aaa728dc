"""The history answer carries what the editor shows beside each version, so that opening a
version with labels costs one request: the labels at each entry and at the version itself,
and the labels that pointed at it once and moved on (with the version number where they
point now)."""

from __future__ import annotations


def lineage(save, depth):
    ids, parent = [], None
    for n in range(depth):
        parent = save(f"<system>Same first line</system>\nversion {n}", parent)["id"]
        ids.append(parent)
    return ids


def label(client, name, prompt_id):
    made = client.post_json("/api/labels", {"name": name, "id": prompt_id}).json
    return {"Authorization": f"Bearer {made['label_token']}"}


def test_each_entry_and_the_version_carry_their_labels(client, save):
    ids = lineage(save, 5)
    label(client, "b-prod", ids[1])
    label(client, "a-prod", ids[1])
    label(client, "here", ids[4])
    answer = client.get(f"/api/prompts/{ids[4]}/history").json
    assert answer["labels"] == ["here"]
    assert [entry["labels"] for entry in answer["ancestors"]] == [[], [], ["a-prod", "b-prod"], []]
    assert answer["moved_on"] == []


def test_a_label_that_moved_on_names_where_it_points_and_its_number(client, save):
    ids = lineage(save, 4)
    name = "support-bot/production"
    headers = label(client, name, ids[0])
    for target in ids[1:]:
        client.put_json(f"/api/labels/{name}", {"id": target, "force": True}, headers=headers)
    first = client.get(f"/api/prompts/{ids[0]}/history").json
    assert first["moved_on"] == [{"name": name, "id": ids[3], "version": 4}]
    assert first["labels"] == []
    # Where it points now it has not moved on; in between it has, to the same place.
    assert client.get(f"/api/prompts/{ids[3]}/history").json["moved_on"] == []
    middle = client.get(f"/api/prompts/{ids[1]}/history").json["moved_on"]
    assert middle == [{"name": name, "id": ids[3], "version": 4}]


def test_the_version_number_is_null_past_its_cap(store, save):
    ids = lineage(save, 4)
    assert store.prompts.number(ids[3]) == 4 and store.prompts.number(ids[0]) == 1
    assert store.prompts.number(ids[3], cap=3) is None


def test_the_history_says_when_the_version_was_saved_and_what_it_changed(client, save):
    root = save("Summarise {{ doc }}.")
    child = save("Summarise {{ doc }} for {{ reader }}.", root["id"])
    answer = client.get(f"/api/prompts/{child['id']}/history").json
    assert answer["created_at"] == child["created_at"]
    assert answer["template_changes"]["variables_added"] == ["reader"]
    assert client.get(f"/api/prompts/{root['id']}/history").json["template_changes"] is None


def test_a_created_label_carries_the_etag_a_first_move_sends(client, save):
    root = save("Summarise {{ doc }}.")
    made = client.post_json("/api/labels", {"name": "app", "id": root["id"]})
    assert made.headers["ETag"] == client.get("/api/labels/app").headers["ETag"]


def test_a_removed_versions_page_links_to_the_nearest_earlier_version(client, save):
    root = save("one")
    child = save("two", root["id"])
    grandchild = save("three", child["id"])
    for removed in (grandchild, child):
        client.delete(
            f"/api/prompts/{removed['id']}", headers={"X-Delete-Token": removed["delete_token"]}
        )
    page = client.get(f"/p/{grandchild['id']}", status=410).text
    assert f'<a id="earlier" href="/p/{root["id"]}">Open the nearest earlier version →</a>' in page
    page = client.get(f"/p/{child['id']}", status=410).text
    assert "Open the version it was saved from" in page
    client.delete(f"/api/prompts/{root['id']}", headers={"X-Delete-Token": root["delete_token"]})
    assert 'id="earlier"' not in client.get(f"/p/{child['id']}", status=410).text


def test_an_entry_shows_at_most_twenty_labels_however_many_point_at_it(client, save, store):
    ids = lineage(save, 2)
    # Made through the store: the web's label creation is rate-limited per client.
    names = [f"name-{n:03}" for n in range(45)]
    for name in names:
        store.labels.create(name, ids[0], token=f"token-{name}")
    answer = client.get(f"/api/prompts/{ids[1]}/history").json
    assert answer["ancestors"][0]["labels"] == names[:20]
    assert client.get(f"/api/prompts/{ids[0]}/history").json["labels"] == names[:20]


def test_the_history_numbers_the_version_whole_or_paged(client, save):
    ids = lineage(save, 5)
    assert client.get(f"/api/prompts/{ids[4]}/history").json["version"] == 5
    assert client.get(f"/api/prompts/{ids[0]}/history").json["version"] == 1
    # A page that stops short of the root: the store counts the lineage.
    paged = client.get(f"/api/prompts/{ids[4]}/history?limit=2").json
    assert paged["version"] == 5 and paged["next"]
    # Every page is of the version asked about (tests/test_paging.py).
    assert client.get(paged["next"]).json["version"] == 5
