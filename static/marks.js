// Where the colours go: the template reader's marks, plus struckdown's block tags found in
// the plain text between parts, flattened into runs that each carry one set of classes.
import { scan } from "./template-interface.js";

// <system>, <header>, <user>, <assistant> (with modifiers), <together>, <checkpoint>
// and its older name <obliviate>, <include src="…"/>, opening or closing. No braces
// or brackets inside, so no template part can start within one.
const BLOCK_TAG = /<\/?(system|header|user|assistant|together|checkpoint|obliviate)\b[^<>{}[\]]*>|<(include)\b[^<>{}[\]]*\/>/g;
const BLOCK_CLASS = {
  system: "sd-system", header: "sd-header", checkpoint: "sd-checkpoint", obliviate: "sd-checkpoint",
};

// {found, runs, stop}: what the text asks for (the chips), and [start, end, classes]
// runs in order, none overlapping; nothing is coloured from `stop` on (a cap was reached).
export function highlight(text) {
  const { found, marks, stop } = scan(text);
  const parts = marks.filter((mark) => mark[0] < stop);
  // In document order, each inside the one before it or after it; sort if ever not.
  if (parts.some((mark, i) => i && mark[0] < parts[i - 1][0])) parts.sort((a, b) => a[0] - b[0] || b[1] - a[1]);
  return { found, runs: flatten(withBlockTags(text, parts, Math.min(stop, text.length))), stop };
}

// Adds a mark for each block tag that starts outside every part, keeping the order.
function withBlockTags(text, marks, stop) {
  const tags = [];
  for (const match of text.matchAll(BLOCK_TAG)) {
    if (match.index >= stop) break;
    const name = match[1] || match[2];
    tags.push([match.index, match.index + match[0].length, BLOCK_CLASS[name] || "sd-role"]);
  }
  if (!tags.length) return marks;
  const merged = [];
  let covered = -1; // the end of the part the walk is in
  let t = 0;
  for (const mark of marks) {
    while (t < tags.length && tags[t][0] < mark[0]) {
      if (tags[t][0] >= covered) merged.push(tags[t]);
      t++;
    }
    merged.push(mark);
    covered = Math.max(covered, mark[1]);
  }
  for (; t < tags.length; t++) if (tags[t][0] >= covered) merged.push(tags[t]);
  return merged;
}

// Nested marks -> flat runs: a name inside {{ }} is one run with both classes.
function flatten(marks) {
  const runs = [], open = []; // open: [end, class], innermost last
  let at = 0;
  const emit = (until) => {
    if (until > at && open.length) runs.push([at, until, open.map((o) => o[1]).join(" ")]);
    at = Math.max(at, until);
  };
  const closeUntil = (position) => {
    while (open.length && open[open.length - 1][0] <= position) {
      emit(open[open.length - 1][0]);
      open.pop();
    }
  };
  for (const [start, end, kind] of marks) {
    closeUntil(start);
    emit(start);
    at = start;
    open.push([end, kind]);
  }
  closeUntil(Infinity);
  return runs;
}
