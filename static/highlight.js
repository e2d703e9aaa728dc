// The coloured layer under the textarea: the same text, one block per line, with runs of
// colour, kept aligned with the textarea (same box, font and wrapping; same scroll).
// Only the lines whose text or colours changed are rebuilt, so a keystroke in a 200 KiB
// prompt touches one line of the page.
import { highlight } from "./marks.js";

// Runs -> the nodes of one line, [from, to) of `text`: text nodes, and spans with the
// runs' classes (r: the first run that may reach the line).
function lineNodes(text, from, to, runs, r) {
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

function lineNode(text, from, to, runs, r) {
  const line = document.createElement("div");
  line.append(...lineNodes(text, from, to, runs, r));
  if (from === to) line.append(document.createElement("br")); // an empty line keeps its height
  return line;
}

// Colours the text of `element` (one line) in place: the help panel's samples.
export function paint(element) {
  const text = element.textContent;
  element.replaceChildren(...lineNodes(text, 0, text.length, highlight(text).runs, 0));
}

// Colours a text of several lines into `element`, one block per line.
export function paintLines(element, text) {
  const { runs } = highlight(text);
  element.replaceChildren();
  let from = 0, r = 0;
  for (const line of text.split("\n")) {
    const to = from + line.length;
    while (r < runs.length && runs[r][1] <= from) r++;
    element.append(lineNode(text, from, to, runs, r));
    from = to + 1;
  }
}

export class Highlighter {
  constructor(textarea, layer, onRead) {
    [this.textarea, this.layer, this.onRead] = [textarea, layer, onRead];
    this.keys = []; // per line: its text and its runs, to find the lines that changed
    this.frame = 0;
    textarea.addEventListener("scroll", () => this.follow());
  }

  // Repaint before the next frame: several inputs in one frame are painted once.
  schedule() {
    if (!this.frame) this.frame = requestAnimationFrame(() => this.render());
  }

  render() {
    cancelAnimationFrame(this.frame);
    this.frame = 0;
    const text = this.textarea.value;
    const { found, runs, stop } = highlight(text);
    this.patch(text, runs);
    this.follow();
    this.onRead(found, stop === Infinity ? -1 : text.slice(0, stop).split("\n").length);
  }

  // Rebuilds the lines between the unchanged head and the unchanged tail.
  patch(text, runs) {
    const keys = [], bounds = [];
    let from = 0, r = 0;
    for (const line of text.split("\n")) {
      const to = from + line.length;
      while (r < runs.length && runs[r][1] <= from) r++;
      let key = line;
      for (let i = r; i < runs.length && runs[i][0] < to; i++) {
        key += `\u0000${runs[i][0] - from},${runs[i][1] - from},${runs[i][2]}`;
      }
      keys.push(key);
      bounds.push([from, to, r]);
      from = to + 1;
    }
    const old = this.keys;
    let head = 0, tail = 0;
    while (head < keys.length && head < old.length && keys[head] === old[head]) head++;
    while (tail < keys.length - head && tail < old.length - head &&
      keys[keys.length - 1 - tail] === old[old.length - 1 - tail]) tail++;
    const fresh = [];
    for (let i = head; i < keys.length - tail; i++) fresh.push(lineNode(text, ...bounds[i].slice(0, 2), runs, bounds[i][2]));
    const children = this.layer.children;
    for (let i = old.length - tail - 1; i >= head; i--) children[i].remove();
    const before = children[head] || null;
    if (fresh.length) this.layer.insertBefore(fragment(fresh), before);
    this.keys = keys;
  }

  // The layer scrolls with the textarea (it never scrolls by itself: overflow hidden).
  follow() {
    this.layer.scrollTop = this.textarea.scrollTop;
    this.layer.scrollLeft = this.textarea.scrollLeft;
  }
}

function fragment(nodes) {
  const holder = document.createDocumentFragment();
  for (const node of nodes) holder.append(node);
  return holder;
}
