"""The template reader's cost is linear in the text, and bounded by its caps.

Each adversarial prompt of template_inputs.py, at 1, 10, 100 and 200 KiB: the work the
reader does, counted as lines of it run (no clock, so no noise), grows at most linearly
and stops at the caps; its CPU time grows linearly too; through the real gunicorn, the
CPU time of saving, loading, diffing and showing it grows no faster than the text.
Hypothesis searches for texts that do more work per byte than these. No test compares
a time with a constant: only times measured in the same test with each other.
"""

from __future__ import annotations

import json
import uuid

import pytest
from hypothesis import HealthCheck, given, settings, target
from hypothesis import strategies as st

from api.text.interface import extract
from bench.servers import Gunicorn
from tests.reader_work import STEPS_CAP, best_time, steps

from .conftest import Client
from .template_inputs import GENERATORS, SIZES, KiB

LIMIT = 200 * KiB  # the default STRUCKDOWN_PROMPT_MAX_BYTES, and the largest size here
SMALL = 20 * KiB  # the size a route's CPU time at LIMIT is compared with
# A route's CPU time at 200 KiB may be this many times its time at 20 KiB: linear is 10
# (less, with a request's fixed costs), quadratic 100.
ROUTE_GROWTH = 25
# Lines of the reader run per byte of text: a one-byte token ({% from x import a,a,a %})
# costs about 18, the most of any input found; a cost quadratic in the text is hundreds
# per byte already at 10 KiB (the reader before the caps: 375 on the first finding).
STEPS_PER_BYTE = 30
# Counted work may grow 1.2 times as fast as the size between two sizes; quadratic work
# would grow as fast again (2 to 20 times more between the sizes here).
SLACK = 1.2

NAMES = sorted(GENERATORS)


@pytest.mark.parametrize("name", NAMES)
def test_generated_texts_fill_the_sizes_asked(name):
    """Otherwise a generator could shrink and every bound below would pass on nothing."""
    for size in (*SIZES, 2048 * KiB):
        text = GENERATORS[name](size)
        assert 0.9 * size <= len(text.encode()) <= size, size


@pytest.mark.parametrize("name", NAMES)
def test_counted_work_grows_linearly_and_stops_at_the_caps(name):
    counted = {size: steps(GENERATORS[name](size)) for size in SIZES}
    for size, work in counted.items():
        assert work <= STEPS_PER_BYTE * size, (size, work)
    for small, large in zip(SIZES, SIZES[1:], strict=False):
        assert counted[large] <= SLACK * counted[small] * large / small + 100, (small, large)
    # Ten times past the size limit (the reader itself has none), the caps still hold.
    assert steps(GENERATORS[name](2048 * KiB)) <= STEPS_CAP


@pytest.mark.parametrize("name", NAMES)
def test_reading_time_grows_linearly(name):
    at_1, at_10 = (best_time(GENERATORS[name](size * KiB), repeat=9) for size in (1, 10))
    at_200 = best_time(GENERATORS[name](LIMIT), repeat=5)
    # Linear is 10 and 20 times; twice that for noise is still a fifth of quadratic (100
    # and 400 times). Past about 50 KiB the caps flatten the growth: 1 to 10 KiB is the
    # span where every generator still grows.
    ms = f"{at_1 * 1000:.2f}, {at_10 * 1000:.2f}, {at_200 * 1000:.1f} ms"
    assert at_10 <= 20 * at_1 + 0.0002, ms
    assert at_200 <= 40 * at_10 + 0.001, ms


# -- a search for worse texts -------------------------------------------------------------
# A text is a head, then a unit repeated to the size, each made of whole parts of
# templates and of the characters they are made of; "N" becomes a new name in each
# repeat, so that caches cannot hide the cost of names.
PARTS = [
    *["{% for N in x %}", "{% for N, y in x if N %}", "{% with N = x, y = N %}", "{%for%}"],
    *["{% macro N(a, b=N) %}", "{% set N = x|f(N) %}", "{% from x import N, y as N %}"],
    *["{% endfor %}", "{% endwith %}", "{% endmacro %}", "{{ N }}", "{{ N.x + y|f }}", "[[N]]"],
    *["[[pick:N|a,{{ N }}]]", "{% if N is not x %}", "{% raw %}", "{% endraw %}", "<!-- -->"],
]
ATOMS = [
    *["{{", "}}", "{%", "%}", "[[", "]]", "{#", "#}", "<!--", "-->", "for ", " in ", "if "],
    *["set ", "with ", "macro ", "import ", " as ", "pick:", "N", "x", ",", "=", "(", ")"],
    *["|", ".", "+", "'", '"', " ", "\n", "{", "}", "[", "]", "-", "%", "!", "@", "{2,5}", "é"],
]
pieces = st.lists(st.sampled_from(PARTS) | st.sampled_from(ATOMS), max_size=20)
units = st.lists(st.sampled_from(PARTS) | st.sampled_from(ATOMS), min_size=1, max_size=12)


def repeated(head: list[str], unit: list[str], size: int) -> str:
    out, total, i = ["".join(head)], len("".join(head).encode()), 0
    while True:
        chunk = "".join(f"n{i}" if piece == "N" else piece for piece in unit)
        total += len(chunk.encode())
        if total > size:
            return "".join(out)
        out.append(chunk)
        i += 1


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(head=pieces, unit=units)
def test_no_text_found_costs_more_than_linear_work(head, unit):
    small, large = repeated(head, unit, 4 * KiB), repeated(head, unit, 16 * KiB)
    work_small, work_large = steps(small), steps(large)
    target(work_large / max(1, len(large)), label="lines per byte")
    assert work_large <= STEPS_PER_BYTE * len(large) + 100
    assert work_large <= SLACK * work_small * 4 + 100


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(head=pieces, unit=units)
def test_no_200_kib_text_found_passes_the_caps(head, unit):
    work = steps(repeated(head, unit, LIMIT))
    target(float(work), label="lines run")
    assert work <= STEPS_CAP


# -- through the real gunicorn --------------------------------------------------------------


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("template-complexity")
    with Gunicorn(tmp / "prompts.db", log_dir=tmp) as server:
        server.client = Client(server.port)
        yield server
        server.client.close()


def costed(server, method: str, path: str, body: dict | None = None):
    """Return (status, parsed body or None, the server's CPU seconds) of one request."""
    raw = json.dumps(body).encode() if body is not None else None
    headers = {"Content-Type": "application/json"} if body is not None else {}
    before = server.cpu_seconds()
    status, head, answer = server.client.request(method, path, raw, headers)
    seconds = server.cpu_seconds() - before
    is_json = head.get("content-type", "").startswith("application/json")
    return status, json.loads(answer) if is_json else None, seconds


def route_costs(server, name: str, size: int) -> dict[str, float]:
    """The server's CPU seconds for each route on a `size` text of generator `name`."""
    # Each worker caches what it read by sha256: a unique comment makes each text new.
    body = GENERATORS[name](size - 64)

    def text() -> str:
        return f"{body}\n<!-- {uuid.uuid4()} -->"

    took = {}
    status, parent, took["save"] = costed(server, "POST", "/api/prompts", {"text": text()})
    assert status == 201
    child_body = {"text": text(), "parent_id": parent["id"]}
    status, child, took["save a child"] = costed(server, "POST", "/api/prompts", child_body)
    assert status == 201
    status, diff, took["diff"] = costed(server, "GET", f"/api/prompts/{child['id']}/diff")
    changes = diff["template_changes"]
    assert status == 200 and {"variables_added", "slots_removed"} <= set(changes)
    loaded_text = text()
    status, saved, _ = costed(server, "POST", "/api/prompts", {"text": loaded_text})
    assert status == 201
    status, loaded, took["load"] = costed(server, "GET", f"/api/prompts/{saved['id']}")
    assert status == 200 and loaded["template"] == extract(loaded_text)
    status, _, took["page"] = costed(server, "GET", f"/p/{saved['id']}")
    assert status == 200
    return took


@pytest.mark.parametrize("name", NAMES)
def test_each_route_on_a_200_kib_text_costs_no_more_than_linear(server, tally, name):
    server.client.tally = tally
    runs = [(route_costs(server, name, SMALL), route_costs(server, name, LIMIT)) for _ in "ab"]
    small = {route: min(run[0][route] for run in runs) for route in runs[0][0]}
    large = {route: min(run[1][route] for run in runs) for route in runs[0][1]}
    grown = {
        route: f"{small[route] * 1000:.1f} -> {large[route] * 1000:.1f} ms CPU"
        for route in small
        if large[route] > ROUTE_GROWTH * small[route] + 0.002  # 2 ms: a scheduler tick's noise
    }
    assert not grown, grown
