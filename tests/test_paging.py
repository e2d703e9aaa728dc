"""Every list pages one way: `?cursor=` takes back the `next_cursor` of the page before, and a
cursor no page made is a 400 naming the parameter. History and moves also give the next
page's URL as `next`, and the moves still take the first release's `before`."""

from __future__ import annotations

import base64

import pytest


def encoded(raw: str) -> str:
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def chain(save, depth):
    ids, parent = [], None
    for n in range(depth):
        parent = save(f"version {n}", parent)["id"]
        ids.append(parent)
    return ids


def pages(client, url, key, headers=None):
    """Every page of a list, following next_cursor."""
    found = [client.get(url, headers=headers or {}).json]
    while found[-1]["next_cursor"]:
        joiner = "&" if "?" in url else "?"
        found.append(
            client.get(
                f"{url}{joiner}cursor={found[-1]['next_cursor']}", headers=headers or {}
            ).json
        )
    return found, [item for page in found for item in page[key]]


def test_history_pages_by_cursor_and_by_next_alike(client, save):
    ids = chain(save, 8)
    found, entries = pages(client, f"/api/prompts/{ids[-1]}/history?limit=3", "ancestors")
    assert [entry["id"] for entry in entries] == ids[-2::-1]
    assert len(found) == 3 and {page["id"] for page in found} == {ids[-1]}
    by_next = [client.get(f"/api/prompts/{ids[-1]}/history?limit=3").json]
    while by_next[-1]["next"]:
        by_next.append(client.get(by_next[-1]["next"]).json)
    assert by_next == found
    assert [page["next"] is None for page in found] == [False, False, True]


def test_moves_page_by_cursor_and_still_by_before(client, save):
    ids = chain(save, 6)
    token = client.post_json("/api/labels", {"name": "paged", "id": ids[0]}).json["label_token"]
    auth = {"Authorization": f"Bearer {token}"}
    for prompt_id in ids[1:]:
        client.put_json("/api/labels/paged", {"id": prompt_id, "force": True}, headers=auth)
    found, moves = pages(client, "/api/labels/paged/moves?limit=4", "moves")
    assert [move["id"] for move in moves] == ids[::-1] and len(found) == 2
    assert client.get(found[0]["next"]).json == found[1]
    revision = base64.urlsafe_b64decode(found[0]["next_cursor"] + "==").decode()
    assert (
        client.get(f"/api/labels/paged/moves?limit=4&before={revision}").json["moves"]
        == (found[1]["moves"])
    )


def test_the_listing_pages_by_the_same_cursor(client, save, admin_headers):
    ids = chain(save, 5)
    _, listed = pages(client, "/api/prompts?limit=2", "prompts", admin_headers)
    assert [row["id"] for row in listed] == ids[::-1]


@pytest.mark.parametrize(
    "cursor",
    [
        "%%%",
        "not base64!",
        encoded("a|b|c"),
        encoded("00000000-0000-4000-8000-000000000000"),  # the right shape, no such version
        encoded("not-an-id"),
        "A" * 5000,
    ],
)
def test_a_history_cursor_no_page_made_is_a_400(client, save, cursor):
    ids = chain(save, 2)
    answer = client.get(f"/api/prompts/{ids[-1]}/history?cursor={cursor}", status=400).json
    assert answer["title"] == "Invalid parameter" and "cursor" in answer["description"]


@pytest.mark.parametrize(
    "cursor", [encoded("0"), encoded("-1"), encoded("9" * 30), encoded("²"), encoded("1|2"), "%"]
)
def test_a_moves_cursor_no_page_made_is_a_400(client, save, cursor):
    client.post_json("/api/labels", {"name": "paged", "id": chain(save, 1)[0]})
    answer = client.get(f"/api/labels/paged/moves?cursor={cursor}", status=400).json
    assert "cursor" in answer["description"]


def test_a_listing_cursor_no_page_made_is_a_400(client, admin_headers):
    answer = client.get(
        f"/api/prompts?cursor={encoded('x|y')}", headers=admin_headers, status=400
    ).json
    assert "cursor" in answer["description"]


def test_every_page_of_a_history_carries_the_number_of_the_version_asked_about(client, save):
    ids = chain(save, 7)
    found, _ = pages(client, f"/api/prompts/{ids[-1]}/history?limit=2", "ancestors")
    assert len(found) == 3 and [page["version"] for page in found] == [7, 7, 7]
