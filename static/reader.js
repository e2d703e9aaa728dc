// The read-only view of a text of very many lines: Chromium's textarea takes seconds to
// lay out 200,000 lines and a quarter of a second a key, a <pre> a fifth of a second. The
// bound is the server's (api/resources/pages.py), in #read-only-lines.
import { $, element } from "./dom.js";

export function lineCount(text) {
  let count = 1;
  for (let at = text.indexOf("\n"); at >= 0; at = text.indexOf("\n", at + 1)) count++;
  return count;
}

// The same sentence as the server's (pages.py read_only_why).
export function readerNote(count) {
  $("#read-only-why").textContent = `Shown read-only: this version has ${count.toLocaleString("en")} ` +
    "lines, and a browser's text box takes seconds to open that many and a long moment for each " +
    "key. Copy, history, diff and labels work as usual.";
  $("#read-only").hidden = false;
}

export function makeReader() {
  const pre = element("pre");
  pre.id = "reader";
  pre.tabIndex = 0;
  pre.setAttribute("aria-label", "Prompt (read-only)");
  return pre;
}

// The editor's layer and textarea, as the page's template writes them.
export function makeTextarea() {
  const layer = element("div");
  layer.id = "highlight";
  layer.setAttribute("aria-hidden", "true");
  const area = element("textarea");
  area.id = "editor";
  area.spellcheck = false;
  area.setAttribute("autocapitalize", "off");
  area.setAttribute("aria-describedby", "hint keys-hint");
  return [layer, area];
}
