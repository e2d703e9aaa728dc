// Diff with parent: the unified diff with added and removed lines coloured, led by what
// the version changed in its variables and slots.
import { promptPath, request, explain } from "./api.js";
import { writeSentence } from "./changes.js";
import { $, element } from "./dom.js";
import { state } from "./state.js";

const SHOWN = 5000;

function diffLine(line) {
  if (line.startsWith("+")) return element("ins", "", line);
  if (line.startsWith("-")) return element("del", "", line);
  return element("span", line.startsWith("@@") ? "hunk" : line.startsWith("\\") ? "note" : "", line);
}

export async function loadDiff(id) {
  $("#diff").replaceChildren();
  $("#interface-changes").replaceChildren();
  $("#diff-summary").textContent = "Loading…";
  const answer = await request(promptPath(id, "diff"));
  const problem = !answer ? "the server could not be reached." : !answer.ok && explain(answer);
  if (id !== state.currentPromptId) return;
  if (problem) {
    $("#diff-summary").textContent = "No diff: " + problem;
    return;
  }
  const data = answer.data;
  writeSentence($("#interface-changes"), data.template_changes, "Same variables and slots as its parent.");
  const lines = data.diff.split("\n").slice(2).filter(Boolean); // no ---/+++ header
  $("#diff-summary").textContent = `This version against its parent: ${data.added} added, ` +
    `${data.removed} removed.`;
  // A line an element: past SHOWN lines the page would grow without bound (and a spread
  // of 200,000 arguments overflows the stack).
  const shown = document.createDocumentFragment();
  for (const line of lines.slice(0, SHOWN)) shown.append(diffLine(line));
  if (lines.length > SHOWN) {
    shown.append(element("span", "note", `… and ${lines.length - SHOWN} more lines, not shown here.`));
  }
  $("#diff").append(shown);
}

export function closeDiff() {
  $("#diff-view").hidden = true;
  $("#show-diff").setAttribute("aria-expanded", "false");
}

export function diffIsOpen() {
  return !$("#diff-view").hidden;
}

export function toggleDiff() {
  if (diffIsOpen()) return closeDiff();
  $("#diff-view").hidden = false;
  $("#show-diff").setAttribute("aria-expanded", "true");
  loadDiff(state.currentPromptId);
}
