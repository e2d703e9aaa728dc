// prompt-store editor: save with lineage, share, browse history and diffs; never lose text.
// User text only ever reaches the page through .value and .textContent.
"use strict";

const state = {
  currentPromptId: "", savedText: "", saving: false, older: null, draftTimer: 0,
  interfaceTimer: 0, entries: [], templates: new Map(),
};
const DRAFT_PREFIX = "prompt-store:draft:";
const TOKEN_PREFIX = "prompt-store:delete-token:";
const CONFIRM_DELETE = "Delete this version from the server?\n\n" +
  "Its text is wiped for good and every link to it stops working: it will say the version " +
  "was removed. Later versions keep their own text; earlier ones are not touched.";

// -- helpers --------------------------------------------------------------------
function $(selector) {
  return document.querySelector(selector);
}

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function setStatus(message, kind) {
  $("#status").textContent = message;
  $("#status").className = kind || "";
}

function kib(bytes) {
  return Number((bytes / 1024).toFixed(2)) + " KiB";
}

function clock(date) {
  return date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" });
}

function firstLine(text) {
  const line = text.split("\n").find((candidate) => candidate.trim());
  return line ? line.trim().slice(0, 60) : "";
}

function idFromPath() {
  const match = window.location.pathname.match(/^\/p\/([^/]+)$/);
  return match ? decodeURIComponent(match[1]) : "";
}

// -- unsaved changes: a marker, the tab title, a draft that survives reloads ------
function isDirty() {
  return $("#editor").value !== state.savedText;
}

function showDirty() {
  const dirty = isDirty();
  $("#dirty").hidden = !dirty;
  const name = firstLine(state.savedText) || "New prompt";
  document.title = (dirty ? "● " : "") + name + " · prompt-store";
}

function draftKey(id) {
  return DRAFT_PREFIX + (id || "new");
}

function withStorage(action) {
  try {
    return action(window.localStorage);
  } catch (error) {
    return null; // storage full or disabled: the beforeunload warning still guards the text
  }
}

function writeDraft() {
  clearTimeout(state.draftTimer);
  const key = draftKey(state.currentPromptId);
  const text = $("#editor").value;
  withStorage((store) => (isDirty() ? store.setItem(key, text) : store.removeItem(key)));
}

function restoreDraft() {
  const draft = withStorage((store) => store.getItem(draftKey(state.currentPromptId)));
  if (draft === null || draft === state.savedText) return false;
  $("#editor").value = draft;
  setStatus("Restored your unsaved draft. Save to keep it.");
  return true;
}

function onEdit() {
  showDirty();
  clearTimeout(state.draftTimer);
  state.draftTimer = setTimeout(writeDraft, 300);
  clearTimeout(state.interfaceTimer);
  state.interfaceTimer = setTimeout(showInterface, 250);
}

function onBeforeUnload(event) {
  writeDraft();
  if (isDirty()) {
    event.preventDefault();
    event.returnValue = "";
  }
}

// -- saving: {text, parent_id} to the API; errors keep the text in the editor -----
function notSaved(reason) {
  setStatus("Not saved: " + reason + " Your text is still here.", "error");
}

function tooLarge(size, limit) {
  notSaved(`the prompt is ${kib(size)} of UTF-8; the limit is ${kib(limit)}. Shorten it and save again.`);
}

function retryHint(response) {
  const header = response.headers.get("Retry-After") || "";
  const seconds = /^\d+$/.test(header) ? Number(header)
    : Math.ceil((Date.parse(header) - Date.now()) / 1000);
  if (!(seconds > 0)) return "Try again shortly.";
  const at = clock(new Date(Date.now() + seconds * 1000));
  return `Try again in ${seconds} second${seconds === 1 ? "" : "s"} (at ${at}).`;
}

async function explainFailure(response, size, limit) {
  if (response.status === 429) return notSaved("too many saves. " + retryHint(response));
  const data = await response.json().catch(() => ({}));
  if (response.status === 413) {
    // The server's limit wins over the page's (a proxy may be stricter still).
    return data.description ? notSaved(data.description + " Shorten it and save again.")
      : tooLarge(size, limit);
  }
  notSaved(data.description || data.title || `the server answered ${response.status}.`);
}

async function save() {
  if (state.saving) return;
  const text = $("#editor").value;
  const limit = Number($("#max-bytes").value);
  const size = new TextEncoder().encode(text).length;
  if (!text.trim()) return setStatus("Nothing to save yet: write a prompt first.", "error");
  if (size > limit) return tooLarge(size, limit);
  state.saving = true;
  setStatus("Saving…");
  try {
    await send(text, size, limit);
  } finally {
    state.saving = false;
  }
}

async function send(text, size, limit) {
  let response, data;
  try {
    response = await fetch("/api/prompts", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ text: text, parent_id: state.currentPromptId || null }),
    });
    if (response.ok) data = await response.json();
  } catch (error) {
    notSaved("the server could not be reached; check your connection and save again.");
    return;
  }
  if (!response.ok) return explainFailure(response, size, limit);
  saved(data, text, response.status === 201);
}

function saved(data, text, created) {
  const previousId = state.currentPromptId;
  state.savedText = text;
  if (data.delete_token) keepToken(data.id, data.delete_token); // only a 201 carries one
  withStorage((store) => store.removeItem(draftKey(previousId)));
  if (data.id === previousId) {
    setStatus("No changes: this version is already saved.");
  } else {
    history.pushState({ id: data.id }, "", "/p/" + data.id);
    showVersion(data.id);
    setStatus(created ? "Saved at " + clock(new Date()) : "Already saved as this version.");
  }
  writeDraft(); // keeps anything typed while the save was on its way
  showDirty();
}

// -- versions: the hidden field, the URL, Back/Forward ----------------------------
function showVersion(id) {
  state.currentPromptId = id;
  $("#current-prompt-id").value = id;
  $("#copy-link").hidden = !id;
  $("#delete").hidden = !tokenFor(id);
  showDirty();
  showInterface();
  loadHistory(id);
  if (!$("#diff-view").hidden) loadDiff(id);
}

async function onPopState(event) {
  const id = (event.state && event.state.id) || idFromPath();
  writeDraft(); // the version being left keeps its unsaved edits
  let text = "";
  if (id) {
    let response;
    try {
      response = await fetch("/api/prompts/" + encodeURIComponent(id) + "/raw");
    } catch (error) {
      setStatus("Could not load that version: the server could not be reached.", "error");
      return;
    }
    if (!response.ok) return window.location.reload(); // let the server explain
    text = await response.text();
  }
  if (id !== ((history.state && history.state.id) || idFromPath())) return; // moved on
  $("#editor").value = text;
  state.savedText = $("#editor").value;
  state.currentPromptId = id;
  if (!restoreDraft()) setStatus(id ? "Saved version" : "New prompt");
  showVersion(id);
}

// -- sharing ------------------------------------------------------------------------
async function copyLink() {
  const url = new URL("/p/" + state.currentPromptId, window.location.origin).href;
  try {
    await navigator.clipboard.writeText(url);
    setStatus("Link copied. Anyone with it can read this version.");
  } catch (error) {
    setStatus("Copy this link: " + url);
  }
}

// -- delete tokens: kept for the prompts this browser created, keyed by id -----------
function tokenFor(id) {
  return id ? withStorage((store) => store.getItem(TOKEN_PREFIX + id)) : null;
}

function keepToken(id, token) {
  withStorage((store) => store.setItem(TOKEN_PREFIX + id, token));
}

function forgetToken(id) {
  withStorage((store) => store.removeItem(TOKEN_PREFIX + id));
}

async function deleteVersion() {
  const id = state.currentPromptId;
  const token = tokenFor(id);
  const unsaved = isDirty() ? "\n\nYour unsaved edits in the editor are discarded too." : "";
  if (!token || !window.confirm(CONFIRM_DELETE + unsaved)) return;
  setStatus("Deleting…");
  let response;
  try {
    response = await fetch("/api/prompts/" + encodeURIComponent(id), {
      method: "DELETE", headers: { "X-Delete-Token": token },
    });
  } catch (error) {
    return setStatus("Not deleted: the server could not be reached. Try again.", "error");
  }
  if (response.status === 204 || response.status === 410) {
    forgetToken(id);
    withStorage((store) => store.removeItem(draftKey(id)));
    state.savedText = $("#editor").value; // leave without the unsaved-changes warning
    return window.location.replace("/p/" + encodeURIComponent(id)); // the server's "removed" page
  }
  if (response.status === 403) {
    forgetToken(id); // it will never work: the server holds no such token for this version
    $("#delete").hidden = true;
  }
  if (response.status === 429) return setStatus("Not deleted: too many requests. " + retryHint(response), "error");
  const data = await response.json().catch(() => ({}));
  setStatus("Not deleted: " + (data.description || `the server answered ${response.status}.`), "error");
}

// -- the template interface: the variables and slots of the text, as chips ------------
function showInterface() {
  clearTimeout(state.interfaceTimer);
  const found = PromptTemplate.read($("#editor").value);
  for (const kind of ["variables", "slots"]) {
    const chips = found[kind].map((name) => element("span", "chip", name));
    chips.forEach((chip) => chip.setAttribute("role", "listitem"));
    $("#" + kind).replaceChildren(...chips);
    $("#" + kind + "-row").hidden = chips.length === 0;
  }
  $("#interface-none").hidden = found.variables.length + found.slots.length > 0;
}

function templateOf(id) {
  if (!state.templates.has(id)) {
    const loaded = fetch("/api/prompts/" + encodeURIComponent(id))
      .then((response) => (response.ok ? response.json() : null))
      .then((data) => data && data.template, () => null);
    state.templates.set(id, loaded);
  }
  return state.templates.get(id);
}

// Marks each listed version whose variables or slots differ from its parent's.
function markInterfaceChanges(id) {
  const items = $("#history").children;
  state.entries.forEach((entry, i) => {
    const parent = state.entries[i + 1];
    if (!parent || entry.removed || parent.removed || items[i].dataset.interface) return;
    items[i].dataset.interface = "checking";
    Promise.all([templateOf(entry.id), templateOf(parent.id)]).then(([now, before]) => {
      if (id !== state.currentPromptId || !now || !before) return;
      const sentence = PromptTemplate.sentence(PromptTemplate.changes(before, now));
      items[i].dataset.interface = sentence ? "changed" : "same";
      if (sentence) items[i].firstChild.append(element("span", "interface-changed", sentence));
    });
  });
}

// "Adds slot `summary`; removes variable `name`." with each name as code.
function showInterfaceChanges(changes) {
  const lead = $("#interface-changes");
  const clauses = PromptTemplate.clauses(changes);
  lead.replaceChildren(clauses.length ? "" : "Same variables and slots as its parent.");
  clauses.forEach(([verb, kind, names], i) => {
    lead.append(`${i ? "; " + verb.toLowerCase() : verb} ${kind}${names.length > 1 ? "s" : ""} `);
    names.forEach((name, j) => lead.append(j ? ", " : "", element("code", "", name)));
  });
  if (clauses.length) lead.append(".");
}

// -- history: the ancestors of the shown version, nearest first ---------------------
function historyItem(entry) {
  const item = element("li", entry.removed ? "removed" : "");
  const row = entry.removed ? element("span") : element("a");
  const date = new Date(entry.created_at);
  const when = element("time", "", isNaN(date) ? entry.created_at
    : date.toLocaleString([], { dateStyle: "medium", timeStyle: "short" }));
  when.dateTime = entry.created_at;
  const summary = entry.removed ? "Removed" : entry.summary || "(blank first line)";
  if (!entry.removed) row.href = "/p/" + encodeURIComponent(entry.id);
  // Versions often share a first line: the short id tells them apart.
  row.append(element("span", "summary", summary), when, element("span", "short-id", entry.id.slice(0, 8)));
  item.append(row);
  return item;
}

async function loadHistory(id, more) {
  const list = $("#history");
  $("#older").hidden = true;
  if (!more) {
    list.replaceChildren();
    state.entries = [];
    $("#show-diff").hidden = true;
  }
  if (!id) {
    $("#history-note").textContent = "Not saved yet: earlier versions are listed here once you save.";
    return;
  }
  let data;
  try {
    const response = await fetch(more || "/api/prompts/" + encodeURIComponent(id) + "/history");
    if (!response.ok) throw new Error(String(response.status));
    data = await response.json();
  } catch (error) {
    if (id === state.currentPromptId) $("#history-note").textContent = "History could not be loaded.";
    return;
  }
  if (id !== state.currentPromptId) return; // another version is shown by now
  const items = data.ancestors.map(historyItem);
  list.append(...items);
  state.entries.push(...data.ancestors);
  markInterfaceChanges(id);
  if (more && items.length) items[0].firstChild.focus(); // the button that was pressed is gone
  state.older = data.next;
  $("#older").hidden = !data.next;
  $("#show-diff").hidden = list.children.length === 0;
  if (list.children.length === 0) closeDiff();
  $("#history-note").textContent = list.children.length
    ? "Earlier versions, newest first." : "This is the first version.";
}

// -- diff with parent: the unified diff, added and removed lines coloured ------------
function diffLine(line) {
  if (line.startsWith("+")) return element("ins", "", line);
  if (line.startsWith("-")) return element("del", "", line);
  return element("span", line.startsWith("@@") ? "hunk" : line.startsWith("\\") ? "note" : "", line);
}

async function loadDiff(id) {
  $("#diff").replaceChildren();
  $("#interface-changes").replaceChildren();
  $("#diff-summary").textContent = "Loading…";
  let data;
  try {
    const response = await fetch("/api/prompts/" + encodeURIComponent(id) + "/diff");
    data = await response.json();
    if (!response.ok) throw new Error(data.description || data.title);
  } catch (error) {
    if (id === state.currentPromptId) $("#diff-summary").textContent = "No diff: " + error.message;
    return;
  }
  if (id !== state.currentPromptId) return;
  showInterfaceChanges(data.template_changes);
  const lines = data.diff.split("\n").slice(2).filter(Boolean); // no ---/+++ header
  $("#diff-summary").textContent = `This version against its parent: ${data.added} added, ` +
    `${data.removed} removed.`;
  $("#diff").append(...lines.map(diffLine));
}

function closeDiff() {
  $("#diff-view").hidden = true;
  $("#show-diff").setAttribute("aria-expanded", "false");
}

function toggleDiff() {
  if (!$("#diff-view").hidden) return closeDiff();
  $("#diff-view").hidden = false;
  $("#show-diff").setAttribute("aria-expanded", "true");
  loadDiff(state.currentPromptId);
}

// -- start --------------------------------------------------------------------------
function start() {
  state.currentPromptId = $("#current-prompt-id").value;
  state.savedText = $("#editor").value;
  history.replaceState({ id: state.currentPromptId }, "");
  $("#hint").textContent += " · up to " + kib(Number($("#max-bytes").value));
  restoreDraft();
  showVersion(state.currentPromptId);
  $("#editor").addEventListener("input", onEdit);
  $("#save").addEventListener("click", save);
  $("#copy-link").addEventListener("click", copyLink);
  $("#delete").addEventListener("click", deleteVersion);
  $("#show-diff").addEventListener("click", toggleDiff);
  $("#older").addEventListener("click", () => loadHistory(state.currentPromptId, state.older));
  window.addEventListener("popstate", onPopState);
  window.addEventListener("beforeunload", onBeforeUnload);
  document.addEventListener("keydown", (event) => {
    if ((event.ctrlKey || event.metaKey) && (event.key || "").toLowerCase() === "s") {
      event.preventDefault();
      save();
    }
  });
}

document.addEventListener("DOMContentLoaded", start);
