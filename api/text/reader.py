"""Read a template's parts in one pass: the names it uses before defining them, its slots.

Linear in the text: each character is scanned a bounded number of times and each token
read costs O(1) however deep the nesting. And bounded: reading stops at fixed caps on
parts, tokens and open scopes, far above any real prompt, so even a text built to be
slow is read in milliseconds. `static/template-interface.js` is a part-for-part port
with the same caps: change both together.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence

# The caps, each reachable within the 200 KiB size limit. A real prompt has tens to
# hundreds of parts and tokens, blocks nested a few deep; the benchmark's template-dense
# prompt grown to 200 KiB has 2,676 parts and 1,338 tokens. Yet the caps bound the worst
# text to about 15 ms of reading here (a part costs up to 3 us, a token up to about 1 us)
# where it took seconds without them.
MAX_PARTS = 5_000  # {{ }}, {% %}, [[ ]], comments and raw blocks, and {{ }} in slots
MAX_TOKENS = 10_000  # tokens read inside those parts, all together
MAX_SCOPES = 1_000  # {% for %}, {% with %} and {% macro %} open at once
# What the reader reports is capped too (api/text/interface.py applies these): a
# longer name is reported as its first MAX_NAME_CHARS characters (code points) and
# NAME_CUT; past MAX_NAMES names of a kind (variables, slots), the first MAX_NAMES in
# sorted order. Either sets `truncated`. So the interface of any text is at most about
# 40 KiB, and an entry of a history at most four such lists.
MAX_NAME_CHARS = 100
MAX_NAMES = 200
NAME_CUT = "\u2026"  # "…"

# One pass over the text, in document order. A body may not contain its own opener,
# so an unclosed `{{` or `[[` is skipped and the next well-formed one still matches.
# Each body is "any character, unless it opens or closes a part of its kind", written
# as runs of characters that cannot (fast) or single ones checked ahead; possessive, so
# an unclosed part fails in one scan up to the next opener of its kind: each kind scans
# each character at most once, whatever the text.
_PARTS = re.compile(
    r"(?=[<{\[])"  # every part opens with one of these: skip other characters fast
    r"(?:(?P<html><!--(?:[^<-]++|(?!<!--|-->)[<-])*+-->)"
    r"|(?P<comment>\{#(?:[^{#]++|(?!\{#|#\})[{#])*+#\})"
    r"|(?P<raw>\{%[-+]?\s*raw\s*[-+]?%\}(?:(?!\{%[-+]?\s*raw\b).)*?"
    r"\{%[-+]?\s*endraw\s*[-+]?%\})"
    r"|\{\{(?P<expr>(?:[^{}]++|(?!\{\{|\}\})[{}])*+)\}\}"
    r"|\{%(?P<tag>(?:[^{%]++|(?!\{%|%\})[{%])*+)%\}"
    r"|\[\[(?P<slot>(?:[^\[\]]++|(?!\[\[|\]\])[\[\]])*+)\]\])",
    re.S,
)
_EXPR = re.compile(r"\{\{((?:[^{}]++|(?!\{\{|\}\})[{}])*+)\}\}")  # as in _PARTS
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
_BLOCKS = frozenset(_BLOCK_ENDS.values())
_SKIP = (("op", "."), ("op", "|"), ("name", "is"))  # x.attribute, x|filter, x is test
# Only short expressions are cached (they are the ones prompts repeat): a cache of long
# ones would hold megabytes of keys and cost a hash of each on every lookup.
_SHORT_SOURCE, _SHORT_TOKENS = 200, 16

Token = tuple[str, str]  # (kind, text)
Tokens = Sequence[Token]


class Full(Exception):
    """A cap was reached: the reader keeps what it has read so far."""


class Reader:
    """Walk the parts of a template in order, tracking which names it defines where."""

    def __init__(self) -> None:
        self.inputs: set[str] = set()
        self.slots: set[str] = set()
        self.truncated = False
        self.parts = self.tokens = 0
        # Each open scope and the names it added, and how many open scopes define each
        # name: a lookup is one dict access and closing a scope undoes only its own names.
        self.scopes: list[tuple[str, set[str]]] = [("template", set())]
        self.defining: dict[str, int] = {}

    def read(self, text: str) -> Reader:
        """Read `text` up to the caps; `truncated` says whether one was reached."""
        try:
            for match in _PARTS.finditer(text):
                self.parts += 1  # count_part(), inline: this loop is the reader's hot path
                if self.parts > MAX_PARTS:
                    raise Full
                kind = match.lastgroup
                if kind == "expr":
                    self.use(self.tokenize(match["expr"]))
                elif kind == "slot":
                    self.slot(match["slot"])
                elif kind == "tag":
                    self.tag(self.tokenize(match["tag"]))
        except Full:
            self.truncated = True
        return self

    def count_part(self) -> None:
        self.parts += 1
        if self.parts > MAX_PARTS:
            raise Full

    def tokenize(self, source: str) -> Tokens:
        """Return the tokens of a part's body, counted against MAX_TOKENS."""
        left = MAX_TOKENS - self.tokens
        short = len(source) <= _SHORT_SOURCE
        found = _cached_tokens(source) if short else _tokens(source, left)
        if len(found) > left:
            raise Full
        self.tokens += len(found)
        return found

    def use(self, tokens: Tokens) -> None:
        short = len(tokens) <= _SHORT_TOKENS
        names = _cached_names(tuple(tokens)) if short else _names(tokens)
        inputs, defining = self.inputs, self.defining
        for name in names:  # mostly one name: a loop costs less than a generator
            if name not in defining:
                inputs.add(name)

    def define(self, names: list[str], scope: int = -1) -> None:
        added = self.scopes[scope][1]
        for name in names:
            if name not in added:
                added.add(name)
                self.defining[name] = self.defining.get(name, 0) + 1

    def open(self, kind: str, names: list[str]) -> None:
        self.scopes.append((kind, set()))
        self.define(names)

    def close(self) -> None:
        for name in self.scopes.pop()[1]:
            self.defining[name] -= 1
            if not self.defining[name]:
                del self.defining[name]

    def slot(self, body: str) -> None:
        if "{{" in body:  # options may be templated (_EXPR matches nothing without one)
            for expression in _EXPR.finditer(body):
                self.count_part()
                self.use(self.tokenize(expression[1]))
        found = _cached_slot(body) if len(body) <= _SHORT_SOURCE else _slot(body)
        if found is None:
            return  # not a slot ([[1, 2]], [[ ]]), or one struckdown names itself ([[bool:]])
        name, action = found
        if not action:
            self.slots.add(name)
        self.define([name], scope=0)  # an answer is a variable for the text after it

    def tag(self, tokens: Tokens) -> None:
        if not tokens or tokens[0][0] != "name":
            return
        keyword, rest = tokens[0][1], tokens[1:]
        # The template's own scope is not counted; checked before anything of the tag is
        # read, so that a tag is read whole or not at all.
        if keyword in _BLOCKS and len(self.scopes) > MAX_SCOPES:
            raise Full
        if keyword in ("if", "elif", "do", "autoescape"):
            self.use(rest)
        elif keyword in ("include", "extends"):
            self.use([t for t in rest if t[1] not in _INCLUDE_WORDS])
        elif keyword == "for":
            targets, source = _split(rest, "in")
            source, condition = _split(source or [], "if")
            self.use(source)
            self.open("for", [*_targets(targets), "loop"])
            self.use(condition or [])
        elif keyword == "set":
            targets, value = _split(rest, "=", "op")
            if value is None:  # {% set name %}...{% endset %}
                self.define(_targets(rest[:1]))
            elif any(t == ("op", ".") for t in targets):  # {% set ns.count = ... %}
                self.use([*targets[:1], *value])
            else:
                self.use(value)
                self.define(_targets(targets))
        elif keyword == "with":
            self.open("with", [])
            for part in _split_all(rest, ","):
                name, value = _split(part, "=", "op")
                self.use(value or [])
                self.define(_targets(name[:1]))
        elif keyword == "macro":
            self.define(_targets(rest[:1]))
            params = [t for t, b in zip(rest[2:], rest[1:], strict=False) if b[1] in "(,"]
            self.open("macro", [*_targets(params), "caller", "varargs", "kwargs"])
        elif keyword == "filter":
            self.use([("op", "|"), *rest])
        elif keyword == "import":
            self.define(_targets(_split(rest, "as")[1] or []))
        elif keyword == "from":
            imported = _split(rest, "import")[1] or []
            for part in _split_all(imported, ","):
                self.define(_targets((_split(part, "as")[1] or part)[:1]))
        elif keyword in _BLOCK_ENDS and self.scopes[-1][0] == _BLOCK_ENDS[keyword]:
            self.close()


def _slot(body: str) -> tuple[str, bool] | None:
    """Return the name a slot's body gives its answer and whether it is an action, or None."""
    match = _SLOT.match(body)
    if match is None:
        return None  # not a slot: [[1, 2]], [[ ]]
    action, first, colon, name = match.groups()
    if colon and not name:
        return None  # [[bool:]]: struckdown makes up a name
    return name or first, bool(action)


_cached_slot = functools.lru_cache(maxsize=4096)(_slot)  # slots repeat too: [[summary]]


def _tokens(source: str, limit: int) -> tuple[Token, ...]:
    """Return the tokens of an expression, stopping once there are more than `limit`."""
    body = source.strip().strip("-+")  # whitespace control: {{- x -}}, {%+ if %}
    found = []
    for match in _TOKEN.finditer(body):
        kind = match.lastgroup
        if kind:
            found.append((kind, match[kind]))
            if len(found) > limit:
                break
    return tuple(found)


@functools.lru_cache(maxsize=4096)  # prompts repeat their expressions: {{ document }}
def _cached_tokens(source: str) -> tuple[Token, ...]:
    return _tokens(source, len(source))


def _names(tokens: Tokens) -> tuple[str, ...]:
    """Return the names an expression reads from its context: no attributes or filters."""
    found, depth = [], 0
    for i, (kind, text) in enumerate(tokens):
        if kind == "op":
            depth += (text in "([{") - (text in ")]}")
            continue
        if kind != "name" or text in _KEYWORDS:
            continue
        before = tokens[i - 1] if i else ("", "")
        after = tokens[i + 1][1] if i + 1 < len(tokens) else ""
        if before in _SKIP:
            continue
        if before == ("name", "not") and i > 1 and tokens[i - 2] == ("name", "is"):
            continue  # x is not test
        if (after == "=" and depth > 0) or (after == "(" and text in _GLOBALS):
            continue  # f(keyword=...), range(3)
        found.append(text)
    return tuple(found)


_cached_names = functools.lru_cache(maxsize=4096)(_names)


def _split(tokens: Tokens, word: str, kind: str = "name") -> tuple[Tokens, Tokens | None]:
    """Split at the first `word` outside brackets: (before, after), or (tokens, None)."""
    depth = 0
    for i, (k, text) in enumerate(tokens):
        if k == "op":
            depth += (text in "([{") - (text in ")]}")
        if depth == 0 and k == kind and text == word:
            return tokens[:i], tokens[i + 1 :]
    return tokens, None


def _split_all(tokens: Tokens, comma: str) -> list[Tokens]:
    """Split at every `comma` outside brackets, in one pass."""
    parts, depth, start = [], 0, 0
    for i, (kind, text) in enumerate(tokens):
        if kind == "op":
            depth += (text in "([{") - (text in ")]}")
            if depth == 0 and text == comma:
                parts.append(tokens[start:i])
                start = i + 1
    parts.append(tokens[start:])
    return parts


def _targets(tokens: Tokens) -> list[str]:
    return [text for kind, text in tokens if kind == "name"]
