// What a prompt asks for: its Jinja-style input variables and its struckdown answer slots.
// A port of api/template_interface.py, part for part, so the editor shows what the API
// answers: change both together (tests run one table of cases through each).
"use strict";

// PromptTemplate.read(text) -> {variables, slots}; .changes(old, new); .clauses and
// .sentence describe changes for people.
const PromptTemplate = (() => {
  // -- reading the text ---------------------------------------------------------------------
  // One pass in document order. A body may not contain its own opener, so an unclosed
  // `{{` or `[[` is skipped and the next well-formed one still matches.
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
  const TEMPLATE_TOKEN = new RegExp(String.raw`\s+` +
    String.raw`|(?<string>'(?:\\[^]|[^'\\])*(?:'|$)|"(?:\\[^]|[^"\\])*(?:"|$))` +
    String.raw`|(?<number>\p{Nd}[\p{L}\p{N}_.]*)` +
    String.raw`|(?<name>[\p{L}\p{Nl}\p{No}_][\p{L}\p{N}_]*)` +
    String.raw`|(?<op>==|!=|<=|>=|\*\*|//|\S)`, "gu");
  const KEYWORDS = new Set("and or not in is if else recursive true false none True False None".split(" "));
  const JINJA_GLOBALS = new Set("range dict lipsum cycler joiner namespace".split(" "));
  const INCLUDE_WORDS = new Set("ignore missing with without context".split(" "));
  const BLOCK_ENDS = { endfor: "for", endwith: "with", endmacro: "macro" };

  function templateInterface(text) {
    const reader = new TemplateReader();
    for (const match of text.matchAll(TEMPLATE_PARTS)) {
      const parts = match.groups;
      if (parts.expr !== undefined) reader.use(tokens(parts.expr));
      else if (parts.tag !== undefined) reader.tag(tokens(parts.tag));
      else if (parts.slot !== undefined) reader.slot(parts.slot);
    }
    return { variables: [...reader.inputs].sort(), slots: [...reader.slots].sort() };
  }

  function tokens(source) {
    const body = source.trim().replace(/^[-+]+|[-+]+$/g, ""); // {{- x -}}, {%+ if %}
    const found = [];
    for (const match of body.matchAll(TEMPLATE_TOKEN)) {
      const kind = Object.keys(match.groups).find((name) => match.groups[name] !== undefined);
      if (kind) found.push([kind, match.groups[kind]]);
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

  function splitAll(list, comma) {
    const parts = [];
    for (let rest = list; rest !== null;) {
      const [part, after] = split(rest, comma, "op");
      parts.push(part);
      rest = after;
    }
    return parts;
  }

  function targets(list) {
    return list.filter(([kind]) => kind === "name").map(([, text]) => text);
  }

  // Walks the parts of a template in order, tracking which names it defines where.
  class TemplateReader {
    constructor() {
      this.inputs = new Set();
      this.slots = new Set();
      this.scopes = [["template", new Set()]];
    }

    defined(name) {
      return this.scopes.some(([, scope]) => scope.has(name));
    }

    use(list) {
      names(list).filter((name) => !this.defined(name)).forEach((name) => this.inputs.add(name));
    }

    define(list, scope = this.scopes.length - 1) {
      list.forEach((name) => this.scopes[scope][1].add(name));
    }

    slot(body) {
      for (const expression of body.matchAll(TEMPLATE_EXPR)) this.use(tokens(expression[1]));
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
      if (["if", "elif", "do", "autoescape"].includes(keyword)) {
        this.use(rest);
      } else if (keyword === "include" || keyword === "extends") {
        this.use(rest.filter(([, text]) => !INCLUDE_WORDS.has(text)));
      } else if (keyword === "for") {
        const [names, source] = split(rest, "in");
        const [iterable, condition] = split(source || [], "if");
        this.use(iterable);
        this.scopes.push(["for", new Set([...targets(names), "loop"])]);
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
        this.scopes.push(["with", new Set()]);
        for (const part of splitAll(rest, ",")) {
          const [name, value] = split(part, "=", "op");
          this.use(value || []);
          this.define(targets(name.slice(0, 1)));
        }
      } else if (keyword === "macro") {
        this.define(targets(rest.slice(0, 1)));
        const params = rest.slice(2).filter((_, j) => "(,".includes(rest[j + 1][1]));
        this.scopes.push(["macro", new Set([...targets(params), "caller", "varargs", "kwargs"])]);
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
        this.scopes.pop();
      }
    }
  }

  // -- comparing two versions ------------------------------------------------------------------
  function templateChanges(old, now) {
    const without = (a, b) => a.filter((name) => !b.includes(name));
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

  return { read: templateInterface, changes: templateChanges, clauses: changeClauses,
    sentence: changeSentence };
})();
