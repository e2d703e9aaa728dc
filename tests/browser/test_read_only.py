"""A text of very many lines opens read-only: Chromium's own textarea takes seconds to lay
out 200,000 lines and a quarter of a second a key (issue 20, finding 7), a <pre> a fifth of
a second. Counted: the textarea is absent until asked for, the page stays a few hundred
elements, colours are on screen only; the page still copies, lists history and diffs."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from api.resources.pages import READ_ONLY_LINES
from bench.servers import Gunicorn

from .layer_work import counts

LINE = "Reply in {{ tone }} as [[reply]].\n"
COLOURED = "#reader span[class]"


@pytest.fixture(scope="module")
def full_size_server(tmp_path_factory) -> Iterator[Gunicorn]:
    with Gunicorn(tmp_path_factory.mktemp("read-only") / "prompts.db") as server:
        yield server


def saved(server: Gunicorn, text: str, parent_id: str | None = None) -> str:
    status, _, answer = server.request(
        "POST", "/api/prompts", {"text": text, "parent_id": parent_id}
    )
    assert status == 201, answer
    return json.loads(answer)["id"]


def shown(page) -> None:
    page.wait_for_function(f"() => document.querySelectorAll('{COLOURED}').length > 0")


def test_a_text_of_very_many_lines_opens_read_only_coloured_on_screen(open_page, full_size_server):
    many = "x" + "\n" * 204_500  # about the finding's text, under 200 KiB with the rest
    root = saved(full_size_server, "Reply in {{ tone }}.")
    text = LINE * 2 + many + LINE * 2
    pid = saved(full_size_server, text, root)
    page = open_page(full_size_server.url)
    page.goto(f"/p/{pid}")
    shown(page)
    assert page.locator("textarea").count() == 0
    assert counts(page)["page"] < 2_000
    assert page.locator("#read-only").is_visible()
    assert f"this version has {text.count(chr(10)) + 1:,} lines" in page.inner_text("#read-only")
    top = page.locator(COLOURED).count()
    assert 0 < top < 20  # the lines on screen, not the text's 204,700
    # Scrolled to the end, the last lines take the colours; the first give them up.
    page.locator("#reader").evaluate("r => { r.scrollTop = r.scrollHeight; }")
    page.wait_for_function(
        f"() => [...document.querySelectorAll('{COLOURED}')].some((s) => "
        "s.getBoundingClientRect().top > 0 && s.getBoundingClientRect().top < innerHeight)"
    )
    assert page.evaluate(f"document.querySelectorAll('{COLOURED}').length") < 20
    # The rest of the page works as for any version: its history, its diff, its link.
    page.wait_for_selector("#history li")
    assert page.locator("#history li a").count() == 1  # its parent
    page.click("#show-diff")
    page.wait_for_function(
        "() => /added/.test(document.querySelector('#diff-summary').textContent)"
    )
    assert page.locator("#copy-link").is_visible()
    page.click("#save")
    page.wait_for_function("() => /No changes/.test(document.querySelector('#status').textContent)")


def test_edit_anyway_puts_the_text_in_the_textarea(open_page, full_size_server):
    text = LINE * 3 + "\n" * READ_ONLY_LINES
    pid = saved(full_size_server, text)
    page = open_page(full_size_server.url)
    page.goto(f"/p/{pid}")
    shown(page)
    assert page.locator("#editor").count() == 0
    page.click("#edit-anyway")
    assert page.locator("#reader").count() == 0 and page.locator("#read-only").is_hidden()
    assert page.locator("#editor").evaluate("t => t.value") == text
    assert page.evaluate("document.activeElement.id") == "editor"
    page.keyboard.type("Hi ")
    assert page.locator("#dirty").is_visible()
    page.wait_for_function("() => document.querySelectorAll('#highlight span[class]').length > 0")


def test_the_bound_is_a_count_of_lines_and_back_and_forward_respect_it(open_page, full_size_server):
    editable = "x" + "\n" * (READ_ONLY_LINES - 1)  # exactly the bound
    small = saved(full_size_server, editable)
    large = saved(full_size_server, editable + "\n", small)
    page = open_page(full_size_server.url)
    page.goto(f"/p/{small}")
    page.wait_for_selector("#history-note")
    assert page.locator("#editor").count() == 1 and page.locator("#reader").count() == 0
    page.goto(f"/p/{large}")
    page.wait_for_selector("#reader")
    assert page.locator("#editor").count() == 0
    page.click(f"#history a[href='/p/{small}']")
    page.wait_for_selector("#editor")
    page.go_back()
    page.wait_for_selector("#reader")
    assert page.locator("textarea").count() == 0
