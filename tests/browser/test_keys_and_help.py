"""The editor's keys (Tab indents where expected, Escape then Tab leaves, Enter keeps the
indentation, Undo undoes it) and the syntax help with its example prompt."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from .test_editor import editor


def caret(page: Page) -> list[int]:
    return editor(page).evaluate("t => [t.selectionStart, t.selectionEnd]")


def put_caret(page: Page, start: int, end: int | None = None) -> None:
    editor(page).evaluate(
        "(t, [s, e]) => { t.focus(); t.setSelectionRange(s, e); }",
        [start, start if end is None else end],
    )


def test_tab_indents_in_leading_blanks_and_moves_on_elsewhere(page):
    page.goto("/")
    editor(page).fill("[[pick:tone\nwarm\ncold]]")
    put_caret(page, len("[[pick:tone\n"))  # the start of "warm"
    page.keyboard.press("Tab")
    expect(editor(page)).to_have_value("[[pick:tone\n    warm\ncold]]")
    assert caret(page) == [16, 16]
    page.keyboard.press("End")
    page.keyboard.press("Enter")  # keeps the indentation
    page.keyboard.type("neutral")
    expect(editor(page)).to_have_value("[[pick:tone\n    warm\n    neutral\ncold]]")
    page.keyboard.press("Home")
    page.keyboard.press("Shift+Tab")
    expect(editor(page)).to_have_value("[[pick:tone\n    warm\nneutral\ncold]]")
    page.keyboard.press("End")  # after text: Tab is the page's again
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Save", exact=True)).to_be_focused()
    expect(editor(page)).to_have_value("[[pick:tone\n    warm\nneutral\ncold]]")


def test_tab_over_several_lines_indents_them_all_and_undo_takes_it_back(page):
    page.goto("/")
    text = "{% for x in xs %}\n- {{ x }}\n{% endfor %}"
    editor(page).fill(text)
    put_caret(page, 0, len(text))
    page.keyboard.press("Tab")
    expect(editor(page)).to_have_value("    {% for x in xs %}\n    - {{ x }}\n    {% endfor %}")
    assert caret(page) == [0, len(text) + 12]  # still selected, to indent again
    page.keyboard.press("Shift+Tab")
    expect(editor(page)).to_have_value(text)
    page.keyboard.press("Tab")
    page.keyboard.press("Control+z")
    expect(editor(page)).to_have_value(text)


def test_escape_then_tab_always_leaves_the_editor(page):
    page.goto("/")
    editor(page).fill("first line\n")
    put_caret(page, len("first line\n"))  # an empty line: Tab would indent here
    page.keyboard.press("Tab")
    expect(editor(page)).to_have_value("first line\n    ")
    expect(editor(page)).to_be_focused()
    page.keyboard.press("Escape")
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Save", exact=True)).to_be_focused()
    expect(editor(page)).to_have_value("first line\n    ")
    page.keyboard.press("Shift+Tab")  # back in, and Escape, Shift+Tab leaves backwards too
    expect(editor(page)).to_be_focused()
    put_caret(page, len("first line\n"))
    page.keyboard.press("Escape")
    page.keyboard.press("Shift+Tab")
    expect(editor(page)).not_to_be_focused()


def test_an_empty_editor_is_no_trap(page):
    page.goto("/")
    expect(editor(page)).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Save", exact=True)).to_be_focused()


def test_the_editor_keeps_its_label_and_hint_for_screen_readers(page):
    page.goto("/")
    textbox = page.get_by_role("textbox", name="Prompt")
    expect(textbox).to_have_count(1)
    expect(textbox).to_have_attribute("spellcheck", "false")
    description = textbox.evaluate(
        "t => t.getAttribute('aria-describedby').split(' ')"
        ".map((id) => document.getElementById(id).textContent).join(' ')"
    )
    assert "Esc then Tab leaves the editor" in description
    assert page.locator("#highlight").get_attribute("aria-hidden") == "true"


# -- the syntax help ------------------------------------------------------------------


def help_panel(page: Page):
    return page.get_by_role("region", name="Syntax help")


def test_the_help_opens_from_its_button_and_from_question_mark(page):
    page.goto("/")
    button = page.get_by_role("button", name="Syntax help")
    button.click()
    expect(help_panel(page)).to_be_visible()
    expect(button).to_have_attribute("aria-expanded", "true")
    # Its samples wear the editor's colours.
    expect(help_panel(page).locator(".sd-slot-name").first).to_have_text("summary")
    expect(help_panel(page).locator(".sd-break")).to_have_count(1)
    button.click()
    expect(help_panel(page)).to_be_hidden()
    # ? outside a text field opens it; in the editor, ? is typed.
    editor(page).press_sequentially("Why?")
    expect(help_panel(page)).to_be_hidden()
    expect(editor(page)).to_have_value("Why?")
    button.focus()
    page.keyboard.press("?")
    expect(help_panel(page)).to_be_visible()
    expect(page.locator("#help-heading")).to_be_focused()
    page.keyboard.press("?")  # closes it: focus goes back to the text, not lost
    expect(help_panel(page)).to_be_hidden()
    expect(editor(page)).to_be_focused()
    page.keyboard.press("Escape")  # Escape then ? from the editor
    page.keyboard.press("?")
    expect(help_panel(page)).to_be_visible()
    expect(editor(page)).to_have_value("Why?")
    page.keyboard.press("Escape")  # in the panel: closes it, back to writing
    expect(help_panel(page)).to_be_hidden()
    expect(editor(page)).to_be_focused()


def test_the_example_goes_into_an_empty_editor(page):
    page.goto("/")
    page.get_by_role("button", name="Syntax help").click()
    insert = page.get_by_role("button", name="Insert this example")
    expect(insert).to_be_enabled()
    insert.click()
    value = editor(page).input_value()
    assert value.startswith("<system>You are a careful support analyst") and "[[reply]]" in value
    expect(editor(page)).to_be_focused()
    expect(page.locator("#dirty")).to_be_visible()  # an edit like any other: unsaved, a draft
    expect(page.locator("#slots .chip")).to_have_text(["reply", "topic", "urgent"])
    expect(page.locator("#highlight .sd-checkpoint")).to_have_text(["<checkpoint>"])
    expect(insert).to_be_disabled()  # only into an empty editor
    expect(page.locator("#example-note")).to_be_visible()
    page.keyboard.press("Control+z")  # undone as one edit
    expect(editor(page)).to_have_value("")
    expect(insert).to_be_enabled()
