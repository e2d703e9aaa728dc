// The syntax help: a short reference of struckdown, its samples coloured by the editor's
// own reading, and an example prompt to start from. Opened by its button, by ? (outside
// a text field) or by Escape then ? in the editor.
import { $ } from "./dom.js";
import { paint, paintLines } from "./paint.js";
import { focusEditor, insertText, text } from "./prompt-editor.js";

let example = "";

function showInsertable() {
  const empty = !text().trim();
  $("#insert-example").disabled = !empty;
  $("#example-note").hidden = empty;
}

function setOpen(open) {
  $("#help").hidden = !open;
  $("#show-help").setAttribute("aria-expanded", String(open));
  if (open) showInsertable();
}

export function toggleHelp(focus) {
  const inside = $("#help").contains(document.activeElement);
  setOpen($("#help").hidden);
  if ($("#help").hidden && inside) focusEditor(); // focus is never lost with the panel
  else if (focus && !$("#help").hidden) $("#help-heading").focus();
}

function insertExample() {
  if (text().trim()) return showInsertable();
  insertText(example);
  showInsertable();
}

function isTyping(target) {
  return target.closest("textarea, input, select, [contenteditable]") !== null;
}

export function setUpHelp() {
  example = $("#example").textContent.replace(/^\n/, "");
  paintLines($("#example"), example.replace(/\n$/, ""));
  document.querySelectorAll("#help code.sd-sample").forEach(paint);
  $("#show-help").addEventListener("click", () => toggleHelp(false));
  $("#insert-example").addEventListener("click", insertExample);
  $("#help").addEventListener("keydown", (event) => {
    if (event.key !== "Escape") return;
    setOpen(false);
    focusEditor();
  });
  document.addEventListener("keydown", (event) => {
    if (event.key !== "?" || event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.defaultPrevented || isTyping(event.target)) return;
    event.preventDefault();
    toggleHelp(true);
  });
}

// After each edit: the example goes only into an empty editor.
export function helpFollowsEdits() {
  if (!$("#help").hidden) showInsertable();
}
