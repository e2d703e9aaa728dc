"""What a prompt asks for: its Jinja-style input variables and its struckdown answer slots.

Read from the text once, when the store writes it, and kept beside it (the `template`
column: derived from the text, so still only text is stored). A lenient scanner, not a
Jinja parser: a malformed template (an unclosed `{{`, `{%` or `[[`) yields the names
that can be read and never raises. Reading is linear in the text and capped (see
`api/text/reader.py`): a text past a cap yields what was read before it, marked
`truncated`; so is an interface with a name longer than MAX_NAME_CHARS (reported cut
short) or more than MAX_NAMES names of a kind, whether read now or stored before the
caps. `static/template-interface.js` is a part-for-part port, so the editor shows
what the API answers; tests run one table of cases through both.

    >>> extract("{% for d in docs %}{{ d.title|upper }}{% endfor %} [[pick:tone|warm,cold]]")
    {'variables': ['docs'], 'slots': ['tone'], 'truncated': False}
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TypedDict

import msgspec

from api.text.reader import MAX_NAME_CHARS, MAX_NAMES, NAME_CUT, Reader

# The longest stored interface within the caps, in characters: a stored one longer than
# this was written before them (the store reads such a row's interface from its text).
MAX_STORED_CHARS = 2 * MAX_NAMES * (MAX_NAME_CHARS + len(NAME_CUT) + 3) + 64


class Interface(TypedDict):
    """What a prompt asks for; `truncated` if reading stopped at a cap before its end."""

    variables: list[str]
    slots: list[str]
    truncated: bool


def extract(text: str) -> Interface:
    """Return {variables, slots} of a prompt, each sorted and unique, and `truncated`."""
    reader = Reader().read(text)
    return bounded(reader.inputs, reader.slots, reader.truncated)


def bounded(variables: Iterable[str], slots: Iterable[str], truncated: bool) -> Interface:
    """Return the interface of these names within the caps; `truncated` if any was reached."""
    variables, cut_variables = _capped(variables)
    slots, cut_slots = _capped(slots)
    return {
        "variables": variables,
        "slots": slots,
        "truncated": truncated or cut_variables or cut_slots,
    }


def _capped(names: Iterable[str]) -> tuple[list[str], bool]:
    """The names sorted and unique, each cut to MAX_NAME_CHARS, at most MAX_NAMES of them."""
    long = False
    kept = set()
    for name in names:
        if len(name) > MAX_NAME_CHARS:
            name, long = name[:MAX_NAME_CHARS] + NAME_CUT, True
        kept.add(name)
    ordered = sorted(kept)
    return ordered[:MAX_NAMES], long or len(ordered) > MAX_NAMES


def changes(old: Interface, new: Interface) -> dict:
    """Return what turning `old` into `new` added and removed, by kind, at most MAX_NAMES
    names a list; `truncated` (only when true) if a list was cut or an interface was."""
    found = {
        f"{kind}_{verb}": sorted(set(a[kind]) - set(b[kind]))
        for verb, a, b in (("added", new, old), ("removed", old, new))
        for kind in ("variables", "slots")
    }
    cut = old.get("truncated", False) or new.get("truncated", False)
    for key, names in found.items():
        cut = cut or len(names) > MAX_NAMES
        found[key] = names[:MAX_NAMES]
    return {**found, "truncated": True} if cut else found


def breaks(found: dict[str, list[str]]) -> bool:
    """Say whether changes break an application of the old version: a variable it does
    not pass (added), or a slot it reads (removed). Removing a variable, adding a slot
    keep it working."""
    return bool(found["variables_added"] or found["slots_removed"])


# -- the stored form: compact JSON, the `template` body of the API as it is served --------

_decoder = msgspec.json.Decoder()


def stored(text: str) -> str:
    """Return what the store keeps of a text's interface: extract(text) as compact JSON."""
    return msgspec.json.encode(extract(text)).decode()


def loaded(template: str | None, text: str) -> Interface:
    """Return the interface a stored template holds, reading `text` when none was stored."""
    # None: a row written by a release before the column (during a deploy, until
    # `prompt-store init-db` fills it).
    if template is None:
        return extract(text)
    found = _decoder.decode(template)
    return bounded(found["variables"], found["slots"], found.get("truncated", False))


_LONG_NAME = re.compile(f'"[^"]{{{MAX_NAME_CHARS + 1}}}')


def served(template: str) -> str:
    """Return a stored interface as it is served: itself, unless it was stored before the
    caps and passes one (checked without decoding it, for the common case)."""
    if template.count(",") < MAX_NAMES and not _LONG_NAME.search(template):
        return template  # no list can hold more than MAX_NAMES, nor a name be longer
    return msgspec.json.encode(loaded(template, "")).decode()
