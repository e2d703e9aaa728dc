// How the coloured layer cuts a text into blocks: chunks of whole lines of about CHUNK
// characters, so that the page holds a few hundred elements whatever the text (a block
// per line made 400,000 of them for 200 KiB of newlines) and an edit rebuilds one chunk.
// A line longer than CHUNK is a chunk of its own, cut into pieces of about CHUNK
// characters that sit inline, so that it still wraps as one line.

export const CHUNK = 2048;

// The end of the line at `at`: its "\n", or `end` if that comes first.
function lineEnd(text, at, end) {
  const next = text.indexOf("\n", at);
  return next < 0 || next > end ? end : next;
}

// The chunks ({from, to}, to at a "\n" or the end) of text[from, end), `end` being a
// "\n" or the end of the text: whole lines, as many as fit in CHUNK characters.
export function cut(text, from, end) {
  const chunks = [];
  for (let start = from; ;) {
    let to = lineEnd(text, start, end);
    while (to < end) {
      const next = lineEnd(text, to + 1, end);
      if (next - start > CHUNK) break;
      to = next;
    }
    chunks.push({ from: start, to });
    if (to >= end) return chunks;
    start = to + 1;
  }
}

// What an edit left alone: the length of the common head of `before` and `text`, and
// where the common tail starts in `before`.
export function unchanged(before, text) {
  const n = Math.min(before.length, text.length);
  let same = 0, end = 0;
  while (same < n && before.charCodeAt(same) === text.charCodeAt(same)) same++;
  while (end < n - same && before.charCodeAt(before.length - 1 - end) === text.charCodeAt(text.length - 1 - end)) end++;
  return { same, tail: before.length - end };
}

// How many of `items` ({from, to} in order, `gap` characters apart) an edit left alone
// at the head and at the tail: each wholly in the unchanged head or tail, and so is the
// gap after it (before it, for the tail).
export function kept(items, { same, tail: from }, gap) {
  let head = 0, tail = 0;
  while (head < items.length && items[head].to + gap <= same) head++;
  while (tail < items.length - head && items[items.length - 1 - tail].from - gap >= from) tail++;
  return { head, tail };
}

// The chunks of `text`, edited from `before` whose chunks were `chunks`: the `head` of
// them wholly before the edit and the `tail` wholly after it stay (the tail's offsets
// still those of `before`), and the `middle` between them is cut again.
export function recut(chunks, before, text, edit = unchanged(before, text)) {
  if (chunks.length > (3 * text.length) / CHUNK + 8) chunks = []; // worn into crumbs: start over
  const { head, tail } = kept(chunks, edit, 1);
  const from = head ? chunks[head - 1].to + 1 : 0;
  const to = tail ? chunks[chunks.length - tail].from - 1 + text.length - before.length : text.length;
  return { head, tail, middle: cut(text, from, to) };
}

// The same for the pieces of a long line edited within: `line` is its new {from, to}.
export function repiece(parts, before, text, line, edit) {
  if (parts.length > (3 * (line.to - line.from)) / CHUNK + 8) parts = [];
  const { head, tail } = kept(parts, edit, 0);
  const from = head ? parts[head - 1].to : line.from;
  const to = tail ? parts[parts.length - tail].from + text.length - before.length : line.to;
  return { head, tail, middle: from < to ? pieces(text, { from, to }) : [] };
}

// The pieces ({from, to}) of a chunk: itself, or a long line cut about every CHUNK
// characters, after a space where there is one (so that a name is not cut in two), and
// never between the two halves of a surrogate pair.
export function pieces(text, chunk) {
  if (chunk.to - chunk.from <= CHUNK) return [{ from: chunk.from, to: chunk.to }];
  const found = [];
  for (let at = chunk.from; at < chunk.to;) {
    let to = Math.min(at + CHUNK, chunk.to);
    const space = text.lastIndexOf(" ", to - 1) + 1;
    if (to < chunk.to && space > at + CHUNK / 2) to = space;
    if (to < chunk.to && (text.charCodeAt(to) & 0xfc00) === 0xdc00) to++;
    found.push({ from: at, to });
    at = to;
  }
  return found;
}

// The 1-based number of the line that holds `position`.
export function lineOf(text, position) {
  let line = 1;
  for (let at = text.indexOf("\n"); at >= 0 && at < position; at = text.indexOf("\n", at + 1)) line++;
  return line;
}
