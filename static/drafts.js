// Unsaved changes: a marker, the tab title, and a draft in localStorage that survives
// reloads until the text is saved.
import { $, firstLine, setStatus, withStorage } from "./dom.js";
import { setText, text } from "./prompt-editor.js";
import { state } from "./state.js";

const DRAFT_PREFIX = "prompt-store:draft:";
let timer = 0;

export function isDirty() {
  return text() !== state.savedText;
}

export function showDirty() {
  const dirty = isDirty();
  $("#dirty").hidden = !dirty;
  const name = firstLine(state.savedText) || "New prompt";
  document.title = (dirty ? "● " : "") + name + " · prompt-store";
}

function draftKey(id) {
  return DRAFT_PREFIX + (id || "new");
}

export function writeDraft() {
  clearTimeout(timer);
  const key = draftKey(state.currentPromptId);
  const draft = text();
  withStorage((store) => (isDirty() ? store.setItem(key, draft) : store.removeItem(key)));
}

// After an edit: the marker now, the draft once typing pauses.
export function draftSoon() {
  showDirty();
  clearTimeout(timer);
  timer = setTimeout(writeDraft, 300);
}

export function forgetDraft(id) {
  withStorage((store) => store.removeItem(draftKey(id)));
}

// Puts back the unsaved draft of the version shown, if there is one; says whether.
export function restoreDraft() {
  const draft = withStorage((store) => store.getItem(draftKey(state.currentPromptId)));
  if (draft === null || draft === state.savedText) return false;
  setText(draft);
  setStatus("Restored your unsaved draft. Save to keep it.");
  return true;
}

export function onBeforeUnload(event) {
  writeDraft();
  if (isDirty()) {
    event.preventDefault();
    event.returnValue = "";
  }
}
