// Taking a version back: the delete tokens of the prompts this browser created, kept in
// localStorage by id, and the Delete button that spends one.
import { promptPath, request, retryHint, explain } from "./api.js";
import { $, clock, setStatus, withStorage } from "./dom.js";
import { forgetDraft, isDirty } from "./drafts.js";
import { text } from "./prompt-editor.js";
import { state } from "./state.js";

const TOKEN_PREFIX = "prompt-store:delete-token:";
const CONFIRM_DELETE = "Delete this version from the server?\n\n" +
  "Its text is wiped for good and every link to it stops working: it will say the version " +
  "was removed. Later versions keep their own text; earlier ones are not touched.";

export function tokenFor(id) {
  return id ? withStorage((store) => store.getItem(TOKEN_PREFIX + id)) : null;
}

export function keepToken(id, token) {
  withStorage((store) => store.setItem(TOKEN_PREFIX + id, token));
}

function forgetToken(id) {
  withStorage((store) => store.removeItem(TOKEN_PREFIX + id));
}

export async function deleteVersion() {
  const id = state.currentPromptId;
  const token = tokenFor(id);
  const unsaved = isDirty() ? "\n\nYour unsaved edits in the editor are discarded too." : "";
  if (!token || !window.confirm(CONFIRM_DELETE + unsaved)) return;
  setStatus("Deleting…");
  const answer = await request(promptPath(id), { method: "DELETE", headers: { "X-Delete-Token": token } });
  if (!answer) return setStatus("Not deleted: the server could not be reached. Try again.", "error");
  if (answer.status === 204 || answer.status === 410) {
    forgetToken(id);
    forgetDraft(id);
    state.savedText = text(); // leave without the unsaved-changes warning
    return window.location.replace("/p/" + encodeURIComponent(id)); // the server's "removed" page
  }
  if (answer.status === 403) {
    forgetToken(id); // it will never work: the server holds no such token for this version
    $("#delete").hidden = true;
    $("#no-delete").hidden = false;
  }
  if (answer.status === 429) return setStatus("Not deleted: too many requests. " + retryHint(answer, clock), "error");
  setStatus("Not deleted: " + explain(answer), "error");
}
