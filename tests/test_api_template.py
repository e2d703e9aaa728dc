"""What a prompt asks for, through the API: `template` on load, `template_changes` on diff."""

from __future__ import annotations

import pytest

from api.resources.openapi import DOCUMENT
from api.text import interface as template_interface
from api.text.reader import MAX_SCOPES

NOTHING = {"variables": [], "slots": [], "truncated": False}


def test_load_includes_the_variables_and_slots_read_from_the_text(client, save):
    text = (
        "{% for doc in documents %}{{ doc.title|upper }}{% endfor %}\n"
        "{% if formal %}Be formal.{% endif %} Summarise for {{ reader }}.\n"
        "[[think:notes]] [[summary]] [[pick:tone|warm,neutral]] {{ reader }}"
    )
    saved = save(text)
    body = client.get(f"/api/prompts/{saved['id']}").json
    assert body["template"] == {
        "variables": ["documents", "formal", "reader"],
        "slots": ["notes", "summary", "tone"],
        "truncated": False,
    }


def test_a_malformed_template_is_saved_and_yields_what_can_be_read(client, save):
    saved = save("Hello {{ name }}, here is {{ broken and [[answer and [[reply]]")
    body = client.get(f"/api/prompts/{saved['id']}").json
    assert body["template"] == {"variables": ["name"], "slots": ["reply"], "truncated": False}


def test_a_prompt_without_a_template_has_an_empty_interface(client, save):
    saved = save("Write a haiku about autumn.")
    assert client.get(f"/api/prompts/{saved['id']}").json["template"] == NOTHING


def test_a_template_past_a_cap_says_it_was_truncated(client, save):
    saved = save("{{ a }}" + "{% for x in xs %}" * (MAX_SCOPES + 1) + "{{ b }}")
    body = client.get(f"/api/prompts/{saved['id']}").json
    assert body["template"] == {"variables": ["a", "xs"], "slots": [], "truncated": True}


def test_the_diff_says_which_variables_and_slots_changed(client, save):
    root = save("Summarise {{ document }} for {{ name }}.")
    child = save("Summarise {{ document }} in [[summary]].", root["id"])
    body = client.get(f"/api/prompts/{child['id']}/diff").json
    assert body["template_changes"] == {
        "variables_added": [],
        "variables_removed": ["name"],
        "slots_added": ["summary"],
        "slots_removed": [],
    }
    back = client.get(f"/api/prompts/{root['id']}/diff?against={child['id']}").json
    assert back["template_changes"] == {
        "variables_added": ["name"],
        "variables_removed": [],
        "slots_added": [],
        "slots_removed": ["summary"],
    }


def test_the_diff_of_a_first_version_adds_its_whole_interface(client, save):
    root = save("{{ a }} {{ b }} [[c]]")
    changes = client.get(f"/api/prompts/{root['id']}/diff").json["template_changes"]
    assert changes == {
        "variables_added": ["a", "b"],
        "variables_removed": [],
        "slots_added": ["c"],
        "slots_removed": [],
    }


def test_an_edit_that_keeps_the_interface_changes_nothing(client, save):
    root = save("Summarise {{ document }} in [[summary]].")
    child = save("Briefly summarise {{ document }} in [[summary]].", root["id"])
    changes = client.get(f"/api/prompts/{child['id']}/diff").json["template_changes"]
    assert not any(changes.values())


def test_the_etag_is_new_for_the_body_with_a_template(client, save):
    saved = save("Hello {{ name }}")
    etag = client.get(f"/api/prompts/{saved['id']}").headers["ETag"]
    assert etag == f'"json-t3-{saved["sha256"]}"'
    client.get(f"/api/prompts/{saved['id']}", headers={"If-None-Match": etag}, status=304)
    # Copies cached before `template`, before its `truncated`, or before its names were
    # capped carry older tags.
    sha = saved["sha256"]
    for old in (f'"json-{sha}"', f'"json-t-{sha}"', f'"json-t2-{sha}"'):
        client.get(f"/api/prompts/{saved['id']}", headers={"If-None-Match": old}, status=200)


def test_answers_match_the_documented_schemas(client, save):
    jsonschema_rs = pytest.importorskip("jsonschema_rs")  # schemathesis brings it

    def valid(name, body):
        schema = {"$ref": f"#/components/schemas/{name}", "components": DOCUMENT["components"]}
        return jsonschema_rs.validator_for(schema).is_valid(body)

    root = save("{{ a }} [[b]]")
    child = save("{{ a }} {{ c }}", root["id"])
    assert valid("Saved", root) and valid("Saved", child)
    playground = client.post_json("/api/save-prompt", {"syntax": "[[x]]"}).json
    assert valid("PlaygroundSaved", playground)
    assert valid("Prompt", client.get(f"/api/prompts/{child['id']}").json)
    assert valid("Diff", client.get(f"/api/prompts/{child['id']}/diff").json)
    assert not valid("Prompt", dict(client.get(f"/api/prompts/{child['id']}").json, template=1))


def test_a_text_is_read_once_when_saved_and_never_on_load(client, save, monkeypatch):
    calls = []
    real = template_interface.extract
    monkeypatch.setattr(template_interface, "extract", lambda t: calls.append(t) or real(t))
    root = save("Hello {{ name }} [[reply]]")
    save("Hello {{ name }} [[reply]]", status=200)  # idempotent: nothing new is read
    child = save("Hello {{ name }}, [[reply]] and [[title]]", root["id"])
    assert len(calls) == 2
    for _ in range(3):
        assert client.get(f"/api/prompts/{child['id']}").json["template"]["slots"] == [
            "reply",
            "title",
        ]
    client.get(f"/api/prompts/{child['id']}/diff")
    client.get(f"/api/prompts/{child['id']}/history")
    assert len(calls) == 2


def _marks(client, prompt_id, limit=100):
    body = client.get(f"/api/prompts/{prompt_id}/history?limit={limit}").json
    return [a["template_changes"] for a in body["ancestors"]], body["next"]


def test_history_marks_what_each_version_changed_against_its_parent(client, save):
    a = save("Summarise {{ document }} for {{ name }}.")
    b = save("Summarise {{ document }} in [[summary]].", a["id"])
    c = save("Briefly summarise {{ document }} in [[summary]].", b["id"])
    d = save("The end.", c["id"])
    marks, _ = _marks(client, d["id"])
    assert marks == [
        dict(NO_CHANGES),  # c kept b's interface
        {
            "variables_added": [],
            "variables_removed": ["name"],
            "slots_added": ["summary"],
            "slots_removed": [],
        },
        None,  # a is a first version: there is nothing to compare it with
    ]


def test_history_marks_hold_across_pages(client, save):
    ids = [save("{{ v0 }}")["id"]]
    for i in range(1, 6):
        ids.append(save(f"{{{{ v{i} }}}}", ids[-1])["id"])
    marks, url = _marks(client, ids[-1], limit=2)
    while url:
        body = client.get(url).json
        marks += [a["template_changes"] for a in body["ancestors"]]
        url = body["next"]
    expected = [
        {"variables_added": [f"v{i}"], "variables_removed": [f"v{i - 1}"]} for i in range(4, 0, -1)
    ]
    assert [m and {k: v for k, v in m.items() if v} for m in marks] == [*expected, None]


def test_history_marks_nothing_about_a_removed_version_or_against_one(client, save):
    a = save("{{ a }}")
    b = client.post_json("/api/prompts", {"text": "{{ b }}", "parent_id": a["id"]}).json
    c = save("{{ c }}", b["id"])
    d = save("{{ d }}", c["id"])
    client.delete(f"/api/prompts/{b['id']}", headers={"X-Delete-Token": b["delete_token"]})
    marks, _ = _marks(client, d["id"])
    assert marks == [None, None, None]  # c against removed b, b removed, a the first


NO_CHANGES = dict.fromkeys(
    ["variables_added", "variables_removed", "slots_added", "slots_removed"], []
)
