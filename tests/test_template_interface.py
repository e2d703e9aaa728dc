"""Reading what a prompt asks for: Jinja-style variables and struckdown slots.

CASES and TRUNCATED are also run through the editor's port (static/template-interface.js)
in tests/browser/test_delete_and_interface.py, so both must agree on every row.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from api.text.interface import changes, extract, loaded, stored
from api.text.reader import MAX_PARTS, MAX_SCOPES, MAX_TOKENS
from tests.reader_work import STEPS_CAP, steps

# The caps on what is reported, as api/text/reader.py's MAX_NAME_CHARS and MAX_NAMES
# (written out: the reader's and the editor's names must both meet them).
NAME_CHARS, NAMES = 100, 200

# (id, text, variables, slots)
CASES = [
    # -- struckdown's README ------------------------------------------------------------
    ("readme: purpose", "Purpose, <5 words: [[purpose]]", [], ["purpose"]),
    (
        "readme: number and pick",
        "Price: [[number:price]] Currency? [[pick:currency|schmeckles,brapples,flurbos]]",
        [],
        ["currency", "price"],
    ),
    (
        "readme: chained batch",
        "{{name}} {{purpose}}. Most similar on amazon? Best guess, < 10 words [[product]]",
        ["name", "purpose"],
        ["product"],
    ),
    ("readme: think and speak", "[[think:response]]\n[[speak:response]]", [], ["response"]),
    (
        "readme: boolean and pick",
        "[[boolean:response]]\nchoose an option [[pick:color|red,green,blue]]",
        [],
        ["color", "response"],
    ),
    (
        "readme: multi-line pick",
        "[[pick:response\n    option1\n    option2\n    option3\n    default=null]]",
        [],
        ["response"],
    ),
    (
        "readme: obliviate, an answer used later is no input",
        "Long context about the history of vampires\nTell me a joke\n[[speak:joke]]\n\n"
        "¡OBLIVIATE\n\nThis is a joke:\n{{joke}}\n\nTell me, is it funny:\n\n[[boolean:funny]]",
        [],
        ["funny", "joke"],
    ),
    (
        "readme: minimal example",
        "Pick a fruit\n\n[[pick|apple,orange,banana]]\n\nTell me a joke about your fruit\n\n"
        "[[joke]]\n\n¡OBLIVIATE\n\nTell me a joke about your job\n\n[[joke2]]",
        [],
        ["joke", "joke2", "pick"],
    ),
    # -- struckdown's template syntax guide ------------------------------------------------
    (
        "quantifiers and required",
        "[[pick{3}:fruits|apple,banana,orange,grape]] [[extract+:points]] [[extract*:warnings]] "
        "[[int?:maybe]] [[!int{2,5}:counts|min=1,max=10]] [[bool:is_urgent|required]]",
        [],
        ["counts", "fruits", "is_urgent", "maybe", "points", "warnings"],
    ),
    (
        "constraints with brackets in a pattern",
        'Postcode: [[extract:postcode|pattern="[A-Z]{1,2}\\d{1,2}\\s?\\d[A-Z]{2}"]]',
        [],
        ["postcode"],
    ),
    (
        "checkpoint: extracted then used",
        "Extract the name: [[extract:name]]\n\n<checkpoint>\n\n"
        "Hello {{name}}, tell me about yourself: [[response]]",
        [],
        ["name", "response"],
    ),
    (
        "system, together, custom type, overrides",
        "<system>You are an expert analyst.</system>\nAnalyse this data: {{input}}\n"
        "<together>\n[[analysis_a]]\n[[analysis_b]]\n</together>\n"
        "[[Person:person]] [[pick:choice|red,blue|model=gpt-4]] [[think:deep|thinking=high]]",
        ["input"],
        ["analysis_a", "analysis_b", "choice", "deep", "person"],
    ),
    (
        "actions set variables but ask nothing",
        '[[@set:greeting|"hello"]] [[@fetch:content|url="https://example.org"]] '
        '{{ greeting }} {{ content }} [[@timestamp:now|format="%Y"]] [[@break|reason="Done"]]',
        [],
        [],
    ),
    ("nested path", "{{variable.field}} and {{ user.address.city }}", ["user", "variable"], []),
    # -- Jinja shapes seen in real prompts ---------------------------------------------------
    (
        "filters, with and without arguments",
        "{{ name|upper }} {{ items | join(', ') }} {{ content | truncate(length) }}",
        ["content", "items", "length", "name"],
        [],
    ),
    (
        "a for loop's variable is not an input",
        "Review these items:\n{% for item in items %}\n- {{item.name}}: {{item.description}} "
        "({{ loop.index }})\n{% endfor %}\n\n[[review]]",
        ["items"],
        ["review"],
    ),
    (
        "unpacking loop with a filter condition",
        "{% for key, value in settings.items() if value != skip %}{{ key }}={{ value }}"
        "{% else %}none{% endfor %}",
        ["settings", "skip"],
        [],
    ),
    (
        "a loop variable used outside its loop is an input",
        "{% for x in xs %}{{ x }}{% endfor %} and {{ x }}",
        ["x", "xs"],
        [],
    ),
    (
        "conditions",
        "{% if include_examples and not brief %}Examples{% elif mode == 'strict' %}Strict"
        "{% else %}{{ fallback }}{% endif %}",
        ["brief", "fallback", "include_examples", "mode"],
        [],
    ),
    (
        "tests are not variables",
        "{% if notes is defined and count is not divisibleby(3) %}{{ notes }}{% endif %}",
        ["count", "notes"],
        [],
    ),
    (
        "set, then used",
        "{% set greeting = 'Dear ' ~ title ~ ' ' ~ surname %}{{ greeting }},",
        ["surname", "title"],
        [],
    ),
    (
        "chat transcript",
        "{% for message in messages %}{{ message.role }}: {{ message.content }}\n{% endfor %}"
        "assistant: [[reply]]",
        ["messages"],
        ["reply"],
    ),
    (
        "macro parameters are not inputs",
        "{% macro row(label, value='n/a') %}{{ label }}: {{ value }}{% endmacro %}"
        "{{ row('Name', person.name) }}",
        ["person"],
        [],
    ),
    (
        "calls, keyword arguments and Jinja's globals",
        "{% for i in range(count) %}{{ format_item(item=items[i], style=house_style) }}"
        "{% endfor %}",
        ["count", "format_item", "house_style", "items"],
        [],
    ),
    (
        "with block",
        "{% with audience = reader.level %}{{ audience }}{% endwith %}{{ audience }}",
        ["audience", "reader"],
        [],
    ),
    (
        "includes and imports",
        "{% include 'system-prompt.sd' ignore missing %}{% import 'macros.sd' as m %}"
        "{% from 'x.sd' import a, b as c %}{{ m.greet(user) }}{{ a }}{{ c }}",
        ["user"],
        [],
    ),
    (
        "whitespace control",
        "{%- if verbose -%}\n{{- detail -}}\n{%+ endif %}",
        ["detail", "verbose"],
        [],
    ),
    (
        "comments and raw blocks hide what they hold",
        "{# {{ hidden }} [[hidden_slot]] #}<!-- [[draft_slot]] -->"
        "{% raw %}{{ literal }}{% endraw %}{{ shown }}",
        ["shown"],
        [],
    ),
    ("unicode names", "{{ größe }} and {{ 名前 }}", ["größe", "名前"], []),
    (
        "whitespace is Python's str.isspace(), on both sides",
        "{{ user.\x1cname }}{{ a\x85|\x1cupper }}{{\ufeffb }}",
        ["a", "b", "user"],
        [],
    ),
    (
        "templated slot options",
        "[[pick:tone|{{ first }},{{ second }}]]",
        ["first", "second"],
        ["tone"],
    ),
    # -- text that only looks like a template ----------------------------------------------
    ("no template at all", "Write a haiku about autumn.", [], []),
    (
        "JSON and lists in the text",
        'Answer as {"score": {"value": 1}} or [[1, 2], [3, 4]] or f"{name}" or [link](x)',
        [],
        [],
    ),
    ("literals only", "{{ 'text' }} {{ 42 }} {{ true }} {{ none }}", [], []),
    # -- malformed: still saved, still read as far as it can be -----------------------------
    ("unclosed variable at the end", "Hello {{ name }} and {{ broken", ["name"], []),
    ("unclosed variable before a good one", "Hello {{ broken and {{ name }}", ["name"], []),
    ("unclosed slot before a good one", "Answer [[summary and [[answer]]", [], ["answer"]),
    ("unclosed slot at the end", "Answer: [[summary", [], []),
    ("unclosed tag", "{% for x in items {{ x }} {{ y }}", ["x", "y"], []),
    ("unclosed comment", "{# note {{ name }}", ["name"], []),
    ("unclosed string", "{{ 'unclosed + name }} {{ other }}", ["other"], []),
    ("unbalanced blocks", "{% endfor %}{% for a in b %}{{ a }}", ["b"], []),
    ("empty and odd brackets", "{{ }} [[ ]] [[]] {{}} [[bool:]] [[9lives]] {{ 1 + }}", [], []),
    ("stray closers", "}} ]] %} #} -->", [], []),
    # -- right at the reader's caps: all of it is still read --------------------------------
    ("at the scope cap", "{% for x in xs %}" * MAX_SCOPES + "{{ a }}", ["a", "xs"], []),
    (
        "closed scopes free their place",
        "{% for x in xs %}{% endfor %}" * (MAX_SCOPES + 1) + "{{ a }}",
        ["a", "xs"],
        [],
    ),
    ("at the part cap", "{{ a }}" * (MAX_PARTS - 1) + "{{ b }}", ["a", "b"], []),
    ("at the token cap", "{{ " + "a+" * (MAX_TOKENS // 2 - 1) + "a }}{{ b }}", ["a", "b"], []),
    (
        "at the name length cap",
        f"{{{{ {'a' * NAME_CHARS} }}}} {{{{ {'𝒮' * NAME_CHARS} }}}} [[{'s' * NAME_CHARS}]]",
        ["a" * NAME_CHARS, "𝒮" * NAME_CHARS],  # characters, not UTF-16 units as JS counts
        ["s" * NAME_CHARS],
    ),
    (
        "at the name count cap",
        "".join(f"{{{{ v{i:03} }}}} [[s{i:03}]]" for i in range(NAMES)),
        [f"v{i:03}" for i in range(NAMES)],
        [f"s{i:03}" for i in range(NAMES)],
    ),
]

# (id, text, variables, slots) of texts past a cap: reading stops at the part that passes
# it, keeps what came before, and says so with "truncated": true.
TRUNCATED = [
    (
        "past the scope cap",
        "{% for x in xs %}" * MAX_SCOPES + "{{ a }}{% for y in ys %}{{ b }}",
        ["a", "xs"],
        [],
    ),
    ("past the part cap", "{{ a }}" * (MAX_PARTS - 1) + "{{ b }}[[c]]", ["a", "b"], []),
    (
        "past the part cap, counting {{ }} in slots",
        "[[pick:x|" + "{{ a }}," * (MAX_PARTS - 2) + "{{ b }}]]<!-- c -->[[y]]",
        ["a", "b"],
        ["x"],
    ),
    (
        "past the token cap",
        "{{ " + "a+" * (MAX_TOKENS // 2 - 1) + "a }}{{ b }}{{ c }}",
        ["a", "b"],
        [],
    ),
    ("one part past the token cap", "{{ a }}{{ " + "b+" * MAX_TOKENS + "b }}", ["a"], []),
    # What is reported is capped too (api/text/reader.py's MAX_NAME_CHARS and MAX_NAMES).
    (
        "a name past the name length cap",
        "{{ " + "a" * (NAME_CHARS + 1) + " }} [[" + "s" * 3 * NAME_CHARS + "]] {{ b }}",
        ["a" * NAME_CHARS + "…", "b"],
        ["s" * NAME_CHARS + "…"],
    ),
    (
        "two long names alike in their first characters",
        "{{ " + "é" * NAME_CHARS + "x }}{{ " + "é" * NAME_CHARS + "y }}",
        ["é" * NAME_CHARS + "…"],
        [],
    ),
    (
        "past the name count cap",
        "".join(f"{{{{ v{i:03} }}}} [[s{i:03}]]" for i in range(NAMES, -1, -1)),
        [f"v{i:03}" for i in range(NAMES)],
        [f"s{i:03}" for i in range(NAMES)],
    ),
]


@pytest.mark.parametrize(
    ("text", "variables", "slots"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_extract_reads_variables_and_slots(text, variables, slots):
    assert extract(text) == {"variables": variables, "slots": slots, "truncated": False}


@pytest.mark.parametrize(
    ("text", "variables", "slots"), [c[1:] for c in TRUNCATED], ids=[c[0] for c in TRUNCATED]
)
def test_reading_stops_at_a_cap_with_what_it_has(text, variables, slots):
    assert extract(text) == {"variables": variables, "slots": slots, "truncated": True}


def test_names_come_sorted_and_unique():
    found = extract("{{ b }} {{ a }} {{ b }} [[z]] [[y]] [[z]] [[think:y]]")
    assert found == {"variables": ["a", "b"], "slots": ["y", "z"], "truncated": False}


# Random text made of the pieces templates are made of, so it hits their edge cases often.
template_text = st.lists(
    st.sampled_from(list("{}[]%#!@:|,.=()'\"-+*? \n") + ["{{", "}}", "[[", "]]", "{%", "%}"])
    | st.sampled_from(["for", "in", "if", "set", "endfor", "raw", "endraw", "x", "pick", "is"])
    | st.characters(),
    max_size=80,
).map("".join)


@settings(max_examples=500, deadline=None)
@given(text=template_text)
def test_any_text_yields_sorted_unique_names_and_never_raises(text):
    found = extract(text)
    assert found["truncated"] is False  # 80 pieces are far below every cap
    for names in (found["variables"], found["slots"]):
        assert names == sorted(set(names))
        assert all(isinstance(n, str) and n for n in names)


def test_pathological_input_stops_at_the_caps():
    """A quick check, in lines of the reader run (no clock); the full one is in
    tests/reliability/test_template_complexity.py."""
    for make in (
        lambda n: "{{" * n,
        lambda n: "[[" + " " * 2 * n + "x]]",
        lambda n: "<!--" * n,
        lambda n: "{%" * n,
    ):
        small, large = steps(make(5_000)), steps(make(50_000))
        assert large <= STEPS_CAP and large <= 12 * small + 100, (make(1), small, large)


def test_changes_lists_what_was_added_and_removed_by_kind():
    old = extract("Summarise {{ document }} for {{ name }} as [[notes]]")
    new = extract("Summarise {{ document }} in [[summary]] as [[notes]]")
    assert changes(old, new) == {
        "variables_added": [],
        "variables_removed": ["name"],
        "slots_added": ["summary"],
        "slots_removed": [],
    }
    assert not any(changes(new, new).values())


def test_the_stored_form_is_the_served_json_and_loads_back():
    text = "{% for d in docs %}{{ d.title }}{% endfor %} [[pick:tone|a,b]]"
    kept = stored(text)
    assert kept == '{"variables":["docs"],"slots":["tone"],"truncated":false}'
    assert loaded(kept, "not read") == extract(text)
    past = TRUNCATED[0][1]
    assert loaded(stored(past), "") == extract(past) and extract(past)["truncated"]


def test_a_row_without_a_stored_template_is_read_from_its_text():
    assert loaded(None, "{{ a }} [[b]]") == {"variables": ["a"], "slots": ["b"], "truncated": False}
