// prompt-store's editor page: save with lineage, share, browse history and diffs, never
// lose text; the prompt coloured as you type. This module only wires the others.
import { showChips } from "./chips.js";
import { deleteVersion } from "./delete.js";
import { toggleDiff } from "./diff.js";
import { $, kib } from "./dom.js";
import { draftSoon, onBeforeUnload, restoreDraft } from "./drafts.js";
import { helpFollowsEdits, setUpHelp, toggleHelp } from "./help.js";
import { loadHistory, loadOlder } from "./history.js";
import { setUpLabels } from "./labels.js";
import { setUpEditor, text } from "./prompt-editor.js";
import { save } from "./save.js";
import { state } from "./state.js";
import { copyLink, onPopState, showVersion } from "./versions.js";

function onEdit() {
  draftSoon();
  helpFollowsEdits();
}

function onKeyDown(event) {
  if ((event.ctrlKey || event.metaKey) && (event.key || "").toLowerCase() === "s") {
    event.preventDefault();
    save();
  }
}

function start() {
  setUpEditor({ onEdit, onRead: showChips, onHelp: () => toggleHelp(true) });
  setUpHelp();
  setUpLabels(() => loadHistory(state.currentPromptId));
  state.currentPromptId = $("#current-prompt-id").value;
  state.savedText = text();
  history.replaceState({ id: state.currentPromptId }, "");
  $("#hint").textContent += " · up to " + kib(Number($("#max-bytes").value));
  restoreDraft();
  showVersion(state.currentPromptId);
  $("#save").addEventListener("click", save);
  $("#copy-link").addEventListener("click", copyLink);
  $("#delete").addEventListener("click", deleteVersion);
  $("#show-diff").addEventListener("click", toggleDiff);
  $("#older").addEventListener("click", loadOlder);
  window.addEventListener("popstate", onPopState);
  window.addEventListener("beforeunload", onBeforeUnload);
  document.addEventListener("keydown", onKeyDown);
}

start(); // a module runs once the document is parsed
