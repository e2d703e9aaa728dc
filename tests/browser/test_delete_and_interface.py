"""The editor in Chromium: taking a version back with its delete token, and what a prompt
asks for (variable and slot chips, marks in the history, the lead sentence of a diff)."""

from __future__ import annotations

import json
import random
import re
import urllib.request
import uuid

from playwright.sync_api import Page, expect

from api.text.interface import extract
from tests.test_template_interface import CASES, TRUNCATED

from .test_editor import editor, save, status


def unique(text: str) -> str:
    """The browser tests share one database: make a text no other test saves."""
    return f"{text}\n<!-- {uuid.uuid4()} -->"


def api_status(server, prompt_id: str) -> int:
    try:
        with urllib.request.urlopen(f"{server.url}/api/prompts/{prompt_id}") as resp:
            return resp.status
    except urllib.error.HTTPError as error:
        return error.code


def delete_button(page: Page):
    return page.get_by_role("button", name="Delete this version")


# -- what a prompt asks for ----------------------------------------------------------------


def test_the_editor_reads_the_same_interface_as_the_server(page):
    """static/template-interface.js against api/text/interface.py, case by case."""
    rng = random.Random(5)
    pieces = [*"{}[]%#!@:|,.=()'\"-+*? \n_a", "{{", "}}", "[[", "]]", "{%", "%}", "{#", "#}"]
    pieces += ["for", "in", "if", "set", "endfor", "raw", "endraw", "is", "not", "pick", "é"]
    pieces += ["\x1c", "\x85", "\xa0", "\ufeff"]  # whitespace to one side only, or to both
    noise = ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 40))) for _ in range(500)]
    rows = [(*case, False) for case in CASES] + [(*case, True) for case in TRUNCATED]
    texts = [row[1] for row in rows] + noise
    page.goto("/")
    read = page.evaluate(
        """async (texts) => {
            const { read } = await import("/static/template-interface.js");
            return texts.map((text) => read(text));
        }""",
        texts,
    )
    for text, found in zip(texts, read, strict=True):
        assert found == extract(text), text[:200]
    for (_, _, variables, slots, truncated), found in zip(rows, read, strict=False):
        assert found == {"variables": variables, "slots": slots, "truncated": truncated}


def test_chips_show_the_variables_and_slots_as_you_type(page):
    page.goto("/")
    expect(page.locator("#interface-none")).to_be_visible()
    editor(page).press_sequentially("Summarise {{ document }} in [[summary]]")
    expect(page.locator("#variables .chip")).to_have_text(["document"])
    expect(page.locator("#slots .chip")).to_have_text(["summary"])
    expect(page.get_by_role("list", name="Variables")).to_be_visible()
    expect(page.locator("#interface-none")).to_be_hidden()
    # A template being written is malformed most of the time: the readable names stay.
    editor(page).press_sequentially(" for {{ reader }} and {{ unfinished")
    expect(page.locator("#variables .chip")).to_have_text(["document", "reader"])
    editor(page).fill("{% for doc in docs %}{{ doc.title|upper }}{% endfor %} [[pick:tone|a,b]]")
    expect(page.locator("#variables .chip")).to_have_text(["docs"])
    expect(page.locator("#slots .chip")).to_have_text(["tone"])
    editor(page).fill("")
    expect(page.locator("#interface-none")).to_be_visible()
    expect(page.locator("#variables-row")).to_be_hidden()


def test_a_saved_version_shows_its_chips_on_load(page):
    page.goto("/")
    saved = save(page, unique("Hello {{ name }}, answer in [[reply]]"))
    page.goto(f"/p/{saved['id']}")
    expect(page.locator("#variables .chip")).to_have_text(["name"])
    expect(page.locator("#slots .chip")).to_have_text(["reply"])


def test_history_marks_the_versions_whose_interface_changed(page):
    page.goto("/")
    save(page, unique("Summarise {{ document }} for {{ name }}."))
    save(page, unique("Summarise {{ document }} in [[summary]]."))
    save(page, unique("Briefly summarise {{ document }} in [[summary]]."))
    save(page, unique("Briefly summarise {{ document }} in [[summary]] and [[title]]."))
    items = page.locator("#history li")
    expect(items).to_have_count(3)
    expect(items.nth(1).locator(".interface-changed")).to_have_text(
        "Adds slot summary; removes variable name"
    )
    expect(items.nth(0)).to_have_attribute("data-interface", "same")
    expect(items.nth(0).locator(".interface-changed")).to_have_count(0)
    expect(items.nth(2).locator(".interface-changed")).to_have_count(0)  # the first version


def test_the_diff_leads_with_what_the_interface_gained_and_lost(page):
    page.goto("/")
    save(page, unique("Summarise {{ document }} for {{ name }}."))
    save(page, unique("Summarise {{ document }} in [[summary]] and [[title]]."))
    page.get_by_role("button", name="Diff with parent").click()
    lead = page.locator("#interface-changes")
    expect(lead).to_have_text("Adds slots summary, title; removes variable name.")
    expect(lead.locator("code")).to_have_text(["summary", "title", "name"])
    expect(page.locator("#diff-view p").first).to_have_id("interface-changes")  # leads
    expect(page.locator("#diff ins").first).to_contain_text("[[summary]] and [[title]]")
    save(page, unique("Summarise {{ document }} briefly in [[summary]] and [[title]]."))
    expect(lead).to_have_text("Same variables and slots as its parent.")


# -- taking a version back -------------------------------------------------------------------


def test_delete_is_offered_only_where_this_browser_created_the_version(open_page, server):
    page = open_page(server.url)
    page.goto("/")
    expect(delete_button(page)).to_be_hidden()
    text = unique("created in the first browser")
    saved = save(page, text)
    expect(delete_button(page)).to_be_visible()
    page.reload()
    expect(delete_button(page)).to_be_visible()  # the token outlives the page

    other = open_page(server.url)  # another browser: its own storage
    other.goto(f"/p/{saved['id']}")
    expect(editor(other)).to_have_value(text)
    expect(delete_button(other)).to_be_hidden()
    other.goto("/")
    again = save(other, text)  # the same text: an idempotent hit, which carries no token
    assert again["id"] == saved["id"] and "delete_token" not in again
    expect(delete_button(other)).to_be_hidden()


def test_deleting_asks_first_then_the_version_is_gone(page, server, log):
    log.expect_error("status of 410")  # the removed page answers 410, as it should
    page.goto("/")
    secret = save(page, unique("My key is sk-live-0000 (pasted by mistake)"))
    later = save(page, unique("My key is in the vault"))
    page.locator("#history a").first.click()
    expect(page).to_have_url(re.compile(f"/p/{secret['id']}$"))

    log.answer_confirm(False)
    delete_button(page).click()
    kind, message = log.dialogs[-1]
    assert kind == "confirm" and "Delete this version" in message
    assert "link to it stops working" in message and "Later versions keep their own text" in message
    expect(editor(page)).to_have_value(re.compile("sk-live-0000"))
    assert api_status(server, secret["id"]) == 200  # Cancel deleted nothing

    log.answer_confirm(True)
    with page.expect_response(lambda r: r.request.method == "DELETE") as answer:
        delete_button(page).click()
    assert answer.value.status == 204
    assert answer.value.request.headers["x-delete-token"] == secret["delete_token"]
    expect(page.get_by_role("heading", level=1)).to_have_text("Prompt removed")
    expect(page).to_have_url(re.compile(f"/p/{secret['id']}$"))
    assert api_status(server, secret["id"]) == 410
    assert page.evaluate("Object.keys(localStorage)") == [
        f"prompt-store:delete-token:{later['id']}"
    ]

    page.goto(f"/p/{later['id']}")  # the later version keeps its text and its history
    expect(editor(page)).to_have_value(re.compile("in the vault"))
    expect(page.locator("#history li")).to_have_text([re.compile(r"^v\d+ Removed")])


def test_a_token_the_server_refuses_is_dropped_with_an_explanation(page, server, log):
    log.expect_error("status of 403")
    status_code, _, body = server.request("POST", "/api/prompts", {"text": unique("elsewhere")})
    assert status_code == 201
    prompt_id = json.loads(body)["id"]
    page.goto("/")
    # A token this browser holds for a version, but not the one the server knows.
    page.evaluate(f"localStorage.setItem('prompt-store:delete-token:{prompt_id}', 'stale')")
    page.goto(f"/p/{prompt_id}")
    log.answer_confirm(True)
    delete_button(page).click()
    expect(status(page)).to_contain_text("Not deleted: Send the delete_token")
    expect(delete_button(page)).to_be_hidden()
    assert api_status(server, prompt_id) == 200
    assert page.evaluate("localStorage.length") == 0


def test_opening_a_version_29_deep_costs_one_api_request(page, server):
    """The marks come with the history: no version's text is fetched to compare them."""
    parent, ids = None, []
    for number in range(30):
        # The interface changes every tenth version: a new variable.
        body = {"text": unique(f"v{number} {{{{ v{number // 10} }}}}"), "parent_id": parent}
        status, _, answer = server.request("POST", "/api/prompts", body)
        assert status == 201
        parent = json.loads(answer)["id"]
        ids.append(parent)
    api_calls = []
    page.on("request", lambda request: "/api/" in request.url and api_calls.append(request.url))
    page.goto(f"/p/{ids[-1]}")
    items = page.locator("#history li")
    expect(items).to_have_count(29)
    expect(page.locator("#history li[data-interface]")).to_have_count(28)  # all but the first
    expect(page.locator("#history .interface-changed")).to_have_text(
        ["Adds variable v2; removes variable v1", "Adds variable v1; removes variable v0"]
    )
    expect(items.nth(8)).to_have_attribute("data-interface", "changed")  # version 20
    expect(items.nth(18)).to_have_attribute("data-interface", "changed")  # version 10
    page.wait_for_load_state("networkidle")
    assert len(api_calls) <= 3, api_calls
    assert api_calls == [f"{server.url}/api/prompts/{ids[-1]}/history"]
