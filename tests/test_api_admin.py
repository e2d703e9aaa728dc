"""Admin routes: enumerate only with the bearer token; absent without one."""

from __future__ import annotations

import pytest
import webtest

from api.app import create_app

ADMIN_PATHS = ["/api/prompts", "/api/stats", "/api/prompts/{id}/children"]


@pytest.mark.parametrize("path", ADMIN_PATHS)
def test_admin_routes_do_not_exist_without_a_configured_token(make_config, path):
    client = webtest.TestApp(create_app(make_config(admin_token=None)))
    saved = client.post_json("/api/prompts", {"text": "private"}, status=201).json
    url = path.format(id=saved["id"])
    client.get(url, status=404)
    client.get(url, headers={"Authorization": "Bearer "}, status=404)


@pytest.mark.parametrize("path", ADMIN_PATHS)
@pytest.mark.parametrize(
    "header", [None, "Bearer wrong", "Basic dGVzdA==", "Bearer", "test-admin-token-0123456789"]
)
def test_admin_routes_need_the_right_token(client, save, path, header):
    url = path.format(id=save("private")["id"])
    headers = {"Authorization": header} if header else {}
    resp = client.get(url, headers=headers, status=401)
    assert resp.headers["WWW-Authenticate"].startswith("Bearer")
    assert "private" not in resp.text


def test_listing_is_newest_first_with_keyset_cursor(client, save, admin_headers):
    ids = [save(f"prompt {i}")["id"] for i in range(5)]
    page = client.get("/api/prompts?limit=2", headers=admin_headers).json
    seen = [p["id"] for p in page["prompts"]]
    while page["next_cursor"]:
        page = client.get(
            f"/api/prompts?limit=2&cursor={page['next_cursor']}", headers=admin_headers
        ).json
        seen += [p["id"] for p in page["prompts"]]
    assert seen == ids[::-1]
    assert set(page["prompts"][0]) >= {"id", "parent_id", "created_at", "sha256", "summary"}


def test_a_forged_cursor_is_400(client, admin_headers):
    for cursor in ["!!!", "bm90LWEtY3Vyc29y", "eHx5"]:
        error = client.get(f"/api/prompts?cursor={cursor}", headers=admin_headers, status=400)
        assert "cursor" in error.json["description"]


def test_children_lists_direct_descendants(client, save, admin_headers):
    root = save("root")
    a = save("a", root["id"])
    b = save("b", root["id"])
    save("grandchild", a["id"])
    body = client.get(f"/api/prompts/{root['id']}/children", headers=admin_headers).json
    assert [c["id"] for c in body["children"]] == [a["id"], b["id"]]
    client.get(
        "/api/prompts/00000000-0000-4000-8000-000000000000/children",
        headers=admin_headers,
        status=404,
    )


def test_stats_reports_count_and_size(client, save, admin_headers):
    save("one")
    save("two")
    stats = client.get("/api/stats", headers=admin_headers).json
    assert stats["count"] == 2
    assert stats["total_bytes"] == stats["db_bytes"] + stats["wal_bytes"] > 0


def test_the_token_is_compared_in_constant_time(monkeypatch, client, admin_headers):
    import hmac

    calls = []
    real = hmac.compare_digest
    monkeypatch.setattr(hmac, "compare_digest", lambda a, b: calls.append(1) or real(a, b))
    client.get("/api/stats", headers=admin_headers, status=200)
    assert calls


@pytest.mark.parametrize("token", ["configured", None])
def test_listing_without_the_token_says_it_is_for_operators(make_config, token):
    config = make_config() if token else make_config(admin_token=None)
    client = webtest.TestApp(create_app(config))
    answer = client.get("/api/prompts", status=401 if token else 404).json
    assert set(answer) == {"title", "description"}
    assert answer["description"].startswith("Listing prompts is for operators:")
    assert "STRUCKDOWN_ADMIN_TOKEN" in answer["description"]
