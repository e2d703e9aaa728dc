"""An outage: the last good copy with one warning, then the bundle, then a clear error."""

from __future__ import annotations

import logging

import pytest

from prompt_store_client import Bundle, PromptStore, PromptStoreUnavailable
from prompt_store_client.bundle import Locked
from prompt_store_client.cache import sha256

ROUTE = "/api/labels/{name}"


def warnings(caplog) -> list:
    return [r for r in caplog.records if r.levelno == logging.WARNING]


@pytest.mark.parametrize("failure", [500, 502, 503, 429])
def test_a_failing_store_serves_the_last_good_copy_stale_with_one_warning(
    fake, client, clock, caplog, failure
):
    fake.point("bot", fake.add("Answer {{ question }}"))
    store = client()
    good = store.get("bot")
    fake.failure = failure
    clock.advance(61)
    caplog.set_level(logging.WARNING, "prompt_store_client")
    served = [store.get("bot") for _ in range(5)]
    assert all(p.stale and p.text == good.text and p.id == good.id for p in served)
    assert len(warnings(caplog)) == 1
    message = warnings(caplog)[0].getMessage()
    assert f"HTTP {failure}" in message and "'bot'" in message


def test_while_an_outage_is_waited_out_the_store_is_not_asked_again(fake, client, clock):
    fake.point("bot", fake.add("Text"))
    store = client(retry_interval=5)
    store.get("bot")
    fake.failure = 500
    clock.advance(61)
    for _ in range(10):
        store.get("bot")
    assert fake.count("GET", "*") == 1
    clock.advance(5)
    store.get("bot")
    assert fake.count("GET", "*") == 2


def test_a_429_is_retried_when_its_retry_after_says(fake, client, clock):
    fake.point("bot", fake.add("Text"))
    store = client(retry_interval=1)
    store.get("bot")
    fake.failure, fake.retry_after = 429, "30"
    clock.advance(61)
    store.get("bot")
    clock.advance(29)
    store.get("bot")
    assert fake.count("GET", "*") == 1
    clock.advance(1)
    store.get("bot")
    assert fake.count("GET", "*") == 2


def test_the_store_back_ends_the_outage_and_a_later_one_warns_again(fake, client, clock, caplog):
    fake.point("bot", fake.add("Text"))
    store = client(retry_interval=1)
    store.get("bot")
    caplog.set_level(logging.INFO, "prompt_store_client")
    fake.failure = 500
    clock.advance(61)
    assert store.get("bot").stale
    fake.failure = None
    clock.advance(1)
    assert not store.get("bot").stale
    assert any("reachable again" in r.getMessage() for r in caplog.records)
    fake.failure = 500
    clock.advance(61)
    assert store.get("bot").stale
    assert len(warnings(caplog)) == 2


def test_a_timeout_serves_the_stale_copy(fake, client, clock):
    fake.point("bot", fake.add("Text"))
    store = client(timeout=0.2)
    store.get("bot")
    fake.hang = 1.0
    clock.advance(61)
    assert store.get("bot").stale


def test_a_refused_connection_serves_the_stale_copy(fake, client, clock):
    fake.point("bot", fake.add("Text"))
    store = client()
    store.get("bot")
    fake.server.server_close()  # nothing listens on the port any more
    clock.advance(61)
    assert store.get("bot").stale


def test_a_copy_older_than_max_stale_is_not_served(fake, client, clock):
    fake.point("bot", fake.add("Text"))
    store = client(max_stale=3600)
    store.get("bot")
    fake.failure = 503
    clock.advance(3600)
    with pytest.raises(PromptStoreUnavailable) as caught:
        store.get("bot")
    assert caught.value.name == "bot" and "HTTP 503" in caught.value.cause
    assert "'bot'" in str(caught.value) and "503" in str(caught.value)


def bundle_of(**texts) -> Bundle:
    return Bundle(
        [Locked(name, f"id-{name}", sha256(t), t, ["x"], []) for name, t in texts.items()],
        url="http://example.invalid",
    )


def test_with_nothing_cached_the_bundle_is_served_stale(fake, client, caplog):
    fake.failure = 500
    store = client(bundle=bundle_of(bot="Bundled {{ x }}"))
    caplog.set_level(logging.WARNING, "prompt_store_client")
    got = store.get("bot")
    assert (got.text, got.id, got.variables, got.stale) == (
        "Bundled {{ x }}",
        "id-bot",
        ("x",),
        True,
    )
    assert "the bundle" in warnings(caplog)[0].getMessage()
    assert store.version("id-bot").text == "Bundled {{ x }}"


def test_a_copy_past_max_stale_gives_way_to_the_bundle(fake, client, clock):
    fake.point("bot", fake.add("Cached"))
    store = client(max_stale=100, bundle=bundle_of(bot="Bundled"))
    store.get("bot")
    fake.failure = 500
    clock.advance(99)
    assert store.get("bot").text == "Cached"
    clock.advance(1)
    store.retry_interval = 0
    assert store.get("bot").text == "Bundled"


def test_with_nothing_cached_and_no_bundle_the_error_names_the_label_and_the_cause(tmp_path):
    from conftest import free_port

    store = PromptStore(f"http://127.0.0.1:{free_port()}", cache_dir=tmp_path)  # nothing listens
    with pytest.raises(PromptStoreUnavailable) as caught:
        store.get("support-bot/production")
    assert caught.value.name == "support-bot/production"
    assert "refused" in caught.value.cause.lower()


def test_an_unavailable_store_is_asked_at_every_call_when_nothing_can_be_served(fake, client):
    fake.failure = 500
    store = client()
    for _ in range(3):
        with pytest.raises(PromptStoreUnavailable):
            store.get("bot")
    assert fake.count("GET", "*") == 3


def test_a_404_during_an_outage_of_another_label_is_still_a_404(fake, client, clock):
    from prompt_store_client import PromptNotFound

    with pytest.raises(PromptNotFound):
        client(bundle=bundle_of(bot="Bundled")).get("other")


def test_a_version_id_is_not_written_whole_into_a_warning_or_an_error(fake, client, caplog):
    prompt_id = fake.add("Text")
    store = client(bundle=Bundle([Locked("a", prompt_id, sha256("Text"), "Text", [], [])]))
    fake.failure = 500
    caplog.set_level(logging.INFO, "prompt_store_client")
    assert store.version(prompt_id).stale
    other = "0123456789abcdef-not-in-the-bundle"
    with pytest.raises(PromptStoreUnavailable) as caught:
        store.version(other)
    assert caught.value.name == other and other not in str(caught.value)
    assert prompt_id[:8] in caplog.text and prompt_id not in caplog.text
