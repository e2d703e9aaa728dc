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
