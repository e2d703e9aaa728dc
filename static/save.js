// Saving: {text, parent_id} to the API. A refusal or a lost connection says why, and
// the text stays in the editor.
import { explain, request, retryHint } from "./api.js";
import { keepToken } from "./delete.js";
import { $, clock, kib, setStatus } from "./dom.js";
import { forgetDraft, showDirty, writeDraft } from "./drafts.js";
import { text } from "./prompt-editor.js";
import { state } from "./state.js";
import { showVersion } from "./versions.js";

let saving = false;

function notSaved(reason) {
  setStatus("Not saved: " + reason + " Your text is still here.", "error");
}

function tooLarge(size, limit) {
  notSaved(`the prompt is ${kib(size)} of UTF-8; the limit is ${kib(limit)}. Shorten it and save again.`);
}

function refused(answer, size, limit) {
  if (answer.status === 429) return notSaved("too many saves. " + retryHint(answer, clock));
  if (answer.status === 413) {
    // The server's limit wins over the page's (a proxy may be stricter still).
    return answer.data.description ? notSaved(answer.data.description + " Shorten it and save again.")
      : tooLarge(size, limit);
  }
  notSaved(explain(answer));
}

export async function save() {
  if (saving) return;
  const draft = text();
  const limit = Number($("#max-bytes").value);
  const size = new TextEncoder().encode(draft).length;
  if (!draft.trim()) return setStatus("Nothing to save yet: write a prompt first.", "error");
  if (size > limit) return tooLarge(size, limit);
  saving = true;
  setStatus("Saving…");
  try {
    const answer = await request("/api/prompts", {
      method: "POST", body: { text: draft, parent_id: state.currentPromptId || null },
    });
    if (!answer) notSaved("the server could not be reached; check your connection and save again.");
    else if (answer.ok) saved(answer.data, draft, answer.status === 201);
    else refused(answer, size, limit);
  } finally {
    saving = false;
  }
}

function saved(data, draft, created) {
  const previousId = state.currentPromptId;
  state.savedText = draft;
  if (data.delete_token) keepToken(data.id, data.delete_token); // only a 201 carries one
  forgetDraft(previousId);
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
