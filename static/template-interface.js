// What a prompt asks for: its Jinja-style input variables and its struckdown answer slots.
// A port of api/template_reader.py, part for part and with the same caps, so the editor
// shows what the API answers: change both together (tests run one table through each).
"use strict";

// PromptTemplate.read(text) -> {variables, slots, truncated}; .changes(old, new); .clauses
// and .sentence describe changes for people; .limits are the reader's caps.
const PromptTemplate = (() => {
  // The caps of api/template_reader.py, the same numbers (a test compares them): past
  // one, reading stops with what it has and `truncated` is true.
  const LIMITS = Object.freeze({ parts: 5000, tokens: 10000, scopes: 1000 });
  // Python's \s (str.isspace), not JavaScript's: both sides split and trim tokens alike.
  const SPACE_CLASS = String.raw`\t\n\v\f\r \x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000`;
  const IS_SPACE = new RegExp(`[${SPACE_CLASS}]`);

  // -- reading the text ---------------------------------------------------------------------
  // One pass in document order. A body may not contain its own opener, so an unclosed
  // `{{` or `[[` is skipped and the next well-formed one still matches: each kind scans
  // each character at most once.
  const TEMPLATE_PARTS = new RegExp([
    String.raw`(?<html><!--(?:(?!<!--|-->)[^])*-->)`,
    String.raw`(?<comment>\{#(?:(?!\{#|#\})[^])*#\})`,
    String.raw`(?<raw>\{%[-+]?\s*raw\s*[-+]?%\}(?:(?!\{%[-+]?\s*raw\b)[^])*?\{%[-+]?\s*endraw\s*[-+]?%\})`,
    String.raw`\{\{(?<expr>(?:(?!\{\{|\}\})[^])*)\}\}`,
    String.raw`\{%(?<tag>(?:(?!\{%|%\})[^])*)%\}`,
    String.raw`\[\[(?<slot>(?:(?!\[\[|\]\])[^])*)\]\]`,
  ].join("|"), "g");
  const TEMPLATE_EXPR = /\{\{((?:(?!\{\{|\}\})[^])*)\}\}/g;
  // [[name]], [[type:name]], [[!type{2,5}:name|options]], [[@action:name]], multi-line pick.
  const SPACE = String.raw`[ \t\n\r\f\v]`;
  const TEMPLATE_SLOT = new RegExp(String.raw`^${SPACE}*(?:!${SPACE}*)?(?:(@)${SPACE}*)?` +
    String.raw`([A-Za-z_]\w*)(?:${SPACE}*(?:[*+?]|\{[^}]*\}))?` +
    String.raw`(?:${SPACE}*(:)${SPACE}*([A-Za-z_]\w*)?)?(?=${SPACE}|\||$)`);
  const TEMPLATE_TOKEN = new RegExp(`[${SPACE_CLASS}]+` +
    String.raw`|(?<string>'(?:\\[^]|[^'\\])*(?:'|$)|"(?:\\[^]|[^"\\])*(?:"|$))` +
    String.raw`|(?<number>\p{Nd}[\p{L}\p{N}_.]*)` +
    String.raw`|(?<name>[\p{L}\p{Nl}\p{No}_][\p{L}\p{N}_]*)` +
    `|(?<op>==|!=|<=|>=|\\*\\*|//|[^${SPACE_CLASS}])`, "gu");
  const TOKEN_KINDS = ["name", "op", "string", "number"];
  const KEYWORDS = new Set("and or not in is if else recursive true false none True False None".split(" "));
  const JINJA_GLOBALS = new Set("range dict lipsum cycler joiner namespace".split(" "));
  const INCLUDE_WORDS = new Set("ignore missing with without context".split(" "));
  const BLOCK_ENDS = { endfor: "for", endwith: "with", endmacro: "macro" };
  const BLOCKS = new Set(Object.values(BLOCK_ENDS));
  const FULL = { reason: "a cap was reached" }; // thrown to stop reading, caught in read()

  // Trim by scanning from each end: a regex anchored at the end would rescan long runs.
  function strip(text, drop) {
    let start = 0, end = text.length;
    while (start < end && drop(text[start])) start++;
    while (end > start && drop(text[end - 1])) end--;
    return text.slice(start, end);
  }

  // The tokens of an expression, stopping once there are more than `limit`.
  function tokens(source, limit) {
    const body = strip(strip(source, (c) => IS_SPACE.test(c)), (c) => c === "-" || c === "+");
    const found = [];
    for (const { groups } of body.matchAll(TEMPLATE_TOKEN)) {
      const kind = TOKEN_KINDS.find((name) => groups[name] !== undefined);
      if (kind === undefined) continue; // whitespace
      found.push([kind, groups[kind]]);
      if (found.length > limit) break;
    }
    return found;
  }

  function bracketDepth(text) {
    return ("([{".includes(text) ? 1 : 0) - (")]}".includes(text) ? 1 : 0);
  }

  function isToken(token, kind, text) {
    return Boolean(token) && token[0] === kind && token[1] === text;
  }

  // The names an expression reads from its context: no attributes, filters or tests.
  function names(list) {
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
      found.push(text);
    }
    return found;
  }

  // Split at the first `word` outside brackets: [before, after], or [list, null].
  function split(list, word, kind = "name") {
    let depth = 0;
    for (let i = 0; i < list.length; i++) {
      if (list[i][0] === "op") depth += bracketDepth(list[i][1]);
      if (depth === 0 && isToken(list[i], kind, word)) return [list.slice(0, i), list.slice(i + 1)];
    }
    return [list, null];
  }

  // Split at every `comma` outside brackets, in one pass.
  function splitAll(list, comma) {
    const parts = [[]];
    let depth = 0;
    for (const token of list) {
      if (token[0] === "op") depth += bracketDepth(token[1]);
      if (depth === 0 && isToken(token, "op", comma)) parts.push([]);
      else parts[parts.length - 1].push(token);
    }
    return parts;
  }

  function targets(list) {
    return list.filter(([kind]) => kind === "name").map(([, text]) => text);
  }

  // Walks the parts of a template in order, tracking which names it defines where.
  class TemplateReader {
    constructor() {
      [this.inputs, this.slots, this.truncated, this.parts, this.tokens] = [new Set(), new Set(), false, 0, 0];
      // Each open scope and the names it added, and how many open scopes define each
      // name: a lookup is one map access and closing a scope undoes only its own names.
      this.scopes = [["template", new Set()]];
      this.defining = new Map();
    }

    read(text) {
      try {
        for (const { groups } of text.matchAll(TEMPLATE_PARTS)) {
          this.countPart();
          if (groups.expr !== undefined) this.use(this.tokenize(groups.expr));
          else if (groups.tag !== undefined) this.tag(this.tokenize(groups.tag));
          else if (groups.slot !== undefined) this.slot(groups.slot);
        }
      } catch (error) {
        if (error !== FULL) throw error;
        this.truncated = true;
      }
      return { variables: [...this.inputs].sort(), slots: [...this.slots].sort(), truncated: this.truncated };
    }

    countPart() { if (++this.parts > LIMITS.parts) throw FULL; }

    tokenize(source) {
      const left = LIMITS.tokens - this.tokens, found = tokens(source, left);
      if (found.length > left) throw FULL;
      this.tokens += found.length;
      return found;
    }

    use(list) {
      for (const name of names(list)) if (!this.defining.has(name)) this.inputs.add(name);
    }

    define(list, scope = this.scopes.length - 1) {
      const added = this.scopes[scope][1];
      for (const name of list) {
        if (!added.has(name)) this.defining.set(name, (this.defining.get(name) || 0) + 1);
        added.add(name);
      }
    }

    open(kind, list) { this.scopes.push([kind, new Set()]); this.define(list); }

    close() {
      for (const name of this.scopes.pop()[1]) {
        const count = this.defining.get(name) - 1;
        if (count) this.defining.set(name, count);
        else this.defining.delete(name);
      }
    }

    slot(body) {
      for (const expression of body.matchAll(TEMPLATE_EXPR)) { // options may be templated
        this.countPart();
        this.use(this.tokenize(expression[1]));
      }
      const match = body.match(TEMPLATE_SLOT);
      if (!match) return; // not a slot: [[1, 2]], [[ ]]
      const [, action, first, colon, name] = match;
      if (colon && !name) return; // [[bool:]]: struckdown makes up a name
      if (!action) this.slots.add(name || first);
      this.define([name || first], 0); // an answer is a variable for the text after it
    }

    tag(list) {
      if (!list.length || list[0][0] !== "name") return;
      const keyword = list[0][1], rest = list.slice(1);
      // The template's own scope is not counted; checked before anything of the tag is
      // read, so that a tag is read whole or not at all.
      if (BLOCKS.has(keyword) && this.scopes.length > LIMITS.scopes) throw FULL;
      if (["if", "elif", "do", "autoescape"].includes(keyword)) {
        this.use(rest);
      } else if (keyword === "include" || keyword === "extends") {
        this.use(rest.filter(([, text]) => !INCLUDE_WORDS.has(text)));
      } else if (keyword === "for") {
        const [names, source] = split(rest, "in");
        const [iterable, condition] = split(source || [], "if");
        this.use(iterable);
        this.open("for", [...targets(names), "loop"]);
        this.use(condition || []);
      } else if (keyword === "set") {
        const [names, value] = split(rest, "=", "op");
        if (value === null) this.define(targets(rest.slice(0, 1))); // {% set name %}…{% endset %}
        else if (names.some((token) => isToken(token, "op", "."))) this.use([...names.slice(0, 1), ...value]);
        else {
          this.use(value);
          this.define(targets(names));
        }
      } else if (keyword === "with") {
        this.open("with", []);
        for (const part of splitAll(rest, ",")) {
          const [name, value] = split(part, "=", "op");
          this.use(value || []);
          this.define(targets(name.slice(0, 1)));
        }
      } else if (keyword === "macro") {
        this.define(targets(rest.slice(0, 1)));
        const params = rest.slice(2).filter((_, j) => "(,".includes(rest[j + 1][1]));
        this.open("macro", [...targets(params), "caller", "varargs", "kwargs"]);
      } else if (keyword === "filter") {
        this.use([["op", "|"], ...rest]);
      } else if (keyword === "import") {
        this.define(targets(split(rest, "as")[1] || []));
      } else if (keyword === "from") {
        for (const part of splitAll(split(rest, "import")[1] || [], ",")) {
          const alias = split(part, "as")[1];
          this.define(targets((alias && alias.length ? alias : part).slice(0, 1)));
        }
      } else if (BLOCK_ENDS[keyword] && this.scopes[this.scopes.length - 1][0] === BLOCK_ENDS[keyword]) {
        this.close();
      }
    }
  }

  // -- comparing two versions ------------------------------------------------------------------
  function templateChanges(old, now) {
    const without = (a, b) => { const drop = new Set(b); return a.filter((name) => !drop.has(name)); };
    return {
      variables_added: without(now.variables, old.variables),
      slots_added: without(now.slots, old.slots),
      variables_removed: without(old.variables, now.variables),
      slots_removed: without(old.slots, now.slots),
    };
  }

  // [verb, kind, names] for each kind of change, in the order a sentence names them.
  function changeClauses(changes) {
    return [
      ["Adds", "variable", changes.variables_added], ["Adds", "slot", changes.slots_added],
      ["Removes", "variable", changes.variables_removed], ["Removes", "slot", changes.slots_removed],
    ].filter(([, , list]) => list.length);
  }

  // "Adds slot summary; removes variable name" ("" when nothing changed).
  function changeSentence(changes) {
    return changeClauses(changes).map(([verb, kind, list], i) =>
      `${i ? verb.toLowerCase() : verb} ${kind}${list.length > 1 ? "s" : ""} ${list.join(", ")}`).join("; ");
  }

  return { read: (text) => new TemplateReader().read(text), changes: templateChanges, clauses: changeClauses,
    sentence: changeSentence, limits: LIMITS };
})();
