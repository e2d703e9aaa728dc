"""What a prompt asks for, through the API: `template` on load, `template_changes` on diff."""

from __future__ import annotations

import pytest

from api import template_interface
from api.openapi import DOCUMENT
from api.template_reader import MAX_SCOPES

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
    assert etag == f'"json-t2-{saved["sha256"]}"'
    client.get(f"/api/prompts/{saved['id']}", headers={"If-None-Match": etag}, status=304)
    # Copies cached before `template`, or before its `truncated`, carry older tags.
    for old in (f'"json-{saved["sha256"]}"', f'"json-t-{saved["sha256"]}"'):
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


def test_extraction_runs_once_per_text(client, save, monkeypatch):
    saved = save("Hello {{ name }} [[reply]]")
    calls = []
    real = template_interface.extract
    monkeypatch.setattr(template_interface, "extract", lambda t: calls.append(t) or real(t))
    template_interface._cache.pop(saved["sha256"], None)
    for _ in range(3):
        client.get(f"/api/prompts/{saved['id']}")
    client.get(f"/api/prompts/{saved['id']}/diff")
    assert len(calls) == 1
