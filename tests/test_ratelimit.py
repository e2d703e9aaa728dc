"""The save rate limit: per client, shared through the database, spoof-proof."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from dataclasses import replace

import pytest
import webtest

from api.app import create_app
from api.config import ConfigError, RateLimit
from api.http.clients import client_key


class Clock:
    def __init__(self, now: float = 1_000_000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock():
    return Clock()


def make_client(config, clock, limit="3/minute", proxies=0, addr="203.0.113.7"):
    config = replace(config, save_rate_limit=RateLimit.parse(limit), trusted_proxies=proxies)
    return webtest.TestApp(create_app(config, clock=clock), extra_environ={"REMOTE_ADDR": addr})


def post(client, text, status, **headers):
    return client.post_json("/api/prompts", {"text": text}, headers=headers, status=status)


def test_the_limit_answers_429_json_with_retry_after(config, clock):
    client = make_client(config, clock)
    for i in range(3):
        post(client, f"p{i}", 201)
    resp = post(client, "p3", 429)
    assert resp.headers["Retry-After"] == "20"
    assert resp.json["title"] == "Too many saves"
    assert "3 prompts per minute" in resp.json["description"]
    assert "20 seconds" in resp.json["description"]


def test_idempotent_saves_count_too(config, clock):
    client = make_client(config, clock)
    post(client, "same", 201)
    post(client, "same", 200)
    post(client, "same", 200)
    post(client, "same", 429)


def test_requests_refused_as_malformed_count_too(config, clock):
    client = make_client(config, clock)
    for _ in range(3):
        client.post("/api/prompts", b"{", headers={"Content-Type": "application/json"}, status=400)
    post(client, "p0", 429)


def test_a_save_refused_by_the_server_itself_is_not_counted(config, clock, monkeypatch):
    from api.store import DatabaseUnavailable, PromptConflict
    from api.store.prompts import PromptVersions

    client = make_client(config, clock)

    def conflict(*args, **kwargs):
        raise PromptConflict("another save changed this prompt at the same moment")

    def down(*args, **kwargs):
        raise DatabaseUnavailable("gone")

    real = PromptVersions.save
    for failure, status in ((conflict, 409), (down, 503)):
        monkeypatch.setattr(PromptVersions, "save", failure)
        for i in range(3):
            post(client, f"raced {status} {i}", status)
    monkeypatch.setattr(PromptVersions, "save", real)
    for i in range(3):
        post(client, f"p{i}", 201)


def test_the_allowance_refills_one_save_per_interval(config, clock):
    client = make_client(config, clock)
    for i in range(3):
        post(client, f"p{i}", 201)
    clock.now += 19.5
    post(client, "early", 429)
    clock.now += 0.5
    post(client, "on time", 201)
    post(client, "again too soon", 429)


def test_a_quiet_client_never_banks_more_than_the_limit(config, clock):
    client = make_client(config, clock)
    post(client, "first", 201)
    clock.now += 3600
    for i in range(3):
        post(client, f"p{i}", 201)
    post(client, "over", 429)


def test_no_window_boundary_lets_a_double_burst_through(config, clock):
    client = make_client(config, clock)
    accepted = 0
    for step in range(120):  # two minutes, a request every second
        clock.now += 1
        accepted += (
            client.post_json("/api/prompts", {"text": f"t{step}"}, expect_errors=True).status_int
            == 201
        )
    # 3 at once, then one per 20 s: 3 + 119 // 20 = 8 (a fixed window would allow 6-9
    # depending on alignment, and up to 6 within two seconds around a boundary).
    assert accepted == 3 + 119 // 20


def test_clients_are_limited_separately(config, clock):
    a = make_client(config, clock, addr="203.0.113.1")
    b = make_client(config, clock, addr="203.0.113.2")
    for i in range(3):
        post(a, f"a{i}", 201)
    post(a, "a3", 429)
    post(b, "b0", 201)


def test_spoofed_forwarded_for_does_not_help_without_trusted_proxies(config, clock):
    client = make_client(config, clock, proxies=0)
    for i in range(3):
        post(client, f"p{i}", 201, **{"X-Forwarded-For": f"198.51.100.{i}"})
    post(client, "p3", 429, **{"X-Forwarded-For": "198.51.100.99"})


def test_with_one_trusted_proxy_the_rightmost_entry_is_the_client(config, clock):
    # All requests come from the proxy's address; the proxy appends the real client.
    client = make_client(config, clock, proxies=1, addr="10.0.0.1")
    for i in range(3):
        post(client, f"p{i}", 201, **{"X-Forwarded-For": f"spoof-{i}, 203.0.113.5"})
    post(client, "p3", 429, **{"X-Forwarded-For": "1.2.3.4, 203.0.113.5"})
    post(client, "other client", 201, **{"X-Forwarded-For": "203.0.113.6"})


def test_ipv6_clients_are_grouped_by_their_64_prefix():
    assert client_key("2001:db8::1") == client_key("2001:db8::ffff:1234")
    assert client_key("2001:db8::1") != client_key("2001:db8:0:1::1")
    assert client_key("::ffff:203.0.113.5") == client_key("203.0.113.5")
    assert len(client_key("203.0.113.5")) == 32  # a hash, never the address itself


@pytest.mark.parametrize(
    "spelled",
    [
        "198.51.100.9:4711",
        "198.51.100.9:1",
        "3325256713",
        "0xc6336409",
        "0xC6.0x33.0x64.0x09",
        "198.051.100.009",
        "198.51.25609",
        "198.3367945",
        " 198.51.100.9 ",
        "::ffff:198.51.100.9",
        "[::ffff:198.51.100.9]:443",
    ],
)
def test_every_spelling_of_an_ipv4_address_is_the_same_client(spelled):
    assert client_key(spelled) == client_key("198.51.100.9")


@pytest.mark.parametrize(
    "spelled",
    [
        "[2001:db8::1]:443",
        "[2001:db8::1]",
        "2001:db8:0:0::ffff",
        "[2001:DB8::1]:1",
        "2001:db8::1%eth0",
    ],
)
def test_every_spelling_of_an_ipv6_address_is_the_same_client(spelled):
    assert client_key(spelled) == client_key("2001:db8::1")


@pytest.mark.parametrize(
    "junk",
    [
        "unknown",
        "_hidden",
        "spoof-1",
        "1.2.3.4.5",
        "256.1.1.1",
        "4294967296",
        "0x1g",
        "[::1",
        "1.2.3.4:99999",
        "198.51.100.9:port",
        "",
        "::1::1",
        "9" * 40,
    ],
)
def test_whatever_is_not_an_address_shares_one_bucket(junk):
    assert client_key(junk) == client_key("not an address either")
    assert client_key(junk) != client_key("198.51.100.9")


def test_a_proxy_adding_ports_or_spellings_gives_a_client_no_second_allowance(config, clock):
    client = make_client(config, clock, proxies=1, addr="10.0.0.1")
    for spelled in ("198.51.100.9:50001", "[::ffff:198.51.100.9]:50002", "3325256713"):
        post(client, spelled, 201, **{"X-Forwarded-For": spelled})
    for spelled in ("198.51.100.9:50003", "198.051.100.009", "0xc6336409"):
        post(client, spelled + " again", 429, **{"X-Forwarded-For": spelled})
    # Entries that are no address at all are one client between them.
    for i in range(3):
        post(client, f"junk {i}", 201, **{"X-Forwarded-For": f"junk-{i}"})
    post(client, "junk 3", 429, **{"X-Forwarded-For": "unknown"})


def test_the_limit_is_shared_by_app_instances_in_other_processes(config, clock):
    client = make_client(config, clock, limit="3/hour")
    for i in range(3):
        post(client, f"p{i}", 201)
    # A second app instance, in another process, on the same database file.
    script = textwrap.dedent(f"""
        import json, webtest
        from api.app import create_app
        from api.config import Config, RateLimit
        config = Config(db_path={str(config.db_path)!r}, database_url={config.database_url!r},
                        save_rate_limit=RateLimit.parse("3/hour"))
        client = webtest.TestApp(create_app(config, clock=lambda: {clock.now!r}),
                                 extra_environ={{"REMOTE_ADDR": "203.0.113.7"}})
        resp = client.post_json("/api/prompts", {{"text": "from B"}}, expect_errors=True)
        print(json.dumps([resp.status_int, resp.headers.get("Retry-After")]))
    """)
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    ).stdout
    answers = [json.loads(line) for line in out.splitlines()]
    assert [a for a in answers if isinstance(a, list)] == [[429, "1200"]]  # beside log lines


@pytest.mark.parametrize(
    "value,expected",
    [
        ("20/minute", RateLimit(20, 60.0)),
        ("5/second", RateLimit(5, 1.0)),
        ("100/hour", RateLimit(100, 3600.0)),
        (" 7 / Minutes ", RateLimit(7, 60.0)),
        ("off", None),
    ],
)
def test_rate_limit_settings_parse(value, expected):
    assert RateLimit.parse(value) == expected


@pytest.mark.parametrize("value", ["20", "20/day", "-1/minute", "0/minute", "x/minute"])
def test_bad_rate_limit_settings_are_refused_clearly(value):
    with pytest.raises(ConfigError, match="STRUCKDOWN_SAVE_RATE_LIMIT"):
        RateLimit.parse(value)


UNKNOWN = "00000000-0000-4000-8000-000000000000"


@pytest.mark.parametrize(
    "body, status",
    [
        ({"text": "x", "parent_id": UNKNOWN}, 422),  # an unknown parent
        ({"text": "x" * 70_000}, 413),  # over the limit only once decoded
        ({"text": "\u0000" * 3}, 422),  # a NUL: no prompt text
        ({"text": "x", "inputs": {"a": 1}}, 400),  # an input of running it: never stored
    ],
)
def test_a_save_refused_after_reading_it_costs_allowance(make_config, clock, body, status):
    config = replace(make_config(), max_bytes=65_536)
    client = make_client(config, clock)
    for _ in range(3):
        client.post_json("/api/prompts", body, status=status)
    post(client, "p0", 429)  # the three refusals took the allowance
    clock.now += 20  # one save's worth back
    post(client, "p0", 201)


def test_an_unknown_parent_is_refused_before_the_text_is_read_or_the_gate_taken(
    make_config, clock, monkeypatch
):
    from api.store import Store
    from api.text import interface as template_interface

    store = Store(replace(make_config(), save_rate_limit=RateLimit.parse("3/minute")))
    client = webtest.TestApp(
        create_app(store=store, clock=clock), extra_environ={"REMOTE_ADDR": "203.0.113.7"}
    )
    reads, gates = [], []
    real_stored, real_write = template_interface.stored, store.dialect.write_transaction
    monkeypatch.setattr(template_interface, "stored", lambda t: reads.append(t) or real_stored(t))
    monkeypatch.setattr(
        store.dialect, "write_transaction", lambda db: gates.append(1) or real_write(db)
    )
    body = {"text": "a long text {{ x }} " * 1000, "parent_id": UNKNOWN}
    for status in (422, 422, 422, 429, 429, 429):
        client.post_json("/api/prompts", body, status=status)
    assert reads == []  # never read: the parent was looked up first
    assert len(gates) == 3  # one short write per refusal to count it, none once over the limit


def test_a_client_over_its_limit_is_refused_before_its_text_is_read(config, clock, monkeypatch):
    from api.text import interface as template_interface

    client = make_client(config, clock, limit="2/minute")
    read = []
    real = template_interface.stored
    monkeypatch.setattr(template_interface, "stored", lambda text: read.append(text) or real(text))
    post(client, "one {{ a }}", 201)
    post(client, "two {{ b }}", 201)
    post(client, "three {{ c }}", 429)
    assert read == ["one {{ a }}", "two {{ b }}"]  # the refused text was never read
    clock.now += 30  # one save's worth of allowance back
    post(client, "three {{ c }}", 201)
