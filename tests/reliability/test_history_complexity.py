"""A history's answer and cost grow with the entries it shows, never with what they hold.

Lineages built to amplify (issue 20, finding 2): versions alternating between two texts
that each hold one name of about 150 KiB, or 200 variables and 200 slots of 100
characters each, so that every entry's `template_changes` is as large as it can be.
Through the real gunicorn, the bytes of a page and the server's CPU time for it are
compared between two page sizes measured in the same test (never with a constant of
time), and the page never passes its byte cap.
"""

from __future__ import annotations

import json

import pytest

from api.resources import history
from api.text.reader import MAX_NAME_CHARS, MAX_NAMES
from bench.servers import Gunicorn

KIB = 1024
SHORT, LONG = 4, 40  # entries a page: the costs at LONG are compared with those at SHORT


def _one_huge_name(letter: str) -> str:
    return "{{ " + letter * 150 * KIB + " }}"


def _many_long_names(letter: str) -> str:
    names = [f"{letter}{i:03}" + "x" * (MAX_NAME_CHARS - 4) for i in range(MAX_NAMES)]
    return " ".join(f"{{{{ {name} }}}} [[{name}]]" for name in names)


FAMILIES = {"one huge name": _one_huge_name, "many long names": _many_long_names}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("history-complexity")
    with Gunicorn(tmp / "prompts.db", log_dir=tmp) as server:
        yield server


def _lineage(server, texts: list[str]) -> str:
    """Save `texts` as a chain of edits; return the last one's id."""
    parent = None
    for text in texts:
        body = {"text": text} if parent is None else {"text": text, "parent_id": parent}
        status, _, answer = server.request("POST", "/api/prompts", body)
        assert status == 201, answer[:200]
        parent = json.loads(answer)["id"]
    return parent


def _page(server, tip: str, limit: int) -> tuple[int, int, float]:
    """Return (entries, bytes, the server's CPU seconds, best of two) of one page."""
    costs, size, entries = [], 0, 0
    for _ in range(2):
        before = server.cpu_seconds()
        status, _, answer = server.request("GET", f"/api/prompts/{tip}/history?limit={limit}")
        costs.append(server.cpu_seconds() - before)
        assert status == 200
        size, entries = len(answer), len(json.loads(answer)["ancestors"])
    return entries, size, min(costs)


@pytest.mark.parametrize("family", list(FAMILIES))
def test_a_page_grows_with_its_entries_not_with_what_they_hold(server, tally, family):
    text = FAMILIES[family]
    tip = _lineage(server, [text("ab"[i % 2]) for i in range(LONG + 2)])
    tally["requests"] += LONG + 6
    short, long = _page(server, tip, SHORT), _page(server, tip, LONG)
    assert long[1] <= history.MAX_PAGE_BYTES, long
    if long[0] == LONG:  # a whole page: each entry is bounded, so the page is linear
        assert long[1] <= 1.2 * short[1] * LONG / SHORT, (short, long)
    else:  # stopped at the byte cap: the rest follows by `next`
        assert long[1] > history.MAX_PAGE_BYTES // 2, long
    # Ten times the entries: at most ten times the CPU (less, with a request's fixed costs);
    # 2.5 times linear, plus 2 ms of a scheduler's noise. Amplified, it was 100s of times.
    assert long[2] <= 2.5 * short[2] * long[0] / SHORT + 0.002, (short, long)
