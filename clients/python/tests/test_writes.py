"""Writes against the fake store: what they return, and the typed errors they raise."""

from __future__ import annotations

import pytest

from prompt_store_client import (
    Conflict,
    Incompatible,
    InvalidRequest,
    LabelMoved,
    NotAuthorized,
    PromptStoreUnavailable,
    RateLimited,
)


def test_save_returns_the_id_an_absolute_url_and_the_delete_token_once(fake, client):
    store = client()
    first = store.save("Summarise {{ document }}")
    again = store.save("Summarise {{ document }}")
    assert first.created and first.delete_token and first.url == f"{fake.url}/p/{first.id}"
    assert (again.id, again.created, again.delete_token) == (first.id, False, None)


def test_create_label_returns_its_token_and_a_taken_name_is_a_conflict(fake, client):
    store = client()
    prompt_id = store.save("Hello").id
    assert store.create_label("bot", prompt_id) == "t0k3n"
    with pytest.raises(Conflict) as caught:
        store.create_label("bot", prompt_id)
    assert caught.value.status == 409 and caught.value.description == "This name is taken."
    assert not isinstance(caught.value, Incompatible)
    with pytest.raises(InvalidRequest):
        store.create_label("other", "no-such-id")


def test_move_label_returns_the_new_state_and_the_store_serves_it_at_once(fake, client, clock):
    store = client()
    one, two = store.save("One {{ x }}").id, store.save("Two {{ x }}").id
    token = store.create_label("bot", one)
    assert store.get("bot").id == one
    moved = store.move_label("bot", two, token, note="better wording")
    assert moved.id == two and moved.text == "Two {{ x }}"
    assert store.get("bot").id == two  # no max-age to wait out for one's own move
    assert fake.count("GET", "/api/labels/{name}") == 1


def test_an_incompatible_move_carries_the_template_changes_and_force_overrides(fake, client):
    store = client()
    one, two = store.save("Hello [[reply]]").id, store.save("Hello {{ name }}").id
    token = store.create_label("bot", one)
    with pytest.raises(Incompatible) as caught:
        store.move_label("bot", two, token)
    assert caught.value.template_changes["variables_added"] == ["name"]
    assert caught.value.template_changes["slots_removed"] == ["reply"]
    assert caught.value.description == "Send force."
    assert store.move_label("bot", two, token, force=True).id == two


def test_a_move_with_a_stale_if_match_raises_label_moved(fake, client):
    store = client()
    one, two, three = (store.save(t).id for t in ("One", "Two", "Three"))
    token = store.create_label("bot", one)
    seen = store.get("bot")
    store.move_label("bot", two, token, if_match=seen.etag)
    with pytest.raises(LabelMoved):
        store.move_label("bot", three, token, if_match=seen.etag)


def test_a_missing_or_wrong_token_raises_not_authorized(fake, client):
    store = client()
    one = store.save("One").id
    store.create_label("bot", one)
    with pytest.raises(NotAuthorized) as caught:
        store.move_label("bot", one, "wrong")
    assert caught.value.status == 403
    with pytest.raises(NotAuthorized) as caught:
        store.move_label("bot", one, "")
    assert caught.value.status in (401, 403)


def test_a_rate_limited_write_carries_retry_after(fake, client):
    fake.failure, fake.retry_after = 429, "12"
    with pytest.raises(RateLimited) as caught:
        client().save("Hello")
    assert caught.value.retry_after == 12.0 and caught.value.description == "on purpose"


def test_a_write_to_a_failing_or_unreachable_store_raises_unavailable(fake, client):
    fake.failure = 503
    with pytest.raises(PromptStoreUnavailable) as caught:
        client().save("Hello")
    assert caught.value.status == 503
    fake.failure = None
    fake.server.server_close()
    with pytest.raises(PromptStoreUnavailable) as caught:
        client().create_label("bot", "x")
    assert "creating label 'bot'" in str(caught.value)
