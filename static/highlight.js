// The coloured layer under the textarea: the same text, with runs of colour, kept aligned
// with the textarea (same box, font and wrapping; same scroll). The text sits in chunks
// of whole lines (chunks.js); only the chunks on screen, and a little around, carry
// colours; the rest is plain text. A keystroke rebuilds the chunk it falls in and
// recolours what is on screen (in a long text, with the colours it had until the text is
// read again, when the page is idle), so the page stays a few hundred elements and a key costs
// about the same in a prompt of 200 KiB as in one of 2 KiB.
import { CHUNK, lineOf, pieces, recut, repiece, unchanged } from "./chunks.js";
import { highlight } from "./marks.js";
import { firstRun, lineNodes, runsKey } from "./paint.js";

// At most this many pieces are coloured at once (a textarea resized very tall shows
// the rest plain).
const COLOURED = 16;
// Past this many characters a key (an edit of at most TYPED characters) paints first with
// the colours it had, moved past the edit, and the text is read again once the page is
// idle (at most READ_LATER ms on): a reading of 200 KiB takes 10-30 ms, more than the
// rest of a key. A paste or a new text is read at once.
const READ_NOW = 16 * 1024, READ_LATER = 250, TYPED = 64;

export class Highlighter {
  constructor(textarea, layer, onRead) {
    [this.textarea, this.layer, this.onRead] = [textarea, layer, onRead];
    // Each chunk: {from, to, node, parts}; each part: {from, to, node, key}, the key
    // saying which colours the part wears ("": none).
    [this.text, this.chunks, this.runs] = ["", [], []];
    [this.frame, this.edited, this.reading] = [0, false, 0];
    textarea.addEventListener("scroll", () => {
      this.follow();
      this.schedule(false);
    });
    // Resized by its handle or by the window: other lines come on screen.
    // (`box`: the element of a stand-in for a textarea, the read-only view's.)
    new ResizeObserver(() => this.schedule(false)).observe(textarea.box || textarea);
  }

  // Repaint before the next frame: several inputs in one frame are painted once.
  schedule(edited = true) {
    this.edited ||= edited;
    if (!this.frame) this.frame = requestAnimationFrame(() => (this.edited ? this.edit() : this.colour()));
  }

  // A key: a short text is read again now; a long one is shown with its colours moved
  // past the edit, and read again when the page is idle.
  edit() {
    const text = this.textarea.value;
    if (text.length <= READ_NOW || !this.text) return this.render();
    const edit = unchanged(this.text, text), shift = text.length - this.text.length;
    if (Math.max(edit.tail - edit.same, edit.tail + shift - edit.same) > TYPED) return this.render(edit);
    this.edited = false;
    this.runs = moved(this.runs, edit, shift);
    this.patch(text, edit);
    this.follow();
    this.colour();
    this.reading ||= requestIdleCallback(() => this.render(), { timeout: READ_LATER });
  }

  // `edit`: what the edit left alone, if already compared (an edit in progress).
  render(edit) {
    cancelIdleCallback(this.reading);
    [this.edited, this.reading] = [false, 0];
    const text = this.textarea.value;
    const { found, runs, stop } = highlight(text);
    this.runs = runs;
    this.patch(text, edit);
    this.follow();
    this.colour();
    this.onRead(found, stop === Infinity ? -1 : lineOf(text, stop));
  }

  // Rebuilds the chunks between the unchanged head and the unchanged tail, plain; within
  // a long line, only its pieces between those.
  patch(text, edit = unchanged(this.text, text)) {
    if (text === this.text && this.chunks.length) return;
    const before = this.text, old = this.chunks;
    const { head, tail, middle } = recut(old, before, text, edit);
    const shift = text.length - before.length;
    const kept = old.slice(old.length - tail), gone = old.slice(head, old.length - tail);
    for (const item of kept.flatMap((chunk) => [chunk, ...chunk.parts])) {
      [item.from, item.to] = [item.from + shift, item.to + shift];
    }
    this.text = text; // what the new chunks are filled from
    if (gone.length === 1 && middle.length === 1 && gone[0].parts[0].node !== gone[0].node &&
      middle[0].to - middle[0].from > CHUNK) {
      this.repiece(gone[0], middle[0], before, edit);
      return;
    }
    for (const chunk of gone) chunk.node.remove();
    const wore = this.wearing(gone.flatMap((chunk) => chunk.parts), edit, shift);
    const fresh = middle.map((chunk) => this.build(text, chunk, wore));
    this.layer.insertBefore(fragment(fresh.map((chunk) => chunk.node)), kept.length ? kept[0].node : null);
    this.chunks = [...old.slice(0, head), ...fresh, ...kept];
  }

  // A long line edited within: its pieces between the unchanged ones are rebuilt.
  repiece(chunk, line, before, edit) {
    const { head, tail, middle } = repiece(chunk.parts, before, this.text, line, edit), old = chunk.parts;
    const shift = this.text.length - before.length, kept = old.slice(old.length - tail);
    for (const part of kept) [part.from, part.to] = [part.from + shift, part.to + shift];
    for (const part of old.slice(head, old.length - tail)) part.node.remove();
    const fresh = middle.map((part) => ({ ...part, node: document.createElement("span") }));
    const wore = this.wearing(old.slice(head, old.length - tail), edit, shift);
    for (const part of fresh) this.fill(chunk, part, wore(part));
    chunk.node.insertBefore(fragment(fresh.map((part) => part.node)), kept.length ? kept[0].node : null);
    [chunk.from, chunk.to, chunk.parts] = [line.from, line.to, [...old.slice(0, head), ...fresh, ...kept]];
  }

  // A chunk's block: its text, or its pieces (spans) for a long line, in the colours
  // `wore(part)` gives.
  build(text, { from, to }, wore) {
    const node = document.createElement("div");
    const parts = to - from <= CHUNK ? [{ from, to, node }]
      : pieces(text, { from, to }).map((part) => ({ ...part, node: document.createElement("span") }));
    const chunk = { from, to, node, parts };
    for (const part of parts) this.fill(chunk, part, wore(part));
    if (parts[0].node !== node) node.append(...parts.map((part) => part.node));
    return chunk;
  }

  // What the parts that replace the `gone` ones wear at first: colours where a gone part
  // wore them (it was on screen), so that a key typed on screen needs no second layout;
  // colour() then corrects what moved.
  wearing(gone, { same, tail }, shift) {
    // Where the gone parts that wore colours lie in the new text (and the edit in them).
    const worn = gone.filter((part) => part.key)
      .map(({ from, to }) => [Math.min(from, same), to >= tail ? to + shift : tail + shift]);
    let left = COLOURED;
    return ({ from, to }) => (worn.some(([a, b]) => a < to && from < b) && left-- > 0
      ? runsKey(this.runs, from, to) : "");
  }

  // Fills a part with its text, coloured when `key` is not "".
  fill(chunk, part, key) {
    const { text, runs } = this, { from, to } = part;
    const nodes = key ? lineNodes(text, from, to, runs, firstRun(runs, from)) : [text.slice(from, to)];
    // An empty last line keeps its height.
    if (part.node === chunk.node && (from === to || text[to - 1] === "\n")) nodes.push(document.createElement("br"));
    part.node.replaceChildren(...nodes);
    part.key = key;
  }

  // Colours the parts on screen (and a quarter of a screen around), and takes the colours
  // off the others: the boxes are read first (a few, found by halving), then the parts
  // written, so the layer is laid out once.
  colour() {
    cancelAnimationFrame(this.frame);
    this.frame = 0;
    const view = this.layer.getBoundingClientRect(), margin = view.height / 4;
    const [top, bottom] = [view.top - margin, view.bottom + margin], wanted = new Set();
    for (const chunk of within(this.chunks, top, bottom)) {
      const parts = chunk.parts.length > 1 ? within(chunk.parts, top, bottom) : chunk.parts;
      for (const part of parts) if (wanted.size < COLOURED) wanted.add(part);
    }
    const changed = [];
    for (const chunk of this.chunks) {
      for (const part of chunk.parts) {
        const key = wanted.has(part) ? runsKey(this.runs, part.from, part.to) : "";
        if (key !== part.key) changed.push([chunk, part, key]);
      }
    }
    for (const item of changed) this.fill(...item);
  }

  // The layer scrolls with the textarea (it never scrolls by itself: overflow hidden).
  follow() {
    this.layer.scrollTop = this.textarea.scrollTop;
    this.layer.scrollLeft = this.textarea.scrollLeft;
  }
}

// The items (each with a node, in the order of their boxes) whose boxes reach into
// [top, bottom) of the viewport: the first found by halving.
function within(items, top, bottom) {
  let low = 0, high = items.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (items[middle].node.getBoundingClientRect().bottom <= top) low = middle + 1;
    else high = middle;
  }
  const found = [];
  for (let i = low; i < items.length && items[i].node.getBoundingClientRect().top < bottom; i++) found.push(items[i]);
  return found;
}

// The runs of the text before an edit, in the text after it: those wholly before or
// after the edit, moved by `shift`; those it touched are left out until the next reading.
function moved(runs, { same, tail }, shift) {
  const kept = [];
  for (const run of runs) {
    if (run[1] <= same) kept.push(run);
    else if (run[0] >= tail) kept.push([run[0] + shift, run[1] + shift, run[2]]);
  }
  return kept;
}

function fragment(nodes) {
  const holder = document.createDocumentFragment();
  holder.append(...nodes);
  return holder;
}
