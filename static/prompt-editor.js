// The prompt's textarea, with its coloured layer and its keys; or, for a text of very many
// lines, the read-only view (reader.js) until "Edit anyway". The rest of the page reads
// and sets the text only through here, so the colours always follow the text.
import { $ } from "./dom.js";
import { Highlighter } from "./highlight.js";
import { insert, installKeys } from "./keys.js";
import { lineCount, makeReader, makeTextarea, readerNote } from "./reader.js";

let textarea = null, highlighter, hooks, source = "";

// onEdit: after each edit; onRead(found, stopLine): what the text asks for, after each
// reading; onHelp: Escape then ? was pressed.
export function setUpEditor(given) {
  hooks = given;
  $("#edit-anyway").addEventListener("click", editAnyway);
  if ($("#editor")) return attach($("#editor"));
  source = $("#source").content.textContent;
  showReader($("#reader"));
}

// The textarea, typing over its coloured copy.
function attach(area) {
  textarea = area;
  highlighter = new Highlighter(textarea, $("#highlight"), hooks.onRead);
  installKeys(textarea, { onHelp: hooks.onHelp });
  textarea.addEventListener("input", () => {
    highlighter.schedule();
    hooks.onEdit();
  });
  highlighter.render();
}

// The read-only view: the text coloured on screen, as in the editor, in a <pre>.
function showReader(pre) {
  textarea = null;
  const view = { box: pre, get value() { return source; }, get scrollTop() { return pre.scrollTop; },
    get scrollLeft() { return pre.scrollLeft; }, addEventListener: (...args) => pre.addEventListener(...args) };
  highlighter = new Highlighter(view, pre, hooks.onRead);
  highlighter.render();
  readerNote(lineCount(source));
}

// The user's choice: the textarea, with the text and all its cost.
function editAnyway() {
  const value = text();
  const [layer, area] = makeTextarea();
  $(".code").replaceChildren(layer, area);
  area.value = value;
  attach(area);
  $("#read-only").hidden = true;
  area.focus();
  area.setSelectionRange(0, 0);
}

export function text() {
  return textarea ? textarea.value : source;
}

// Shows another text (a version loaded, a draft restored): not an edit, not undoable.
// A text of very many lines opens read-only; a shorter one in the textarea.
export function setText(value) {
  const reading = lineCount(value) > Number($("#read-only-lines").value);
  if (reading) {
    source = value;
    $(".code").replaceChildren(makeReader()); // a fresh one: the old one's layer goes with it
    return showReader($("#reader"));
  }
  if (!textarea) {
    $(".code").replaceChildren(...makeTextarea());
    $("#read-only").hidden = true;
    attach($("#editor"));
  }
  textarea.value = value;
  highlighter.render();
}

// Types `value` at the caret, as the user would: undoable, and an edit.
export function insertText(value) {
  if (!textarea) return;
  textarea.focus();
  insert(textarea, value);
}

export function focusEditor() {
  (textarea || $("#reader")).focus();
}
