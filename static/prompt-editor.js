// The prompt's textarea, with its coloured layer and its keys. The rest of the page reads
// and sets the text only through here, so the colours always follow the text.
import { $ } from "./dom.js";
import { Highlighter } from "./highlight.js";
import { insert, installKeys } from "./keys.js";

let textarea, highlighter;

// onEdit: after each edit; onRead(found, stopLine): what the text asks for, after each
// reading; onHelp: Escape then ? was pressed.
export function setUpEditor({ onEdit, onRead, onHelp }) {
  textarea = $("#editor");
  highlighter = new Highlighter(textarea, $("#highlight"), onRead);
  installKeys(textarea, { onHelp });
  textarea.addEventListener("input", () => {
    highlighter.schedule();
    onEdit();
  });
  highlighter.render();
}

export function text() {
  return textarea.value;
}

// Shows another text (a version loaded, a draft restored): not an edit, not undoable.
export function setText(value) {
  textarea.value = value;
  highlighter.render();
}

// Types `value` at the caret, as the user would: undoable, and an edit.
export function insertText(value) {
  textarea.focus();
  insert(textarea, value);
}

export function focusEditor() {
  textarea.focus();
}
