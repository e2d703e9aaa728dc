"""Adversarial prompts for the template reader, each generated at any size in bytes.

Each generator aims at one way the reader could do more than linear work: scopes left
open while names are used, long lists split at commas, unclosed parts that a regex might
rescan, and so on; several go right up to the reader's caps, where the work is largest.
The texts are ASCII (bytes and characters count the same) and never longer than asked.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterator

from api.text.reader import MAX_SCOPES, MAX_TOKENS

KiB = 1024
SIZES = (1 * KiB, 10 * KiB, 100 * KiB, 200 * KiB)


def fill(unit: str, size: int, head: str = "", tail: str = "") -> str:
    """Repeat `unit` between `head` and `tail` up to `size` bytes."""
    return head + unit * max(0, (size - len(head) - len(tail)) // len(unit)) + tail


def join(items: Iterator[str], sep: str, size: int) -> str:
    """Join items with `sep` until the next one would pass `size` bytes."""
    out, total = [], 0
    for item in items:
        total += len(item) + (len(sep) if out else 0)
        if total > size:
            break
        out.append(item)
    return sep.join(out)


def numbered(template: str) -> Iterator[str]:
    """template.format(i=0), template.format(i=1), ... for ever."""
    return (template.format(i=i) for i in itertools.count())


def chunks(make: Callable[[int, int], str], size: int, chunk: int = 2 * KiB) -> str:
    """Parts made by make(index, at most bytes), about `chunk` bytes each, up to `size`."""
    out, total = [], 0
    while size - total >= 32:
        out.append(make(len(out), min(chunk, size - total)))
        total += len(out[-1])
    return "".join(out)


# -- the three findings, as reported -----------------------------------------------------


def finding_for_names(size: int) -> str:
    """200 KiB of {%for%}, then one {{ x+x+x+... }}: scopes x names (23 s before)."""
    return fill("{%for%}", size // 2) + fill("+x", size - size // 2 - 6, "{{ x", " }}")


def finding_from_import(size: int) -> str:
    """{% from x import a, a, ... %}: each comma split copied the rest (3.4 s before)."""
    return fill(",a", size, "{% from x import a", " %}")


def finding_for_set(size: int) -> str:
    """{%for%}{%set a=b%} repeated: every set read every open scope (2.4 s before)."""
    return fill("{%for%}{%set a=b%}", size)


# -- scopes held open just under the cap while names are used -----------------------------


def scopes_then_names(opener: str) -> Callable[[int], str]:
    def generate(size: int) -> str:
        scopes = fill(opener, min(size // 2, (MAX_SCOPES - 1) * len(opener)))
        use = lambda i, n: "{{ " + join(numbered(f"x{i}_{{i}}"), "+", n - 6) + " }}"  # noqa: E731
        return scopes + chunks(use, size - len(scopes))

    return generate


def slots_then_names(size: int) -> str:
    slots = join(numbered("[[s{i}]]"), "", size // 4)
    return slots + "{{ " + join(numbered("s{i}"), "+", size - len(slots) - 6) + " }}"


def loop_targets(size: int) -> str:
    """Loops with many targets, closed and reopened: each close undoes many names."""
    return fill("{% for " + join(numbered("t{i}"), ",", 160) + " in xs %}{% endfor %}", size)


# -- long lists, as one part and as many ------------------------------------------------------


def lists(head: str, item: str, sep: str, tail: str) -> dict[str, Callable[[int], str]]:
    """The list in one part; in one part of as many tokens as the cap allows, then prose
    to the size (more would not be read at all); and in parts of 2 KiB."""

    def one(size: int) -> str:
        return head + join(numbered(item), sep, size - len(head) - len(tail)) + tail

    def at_the_cap(size: int) -> str:
        tokens_per_item = len(re.findall(r"\w+|[^\w\s]", item.format(i=0) + sep))
        count = (MAX_TOKENS - 16) // tokens_per_item
        part = head + sep.join(itertools.islice(numbered(item), count)) + tail
        return fill("Plain words. ", size, part) if len(part) <= size else one(size)

    def many(size: int) -> str:
        return chunks(lambda i, n: one(n), size)

    return {"": one, ", at the token cap": at_the_cap, ", many parts": many}


LISTS = {  # name: (head, item, separator, tail)
    "from-import": ("{% from 'x' import ", "i{i}", ", ", " %}"),
    "from-import aliases": ("{% from 'x' import ", "a{i} as b{i}", ",", "%}"),
    "with assignments": ("{% with ", "w{i}=v{i}", ", ", " %}"),
    "macro parameters": ("{% macro m(", "p{i}", ",", ") %}"),
    "call arguments": ("{{ f(", "k{i}=v{i}", ", ", ") }}"),
    "filter chain": ("{{ x", "|f{i}", "", " }}"),
    "is-not chain": ("{% if ", "a{i} is not b", " and ", " %}"),
    "pick options": ("[[pick:x|", "o{i}", ",", "]]"),
    "multi-line pick": ("[[pick:x\n", "o{i}", "\n    ", "]]"),
    "templated pick options": ("[[pick:x|", "{{{{ o{i} }}}}", ",", "]]"),
}


# -- nesting and unclosed parts ------------------------------------------------------------------


def brackets(size: int) -> str:
    return "{{ " + "(" * (size - 6) + " }}"


def closed_brackets(size: int) -> str:
    depth = (size - 9) // 2
    return "{{ " + "(" * depth + "a" + ")" * depth + " }}"


def unclosed_raw_with_parts(size: int) -> str:
    return fill("{% x %}{{ y }}[[z]] ", size, "{% raw %}")


def long_name(size: int) -> str:
    return "{{ " + "a" * (size - 6) + " }}"


def repeat(unit: str) -> Callable[[int], str]:
    return lambda size: fill(unit, size)


# name -> generator(size) -> text of at most `size` bytes
GENERATORS: dict[str, Callable[[int], str]] = {
    "finding: {%for%} then x+x+x": finding_for_names,
    "finding: from-import a, a, a": finding_from_import,
    "finding: for + set chain": finding_for_set,
    "for scopes x names": scopes_then_names("{% for a in b %}"),
    "bare for scopes x names": scopes_then_names("{%for%}"),
    "with scopes x names": scopes_then_names("{% with a=b %}"),
    "macro scopes x names": scopes_then_names("{% macro m(a,b,c,d,e,f,g,h) %}"),
    "slots then names": slots_then_names,
    "loop targets pushed and popped": loop_targets,
    **{
        f"{name}{suffix}": generator
        for name, spec in LISTS.items()
        for suffix, generator in lists(*spec).items()
    },
    "open brackets": brackets,
    "closed brackets": closed_brackets,
    "long name": long_name,
    "unclosed strings": repeat("{{ 'a "),
    "unclosed {%for%}": repeat("{%for x in y "),
    "unclosed {% with %}": repeat("{% with a=b "),
    "unclosed {% macro": repeat("{% macro m(a,b,c "),
    "unclosed {% if": repeat("{% if a "),
    "unclosed {{": repeat("{{ a "),
    "unclosed [[": repeat("[[a "),
    "unclosed {#": repeat("{# a "),
    "unclosed <!--": repeat("<!-- a "),
    "unclosed {% raw %}": repeat("{% raw %}{%    endraw"),
    "unclosed raw, parts inside": unclosed_raw_with_parts,
    "mixed unclosed openers": repeat("{{ [[ {% {# <!-- {% raw %} "),
    "unclosed {{ in a slot": lambda size: fill("{{ a ", size, "[[pick:x|", "]]"),
    "unclosed { in a slot": lambda size: fill("1", size, "[[x{", "]]"),
    "unclosed { in slots": repeat("[[x{" + "1" * 64 + "]]"),
    "tiny {{a}}": repeat("{{a}}"),
    "tiny [[a]]": repeat("[[a]]"),
    "tiny {%for%}": repeat("{%for%}"),
    "tiny {##}": repeat("{##}"),
    "tiny <!---->": repeat("<!---->"),
    "tiny {{a+b}}": repeat("{{a+b}}"),
}
