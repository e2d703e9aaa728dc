// The lexical half of the template reader: the parts of a template and the tokens inside
// them. A port of api/text/reader.py, with the same patterns and caps (a test compares
// the caps); template-interface.js reads what these find.

// Past a cap, reading stops with what it has and `truncated` is true. What is reported
// is capped too: at most `names` names of a kind, each of at most `nameChars` characters
// (code points; a longer one is cut and ends with NAME_CUT), and then `truncated` is true.
export const LIMITS = Object.freeze({ parts: 5000, tokens: 10000, scopes: 1000, names: 200, nameChars: 100 });
const NAME_CUT = "\u2026"; // "…"

// Python's \s (str.isspace), not JavaScript's: both sides split and trim tokens alike.
const SPACE_CLASS = String.raw`\t\n\v\f\r \x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000`;
const IS_SPACE = new RegExp(`[${SPACE_CLASS}]`);

// One pass in document order. A body may not contain its own opener, so an unclosed
// `{{` or `[[` is skipped and the next well-formed one still matches: each kind scans
// each character at most once. Every body starts two characters into its part.
export const TEMPLATE_PARTS = new RegExp([
  String.raw`(?<html><!--(?:(?!<!--|-->)[^])*-->)`,
  String.raw`(?<comment>\{#(?:(?!\{#|#\})[^])*#\})`,
  String.raw`(?<raw>\{%[-+]?\s*raw\s*[-+]?%\}(?:(?!\{%[-+]?\s*raw\b)[^])*?\{%[-+]?\s*endraw\s*[-+]?%\})`,
  String.raw`\{\{(?<expr>(?:(?!\{\{|\}\})[^])*)\}\}`,
  String.raw`\{%(?<tag>(?:(?!\{%|%\})[^])*)%\}`,
  String.raw`\[\[(?<slot>(?:(?!\[\[|\]\])[^])*)\]\]`,
].join("|"), "g");
export const TEMPLATE_EXPR = /\{\{((?:(?!\{\{|\}\})[^])*)\}\}/g;
// [[name]], [[type:name]], [[!type{2,5}:name|options]], [[@action:name]], multi-line pick.
// `d`: where the names are, for the editor's colours.
const SPACE = String.raw`[ \t\n\r\f\v]`;
export const TEMPLATE_SLOT = new RegExp(String.raw`^${SPACE}*(?:!${SPACE}*)?(?:(@)${SPACE}*)?` +
  String.raw`([A-Za-z_]\w*)(?:${SPACE}*(?:[*+?]|\{[^}]*\}))?` +
  String.raw`(?:${SPACE}*(:)${SPACE}*([A-Za-z_]\w*)?)?(?=${SPACE}|\||$)`, "d");
// Groups: 1 string, 2 number, 3 name, 4 op (numbered: named groups cost an object a match).
const TEMPLATE_TOKEN = new RegExp(`[${SPACE_CLASS}]+` +
  String.raw`|('(?:\\[^]|[^'\\])*(?:'|$)|"(?:\\[^]|[^"\\])*(?:"|$))` +
  String.raw`|(\p{Nd}[\p{L}\p{N}_.]*)` +
  String.raw`|([\p{L}\p{Nl}\p{No}_][\p{L}\p{N}_]*)` +
  `|(==|!=|<=|>=|\\*\\*|//|[^${SPACE_CLASS}])`, "gu");
const TOKEN_KINDS = [null, "string", "number", "name", "op"];
// Prompts repeat their expressions ({{ document }}): short ones are tokenized once.
const SHORT_SOURCE = 200, CACHED = new Map(), CACHE_SIZE = 4096;
const KEYWORDS = new Set("and or not in is if else recursive true false none True False None".split(" "));
const JINJA_GLOBALS = new Set("range dict lipsum cycler joiner namespace".split(" "));

// Narrow [start, end) of `text` by scanning from each end: a regex anchored at the end
// would rescan long runs.
function narrow(text, start, end, drop) {
  while (start < end && drop(text[start])) start++;
  while (end > start && drop(text[end - 1])) end--;
  return [start, end];
}

// The tokens of an expression, stopping once there are more than `limit`. A token is
// [kind, text, where]: `where` counts from the start of `source`.
function scanTokens(source, limit) {
  const spaces = narrow(source, 0, source.length, (c) => IS_SPACE.test(c));
  const [start, end] = narrow(source, ...spaces, (c) => c === "-" || c === "+");
  const body = source.slice(start, end), found = [];
  TEMPLATE_TOKEN.lastIndex = 0;
  for (let match; (match = TEMPLATE_TOKEN.exec(body)) !== null;) {
    const group = match[1] !== undefined ? 1 : match[2] !== undefined ? 2
      : match[3] !== undefined ? 3 : match[4] !== undefined ? 4 : 0;
    if (!group) continue; // whitespace
    found.push([TOKEN_KINDS[group], match[group], start + match.index]);
    if (found.length > limit) break;
  }
  return found;
}

// As api/text/reader.py's Reader.tokenize: a short source is read whole (and kept),
// a long one only up to `limit` tokens past which reading stops anyway.
export function tokens(source, limit) {
  if (source.length > SHORT_SOURCE) return scanTokens(source, limit);
  let found = CACHED.get(source);
  if (found === undefined) {
    if (CACHED.size >= CACHE_SIZE) CACHED.clear();
    found = scanTokens(source, source.length);
    CACHED.set(source, found);
  }
  return found;
}

function bracketDepth(text) {
  return ("([{".includes(text) ? 1 : 0) - (")]}".includes(text) ? 1 : 0);
}

export function isToken(token, kind, text) {
  return Boolean(token) && token[0] === kind && token[1] === text;
}

// The name tokens an expression reads from its context: no attributes, filters or tests.
export function names(list) {
  const found = [];
  let depth = 0;
  for (let i = 0; i < list.length; i++) {
    const [kind, text] = list[i];
    if (kind === "op") depth += bracketDepth(text);
    if (kind !== "name" || KEYWORDS.has(text)) continue;
    const before = list[i - 1], after = list[i + 1] ? list[i + 1][1] : "";
    if (isToken(before, "op", ".") || isToken(before, "op", "|") || isToken(before, "name", "is")) continue;
    if (isToken(before, "name", "not") && isToken(list[i - 2], "name", "is")) continue; // is not test
    if ((after === "=" && depth > 0) || (after === "(" && JINJA_GLOBALS.has(text))) continue;
    found.push(list[i]);
  }
  return found;
}

// Split at the first `word` outside brackets: [before, after], or [list, null].
export function split(list, word, kind = "name") {
  let depth = 0;
  for (let i = 0; i < list.length; i++) {
    if (list[i][0] === "op") depth += bracketDepth(list[i][1]);
    if (depth === 0 && isToken(list[i], kind, word)) return [list.slice(0, i), list.slice(i + 1)];
  }
  return [list, null];
}

// Split at every `comma` outside brackets, in one pass.
export function splitAll(list, comma) {
  const parts = [[]];
  let depth = 0;
  for (const token of list) {
    if (token[0] === "op") depth += bracketDepth(token[1]);
    if (depth === 0 && isToken(token, "op", comma)) parts.push([]);
    else parts[parts.length - 1].push(token);
  }
  return parts;
}

export function targets(list) {
  return list.filter(([kind]) => kind === "name").map(([, text]) => text);
}

// As api/text/interface.py's bounded(): the names sorted and unique, each cut to
// LIMITS.nameChars code points, at most LIMITS.names of them; and whether a cap was hit.
export function capped(found) {
  const kept = new Set();
  let cut = false;
  for (let name of found) {
    const points = name.length > LIMITS.nameChars ? [...name] : null;
    if (points && points.length > LIMITS.nameChars) {
      [name, cut] = [points.slice(0, LIMITS.nameChars).join("") + NAME_CUT, true];
    }
    kept.add(name);
  }
  const ordered = [...kept].sort();
  return [ordered.slice(0, LIMITS.names), cut || ordered.length > LIMITS.names];
}
