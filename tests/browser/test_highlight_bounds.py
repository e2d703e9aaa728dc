"""The editor on adversarial prompts as large as a prompt may be: the page holds a few
hundred elements and a keystroke touches a few nodes of it, whatever the text. Issue 20
found 409,590 elements and 1.2 s a key for a text of 204,699 newlines, when the layer
had a block per line. Counted, and compared between sizes, never timed."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from bench.servers import Gunicorn

from .layer_work import counts, painted, typed_at
from .test_highlight import caret_after_clicking, layers, settled

SIZE = 200 * 1024  # the default size limit
SMALL = SIZE // 8

# Coloured everywhere: two parts in 95 characters stay under the reader's cap on parts
# (past it nothing is coloured).
SENTENCE = "Summarise <system>the</system> message in {{ tone }} words, then answer in [[reply]]. "
FAMILIES = {
    "newlines": lambda n: "x" + "\n" * (n - 1),
    "lines of {{": lambda n: "{{\n" * (n // 3),
    "lines of {": lambda n: "{\n" * (n // 2),
    "one line of {{": lambda n: "{{" * (n // 2),
    "one line of constructs": lambda n: (SENTENCE * (n // len(SENTENCE) + 1))[:n],
    "lines of constructs": lambda n: ((SENTENCE + "\n") * (n // len(SENTENCE) + 1))[:n],
}
KEYS = ["a", "{", "{", "Backspace", "[", "[", "b", "]", "]", " "]

# The page around the editor (header, chips, help, history) is about 100 elements; a
# block per line made the layer alone 409,398 for 204,699 newlines.
PAGE_BOUND = 2_000
# Colours are on screen only, and a key rebuilds what it falls in: at most this many
# times the same at an eighth of the size (and a few nodes more).
RATIO = 1.5
# Enter in a long line splits its block in two, and the pieces of the two halves are
# cut again: a few nodes more for each 2 KiB piece (static/chunks.js's CHUNK) of a line.
MOVED = 8 * SIZE // 2048


@pytest.fixture(scope="module")
def full_size_server(tmp_path_factory) -> Iterator[Gunicorn]:
    """The app with its default size limit (the browser tests' own server has 4 KiB)."""
    with Gunicorn(tmp_path_factory.mktemp("bounds") / "prompts.db") as server:
        yield server


def opened(open_page, server: Gunicorn, text: str):
    status, _, answer = server.request("POST", "/api/prompts", {"text": text})
    assert status == 201, answer
    page = open_page(server.url)
    page.goto(f"/p/{json.loads(answer)['id']}")
    if page.locator("#reader").count():  # past the line bound (test_read_only.py): by choice
        page.click("#edit-anyway")
    painted(page)
    return page


@pytest.mark.parametrize("family", FAMILIES)
def test_a_prompt_of_the_size_limit_opens_as_a_bounded_page(open_page, full_size_server, family):
    found = {}
    for size in (SMALL, SIZE):
        text = FAMILIES[family](size)
        page = opened(open_page, full_size_server, text)
        found[size] = {**counts(page), "per key": typed_at(page, len(text) // 2, KEYS)}
        found[size]["enter"] = typed_at(page, len(text) // 2, ["Enter"])
        page.context.close()
    small, full = found[SMALL], found[SIZE]
    print(f"\n{family}: {small} at {SMALL // 1024} KiB, {full} at {SIZE // 1024} KiB")
    assert full["page"] < PAGE_BOUND, found
    assert full["coloured"] <= RATIO * small["coloured"] + 20, found
    assert full["per key"] <= RATIO * small["per key"] + 10, found
    assert full["enter"] <= RATIO * small["enter"] + MOVED, found


def test_a_200_kib_line_in_pieces_wraps_as_the_textarea_does_at_390_px(open_page, full_size_server):
    """A line longer than a block is cut into inline pieces, coloured only on screen:
    at a phone's width it still wraps as the textarea does, row for row."""
    half = FAMILIES["one line of constructs"](SIZE // 2 - 10)
    text = half + "MIDDLE " + half
    status, _, answer = full_size_server.request("POST", "/api/prompts", {"text": text})
    assert status == 201, answer
    page = open_page(full_size_server.url, width=390, height=800, scrollbars=True)
    page.goto(f"/p/{json.loads(answer)['id']}")
    painted(page)
    page.locator("#editor").evaluate(
        "(t, at) => { t.focus(); t.setSelectionRange(at, at); t.blur(); }", text.index("MIDDLE")
    )
    page.locator("#editor").evaluate("t => { t.scrollTop = t.scrollHeight / 2 - 200; }")
    page.wait_for_function("() => document.querySelector('#highlight').scrollTop > 0")
    settled(page)
    sizes = layers(page)
    assert sizes["#editor"] == sizes["#highlight"]  # as tall, as wide, scrolled alike
    assert page.locator("#highlight .sd-var").count() > 0  # the middle is coloured
    assert caret_after_clicking(page, "MIDDLE") == text.index("MIDDLE")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
