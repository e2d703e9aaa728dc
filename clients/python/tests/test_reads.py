"""Reads against the fake store: what is cached, for how long, and what is never masked."""

from __future__ import annotations

import pytest

from prompt_store_client import InvalidRequest, PromptNotFound, PromptRemoved

ROUTE = "/api/labels/{name}"


def test_a_label_is_fetched_once_then_served_from_memory_for_its_max_age(fake, client, clock):
    fake.point("summariser", fake.add("Summarise {{ document }} in [[summary]]"))
    store = client()
    first = store.get("summariser")
    clock.advance(59)
    again = [store.get("summariser") for _ in range(100)]
    assert fake.count("GET", ROUTE) == 1
    assert first.text == "Summarise {{ document }} in [[summary]]"
    assert (first.variables, first.slots) == (("document",), ("summary",))
    assert first.name == "summariser" and not first.stale and first.etag
    assert all(p == first for p in again)


def test_after_max_age_a_label_is_revalidated_with_one_request_answered_304(fake, client, clock):
    fake.point("summariser", fake.add("Summarise {{ document }}"))
    store = client()
    first = store.get("summariser")
    clock.advance(61)
    second = store.get("summariser")
    assert fake.count("GET", ROUTE, 200) == 1
    assert fake.count("GET", ROUTE, 304) == 1
    assert second.text == first.text and second.fetched_at > first.fetched_at
    store.get("summariser")
    assert fake.count("GET", ROUTE) == 2  # fresh again for another max-age


def test_a_move_is_seen_once_the_max_age_has_passed(fake, client, clock):
    fake.point("bot", fake.add("Version one"))
    store = client()
    assert store.get("bot").text == "Version one"
    fake.point("bot", fake.add("Version two"))
    clock.advance(30)
    assert store.get("bot").text == "Version one"
    clock.advance(31)
    assert store.get("bot").text == "Version two"


def test_a_version_by_id_is_kept_for_good(fake, client, clock):
    prompt_id = fake.add("Hello {{ name }}")
    store = client()
    assert store.version(prompt_id).text == "Hello {{ name }}"
    clock.advance(10 * 365 * 86400)
    fake.failure = 500
    got = store.version(prompt_id)
    assert fake.count("GET", "/api/prompts/{id}") == 1 and fake.count("GET", "*") == 0
    assert got.name is None and got.id == prompt_id and not got.stale


def test_an_unknown_label_raises_prompt_not_found_with_the_servers_words(fake, client):
    with pytest.raises(PromptNotFound) as caught:
        client().get("nobody")
    assert caught.value.status == 404
    assert caught.value.description == "No label has this name."


def test_a_label_whose_version_was_taken_down_raises_even_with_a_cached_copy(fake, client, clock):
    prompt_id = fake.add("Leaked {{ secret }}")
    fake.point("oops", prompt_id)
    store = client()
    store.get("oops")
    store.version(prompt_id)
    fake.remove(prompt_id)
    clock.advance(61)
    with pytest.raises(PromptRemoved) as caught:
        store.get("oops")
    assert "removed" in caught.value.description
    # The copies went with it: an outage now does not bring the text back.
    fake.failure = 503
    fresh = client()
    with pytest.raises(Exception) as later:
        fresh.get("oops")
    assert "Leaked" not in str(later.value)
    assert list((fresh._cache.directory).glob("*.json")) == []


def test_a_label_deleted_on_the_server_is_not_masked_by_the_cache(fake, client, clock):
    fake.point("gone", fake.add("Text"))
    store = client()
    store.get("gone")
    del fake.labels["gone"]
    clock.advance(61)
    with pytest.raises(PromptNotFound):
        store.get("gone")


def test_a_removed_version_by_id_raises_prompt_removed(fake, client):
    prompt_id = fake.add("Text")
    fake.remove(prompt_id)
    with pytest.raises(PromptRemoved):
        client().version(prompt_id)


def test_another_refusal_raises_a_typed_error_not_a_stale_copy(fake, client, clock, monkeypatch):
    fake.point("ok", fake.add("Text"))
    store = client()
    store.get("ok")
    clock.advance(61)
    real = fake.get_label
    monkeypatch.setattr(
        fake, "get_label", lambda name, headers: (400, {}, {"title": "Bad", "description": "No."})
    )
    with pytest.raises(InvalidRequest) as caught:
        store.get("ok")
    assert caught.value.description == "No."
    monkeypatch.setattr(fake, "get_label", real)


def test_label_names_with_slashes_reach_the_server_whole(fake, client):
    fake.point("support-bot/production", fake.add("Hi"))
    assert client().get("support-bot/production").text == "Hi"
