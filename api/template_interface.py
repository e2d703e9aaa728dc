"""What a prompt asks for: its Jinja-style input variables and its struckdown answer slots.

Derived from the text on demand, never stored. A lenient scanner, not a Jinja parser:
a malformed template (an unclosed `{{`, `{%` or `[[`) yields the names that can be
read and never raises. Reading is linear in the text and capped (see
`api/template_reader.py`): a text past a cap yields what was read before it, marked
`truncated`. `static/template-interface.js` is a part-for-part port, so the editor shows
what the API answers; tests run one table of cases through both.

    >>> extract("{% for d in docs %}{{ d.title|upper }}{% endfor %} [[pick:tone|warm,cold]]")
    {'variables': ['docs'], 'slots': ['tone'], 'truncated': False}
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import TypedDict

from api.template_reader import Reader


class Interface(TypedDict):
    """What a prompt asks for; `truncated` if reading stopped at a cap before its end."""

    variables: list[str]
    slots: list[str]
    truncated: bool


def extract(text: str) -> Interface:
    """Return {variables, slots} of a prompt, each sorted and unique, and `truncated`."""
    reader = Reader().read(text)
    return {
        "variables": sorted(reader.inputs),
        "slots": sorted(reader.slots),
        "truncated": reader.truncated,
    }


def changes(old: Interface, new: Interface) -> dict[str, list[str]]:
    """Return what turning `old` into `new` added and removed, by kind."""
    return {
        f"{kind}_{verb}": sorted(set(a[kind]) - set(b[kind]))
        for verb, a, b in (("added", new, old), ("removed", old, new))
        for kind in ("variables", "slots")
    }


# -- the cache: one extraction per distinct text -------------------------------------
# Extraction costs up to about 0.1 ms per KiB of prompt, more than a whole request, so
# results are kept by sha256: the key is small and no text is held. Bounded in entries
# and in names held, so a flood of odd prompts cannot take much memory.

CACHE_ENTRIES, CACHE_NAMES = 1024, 100_000
Names = tuple[tuple[str, ...], tuple[str, ...], bool]  # variables, slots, truncated
_cache: OrderedDict[str, Names] = OrderedDict()
_cache_names = 0
_cache_lock = threading.Lock()


def interface_of(text: str, sha256: str) -> Interface:
    """Return extract(text), remembered by the text's sha256."""
    with _cache_lock:
        hit = _cache.get(sha256)
        if hit is not None:
            _cache.move_to_end(sha256)
    if hit is None:
        found = extract(text)
        hit = (tuple(found["variables"]), tuple(found["slots"]), found["truncated"])
        _remember(sha256, hit)
    return {"variables": list(hit[0]), "slots": list(hit[1]), "truncated": hit[2]}


def _remember(sha256: str, names: Names) -> None:
    global _cache_names
    with _cache_lock:
        if sha256 in _cache:
            return
        _cache[sha256] = names
        _cache_names += len(names[0]) + len(names[1])
        while len(_cache) > CACHE_ENTRIES or _cache_names > CACHE_NAMES:
            _, old = _cache.popitem(last=False)
            _cache_names -= len(old[0]) + len(old[1])
