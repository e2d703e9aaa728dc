"""The save limit holds across gunicorn workers, and a spoofed X-Forwarded-For can't reset it."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from bench.servers import Gunicorn

from .conftest import Client

LIMIT, ATTEMPTS = 10, 40


def _burst(server: Gunicorn, tally, headers_for) -> list[int]:
    def attempt(i: int) -> int:
        client = Client(server.port, tally)  # a new connection each: any worker may answer
        status, _, _ = client.save(f"attempt {i} as {headers_for(i)}", headers=headers_for(i))
        client.close()
        return status

    with ThreadPoolExecutor(8) as pool:
        return list(pool.map(attempt, range(ATTEMPTS)))


def _limited_server(tmp_path, trusted_proxies: int) -> Gunicorn:
    """Four workers sharing a limit of LIMIT saves an hour."""
    return Gunicorn(
        tmp_path / "p.db",
        workers=4,
        STRUCKDOWN_SAVE_RATE_LIMIT=f"{LIMIT}/hour",
        STRUCKDOWN_TRUSTED_PROXIES=str(trusted_proxies),
    )


def test_exactly_the_limit_succeeds_whichever_worker_answers(tmp_path, tally):
    with _limited_server(tmp_path, trusted_proxies=0) as s:
        statuses = _burst(s, tally, lambda i: {})
    assert statuses.count(201) == LIMIT
    assert statuses.count(429) == ATTEMPTS - LIMIT


def test_rotating_a_spoofed_forwarded_for_does_not_help_without_trusted_proxies(tmp_path, tally):
    with _limited_server(tmp_path, trusted_proxies=0) as s:
        statuses = _burst(s, tally, lambda i: {"X-Forwarded-For": f"198.51.100.{i}"})
    assert statuses.count(201) == LIMIT
    tally["bad_inputs"] += ATTEMPTS


def test_with_one_trusted_proxy_the_rightmost_entry_is_the_client(tmp_path, tally):
    with _limited_server(tmp_path, trusted_proxies=1) as s:
        # The client rotates what it claims; the proxy appends the address it saw.
        same_client = _burst(s, tally, lambda i: {"X-Forwarded-For": f"10.9.{i}.1, 203.0.113.9"})
        other_client = _burst(s, tally, lambda i: {"X-Forwarded-For": "203.0.113.10"})
    assert same_client.count(201) == LIMIT
    assert other_client.count(201) == LIMIT
    tally["bad_inputs"] += ATTEMPTS
