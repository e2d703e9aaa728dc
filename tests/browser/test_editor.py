"""The editor page in real Chromium: save with lineage, history, diffs, errors, safety.

Every test also fails if the page logs an error to the console (see conftest.py).
"""

from __future__ import annotations

import json
import re
import urllib.request

import pytest
from playwright.sync_api import Page, Response, expect

from bench.servers import Gunicorn

UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
XSS = "</textarea><script>alert(1)</script>"


def is_save(response: Response) -> bool:
    return response.request.method == "POST" and response.url.endswith("/api/prompts")


def editor(page: Page):
    return page.get_by_label("Prompt", exact=True)


def status(page: Page):
    return page.get_by_role("status")


def click_save(page: Page) -> Response:
    """Click Save and return the API's answer."""
    with page.expect_response(is_save) as answer:
        page.get_by_role("button", name="Save", exact=True).click()
    return answer.value


def save(page: Page, text: str) -> dict:
    """Type `text` over the editor, save, and return the saved version once the URL shows it."""
    editor(page).fill(text)
    saved = click_save(page).json()
    expect(page).to_have_url(re.compile(f"/p/{saved['id']}$"))
    return saved


def stored(server: Gunicorn, prompt_id: str) -> dict:
    """Load a version through the JSON API, as another client would."""
    with urllib.request.urlopen(f"{server.url}/api/prompts/{prompt_id}") as resp:
        return json.load(resp)


# -- saving and lineage ------------------------------------------------------------


def test_first_save_moves_the_url_to_the_new_version(page, server):
    page.goto("/")
    expect(page.get_by_role("button", name="Copy link")).to_be_hidden()
    saved = save(page, "Summarise {{ text }} in three bullet points.")
    assert re.fullmatch(UUID, saved["id"])
    expect(page.locator("#current-prompt-id")).to_have_value(saved["id"])
    expect(status(page)).to_contain_text(re.compile(r"^Saved at \d"))
    expect(page.get_by_role("button", name="Copy link")).to_be_visible()
    assert stored(server, saved["id"])["parent_id"] is None


def test_second_save_records_the_first_as_its_parent(page, server):
    page.goto("/")
    first = save(page, "version one")
    editor(page).fill("version two")
    with page.expect_response(is_save) as answer:
        page.keyboard.press("Control+s")
    second = answer.value.json()
    expect(page).to_have_url(re.compile(f"/p/{second['id']}$"))
    assert answer.value.request.post_data_json == {"text": "version two", "parent_id": first["id"]}
    assert stored(server, second["id"])["parent_id"] == first["id"]
    assert stored(server, second["id"])["text"] == "version two"


def test_saving_unchanged_text_keeps_the_id_and_says_no_changes(page):
    page.goto("/")
    saved = save(page, "nothing new here")
    answer = click_save(page)
    assert answer.status == 200 and answer.json()["id"] == saved["id"]
    expect(status(page)).to_have_text(re.compile("^No changes"))
    expect(page).to_have_url(re.compile(f"/p/{saved['id']}$"))
    expect(page.locator("#history-note")).to_have_text("This is the first version.")


def test_reload_shows_the_saved_text(page):
    page.goto("/")
    text = "\nstarts with a blank line\n\tand keeps <tags> & tabs\n"
    save(page, text)
    page.reload()
    expect(editor(page)).to_have_value(text)
    expect(page.locator("#dirty")).to_be_hidden()
    expect(status(page)).to_have_text("Saved version")


# -- history, Back/Forward and diffs --------------------------------------------------


def test_history_lists_the_ancestors_nearest_first(page):
    page.goto("/")
    first = save(page, "First draft\nbody")
    second = save(page, "Second draft\nbody")
    save(page, "Third draft\nbody")
    items = page.locator("#history li")
    expect(items).to_have_count(2)
    expect(items.nth(0)).to_contain_text("Second draft")
    expect(items.nth(0).get_by_role("link")).to_have_attribute("href", f"/p/{second['id']}")
    expect(items.nth(1)).to_contain_text("First draft")
    expect(items.nth(1).locator("time")).to_have_attribute("datetime", first["created_at"])
    items.nth(1).get_by_role("link").click()
    expect(page).to_have_url(re.compile(f"/p/{first['id']}$"))
    expect(editor(page)).to_have_value("First draft\nbody")
    expect(page.locator("#history-note")).to_have_text("This is the first version.")


def test_back_and_forward_show_each_versions_text(page, server):
    page.goto("/")
    first = save(page, "version one")
    save(page, "version two")
    page.go_back()
    expect(page).to_have_url(re.compile(f"/p/{first['id']}$"))
    expect(editor(page)).to_have_value("version one")
    expect(page.locator("#current-prompt-id")).to_have_value(first["id"])
    expect(page.locator("#history li")).to_have_count(0)
    page.go_back()
    expect(editor(page)).to_have_value("")
    page.go_forward()
    page.go_forward()
    expect(editor(page)).to_have_value("version two")
    expect(page.locator("#history li")).to_have_count(1)
    # A save after Back branches from the version shown.
    page.go_back()
    expect(editor(page)).to_have_value("version one")
    branch = save(page, "version one, another way")
    assert stored(server, branch["id"])["parent_id"] == first["id"]


def test_diff_with_parent_colours_added_and_removed_lines(page):
    page.goto("/")
    save(page, "keep this\nold line\n")
    save(page, "keep this\nnew line\n")
    button = page.get_by_role("button", name="Diff with parent")
    button.click()
    expect(button).to_have_attribute("aria-expanded", "true")
    expect(page.locator("#diff-summary")).to_contain_text("1 added, 1 removed")
    expect(page.locator("#diff del")).to_have_text(["-old line"])
    expect(page.locator("#diff ins")).to_have_text(["+new line"])
    expect(page.locator("#diff")).to_contain_text(" keep this")
    backgrounds = page.evaluate(
        """["ins", "del", "span:not(.hunk)"].map((kind) =>
            getComputedStyle(document.querySelector("#diff " + kind)).backgroundColor)"""
    )
    assert len(set(backgrounds)) == 3, backgrounds  # added, removed and context all differ
    button.click()
    expect(page.locator("#diff-view")).to_be_hidden()


def test_older_versions_load_on_request(page, server):
    parent = None
    for number in range(102):  # one more than a page of history
        body = {"text": f"version {number}", "parent_id": parent}
        status, _, answer = server.request("POST", "/api/prompts", body)
        assert status == 201
        parent = json.loads(answer)["id"]
    page.goto(f"/p/{parent}")
    items = page.locator("#history li")
    expect(items).to_have_count(100)
    expect(items.first).to_contain_text("version 100")
    # A page short of the root: the numbers are the server's count, not the page's.
    expect(page.locator("#this-version .number")).to_have_text("v102")
    expect(items.first.locator(".number")).to_have_text("v101")
    page.get_by_role("button", name="Show older versions").click()
    expect(items).to_have_count(101)
    expect(items.last).to_contain_text("version 0")
    expect(items.locator(".number").nth(99)).to_have_text("v2")
    expect(items.last.locator(".number")).to_have_text("v1")
    expect(items.nth(100).get_by_role("link")).to_be_focused()
    expect(page.get_by_role("button", name="Show older versions")).to_be_hidden()


def test_a_removed_ancestor_is_shown_as_removed(page):
    page.goto("/")
    save(page, "purged later")
    save(page, "kept")

    def mark_removed(route):
        # What the history API answers once a maintenance job has purged a version.
        response = route.fetch()
        body = response.json()
        for ancestor in body["ancestors"]:
            ancestor.update(removed=True, summary="")
        route.fulfill(response=response, json=body)

    page.route("**/api/prompts/*/history", mark_removed)
    page.reload()
    item = page.locator("#history li")
    expect(item).to_have_count(1)
    expect(item).to_have_text(re.compile(r"^v\d+ Removed"))
    expect(item.get_by_role("link")).to_have_count(0)


# -- safety -------------------------------------------------------------------------


def test_script_in_a_prompt_stays_inert_text(page, log):
    payload = f"{XSS}\n<img src=x onerror=alert(2)>\n"
    page.goto("/")
    first = save(page, payload)
    save(page, payload + "more\n")
    expect(page.locator("#history li").first).to_contain_text(XSS)
    page.get_by_role("button", name="Diff with parent").click()
    expect(page.locator("#diff ins")).to_have_text(["+more"])
    page.goto(f"/p/{first['id']}")
    expect(editor(page)).to_have_value(payload)
    assert XSS in page.title()
    scripts = page.locator("script").evaluate_all("all => all.map((s) => s.getAttribute('src'))")
    assert scripts == ["/static/editor.js"]  # nothing else: the modules it imports are static
    assert page.locator("img").count() == 0
    assert [d for d in log.dialogs if d[0] != "beforeunload"] == []


def test_the_page_is_served_with_csp_and_no_referrer(page):
    response = page.goto("/")
    assert response.headers["referrer-policy"] == "no-referrer"
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp


# -- errors never lose the text ---------------------------------------------------------


def test_an_oversize_prompt_is_refused_before_sending_and_keeps_its_text(page, max_bytes):
    page.goto("/")
    posts = []
    page.on("request", lambda request: request.method == "POST" and posts.append(request.url))
    text = "é" * (max_bytes // 2 + 1)  # fewer characters than the limit, more bytes
    editor(page).fill(text)
    page.get_by_role("button", name="Save", exact=True).click()
    expect(status(page)).to_contain_text(f"the limit is {max_bytes // 1024} KiB")
    expect(editor(page)).to_have_value(text)
    expect(page).to_have_url(re.compile(r"/$"))
    assert posts == []


def test_a_413_from_the_server_is_explained_and_keeps_the_text(page, log, max_bytes):
    log.expect_error("status of 413")
    page.goto("/")
    # A page with an out-of-date limit: the server is the one that refuses.
    page.locator("#max-bytes").evaluate("field => { field.value = '1000000'; }")
    text = "x" * (max_bytes + 1)
    editor(page).fill(text)
    assert click_save(page).status == 413
    expect(status(page)).to_contain_text(f"the limit is {max_bytes // 1024} KiB")
    expect(editor(page)).to_have_value(text)


def test_too_many_saves_says_when_to_try_again(open_page, tmp_path, log):
    log.expect_error("status of 429")
    with Gunicorn(
        tmp_path / "prompts.db", workers=1, STRUCKDOWN_SAVE_RATE_LIMIT="1/minute"
    ) as limited:
        page = open_page(limited.url)
        page.goto("/")
        save(page, "the one save allowed")
        editor(page).fill("one save too many")
        answer = click_save(page)
        assert answer.status == 429 and int(answer.headers["retry-after"]) > 0
        expect(status(page)).to_contain_text(re.compile(r"Try again in \d+ seconds? \(at "))
        expect(editor(page)).to_have_value("one save too many")
        page.context.close()  # no idle keep-alive connection to delay gunicorn's shutdown


def test_a_network_failure_says_so_and_keeps_the_text(page, log):
    log.expect_error("net::ERR_FAILED")
    page.goto("/")
    page.route("**/api/prompts", lambda route: route.abort())
    editor(page).fill("typed while offline")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(status(page)).to_contain_text("could not be reached")
    expect(editor(page)).to_have_value("typed while offline")
    expect(page.locator("#dirty")).to_be_visible()


def test_a_draft_survives_a_reload_until_it_is_saved(page):
    page.goto("/")
    editor(page).press_sequentially("a draft")
    page.reload()
    expect(editor(page)).to_have_value("a draft")
    expect(page.locator("#dirty")).to_be_visible()
    expect(status(page)).to_contain_text("Restored your unsaved draft")
    saved = save(page, "a draft, saved")
    editor(page).press_sequentially(" and edited")
    page.reload()
    expect(page).to_have_url(re.compile(f"/p/{saved['id']}$"))
    expect(editor(page)).to_have_value("a draft, saved and edited")
    save(page, "a draft, saved and edited")
    page.reload()
    expect(status(page)).to_have_text("Saved version")
    drafts = "Object.keys(localStorage).filter((k) => k.startsWith('prompt-store:draft:'))"
    assert page.evaluate(drafts) == []


def test_leaving_with_unsaved_changes_asks_first(page, log):
    page.goto("/")
    editor(page).press_sequentially("not saved yet")
    expect(page.locator("#dirty")).to_have_text("Unsaved changes")
    assert page.title().startswith("●")
    page.goto("/")
    assert [kind for kind, _ in log.dialogs] == ["beforeunload"]
    save(page, "saved")
    page.goto("/")
    assert len(log.dialogs) == 1  # nothing unsaved, nothing asked


# -- usable by everyone ----------------------------------------------------------------


def test_the_editor_works_from_the_keyboard(page, server):
    page.goto("/")
    expect(page.get_by_role("textbox", name="Prompt")).to_be_focused()
    page.keyboard.type("typed with keys only")
    page.keyboard.press("Tab")
    save_button = page.get_by_role("button", name="Save", exact=True)
    expect(save_button).to_be_focused()
    assert save_button.evaluate("button => getComputedStyle(button).outlineStyle") == "solid"
    with page.expect_response(is_save) as answer:
        page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(f"/p/{answer.value.json()['id']}$"))
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Copy link")).to_be_focused()


@pytest.mark.parametrize("width", [360, 1440])
def test_the_page_fits_the_screen(open_page, server, width):
    page = open_page(server.url, width=width, height=800)
    page.goto("/")
    save(page, "A prompt\n" + "with a long line that has to wrap somewhere " * 8)
    save(page, "A prompt, edited\n" + "with a long line that has to wrap somewhere " * 9)
    page.get_by_role("button", name="Diff with parent").click()
    expect(page.locator("#diff ins")).to_have_count(2)
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    box = editor(page).bounding_box()
    aside = page.locator("aside").bounding_box()
    if width < 600:
        assert aside["y"] >= box["y"] + box["height"]  # history below the editor
    else:
        assert aside["x"] >= box["x"] + box["width"]  # history beside it
    expect(page.get_by_role("button", name="Save", exact=True)).to_be_in_viewport()


def test_copy_link_puts_the_share_url_on_the_clipboard(page, server):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.goto("/")
    saved = save(page, "share me")
    page.get_by_role("button", name="Copy link").click()
    expect(status(page)).to_contain_text("Link copied")
    assert page.evaluate("navigator.clipboard.readText()") == f"{server.url}/p/{saved['id']}"


def test_pages_log_no_console_errors(page, log):
    page.goto("/")
    saved = save(page, "x")
    page.goto(f"/p/{saved['id']}")
    expect(page.locator("#history-note")).to_have_text("This is the first version.")
    missing = "/p/00000000-0000-4000-8000-000000000000"
    assert page.goto(missing).status == 404
    expect(page.get_by_role("heading")).to_have_text("Prompt not found")
    # Chromium reports the 404 of the page itself; nothing else may appear.
    assert len(log.errors) == 1 and "status of 404" in log.errors[0], log.errors
    assert missing in log.errors[0]
    log.expect_error(missing)
