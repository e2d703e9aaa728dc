"""The editor v3 in Chromium: versions told apart in the history (numbers, what each
changed, labels), no dead ends (a label that moved on, after a delete, why Delete is
missing), and labels in the page: create, move behind the gate, 412, moves, roll back."""

from __future__ import annotations

import json
import re
import uuid

from playwright.sync_api import Page, expect

from .test_delete_and_interface import unique
from .test_editor import editor, save

FIRST_LINE = "<system>You are a careful support analyst.</system>"


def api(server, method: str, path: str, body=None, headers=None) -> tuple[int, dict]:
    status, answer_headers, data = server.request(method, path, body, headers)
    found = json.loads(data) if data else {}
    if "ETag" in answer_headers:
        found["etag"] = answer_headers["ETag"]
    return status, found


def lineage(server, texts: list[str]) -> list[str]:
    """Save `texts` as one lineage through the API; return their ids, root first."""
    ids, parent = [], None
    for text in texts:
        status, saved = api(
            server, "POST", "/api/prompts", {"text": unique(text), "parent_id": parent}
        )
        assert status == 201
        parent = saved["id"]
        ids.append(parent)
    return ids


def name(prefix: str) -> str:
    """The browser tests share one database: a label name no other test uses."""
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def label(server, label_name: str, prompt_id: str) -> dict:
    status, made = api(server, "POST", "/api/labels", {"name": label_name, "id": prompt_id})
    assert status == 201
    return {"Authorization": f"Bearer {made['label_token']}"}


def five_versions(server) -> list[str]:
    """A 5-deep lineage whose first lines are all the same."""
    bodies = [
        "Summarise {{ ticket }}.",
        "Summarise {{ ticket }} for {{ reader }}.",
        "Summarise {{ ticket }} for {{ reader }}, briefly.",
        "Summarise {{ ticket }} for {{ reader }}, briefly, in [[tone]] and [[summary]].",
        "Summarise {{ ticket }}, briefly, in [[summary]].",
    ]
    return lineage(server, [f"{FIRST_LINE}\n{body}" for body in bodies])


def create_label(page: Page, label_name: str) -> None:
    if page.locator("#label-form").is_hidden():
        page.get_by_text("Label this version…").click()
        expect(page.get_by_label("Label name")).to_be_focused()
    page.get_by_label("Label name").fill(label_name)
    with page.expect_response(lambda r: r.request.method == "POST"):
        page.get_by_role("button", name="Create label").click()


def move_here(page: Page, label_name: str):
    row = page.locator("#my-labels li", has_text=label_name)
    with page.expect_response(lambda r: r.request.method == "PUT") as answer:
        row.get_by_role("button", name="Move here").click()
    return answer.value


def said(page: Page):
    return page.locator("#label-said")


# -- versions told apart ---------------------------------------------------------------------


def test_rows_show_their_number_and_what_they_changed(page, server):
    ids = five_versions(server)
    page.goto(f"/p/{ids[4]}")
    rows = page.locator("#history li")
    expect(rows).to_have_count(4)
    expect(rows.locator(".number")).to_have_text(["v4", "v3", "v2", "v1"])
    expect(rows.locator(".row-head")).to_have_text(
        [
            "v4 Adds slots summary, tone",
            "v3 Edits text",
            "v2 Adds variable reader",
            "v1 First version",
        ]
    )
    # The same first line everywhere: said once, at the root, not on every row.
    expect(rows.locator(".summary")).to_have_count(1)
    expect(rows.nth(3).locator(".summary")).to_have_text(FIRST_LINE)


def test_the_open_version_heads_the_list(page, server):
    ids = five_versions(server)
    here = name("here")
    label(server, here, ids[4])
    page.goto(f"/p/{ids[4]}")
    head = page.locator("#this-version")
    expect(head).to_have_attribute("aria-current", "page")
    expect(head.locator(".row-head")).to_have_text("v5 Removes variable reader; removes slot tone")
    expect(head).to_contain_text("You are here")
    expect(head.locator(".chip")).to_have_text([here])
    _, created = api(server, "GET", f"/api/prompts/{ids[4]}")
    expect(head.locator("time")).to_have_attribute("datetime", created["created_at"])
    box = head.bounding_box()
    assert box["y"] < page.locator("#history li").first.bounding_box()["y"]  # above the rest

    page.locator("#history li").nth(3).get_by_role("link").click()  # the root
    expect(page.locator("#this-version .row-head")).to_have_text("v1 First version")
    expect(page.locator("#history li")).to_have_count(0)


def test_an_old_version_links_to_where_its_label_points_now(page, server):
    ids = lineage(server, ["one {{ a }}", "two {{ a }}", "three {{ a }}"])
    moved = name("summariser")
    token = label(server, moved, ids[0])
    assert api(server, "PUT", f"/api/labels/{moved}", {"id": ids[2]}, token)[0] == 200
    page.goto(f"/p/{ids[0]}")
    link = page.get_by_role("link", name=f"{moved} now points at v3 →")
    expect(link).to_have_attribute("href", f"/p/{ids[2]}")
    link.click()
    expect(editor(page)).to_have_value(re.compile("^three"))
    expect(page.locator("#moved-on li")).to_have_count(0)
    expect(page.locator("#labels .chip")).to_have_text([moved])


# -- no dead ends ----------------------------------------------------------------------------


def test_after_a_delete_the_page_links_to_the_parent(page, log):
    log.expect_error("status of 410")
    page.goto("/")
    parent = save(page, unique("the parent"))
    save(page, unique("the child, deleted"))
    log.answer_confirm(True)
    page.get_by_role("button", name="Delete this version").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Prompt removed")
    back = page.get_by_role("link", name="Open the version it was saved from →")
    expect(back).to_have_attribute("href", f"/p/{parent['id']}")
    back.click()
    expect(editor(page)).to_have_value(re.compile("^the parent"))


def test_without_a_delete_token_the_page_says_why_there_is_no_delete(open_page, server):
    page = open_page(server.url)
    page.goto("/")
    expect(page.locator("#no-delete")).to_be_hidden()  # nothing saved: nothing to delete
    saved = save(page, unique("saved in this browser"))
    expect(page.get_by_role("button", name="Delete this version")).to_be_visible()
    expect(page.locator("#no-delete")).to_be_hidden()
    other = open_page(server.url)
    other.goto(f"/p/{saved['id']}")
    expect(other.get_by_role("button", name="Delete this version")).to_be_hidden()
    expect(other.locator("#no-delete")).to_contain_text(
        "Only the browser that saved a version can delete it: the server gives its delete "
        "token once, to that browser"
    )


# -- labels in the page ----------------------------------------------------------------------


def test_a_label_is_created_moved_refused_forced_and_told_it_was_moved(page, server, log):
    log.expect_error("status of 409")
    log.expect_error("status of 412")
    ids = lineage(
        server,
        [
            "Reply to {{ message }}.",
            "Reply to {{ message }} in {{ language }}.",
            "Reply to {{ message }} in {{ language }}, kindly.",
        ],
    )
    app = name("support-bot/production")
    page.goto(f"/p/{ids[0]}")
    create_label(page, app)
    expect(page.locator("#labels .chip")).to_have_text([app])
    expect(page.locator("#this-version .chip")).to_have_text([app])
    token = page.locator("#label-token-value").text_content()
    assert page.evaluate(f"JSON.parse(localStorage['prompt-store:label:{app}']).token") == token
    expect(page.locator("#label-token")).to_contain_text("it is what moves or deletes the label")
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.get_by_role("button", name="Copy token").click()
    expect(said(page)).to_have_text("Token copied.")
    assert page.evaluate("navigator.clipboard.readText()") == token
    assert api(server, "GET", f"/api/labels/{app}")[1]["id"] == ids[0]
    page.reload()
    expect(page.locator("#label-token")).to_be_hidden()  # shown once
    expect(page.locator("#labels .chip")).to_have_text([app])

    # The next version needs a variable the label's did not: refused, in words.
    page.goto(f"/p/{ids[1]}")
    assert move_here(page, app).status == 409
    expect(said(page)).to_contain_text(f"Not moved: an application that uses {app} could break.")
    expect(said(page)).to_contain_text(
        "needs variable language, which its application does not pass"
    )
    assert api(server, "GET", f"/api/labels/{app}")[1]["id"] == ids[0]
    page.get_by_label("Note for a move (optional)").fill("the app passes language now")
    with page.expect_response(lambda r: r.request.method == "PUT") as forced:
        page.get_by_role("button", name="Move anyway").click()
    assert forced.value.status == 200 and forced.value.request.post_data_json["force"] is True
    expect(said(page)).to_contain_text("recorded as forced")
    expect(page.locator("#labels .chip")).to_have_text([app])
    expect(page.locator("#my-labels li")).to_have_count(0)
    assert api(server, "GET", f"/api/labels/{app}")[1]["id"] == ids[1]

    # Someone else (a script with the token) moves it back: this browser's move is a 412.
    headers = {"Authorization": f"Bearer {token}"}
    assert (
        api(server, "PUT", f"/api/labels/{app}", {"id": ids[0], "force": True}, headers)[0] == 200
    )
    page.goto(f"/p/{ids[2]}")
    assert move_here(page, app).status == 412
    expect(said(page)).to_contain_text(f"someone else moved {app}")
    expect(said(page).get_by_role("link")).to_have_attribute("href", f"/p/{ids[0]}")
    assert api(server, "GET", f"/api/labels/{app}")[1]["id"] == ids[0]
    # Having seen where it points, the owner moves it again (to the root's interface: forced).
    assert move_here(page, app).status == 409
    page.get_by_role("button", name="Move anyway").click()
    expect(page.locator("#labels .chip")).to_have_text([app])
    assert api(server, "GET", f"/api/labels/{app}")[1]["id"] == ids[2]


def test_a_label_rolls_back_from_its_moves(page, server):
    ids = lineage(
        server,
        ["Classify {{ ticket }}.", "Classify {{ ticket }} now.", "Classify {{ ticket }} at once."],
    )
    app = name("classifier")
    page.goto(f"/p/{ids[0]}")
    create_label(page, app)
    for target in ids[1:]:
        page.goto(f"/p/{target}")
        assert move_here(page, app).status == 200
    page.locator("#labels li", has_text=app).get_by_role("button", name="Moves").click()
    moves = page.locator("#moves-list li")
    expect(moves).to_have_count(3)
    expect(moves.nth(2)).to_contain_text("created at")
    expect(moves.get_by_role("button", name="Roll back to this")).to_have_count(
        2
    )  # not the current
    with page.expect_response(lambda r: r.request.method == "PUT") as answer:
        moves.nth(2).get_by_role("button", name="Roll back to this").click()
    assert answer.value.request.post_data_json["id"] == ids[0]
    expect(moves).to_have_count(4)
    expect(moves.first.get_by_role("link")).to_have_attribute("href", f"/p/{ids[0]}")
    assert api(server, "GET", f"/api/labels/{app}")[1]["id"] == ids[0]
    # The version shown has no label now; the label is one this browser can move back.
    expect(page.locator("#labels li")).to_have_count(0)
    expect(page.locator("#my-labels .chip")).to_have_text([app])
    expect(page.get_by_role("link", name=f"{app} now points at v1 →")).to_be_visible()


def test_label_names_and_notes_are_shown_as_text(page, server, log):
    log.expect_error("status of 400")
    script = "<script>window.pwned = 1</script>"
    ids = lineage(server, ["Note {{ x }}.", "Note {{ x }} again."])
    page.goto(f"/p/{ids[0]}")
    create_label(page, script)
    expect(said(page)).to_contain_text(f"Not created: “{script}”:")
    app = name("notes")
    create_label(page, app)
    page.goto(f"/p/{ids[1]}")
    page.get_by_label("Note for a move (optional)").fill(script)
    assert move_here(page, app).status == 200
    page.locator("#labels li", has_text=app).get_by_role("button", name="Moves").click()
    expect(page.locator("#moves-list q")).to_have_text([script])
    assert page.locator("aside script").count() == 0
    assert page.evaluate("window.pwned") is None


def test_opening_a_labelled_version_100_deep_costs_at_most_two_requests(page, server):
    ids = lineage(server, [f"Step {n}: {{{{ v{n // 25} }}}}" for n in range(100)])
    names = [name("deep") for _ in range(3)]
    label(server, names[0], ids[-1])
    label(server, names[1], ids[50])
    moved = label(server, names[2], ids[10])
    assert (
        api(server, "PUT", f"/api/labels/{names[2]}", {"id": ids[-1], "force": True}, moved)[0]
        == 200
    )
    api_calls = []
    page.on("request", lambda request: "/api/" in request.url and api_calls.append(request.url))
    page.goto(f"/p/{ids[-1]}")
    expect(page.locator("#history li")).to_have_count(99)
    expect(page.locator("#this-version .number")).to_have_text("v100")
    expect(page.locator("#labels .chip")).to_have_text(sorted([names[0], names[2]]))
    expect(page.locator("#history li").nth(48).locator(".chip")).to_have_text([names[1]])  # v51
    expect(page.locator("#history li").nth(48).locator(".number")).to_have_text("v51")
    page.wait_for_load_state("networkidle")
    assert len(api_calls) <= 2, api_calls


def test_labels_fit_a_narrow_screen(open_page, server):
    page = open_page(server.url, width=390, height=800)
    ids = lineage(server, ["Narrow {{ a }}.", "Narrow {{ a }}, edited."])
    long_name = name("a-rather-long/label-name/for-a-narrow-screen/production")
    page.goto(f"/p/{ids[0]}")
    create_label(page, long_name)
    page.goto(f"/p/{ids[1]}")
    expect(page.locator("#my-labels .chip")).to_have_text([long_name])
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_a_label_token_the_server_refuses_is_dropped(page, server, log):
    log.expect_error("status of 403")
    ids = lineage(server, ["Refused {{ a }}.", "Refused {{ a }}, edited."])
    theirs = name("theirs")
    label(server, theirs, ids[0])
    page.goto("/")
    key = f"prompt-store:label:{theirs}"
    page.evaluate(f"localStorage.setItem('{key}', JSON.stringify({{token: 'stale', etag: null}}))")
    page.goto(f"/p/{ids[1]}")
    assert move_here(page, theirs).status == 403
    expect(said(page)).to_contain_text("Not moved: This is not the token")
    assert page.evaluate(f"localStorage.getItem('{key}')") is None
    page.reload()
    expect(page.locator("#this-version .number")).to_have_text("v2")  # the history is in
    expect(page.locator("#my-labels li")).to_have_count(0)


def test_a_label_is_created_from_the_keyboard(page, server):
    ids = lineage(server, ["Keys {{ a }}."])
    app = name("keys")
    page.goto(f"/p/{ids[0]}")
    summary = page.locator("#label-this summary")
    summary.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_label("Label name")).to_be_focused()
    page.keyboard.type(app)
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.keyboard.press("Enter")
    assert answer.value.status == 201
    expect(page.locator("#labels .chip")).to_have_text([app])
    expect(page.locator("#label-form")).to_be_hidden()  # the disclosure closed
