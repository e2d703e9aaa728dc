// Runs of colour -> the nodes that show them: text nodes, and spans with the runs'
// classes (user text only ever as text). Used by the editor's layer and the help's samples.
import { highlight } from "./marks.js";

// Runs -> the nodes of [from, to) of `text`: text nodes, and spans with the runs'
// classes (r: the first run that may reach it).
export function lineNodes(text, from, to, runs, r) {
  const nodes = [];
  let at = from;
  for (; r < runs.length && runs[r][0] < to; r++) {
    const [start, end, classes] = runs[r];
    if (end <= from) continue;
    if (start > at) nodes.push(document.createTextNode(text.slice(at, start)));
    const span = document.createElement("span");
    span.className = classes;
    span.textContent = text.slice(Math.max(start, from), Math.min(end, to));
    nodes.push(span);
    at = Math.min(end, to);
  }
  if (to > at) nodes.push(document.createTextNode(text.slice(at, to)));
  return nodes;
}

// The first run that ends after `position` (runs are in order and do not overlap).
export function firstRun(runs, position) {
  let low = 0, high = runs.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (runs[middle][1] <= position) low = middle + 1;
    else high = middle;
  }
  return low;
}

// What colours [from, to) wears, as a string: "" when none.
export function runsKey(runs, from, to) {
  let key = "";
  for (let r = firstRun(runs, from); r < runs.length && runs[r][0] < to; r++) {
    key += `${Math.max(runs[r][0], from) - from},${Math.min(runs[r][1], to) - from},${runs[r][2]};`;
  }
  return key;
}

// Colours the text of `element` (one line) in place: the help panel's samples.
export function paint(element) {
  const text = element.textContent;
  element.replaceChildren(...lineNodes(text, 0, text.length, highlight(text).runs, 0));
}

// Colours a short text of several lines into `element` (white-space: pre-wrap).
export function paintLines(element, text) {
  element.textContent = text;
  paint(element);
}
