// What a prompt asks for: its Jinja-style input variables and its struckdown answer slots.
// A port of api/text/reader.py, part for part and with the same caps, so the editor
// shows what the API answers: change both together (tests run one table through each).
// The same reading also says where each part and name is: the editor's colours come
// from it, so the colours and the chips cannot disagree.
import {
  LIMITS, TEMPLATE_EXPR, TEMPLATE_PARTS, TEMPLATE_SLOT, capped, isToken, names, split, splitAll, targets, tokens,
} from "./template-tokens.js";

export { LIMITS };

const INCLUDE_WORDS = new Set("ignore missing with without context".split(" "));
const BLOCK_ENDS = { endfor: "for", endwith: "with", endmacro: "macro" };
const BLOCKS = new Set(Object.values(BLOCK_ENDS));
const FULL = { reason: "a cap was reached" }; // thrown to stop reading, caught in read()

// Walks the parts of a template in order, tracking which names it defines where. With
// `marks`, it also records [start, end, class] for each part and name it reads.
class TemplateReader {
  constructor(marks = null) {
    [this.inputs, this.slots, this.truncated, this.parts, this.tokens] = [new Set(), new Set(), false, 0, 0];
    // Each open scope and the names it added, and how many open scopes define each
    // name: a lookup is one map access and closing a scope undoes only its own names.
    this.scopes = [["template", new Set()]];
    this.defining = new Map();
    this.answers = new Set(); // names an earlier [[slot]] or [[@action]] defines
    [this.marks, this.stop, this.base] = [marks, Infinity, 0]; // base: where tokens count from
  }

  read(text) {
    let start = 0;
    try {
      for (const match of text.matchAll(TEMPLATE_PARTS)) {
        start = match.index;
        this.countPart();
        const { groups } = match, end = start + match[0].length;
        if (groups.expr !== undefined) {
          this.mark(start, end, "sd-expr");
          this.use(this.tokenize(groups.expr, start + 2));
        } else if (groups.tag !== undefined) {
          this.mark(start, end, "sd-tag");
          this.tag(this.tokenize(groups.tag, start + 2));
        } else if (groups.slot !== undefined) {
          this.slot(groups.slot, start, end);
        } else if (groups.raw !== undefined) {
          this.mark(start, start + groups.raw.indexOf("%}") + 2, "sd-tag");
          this.mark(start + groups.raw.lastIndexOf("{%"), end, "sd-tag");
        } else {
          this.mark(start, end, "sd-comment");
        }
      }
    } catch (error) {
      if (error !== FULL) throw error;
      [this.truncated, this.stop] = [true, start];
    }
    const [variables, longVariables] = capped(this.inputs), [slots, longSlots] = capped(this.slots);
    return { variables, slots, truncated: this.truncated || longVariables || longSlots };
  }

  mark(start, end, kind) {
    if (this.marks) this.marks.push([start, end, kind]);
  }

  countPart() { if (++this.parts > LIMITS.parts) throw FULL; }

  // The tokens of a part's body at `offset` in the text, counted against the cap.
  tokenize(source, offset) {
    const left = LIMITS.tokens - this.tokens, found = tokens(source, left);
    if (found.length > left) throw FULL;
    this.tokens += found.length;
    this.base = offset;
    return found;
  }

  use(list) {
    for (const [, name, offset] of names(list)) {
      const where = this.base + offset;
      if (!this.defining.has(name)) {
        this.inputs.add(name);
        this.mark(where, where + name.length, "sd-var");
      } else if (this.answers.has(name)) {
        this.mark(where, where + name.length, "sd-answer");
      }
    }
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

  slot(body, start, end) {
    const match = body.match(TEMPLATE_SLOT);
    const [, action, first, colon, name] = match || [];
    const named = match && !(colon && !name); // [[bool:]]: struckdown makes up a name
    if (named) this.mark(start, end, action ? (first === "break" ? "sd-break" : "sd-action") : "sd-slot");
    if (named && !action) {
      const [from, to] = match.indices[name ? 4 : 2];
      this.mark(start + 2 + from, start + 2 + to, "sd-slot-name");
    }
    for (const expression of body.matchAll(TEMPLATE_EXPR)) { // options may be templated
      this.countPart();
      const at = start + 2 + expression.index;
      this.mark(at, at + expression[0].length, "sd-expr");
      this.use(this.tokenize(expression[1], at + 2));
    }
    if (!named) return; // not a slot: [[1, 2]], [[ ]]
    if (!action) this.slots.add(name || first);
    this.define([name || first], 0); // an answer is a variable for the text after it
    this.answers.add(name || first);
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

// {variables, slots, truncated}: what the API answers as `template` for this text.
export function read(text) {
  return new TemplateReader().read(text);
}

// The same, with `marks` (each [start, end, class], in document order, nested within
// their part) and `stop`: where reading stopped at a cap (Infinity when it did not).
export function scan(text) {
  const reader = new TemplateReader([]);
  const found = reader.read(text);
  return { found, marks: reader.marks, stop: reader.stop };
}
