// Small helpers for the page. User text only ever reaches the page through .value and
// .textContent (or text nodes).

export function $(selector) {
  return document.querySelector(selector);
}

export function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

export function setStatus(message, kind) {
  $("#status").textContent = message;
  $("#status").className = kind || "";
}

export function kib(bytes) {
  return Number((bytes / 1024).toFixed(2)) + " KiB";
}

export function clock(date) {
  return date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" });
}

// A <time> for an ISO 8601 moment, said in the reader's locale.
export function when(at) {
  const date = new Date(at), time = element("time", "", isNaN(date) ? at
    : date.toLocaleString([], { dateStyle: "medium", timeStyle: "short" }));
  time.dateTime = at;
  return time;
}

export function firstLine(text) {
  const line = text.split("\n").find((candidate) => candidate.trim());
  return line ? line.trim().slice(0, 60) : "";
}

// localStorage, or nothing when it is full or disabled (the leave-page warning still
// guards the text).
export function withStorage(action) {
  try {
    return action(window.localStorage);
  } catch (error) {
    return null;
  }
}
