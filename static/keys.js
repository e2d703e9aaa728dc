// The editor's keys. Tab indents only where indentation is expected (in a line's leading
// blanks, or across a selection of several lines); anywhere else it moves on, as Tab
// does on a page. Escape then Tab always moves on, so the keyboard is never trapped;
// Escape then ? opens the syntax help. Enter keeps the indentation of the line.
// Edits go through the browser's own insertText, so Undo undoes them in one step.

export const INDENT = "    ";

function lineStart(text, position) {
  return text.lastIndexOf("\n", position - 1) + 1;
}

function leadingBlanks(text, start) {
  return /^[ \t]*/.exec(text.slice(start, start + 200))[0];
}

// Replaces the selection with `text` as typing would (undoable, fires input).
export function insert(textarea, text) {
  if (!document.execCommand("insertText", false, text)) {
    textarea.setRangeText(text, textarea.selectionStart, textarea.selectionEnd, "end");
    textarea.dispatchEvent(new InputEvent("input", { inputType: "insertText", data: text }));
  }
}

// Indents (or outdents) every line the selection touches, keeping them selected.
function shiftLines(textarea, outdent) {
  const { value, selectionStart, selectionEnd } = textarea;
  const start = lineStart(value, selectionStart);
  // To the end of the last line touched (a selection ending at a line's start leaves it).
  const last = selectionEnd > selectionStart && value[selectionEnd - 1] === "\n" ? selectionEnd - 1 : selectionEnd;
  const next = value.indexOf("\n", last);
  const end = next < 0 ? value.length : next;
  const lines = value.slice(start, end).split("\n");
  const shifted = lines.map((line) => (outdent ? line.replace(/^(?: {1,4}|\t)/, "") : INDENT + line));
  const caret = textarea.selectionStart === textarea.selectionEnd;
  textarea.setSelectionRange(start, end);
  insert(textarea, shifted.join("\n"));
  if (caret) { // a caret in the blanks moves with them
    const moved = selectionStart + (shifted[0].length - lines[0].length);
    textarea.setSelectionRange(Math.max(start, moved), Math.max(start, moved));
  } else {
    textarea.setSelectionRange(start, start + shifted.join("\n").length);
  }
}

// Where Tab indents: a selection over several lines, or a caret in a line's leading
// blanks (an empty line included) of a prompt that has text. Shift+Tab outdents there
// only if the line has blanks to take away.
function indentsHere(textarea, outdent) {
  const { value, selectionStart, selectionEnd } = textarea;
  if (value.slice(selectionStart, selectionEnd).includes("\n")) return true;
  if (selectionStart !== selectionEnd || !value.trim()) return false;
  const start = lineStart(value, selectionStart), blanks = leadingBlanks(value, start);
  return selectionStart - start <= blanks.length && !(outdent && !blanks);
}

export function installKeys(textarea, { onHelp }) {
  let escaped = false; // Escape was the last key: the next Tab leaves, the next ? helps
  textarea.addEventListener("keydown", (event) => {
    if (event.isComposing || event.ctrlKey || event.metaKey || event.altKey) return;
    const after = escaped;
    escaped = event.key === "Escape" || (after && event.key === "Shift");
    if (event.key === "Tab" && !after && indentsHere(textarea, event.shiftKey)) {
      event.preventDefault();
      const { value, selectionStart, selectionEnd } = textarea;
      const several = value.slice(selectionStart, selectionEnd).includes("\n");
      if (several || event.shiftKey) shiftLines(textarea, event.shiftKey);
      else insert(textarea, INDENT);
    } else if (event.key === "?" && after) {
      event.preventDefault();
      onHelp();
    } else if (event.key === "Enter" && !event.shiftKey) {
      const { value, selectionStart } = textarea;
      const blanks = leadingBlanks(value, lineStart(value, selectionStart));
      if (!blanks) return;
      event.preventDefault();
      insert(textarea, "\n" + blanks.slice(0, selectionStart - lineStart(value, selectionStart)));
    }
  });
  textarea.addEventListener("blur", () => { escaped = false; });
}
