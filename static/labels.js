// Labels: those at the shown version; those this browser owns (tokens in localStorage, as
// delete tokens) with Move here; moves with Roll back. Names and notes go in as text only.
import { explain, request } from "./api.js";
import { $, element, when, withStorage } from "./dom.js";
import { state } from "./state.js";

const PREFIX = "prompt-store:label:";
let refresh, boxFor = null;

const path = (name, what = "") => "/api/labels/" + encodeURI(name) + what;
const kept = (name) => JSON.parse(withStorage((store) => store.getItem(PREFIX + name)) || "null");
const keep = (name, mine) => withStorage((store) => (mine ? store.setItem(PREFIX + name, JSON.stringify(mine))
  : store.removeItem(PREFIX + name)));
const code = (name) => element("code", "", name);
const say = (...parts) => $("#label-said").replaceChildren(...parts);
const plural = (kind, names) => `${kind}${names.length > 1 ? "s" : ""} ${names.join(", ")}`;

function button(label, action) {
  const made = element("button", "secondary small", label);
  [made.type, made.onclick] = ["button", action];
  return made;
}

function link(id, text = "version " + id.slice(0, 8)) {
  const made = element("a", "", text);
  made.href = "/p/" + encodeURIComponent(id);
  return made;
}

function labelRow(name, elsewhere) {
  const item = element("li");
  item.append(element("span", "chip label", name), " ");
  if (elsewhere) item.append(button("Move here", () => move(name, state.currentPromptId)), " ");
  item.append(button("Moves", () => showMoves(name)));
  return item;
}

function movedOn({ name, id, version }) {
  const item = element("li"), to = item.appendChild(link(id, ""));
  to.append(code(name), ` now points at ${version ? "v" + version : "another version"} →`);
  return item;
}

// What the history said of `id` (null while it loads).
export function showLabels(id, data) {
  $("#labels-box").hidden = !id;
  if (id !== boxFor) { // another version: what was said of the last one goes
    [boxFor, $("#label-token").hidden, $("#moves").hidden] = [id, true, true];
    say();
  }
  const here = data ? data.labels : [];
  const keys = (data && withStorage((store) => Object.keys(store))) || [];
  const mine = keys.filter((key) => key.startsWith(PREFIX)).map((key) => key.slice(PREFIX.length));
  $("#labels").replaceChildren(...here.map((name) => labelRow(name)));
  $("#my-labels").replaceChildren(...mine.filter((name) => !here.includes(name)).sort()
    .slice(0, 20).map((name) => labelRow(name, true)));
  $("#mine").hidden = !$("#my-labels").children.length;
  $("#moved-on").replaceChildren(...(data ? data.moved_on : []).map(movedOn));
}

// The answer, or null (said) when the server could not be reached.
async function send(to, method, body, headers) {
  const answer = await request(to, { method, body, headers, cache: "no-cache" }); // a label moves
  if (!answer) say("The server could not be reached. Try again.");
  return answer;
}

async function create(event) {
  event.preventDefault();
  const name = $("#label-name").value.trim(), id = state.currentPromptId;
  const answer = await send("/api/labels", "POST", { name, id });
  if (!answer || id !== state.currentPromptId) return;
  if (answer.status !== 201) return say("Not created: “", code(name), "”: " + explain(answer));
  const token = answer.data.label_token;
  keep(name, { token, etag: answer.headers.get("ETag") });
  [$("#label-this").open, $("#label-name").value, $("#label-token-name").textContent] = [false, "", name];
  [$("#label-token-value").textContent, $("#label-token").hidden] = [token, false];
  say("Created ", code(name), ": it points at this version.");
  refresh();
}

// The gate's refusal in words, with the choice to move anyway.
function refused(name, id, { variables_added: needs, slots_removed: lacks }, why) {
  const words = [];
  if (needs.length) words.push(`needs ${plural("variable", needs)}, which its application does not pass yet`);
  if (lacks.length) words.push(`lacks ${plural("slot", lacks)}, which its application reads`);
  say("Not moved: an application that uses ", code(name), " could break. The new version ",
    words.length ? words.join(", and ") + "." : why, " ", button("Move anyway", () => move(name, id, true)));
}

async function move(name, id, force = false) {
  const mine = kept(name), note = $("#move-note").value.trim() || undefined;
  const headers = { Authorization: "Bearer " + mine.token, "If-Match": mine.etag || "*" };
  const answer = await send(path(name), "PUT", { id, force, note }, headers);
  if (!answer) return;
  const seen = (found) => keep(name, { ...mine, etag: found.headers.get("ETag") });
  if (answer.ok) {
    seen(answer);
    $("#move-note").value = "";
    say("Moved ", code(name), " to ", link(id), answer.data.forced ? ", recorded as forced." : ".");
    if (!$("#moves").hidden && $("#moves-name").textContent === name) showMoves(name);
    return refresh();
  }
  if (answer.status === 409) return refused(name, id, answer.data.template_changes, explain(answer));
  // A token the server refuses, or a label deleted, will never move: forgotten.
  if (answer.status === 403 || answer.status === 404) keep(name, null);
  if (answer.status !== 412) return say("Not moved: " + explain(answer));
  const now = await send(path(name));
  if (now && now.ok) seen(now);
  say("Not moved: someone else moved ", code(name), " since this browser did. It points at ",
    now && now.ok ? link(now.data.id) : "another version", " now: look there, then move it again if you still mean to.");
}

function moveItem(entry, current, name, mine) {
  const item = element("li");
  item.append(when(entry.moved_at), entry.previous_id ? " moved to " : " created at ", link(entry.id));
  if (entry.forced) item.append(" (forced)");
  if (entry.note) item.append(" ", element("q", "", entry.note));
  if (mine && entry.id !== current) item.append(" ", button("Roll back to this", () => move(name, entry.id)));
  return item;
}

async function showMoves(name) {
  const answer = await send(path(name, "/moves"));
  if (!answer) return;
  if (!answer.ok) return say("Moves not loaded: " + explain(answer));
  const moves = answer.data.moves, mine = Boolean(kept(name));
  $("#moves-name").textContent = name;
  $("#moves-list").replaceChildren(...moves.map((entry) => moveItem(entry, moves[0].id, name, mine)));
  $("#moves").hidden = false;
}

// `onChange`: called after a label was created or moved.
export function setUpLabels(onChange) {
  refresh = onChange;
  $("#label-this").ontoggle = () => $("#label-this").open && $("#label-name").focus();
  $("#label-form").onsubmit = create;
  $("#copy-token").onclick = () => navigator.clipboard.writeText($("#label-token-value").textContent)
    .then(() => say("Token copied."), () => say("Select the token and copy it."));
}
