// History: the ancestors of the shown version, nearest first, each marked where its
// variables or slots changed. One request a page: the server sends the marks.
import { promptPath, request, Unreachable } from "./api.js";
import { sentence } from "./changes.js";
import { closeDiff } from "./diff.js";
import { $, element } from "./dom.js";
import { state } from "./state.js";

let older = null; // the next page's address

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
  // null: a first version, or a removed one (or parent): nothing to compare.
  const changes = entry.template_changes;
  if (changes) {
    const said = sentence(changes);
    item.dataset.interface = said ? "changed" : "same";
    if (said) row.append(element("span", "interface-changed", said));
  }
  item.append(row);
  return item;
}

// Lists the history of `id`; with `more`, appends the next page.
export async function loadHistory(id, more) {
  const list = $("#history");
  $("#older").hidden = true;
  if (!more) {
    list.replaceChildren();
    $("#show-diff").hidden = true;
  }
  if (!id) {
    $("#history-note").textContent = "Not saved yet: earlier versions are listed here once you save.";
    return;
  }
  let answer;
  try {
    answer = await request(more || promptPath(id, "history"));
  } catch (error) {
    if (!(error instanceof Unreachable)) throw error;
  }
  if (id !== state.currentPromptId) return; // another version is shown by now
  if (!answer || !answer.ok) {
    $("#history-note").textContent = "History could not be loaded.";
    return;
  }
  const items = answer.data.ancestors.map(historyItem);
  list.append(...items);
  if (more && items.length) items[0].firstChild.focus(); // the button that was pressed is gone
  older = answer.data.next;
  $("#older").hidden = !older;
  $("#show-diff").hidden = list.children.length === 0;
  if (list.children.length === 0) closeDiff(); // a first version has no parent to diff with
  $("#history-note").textContent = list.children.length
    ? "Earlier versions, newest first." : "This is the first version.";
}

export function loadOlder() {
  return loadHistory(state.currentPromptId, older);
}
