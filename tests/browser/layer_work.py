"""What the editor's coloured layer costs, counted: its elements, and the nodes that a
keystroke adds, removes or changes in it (a MutationObserver's records)."""

from __future__ import annotations

from playwright.sync_api import Page

SHOWN = "[...document.querySelector('#highlight').children].map((d) => d.textContent).join('\\n')"

# Elements of the page, of the layer, and the layer's coloured spans.
COUNT = """() => ({
  page: document.getElementsByTagName("*").length,
  layer: document.querySelectorAll("#highlight *").length,
  coloured: document.querySelectorAll("#highlight span[class]").length,
})"""

# From now on, window.touched counts the layer's nodes added, removed or changed.
OBSERVE = """() => {
  window.touched = 0;
  // A node added or removed counts with all the nodes inside it (filled before or after).
  const nodes = (node) => {
    let found = 1;
    const walker = document.createTreeWalker(node);
    while (walker.nextNode()) found++;
    return found;
  };
  const sum = (list) => [...list].reduce((total, node) => total + nodes(node), 0);
  const count = (r) => sum(r.addedNodes) + sum(r.removedNodes) + (r.type === "characterData");
  new MutationObserver((records) => { for (const r of records) window.touched += count(r); })
    .observe(document.querySelector("#highlight"), { childList: true, subtree: true,
      characterData: true });
}"""


def painted(page: Page) -> None:
    """Wait until the layer shows the textarea's text (the next frame)."""
    page.wait_for_function(f"() => {SHOWN} === document.querySelector('#editor').value")


def counts(page: Page) -> dict:
    return page.evaluate(COUNT)


def typed_at(page: Page, position: int, keys: list[str]) -> float:
    """Type `keys` at `position` and return the layer's nodes touched per key, the caret
    already on screen (a first key, not counted, scrolls it there)."""
    editor = page.locator("#editor")
    editor.evaluate(f"t => {{ t.focus(); t.setSelectionRange({position}, {position}); }}")
    page.keyboard.type(" ")
    painted(page)
    page.evaluate("() => new Promise((done) => requestAnimationFrame(() => setTimeout(done)))")
    page.evaluate(OBSERVE)
    for key in keys:
        page.keyboard.press(key)
        painted(page)
    page.evaluate("() => new Promise((done) => setTimeout(done))")  # the last records
    return page.evaluate("window.touched") / len(keys)
