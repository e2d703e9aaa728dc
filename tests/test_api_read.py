"""Loading a version, its raw text, its history and diffs."""

from __future__ import annotations


def test_load_returns_text_and_metadata(client, save):
    saved = save("Hello {{ name }}")
    body = client.get(f"/api/prompts/{saved['id']}").json
    assert body == {
        "id": saved["id"],
        "text": "Hello {{ name }}",
        "parent_id": None,
        "created_at": saved["created_at"],
        "sha256": saved["sha256"],
        "template": {"variables": ["name"], "slots": [], "truncated": False},
    }


def test_created_at_is_iso_8601_utc_with_offset(save):
    from datetime import datetime, timedelta

    created = datetime.fromisoformat(save("x")["created_at"])
    assert created.utcoffset() == timedelta(0)


def test_load_has_a_strong_etag_and_answers_304(client, save):
    saved = save("cache me")
    resp = client.get(f"/api/prompts/{saved['id']}")
    etag = resp.headers["ETag"]
    assert etag.startswith('"') and not etag.startswith("W/")
    again = client.get(f"/api/prompts/{saved['id']}", headers={"If-None-Match": etag}, status=304)
    assert again.body == b""
    other = client.get(f"/api/prompts/{saved['id']}", headers={"If-None-Match": '"other"'})
    assert other.status_int == 200


def test_cache_control_is_private_and_bounded(client, save):
    saved = save("secret-ish")
    for path in (f"/api/prompts/{saved['id']}", f"/api/prompts/{saved['id']}/raw"):
        directives = [d.strip() for d in client.get(path).headers["Cache-Control"].split(",")]
        assert "private" in directives and "public" not in directives
        max_age = int(next(d for d in directives if d.startswith("max-age="))[8:])
        assert 0 < max_age <= 3600


def test_raw_is_exact_plain_text_with_nosniff(client, save):
    text = "<script>alert(1)</script>\r\nzwei 😀"
    saved = save(text)
    resp = client.get(f"/api/prompts/{saved['id']}/raw")
    assert resp.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.body == text.encode("utf-8")
    assert resp.headers["ETag"] != client.get(f"/api/prompts/{saved['id']}").headers["ETag"]
    client.get(
        f"/api/prompts/{saved['id']}/raw",
        headers={"If-None-Match": resp.headers["ETag"]},
        status=304,
    )


def _chain(save, length):
    ids = [save("v0")["id"]]
    for i in range(1, length):
        ids.append(save(f"v{i}\nsecond line", ids[-1])["id"])
    return ids


def test_history_lists_ancestors_nearest_first(client, save):
    ids = _chain(save, 4)
    body = client.get(f"/api/prompts/{ids[-1]}/history").json
    assert body["id"] == ids[-1]
    assert [a["id"] for a in body["ancestors"]] == ids[-2::-1]
    assert body["ancestors"][0]["summary"] == "v2"
    assert body["ancestors"][0]["url"] == f"/p/{ids[-2]}"
    assert body["next"] is None and body["limit"] == 100
    assert "text" not in body["ancestors"][0]


def test_history_of_a_root_is_empty(client, save):
    assert client.get(f"/api/prompts/{save('root')['id']}/history").json["ancestors"] == []


def test_history_continues_past_the_limit(client, save):
    ids = _chain(save, 8)
    seen, url = [], f"/api/prompts/{ids[-1]}/history?limit=3"
    while url:
        body = client.get(url).json
        assert len(body["ancestors"]) <= 3
        seen += [a["id"] for a in body["ancestors"]]
        url = body["next"]
    assert seen == ids[-2::-1]


def test_history_default_limit_is_100(client, save):
    ids = _chain(save, 102)
    body = client.get(f"/api/prompts/{ids[-1]}/history").json
    assert len(body["ancestors"]) == 100 and body["next"]
    rest = client.get(body["next"]).json
    assert [a["id"] for a in rest["ancestors"]] == [ids[0]]


def test_diff_defaults_to_the_parent(client, save):
    root = save("line one\nline two\n")
    child = save("line one\nline 2\nline three\n", root["id"])
    body = client.get(f"/api/prompts/{child['id']}/diff").json
    assert body["id"] == child["id"] and body["against"] == root["id"]
    assert (body["added"], body["removed"]) == (2, 1)
    assert "-line two\n" in body["diff"] and "+line 2\n" in body["diff"]
    assert body["diff"].startswith(f"--- {root['id']}\n+++ {child['id']}\n")


def test_diff_against_any_version(client, save):
    a = save("alpha\n")
    b = save("beta\n")
    body = client.get(f"/api/prompts/{b['id']}/diff?against={a['id'].upper()}").json
    assert body["against"] == a["id"]
    assert (body["added"], body["removed"]) == (1, 1)


def test_diff_of_a_root_adds_everything(client, save):
    root = save("a\nb")
    body = client.get(f"/api/prompts/{root['id']}/diff").json
    assert body["against"] is None and (body["added"], body["removed"]) == (2, 0)
    assert "\\ No newline at end of file" in body["diff"]


def test_diff_against_an_unknown_version_is_422(client, save):
    saved = save("x")
    error = client.get(
        f"/api/prompts/{saved['id']}/diff?against=00000000-0000-4000-8000-000000000000",
        status=422,
    ).json
    assert "against" in error["description"]
