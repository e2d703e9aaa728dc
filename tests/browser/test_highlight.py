"""The editor colours struckdown as you type: each construct in its own colour, the same
reading as the chips, a coloured layer that stays exactly under the textarea's text, and
keystrokes that stay quick on a 200 KiB prompt."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from api.text.reader import MAX_PARTS
from tests.test_template_interface import CASES

from .layer_work import typed_at
from .test_editor import editor

# One sample of each construct, each in a line of its own: the part of it checked, and
# the class it is coloured by.
CONSTRUCTS = {
    "slot": ("Summary: [[summary]]", "summary", "sd-slot-name"),
    "action": ('[[@set:greeting|"hi"]]', '[[@set:greeting|"hi"]]', "sd-action"),
    "break": ('[[@break|reason="done"]]', '[[@break|reason="done"]]', "sd-break"),
    "variable": ("Read {{ document }}", "document", "sd-var"),
    "answer of a slot": ("Using {{ summary }}", "summary", "sd-answer"),
    "tag": ("{% if brief %}Be brief.{% endif %}", "{% endif %}", "sd-tag"),
    "system": ("<system>You are terse.</system>", "<system>", "sd-system"),
    "header": ("<header>Context</header>", "<header>", "sd-header"),
    "checkpoint": ("<checkpoint>", "<checkpoint>", "sd-checkpoint"),
    "comment": ("<!-- a note -->", "<!-- a note -->", "sd-comment"),
}
PLAIN = "Just words."
SAMPLE = "\n".join([PLAIN, *(line for line, _, _ in CONSTRUCTS.values())])

# The element of the layer that shows the character at `offset` of the text: the layer
# holds blocks of whole lines (so a "\n" falls between two of them), coloured by spans.
NODE_AT = """(offset) => {
  let at = 0;
  for (const chunk of document.querySelector("#highlight").children) {
    const walker = document.createTreeWalker(chunk, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
      const length = walker.currentNode.data.length;
      if (offset < at + length) return walker.currentNode.parentElement;
      at += length;
    }
    at += 1;
  }
  return null;
}"""

# The computed colours of the span of line `line` whose text is `text` (or of the line).
STYLE_OF = f"""([text, line]) => {{
  const lines = document.querySelector("#editor").value.split("\\n");
  const start = lines.slice(0, line).join("\\n").length + (line ? 1 : 0);
  const node = ({NODE_AT})(start + (text === null ? 0 : lines[line].indexOf(text)));
  const found = text !== null && node.tagName === "SPAN" && node.textContent === text;
  const style = getComputedStyle(node), classes = found ? node.className : "";
  return {{ color: style.color, background: style.backgroundColor, classes }};
}}"""


SHOWN = "[...document.querySelector('#highlight').children].map((d) => d.textContent).join('\\n')"


def painted(page: Page) -> None:
    """Wait until the layer shows the textarea's text (the next frame)."""
    page.wait_for_function(f"() => {SHOWN} === document.querySelector('#editor').value")


def paste(page: Page, text: str) -> None:
    """Put `text` in the editor in one edit, as a paste does (Playwright's fill() types
    through Chromium's editing, which takes many seconds for 200 KiB)."""
    put = "(t, text) => { t.value = text; t.dispatchEvent(new Event('input')); }"
    editor(page).evaluate(put, text)


def luminance(css: str) -> float:
    parts = [float(v) / 255 for v in css[css.index("(") + 1 : css.index(")")].split(",")[:3]]
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in parts]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_each_construct_has_its_own_legible_colour(open_page, server, scheme):
    page = open_page(server.url)
    page.emulate_media(color_scheme=scheme)
    page.goto("/")
    editor(page).fill(SAMPLE)
    painted(page)
    page_bg = page.evaluate(
        "getComputedStyle(document.querySelector('#highlight')).backgroundColor"
    )
    plain = page.evaluate(STYLE_OF, [None, 0])
    seen = {}
    for line, (name, (_, text, kind)) in enumerate(CONSTRUCTS.items(), start=1):
        style = page.evaluate(STYLE_OF, [text, line])
        assert kind in style["classes"].split(), (name, style)
        look = (style["color"], style["background"])
        assert look != (plain["color"], plain["background"]), name
        assert look not in seen.values(), (name, seen)
        seen[name] = look
        behind = page_bg if style["background"] == "rgba(0, 0, 0, 0)" else style["background"]
        assert contrast(style["color"], behind) >= 4.5, (scheme, name, style)


def test_colours_and_chips_follow_each_keystroke(page):
    page.goto("/")
    editor(page).press_sequentially("Summarise {{ doc }} in [[summary")
    painted(page)
    assert page.locator("#highlight .sd-slot").count() == 0  # not a slot until it closes
    expect(page.locator("#slots .chip")).to_have_count(0)
    page.keyboard.type("]")
    painted(page)
    assert page.locator("#highlight .sd-slot").count() == 0
    page.keyboard.type("]")
    painted(page)  # the frame after the keystroke: coloured, and its chip is there
    expect(page.locator("#highlight .sd-slot-name")).to_have_text(["summary"])
    expect(page.locator("#slots .chip")).to_have_text(["summary"])
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("Backspace")
    painted(page)
    assert page.locator("#highlight .sd-slot").count() == 0
    expect(page.locator("#slots .chip")).to_have_count(0)
    expect(page.locator("#highlight .sd-var")).to_have_text(["doc"])


def test_the_chips_and_the_colours_read_every_case_alike(page):
    """The names coloured as variables and slots are exactly the chips, case by case."""
    page.goto("/")
    for case_id, text, variables, slots in CASES:
        editor(page).fill(text)
        painted(page)
        expect(page.locator("#variables .chip")).to_have_text(variables)
        coloured = page.evaluate(
            """() => ["sd-var", "sd-slot-name"].map((kind) => [...new Set(
                [...document.querySelectorAll("#highlight ." + kind)].map((s) => s.textContent)
            )].sort())"""
        )
        assert coloured == [variables, slots], case_id
        # The chips wear the colours of the names in the text.
        if variables:
            chip = page.locator("#variables .chip").first.evaluate("c => getComputedStyle(c).color")
            word = page.locator("#highlight .sd-var").first.evaluate(
                "s => getComputedStyle(s).color"
            )
            assert chip == word, case_id


def test_past_the_readers_caps_neither_colours_nor_chips_go_on(page):
    text = "{{ a }}\n" * (MAX_PARTS - 1) + "{{ b }}\n[[c]] <system>late</system>\n"
    page.goto("/")
    editor(page).evaluate(
        "(t, text) => { t.value = text; t.dispatchEvent(new Event('input')); }", text
    )
    painted(page)
    expect(page.locator("#variables .chip")).to_have_text(["a", "b"])
    expect(page.locator("#slots-row")).to_be_hidden()
    expect(page.locator("#interface-truncated")).to_have_text(
        f"This prompt is past the reader's limits: names and colours stop at line {MAX_PARTS + 1}."
    )
    # Colours are on screen only: scrolled to the end, the last lines are coloured.
    editor(page).evaluate("t => { t.scrollTop = t.scrollHeight; }")
    expect(page.locator("#highlight .sd-var", has_text="b")).to_have_count(1)
    after = [text.index(part) for part in ("[[c]]", "<system>", "late")]
    tags = page.evaluate(f"(after) => after.map({NODE_AT}).map((n) => n.tagName)", after)
    assert tags == ["DIV", "DIV", "DIV"]  # plain text in its line's block, no span


# Where the caret lands when the coloured copy of `marker` is clicked, and where it is.
CLICK_ON = """(marker) => {
  const layer = document.querySelector("#highlight");
  const walker = document.createTreeWalker(layer, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const at = walker.currentNode.data.indexOf(marker);
    if (at < 0) continue;
    const range = document.createRange();
    range.setStart(walker.currentNode, at);
    range.setEnd(walker.currentNode, at + 1);
    const box = range.getBoundingClientRect();
    return { x: box.left + 2, y: box.top + box.height / 2 };
  }
  return null;
}"""


def caret_after_clicking(page: Page, marker: str) -> int:
    point = page.evaluate(CLICK_ON, marker)
    assert point is not None, marker
    page.mouse.click(point["x"], point["y"])  # the layer lets clicks through to the textarea
    return page.locator("#editor").evaluate("t => t.selectionStart")


def settled(page: Page) -> None:
    """Wait for a smooth scroll to end: the same scrollTop two frames running."""
    page.wait_for_function(
        """() => new Promise((done) => {
            const top = () => document.querySelector("#editor").scrollTop, before = top();
            requestAnimationFrame(() => requestAnimationFrame(() => done(top() === before)));
        })"""
    )


def layers(page: Page) -> dict:
    return page.evaluate(
        """() => Object.fromEntries(["#editor", "#highlight"].map((s) => {
            const e = document.querySelector(s);
            return [s, [e.scrollTop, e.scrollHeight, e.clientWidth]];
        }))"""
    )


def test_the_layer_stays_under_the_text_when_a_long_prompt_scrolls(open_page, server):
    page = open_page(server.url, scrollbars=True)  # a scrollbar takes room from the text
    text = "".join(f"Line {i}: [[slot_{i}]] and {{{{ var_{i} }}}}\n" for i in range(400))
    page.goto("/")
    editor(page).fill(text)
    editor(page).press("Control+Home")
    painted(page)
    box = editor(page).bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.wheel(0, 5000)
    page.wait_for_function("() => document.querySelector('#editor').scrollTop > 4000")  # mid-way
    settled(page)
    sizes = layers(page)
    assert sizes["#editor"] == sizes["#highlight"]
    shown = page.evaluate(  # the first line in view
        "(t => Math.ceil(t.scrollTop / parseFloat(getComputedStyle(t).lineHeight)))"
        "(document.querySelector('#editor'))"
    )
    for line in (shown + 3, shown + 10):
        marker = f"slot_{line}"
        assert caret_after_clicking(page, marker) == text.index(marker)
    # Resized by its handle: the layer follows.
    editor(page).evaluate("t => { t.style.height = '300px'; }")
    page.wait_for_timeout(50)
    editor(page).evaluate("t => t.dispatchEvent(new Event('scroll'))")
    sizes = layers(page)
    assert sizes["#editor"] == sizes["#highlight"]
    marker = f"var_{shown + 4}"
    assert caret_after_clicking(page, marker) == text.index(marker)


def test_the_layer_wraps_a_long_line_as_the_textarea_does_at_360_px(open_page, server):
    page = open_page(server.url, width=360, height=800, scrollbars=True)
    page.goto("/")
    long_line = " ".join(f"word{i} {{{{ v{i} }}}} [[s{i}]]" for i in range(40))
    text = (
        f"First line\n{long_line} LASTWORD and\tthe end\n\ttabbed {{{{ x }}}}\n\nunbrokenzzz"
        + ("z" * 150)
        + "END"
    )
    editor(page).fill(text)
    painted(page)
    sizes = layers(page)
    assert sizes["#editor"][1:] == sizes["#highlight"][1:]  # as many rows, as wide
    for marker in ("LASTWORD", "v33", "tabbed", "END"):
        assert caret_after_clicking(page, marker) == text.index(marker), marker
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_a_selection_shows_the_coloured_text_through_it(page):
    page.goto("/")
    editor(page).fill("Summarise {{ document }}")
    editor(page).evaluate("t => { t.focus(); t.setSelectionRange(0, 14); }")
    look = editor(page).evaluate(
        """t => [getComputedStyle(t).color, getComputedStyle(t, "::selection").color,
                 getComputedStyle(t, "::selection").backgroundColor]"""
    )
    assert look[0] == look[1] == "rgba(0, 0, 0, 0)"  # the textarea's own glyphs never show
    # color(srgb r g b / a) from color-mix(), or rgba(r, g, b, a): a tint, not a block.
    alpha = re.search(r"(?:/|,)\s*([\d.]+)\)$", look[2]) if look[2].count(",") != 2 else None
    assert alpha and 0 < float(alpha[1]) < 1, look[2]


def test_text_being_composed_by_an_input_method_is_shown(page):
    page.goto("/")
    editor(page).fill("Reply in ")
    editor(page).press("End")
    cdp = page.context.new_cdp_session(page)
    cdp.send("Input.imeSetComposition", {"text": "日本", "selectionStart": 2, "selectionEnd": 2})
    painted(page)  # the textarea's own text is transparent: the layer shows the composition
    assert page.evaluate(SHOWN) == "Reply in 日本"
    cdp.send("Input.insertText", {"text": "日本語 [[answer]]"})
    painted(page)
    expect(editor(page)).to_have_value("Reply in 日本語 [[answer]]")
    expect(page.locator("#slots .chip")).to_have_text(["answer"])


# -- typing stays instant on a 200 KiB prompt ----------------------------------------------

SECTION = """<!-- Ticket {n}: classify, then answer. -->
<header>Ticket {n} for {{{{ team }}}}</header>
Read the customer's message below and the notes our agents left on earlier tickets.
Keep names exact, quote numbers as written, and say when the text is silent.
{{{{ message }}}}
{{% for note in notes %}}- {{{{ note.author }}}}: {{{{ note.text }}}}
{{% endfor %}}
What is it about? [[pick:topic_{n}|billing,delivery,bug,other]]
Reply to {{{{ customer.name }}}} about {{{{ topic_{n} }}}} in two short paragraphs: [[reply_{n}]]
<checkpoint>
"""
# Generous, for 2 cores shared with other work: measured here 29-54 ms (a bare textarea
# without colours: 18 ms), where rebuilding the whole layer on each key took 153 ms.
BUDGET_MEDIAN_MS = 80

# From each keydown to the first task after the next frame is drawn (its rAF runs before
# the editor's own, and the timeout after the frame's style, layout and paint).
MEASURE = """() => {
  window.latencies = [];
  document.querySelector("#editor").addEventListener("keydown", (event) => {
    const started = event.timeStamp;
    const done = () => window.latencies.push(performance.now() - started);
    requestAnimationFrame(() => setTimeout(done));
  }, { capture: true });
}"""


def big_prompt(size: int = 200 * 1024) -> str:
    text, n = "", 0
    while len((text + SECTION).encode()) <= size:
        text += SECTION.format(n=n)
        n += 1
    return text


# Typed into "What is it about? [[pick:topic_…": a slot and a variable, key by key.
TYPED = [*"Urgent: ", "[", "[", *"flag", "]", "]", " ", *"{{ who }} "]


def test_a_keystroke_in_a_200_kib_prompt_touches_no_more_of_the_page_than_in_a_small_one(page):
    """Counted, not timed: the nodes of the coloured layer each key adds, removes or
    changes. (Measured on 2 shared cores: 29-54 ms from key to paint at 200 KiB, a bare
    textarea 18 ms; rebuilding the whole layer on each key took 153 ms. One 200 KiB line of
    prose: 45-49 ms, 54-63 before the text was read again only when idle, bare 28.)"""
    touched = {}
    for size in (8 * 1024, 200 * 1024):
        text = big_prompt(size)
        page.goto("/")
        paste(page, text)
        painted(page)
        last = text.rindex("What is it about? [[pick:topic_")
        touched[size] = typed_at(page, last, TYPED)
        # Past 16 KiB the text is read again once the page is idle (static/highlight.js).
        expect(page.locator("#slots .chip", has_text="flag")).to_have_count(1)
        expect(page.locator("#highlight .sd-var", has_text="who")).to_have_count(1)
    assert touched[200 * 1024] <= 1.5 * touched[8 * 1024] + 10, touched
