// History: the shown version at its head, then its ancestors, nearest first: each with its
// number (its depth, v1 the root), what it changed against its parent, and its labels.
// One request a page: the server sends the numbers, marks and labels.
import { promptPath, request } from "./api.js";
import { sentence } from "./changes.js";
import { closeDiff } from "./diff.js";
import { $, element, when } from "./dom.js";
import { showLabels } from "./labels.js";
import { state } from "./state.js";

let older = null; // the next page's address

function labelChips(names) {
  const box = element("span", "chips");
  box.append(...names.map((name) => element("span", "chip label", name)));
  return box;
}

// "v4 Adds variable reader", "v3 Edits text": what a version did, in a few words.
function head(number, changes, first, removed) {
  const line = element("span", "row-head");
  if (number) line.append(element("b", "number", "v" + number), " ");
  const said = changes && sentence(changes);
  if (removed) line.append(element("span", "summary", "Removed"));
  else if (said) line.append(element("span", "interface-changed", said));
  else line.append(element("span", "edits", first ? "First version" : changes ? "Edits text" : ""));
  return line;
}

function historyItem(entry, number, parent) {
  const item = element("li", entry.removed ? "removed" : "");
  const row = entry.removed ? element("span") : element("a");
  if (!entry.removed) row.href = "/p/" + encodeURIComponent(entry.id);
  row.append(head(number, entry.template_changes, !entry.parent_id, entry.removed));
  // A first line like its parent's tells nothing: shown only where it differs.
  if (!entry.removed && (!parent || parent.removed || parent.summary !== entry.summary)) {
    row.append(element("span", "summary", entry.summary || "(blank first line)"));
  }
  row.append(when(entry.created_at), element("span", "short-id", entry.id.slice(0, 8)));
  if (entry.labels.length) row.append(labelChips(entry.labels));
  // null: a first version, or a removed one (or parent): nothing to compare.
  if (entry.template_changes) item.dataset.interface = sentence(entry.template_changes) ? "changed" : "same";
  item.append(row);
  return item;
}

function showThis(data) {
  const box = $("#this-version");
  box.replaceChildren(head(data.version, data.template_changes, !data.ancestors.length, false),
    element("span", "here", "You are here"), " ", when(data.created_at), labelChips(data.labels));
  box.hidden = false;
}

// Lists the history of `id`; with `more`, appends the next page.
export async function loadHistory(id, more) {
  const list = $("#history");
  $("#older").hidden = true;
  if (!more) {
    list.replaceChildren();
    $("#show-diff").hidden = true;
    $("#this-version").hidden = true;
    showLabels(id, null);
  }
  if (!id) {
    $("#history-note").textContent = "Not saved yet: earlier versions are listed here once you save.";
    return;
  }
  const answer = await request(more || promptPath(id, "history"));
  if (id !== state.currentPromptId) return; // another version is shown by now
  if (!answer || !answer.ok) {
    $("#history-note").textContent = "History could not be loaded.";
    return;
  }
  const data = answer.data, found = data.ancestors;
  if (!more) {
    showThis(data);
    showLabels(id, data);
  }
  const shown = list.children.length; // every page answers the number of the version asked about
  const items = found.map((entry, i) => historyItem(entry, data.version && data.version - 1 - shown - i, found[i + 1]));
  list.append(...items);
  if (more && items.length) items[0].firstChild.focus(); // the button that was pressed is gone
  older = data.next;
  $("#older").hidden = !older;
  $("#show-diff").hidden = list.children.length === 0;
  if (list.children.length === 0) closeDiff(); // a first version has no parent to diff with
  $("#history-note").textContent = list.children.length
    ? "Earlier versions, newest first." : "This is the first version.";
}

export function loadOlder() {
  return loadHistory(state.currentPromptId, older);
}
