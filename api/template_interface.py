"""What a prompt asks for: its Jinja-style input variables and its struckdown answer slots.

Read from the text once, when the store writes it, and kept beside it (the `template`
column: derived from the text, so still only text is stored). A lenient scanner, not a
Jinja parser: a malformed template (an unclosed `{{`, `{%` or `[[`) yields the names
that can be read and never raises. Reading is linear in the text and capped (see
`api/template_reader.py`): a text past a cap yields what was read before it, marked
`truncated`. `static/template-interface.js` is a part-for-part port, so the editor shows
what the API answers; tests run one table of cases through both.

    >>> extract("{% for d in docs %}{{ d.title|upper }}{% endfor %} [[pick:tone|warm,cold]]")
    {'variables': ['docs'], 'slots': ['tone'], 'truncated': False}
"""

from __future__ import annotations

from typing import TypedDict

import msgspec

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
    return extract(text) if template is None else _decoder.decode(template)
