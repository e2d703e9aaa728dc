// Which version is shown: the hidden field, the URL, Back and Forward, and its share link.
import { promptPath, request } from "./api.js";
import { tokenFor } from "./delete.js";
import { diffIsOpen, loadDiff } from "./diff.js";
import { $, setStatus } from "./dom.js";
import { restoreDraft, showDirty, writeDraft } from "./drafts.js";
import { loadHistory } from "./history.js";
import { setText, text } from "./prompt-editor.js";
import { state } from "./state.js";

export function idFromPath() {
  const match = window.location.pathname.match(/^\/p\/([^/]+)$/);
  return match ? decodeURIComponent(match[1]) : "";
}

// Shows `id` as the current version: its buttons, history and (if open) diff.
export function showVersion(id) {
  state.currentPromptId = id;
  $("#current-prompt-id").value = id;
  $("#copy-link").hidden = !id;
  $("#delete").hidden = !tokenFor(id);
  $("#no-delete").hidden = !id || !$("#delete").hidden;
  showDirty();
  loadHistory(id);
  if (diffIsOpen()) loadDiff(id);
}

// Back or Forward: load that version's text (or a blank one) and show it.
export async function onPopState(event) {
  const id = (event.state && event.state.id) || idFromPath();
  writeDraft(); // the version being left keeps its unsaved edits
  let shown = "";
  if (id) {
    const answer = await request(promptPath(id, "raw"), { as: "text" });
    if (!answer) return setStatus("Could not load that version: the server could not be reached.", "error");
    if (!answer.ok) return window.location.reload(); // let the server explain
    shown = answer.data;
  }
  if (id !== ((history.state && history.state.id) || idFromPath())) return; // moved on
  setText(shown);
  state.savedText = text();
  state.currentPromptId = id;
  if (!restoreDraft()) setStatus(id ? "Saved version" : "New prompt");
  showVersion(id);
}

export async function copyLink() {
  const url = new URL("/p/" + state.currentPromptId, window.location.origin).href;
  try {
    await navigator.clipboard.writeText(url);
    setStatus("Link copied. Anyone with it can read this version.");
  } catch (error) {
    setStatus("Copy this link: " + url);
  }
}
