"""What a prompt asks for: its Jinja-style input variables and its struckdown answer slots.

Derived from the text on demand, never stored. A lenient scanner, not a Jinja parser:
a malformed template (an unclosed `{{`, `{%` or `[[`) yields the names that can be
read and never raises. `static/template-interface.js` is a line-for-line port, so the
editor shows what the API answers; tests run one table of cases through both.

    >>> extract("{% for d in docs %}{{ d.title|upper }}{% endfor %} [[pick:tone|warm,cold]]")
    {'variables': ['docs'], 'slots': ['tone']}
"""

from __future__ import annotations

import functools
import re
import threading
from collections import OrderedDict

# One pass over the text, in document order. A body may not contain its own opener,
# so an unclosed `{{` or `[[` is skipped and the next well-formed one still matches.
_PARTS = re.compile(
    r"(?=[<{\[])"  # every part opens with one of these: skip other characters fast
    # Each body is "any character, unless it opens or closes a part of its kind",
    # written as runs of characters that cannot (fast) or single ones checked ahead;
    # possessive, so an unclosed part fails in linear time instead of backtracking.
    r"(?:(?P<html><!--(?:[^<-]++|(?!<!--|-->)[<-])*+-->)"
    r"|(?P<comment>\{#(?:[^{#]++|(?!\{#|#\})[{#])*+#\})"
    r"|(?P<raw>\{%[-+]?\s*raw\s*[-+]?%\}(?:(?!\{%[-+]?\s*raw\b).)*?"
    r"\{%[-+]?\s*endraw\s*[-+]?%\})"
    r"|\{\{(?P<expr>(?:[^{}]++|(?!\{\{|\}\})[{}])*+)\}\}"
    r"|\{%(?P<tag>(?:[^{%]++|(?!\{%|%\})[{%])*+)%\}"
    r"|\[\[(?P<slot>(?:[^\[\]]++|(?!\[\[|\]\])[\[\]])*+)\]\])",
    re.S,
)
_EXPR = re.compile(r"\{\{((?:(?!\{\{|\}\}).)*)\}\}", re.S)
# struckdown: [[name]], [[type:name]], [[!type{2,5}:name|options]], [[@action:name]],
# and the multi-line pick, [[pick:name<newline>option<newline>...]]. Names are ASCII.
_SLOT = re.compile(
    r"\s*(?:!\s*)?(?:(@)\s*)?([A-Za-z_]\w*)(?:\s*(?:[*+?]|\{[^}]*\}))?"
    r"(?:\s*(:)\s*([A-Za-z_]\w*)?)?(?=\s|\||\Z)",
    re.A,
)
_TOKEN = re.compile(
    r"\s+"
    r"|(?P<string>'(?:\\.|[^'\\])*(?:'|\Z)|\"(?:\\.|[^\"\\])*(?:\"|\Z))"
    r"|(?P<number>\d[\w.]*)"
    r"|(?P<name>[^\W\d]\w*)"
    r"|(?P<op>==|!=|<=|>=|\*\*|//|\S)",
    re.S,
)
_KEYWORDS = frozenset("and or not in is if else recursive true false none True False None".split())
_GLOBALS = frozenset("range dict lipsum cycler joiner namespace".split())  # Jinja's own
_INCLUDE_WORDS = frozenset("ignore missing with without context".split())
_BLOCK_ENDS = {"endfor": "for", "endwith": "with", "endmacro": "macro"}

Token = tuple[str, str]  # (kind, text)


def extract(text: str) -> dict[str, list[str]]:
    """Return {variables, slots} of a prompt, each sorted and unique."""
    reader = _Reader()
    for match in _PARTS.finditer(text):
        kind = match.lastgroup
        if kind == "expr":
            reader.use(_tokens(match["expr"]))
        elif kind == "tag":
            reader.tag(_tokens(match["tag"]))
        elif kind == "slot":
            reader.slot(match["slot"])
    return {"variables": sorted(reader.inputs), "slots": sorted(reader.slots)}


def changes(old: dict[str, list[str]], new: dict[str, list[str]]) -> dict[str, list[str]]:
    """Return what turning `old` into `new` added and removed, by kind."""
    return {
        f"{kind}_{verb}": sorted(set(a[kind]) - set(b[kind]))
        for verb, a, b in (("added", new, old), ("removed", old, new))
        for kind in ("variables", "slots")
    }


# -- the cache: one extraction per distinct text -------------------------------------
# Extraction costs about 0.1 ms per KiB of prompt, several times a whole request, so
# results are kept by sha256: the key is small and no text is held. Bounded in entries
# and in names held, so a flood of odd prompts cannot take much memory.

CACHE_ENTRIES, CACHE_NAMES = 1024, 100_000
_cache: OrderedDict[str, tuple[tuple[str, ...], tuple[str, ...]]] = OrderedDict()
_cache_names = 0
_cache_lock = threading.Lock()


def interface_of(text: str, sha256: str) -> dict[str, list[str]]:
    """Return extract(text), remembered by the text's sha256."""
    with _cache_lock:
        hit = _cache.get(sha256)
        if hit is not None:
            _cache.move_to_end(sha256)
    if hit is None:
        found = extract(text)
        hit = (tuple(found["variables"]), tuple(found["slots"]))
        _remember(sha256, hit)
    return {"variables": list(hit[0]), "slots": list(hit[1])}


def _remember(sha256: str, names: tuple[tuple[str, ...], tuple[str, ...]]) -> None:
    global _cache_names
    with _cache_lock:
        if sha256 in _cache:
            return
        _cache[sha256] = names
        _cache_names += len(names[0]) + len(names[1])
        while len(_cache) > CACHE_ENTRIES or _cache_names > CACHE_NAMES:
            _, old = _cache.popitem(last=False)
            _cache_names -= len(old[0]) + len(old[1])


# -- reading ----------------------------------------------------------------------------


@functools.lru_cache(maxsize=4096)  # prompts repeat their expressions: {{ document }}
def _tokens(source: str) -> tuple[Token, ...]:
    body = source.strip().strip("-+")  # whitespace control: {{- x -}}, {%+ if %}
    return tuple(
        (m.lastgroup, m[m.lastgroup]) for m in _TOKEN.finditer(body) if m.lastgroup
    )


@functools.lru_cache(maxsize=4096)
def _names(tokens: tuple[Token, ...]) -> tuple[str, ...]:
    """The names an expression reads from its context: no attributes, filters or tests."""
    found, depth = [], 0
    for i, (kind, text) in enumerate(tokens):
        if kind == "op":
            depth += (text in "([{") - (text in ")]}")
            continue
        if kind != "name" or text in _KEYWORDS:
            continue
        before = tokens[i - 1] if i else ("", "")
        after = tokens[i + 1][1] if i + 1 < len(tokens) else ""
        if before in (("op", "."), ("op", "|"), ("name", "is")):
            continue  # x.attribute, x|filter, x is test
        if before == ("name", "not") and i > 1 and tokens[i - 2] == ("name", "is"):
            continue  # x is not test
        if (after == "=" and depth > 0) or (after == "(" and text in _GLOBALS):
            continue  # f(keyword=...), range(3)
        found.append(text)
    return tuple(found)


def _split(tokens: list[Token], word: str, kind: str = "name") -> tuple[list, list | None]:
    """Split at the first `word` outside brackets: (before, after), or (tokens, None)."""
    depth = 0
    for i, (k, text) in enumerate(tokens):
        if k == "op":
            depth += (text in "([{") - (text in ")]}")
        if depth == 0 and (k, text) == (kind, word):
            return tokens[:i], tokens[i + 1 :]
    return tokens, None


def _targets(tokens: list[Token]) -> list[str]:
    return [text for kind, text in tokens if kind == "name"]


class _Reader:
    """Walks the parts of a template in order, tracking which names it defines where."""

    def __init__(self) -> None:
        self.inputs: set[str] = set()
        self.slots: set[str] = set()
        self.scopes: list[tuple[str, set[str]]] = [("template", set())]

    def defined(self, name: str) -> bool:
        return any(name in names for _, names in self.scopes)

    def use(self, tokens: tuple[Token, ...] | list[Token]) -> None:
        self.inputs.update(n for n in _names(tuple(tokens)) if not self.defined(n))

    def define(self, names: list[str], scope: int = -1) -> None:
        self.scopes[scope][1].update(names)

    def slot(self, body: str) -> None:
        for expression in _EXPR.finditer(body):  # options may be templated
            self.use(_tokens(expression[1]))
        match = _SLOT.match(body)
        if match is None:
            return  # not a slot: [[1, 2]], [[ ]]
        action, first, colon, name = match.groups()
        if colon and not name:
            return  # [[bool:]]: struckdown makes up a name
        name = name or first
        if not action:
            self.slots.add(name)
        self.define([name], scope=0)  # an answer is a variable for the text after it

    def tag(self, tokens: list[Token]) -> None:
        if not tokens or tokens[0][0] != "name":
            return
        keyword, rest = tokens[0][1], tokens[1:]
        if keyword in ("if", "elif", "do", "autoescape"):
            self.use(rest)
        elif keyword in ("include", "extends"):
            self.use([t for t in rest if t[1] not in _INCLUDE_WORDS])
        elif keyword == "for":
            targets, source = _split(rest, "in")
            source, condition = _split(source or [], "if")
            self.use(source)
            self.scopes.append(("for", {*_targets(targets), "loop"}))
            self.use(condition or [])
        elif keyword == "set":
            targets, value = _split(rest, "=", "op")
            if value is None:  # {% set name %}...{% endset %}
                self.define(_targets(rest[:1]))
            elif any(t == ("op", ".") for t in targets):  # {% set ns.count = ... %}
                self.use(targets[:1] + value)
            else:
                self.use(value)
                self.define(_targets(targets))
        elif keyword == "with":
            self.scopes.append(("with", set()))
            for part in _split_all(rest, ","):
                name, value = _split(part, "=", "op")
                self.use(value or [])
                self.define(_targets(name[:1]))
        elif keyword == "macro":
            self.define(_targets(rest[:1]))
            params = [t for t, b in zip(rest[2:], rest[1:], strict=False) if b[1] in "(,"]
            self.scopes.append(("macro", {*_targets(params), "caller", "varargs", "kwargs"}))
        elif keyword == "filter":
            self.use([("op", "|"), *rest])
        elif keyword == "import":
            self.define(_targets(_split(rest, "as")[1] or []))
        elif keyword == "from":
            imported = _split(rest, "import")[1] or []
            for part in _split_all(imported, ","):
                self.define(_targets((_split(part, "as")[1] or part)[:1]))
        elif keyword in _BLOCK_ENDS and self.scopes[-1][0] == _BLOCK_ENDS[keyword]:
            self.scopes.pop()


def _split_all(tokens: list[Token], comma: str) -> list[list[Token]]:
    parts = []
    while True:
        part, tokens = _split(tokens, comma, "op")
        parts.append(part)
        if tokens is None:
            return parts
