"""Every answer bounded whatever is stored: the diff's lines and bytes, the names a
template reports, a history page's bytes (issue 20, findings 1 and 2)."""

from __future__ import annotations

import json
import random

import pytest

from api.resources import history
from api.text import diffs
from api.text import interface as template_interface
from api.text.reader import MAX_NAME_CHARS, MAX_NAMES

KiB = 1024
CUT = "…"


def run(store, sql: str, params: tuple = ()):
    """Run SQL behind the store's back, as an older release would have written it."""
    return store.database.peewee.execute_sql(store.dialect.prepare(sql), params)


# -- the diff ------------------------------------------------------------------------------


def test_the_issues_diff_is_cut_at_the_line_cap_and_says_truncated(client, save):
    # One-character lines from {a,b,c}, and the same with every second line replaced.
    lines = [random.Random(20).choice("abc") + "\n" for _ in range(100 * KiB // 2)]
    parent = save("".join(lines))
    child = save("".join(line if i % 2 else "d\n" for i, line in enumerate(lines)), parent["id"])
    response = client.get(f"/api/prompts/{child['id']}/diff")
    body = response.json
    assert body["truncated"] is True and body["minimal"] is False
    assert len(body["diff"].splitlines()) == diffs.MAX_DIFF_LINES
    assert len(response.body) <= diffs.MAX_DIFF_BYTES + 4 * KiB
    assert body["added"] == body["removed"] > diffs.MAX_DIFF_LINES  # all of it, not the shown


def test_a_small_diff_is_not_truncated(client, save):
    parent = save("one\ntwo\n")
    child = save("one\nthree\n", parent["id"])
    body = client.get(f"/api/prompts/{child['id']}/diff").json
    assert body["truncated"] is False
    assert body["diff"] == "--- {}\n+++ {}\n@@ -1,2 +1,2 @@\n one\n-two\n+three\n".format(
        parent["id"], child["id"]
    )


# -- names ---------------------------------------------------------------------------------


def test_a_long_name_is_reported_cut_short_and_truncated(client, save):
    variable, slot = "v" * 300, "s" * (MAX_NAME_CHARS + 1)
    fits = "f" * MAX_NAME_CHARS
    saved = save(f"{{{{ {variable} }}}} {{{{ {fits} }}}} [[{slot}]]")
    assert client.get(f"/api/prompts/{saved['id']}").json["template"] == {
        "variables": [fits, "v" * MAX_NAME_CHARS + CUT],
        "slots": ["s" * MAX_NAME_CHARS + CUT],
        "truncated": True,
    }


def test_names_past_the_count_cap_are_left_out_and_truncated(client, save):
    names = [f"n{i:04}" for i in range(MAX_NAMES + 50)]
    saved = save(" ".join(f"{{{{ {name} }}}} [[{name}_slot]]" for name in names))
    template = client.get(f"/api/prompts/{saved['id']}").json["template"]
    assert template["variables"] == names[:MAX_NAMES]
    assert template["slots"] == [f"{name}_slot" for name in names[:MAX_NAMES]]
    assert template["truncated"] is True


def test_exactly_the_caps_is_not_truncated(client, save):
    names = [f"n{i:03}" + "x" * (MAX_NAME_CHARS - 4) for i in range(MAX_NAMES)]
    saved = save(" ".join(f"{{{{ {name} }}}}" for name in names))
    template = client.get(f"/api/prompts/{saved['id']}").json["template"]
    assert template == {"variables": names, "slots": [], "truncated": False}


def test_an_interface_stored_before_the_caps_is_capped_when_read(client, save, store):
    saved = save("{{ short }}")
    huge = {"variables": ["short", "x" * 50 * KiB], "slots": [], "truncated": False}
    run(store, "UPDATE prompts SET template = ? WHERE id = ?", (json.dumps(huge), saved["id"]))
    assert client.get(f"/api/prompts/{saved['id']}").json["template"] == {
        "variables": ["short", "x" * MAX_NAME_CHARS + CUT],
        "slots": [],
        "truncated": True,
    }
    child = save("{{ other }}", saved["id"])
    changes = client.get(f"/api/prompts/{child['id']}/diff").json["template_changes"]
    assert changes["variables_removed"] == ["short", "x" * MAX_NAME_CHARS + CUT]
    assert changes["truncated"] is True


def test_template_changes_are_capped_per_list(client, save):
    old = save(" ".join(f"{{{{ a{i} }}}}" for i in range(MAX_NAMES)))
    new = save(" ".join(f"{{{{ b{i} }}}}" for i in range(MAX_NAMES)), old["id"])
    changes = client.get(f"/api/prompts/{new['id']}/diff").json["template_changes"]
    assert len(changes["variables_added"]) == len(changes["variables_removed"]) == MAX_NAMES
    assert "truncated" not in changes  # exactly at the cap: nothing was cut
    # Lists longer than the cap come only from interfaces that were not capped.
    many = {"variables": [f"v{i:04}" for i in range(MAX_NAMES + 1)], "slots": []}
    found = template_interface.changes({"variables": [], "slots": []}, many)
    assert found["variables_added"] == many["variables"][:MAX_NAMES] and found["truncated"]


# -- history -------------------------------------------------------------------------------


def lineage(save, texts: list[str]) -> list[dict]:
    saved = [save(texts[0])]
    for text in texts[1:]:
        saved.append(save(text, saved[-1]["id"]))
    return saved


def test_a_lineage_of_huge_names_gives_a_small_history(client, save):
    """The issue's lineage, shortened: two texts alternating, each one 100 KiB name."""
    texts = ["{{ " + letter * 100 * KiB + " }}" for letter in "ab"] * 4
    tip = lineage(save, [*texts, "end"])[-1]
    response = client.get(f"/api/prompts/{tip['id']}/history?limit=1000")
    entries = response.json["ancestors"]
    assert len(entries) == len(texts)
    assert len(response.body) < 10 * KiB  # it was 2 x 100 KiB an entry
    changed = entries[0]["template_changes"]
    assert changed["variables_added"] == ["b" * MAX_NAME_CHARS + CUT]
    assert changed["truncated"] is True


def follow(client, tip: str, limit: int) -> list[list[str]]:
    pages, url = [], f"/api/prompts/{tip}/history?limit={limit}"
    while url:
        response = client.get(url)
        assert len(response.body) <= history.MAX_PAGE_BYTES
        pages.append([entry["id"] for entry in response.json["ancestors"]])
        url = response.json["next"]
    return pages


def test_a_history_page_stops_at_its_byte_cap_and_next_continues(client, save, monkeypatch):
    monkeypatch.setattr(history, "MAX_PAGE_BYTES", 4 * KiB)
    saved = lineage(save, [f"version {i}: " + "é" * 100 for i in range(30)])
    pages = follow(client, saved[-1]["id"], limit=1000)
    assert len(pages) > 3 and all(pages)
    assert sum(pages, []) == [s["id"] for s in reversed(saved[:-1])]  # each once, in order


def test_a_history_page_of_large_changes_stays_under_the_byte_cap(client, save):
    # Every version swaps 2 x 200 names of 100 characters: about 160 KiB of changes each.
    def text(letter: str) -> str:
        names = [f"{letter}{i:03}" + "x" * (MAX_NAME_CHARS - 4) for i in range(MAX_NAMES)]
        return " ".join(f"{{{{ {name} }}}} [[{name}]]" for name in names)

    saved = lineage(save, [text("ab"[i % 2]) for i in range(18)])
    pages = follow(client, saved[-1]["id"], limit=1000)
    assert len(pages) > 1 and sum(pages, []) == [s["id"] for s in reversed(saved[:-1])]


def test_a_history_page_stops_once_it_has_decoded_enough(client, save, monkeypatch):
    monkeypatch.setattr(history, "MAX_DECODED_CHARS", 1_000)
    # Large interfaces that differ by one name: small changes, costly to decode.
    base = " ".join(f"{{{{ v{i:03}{'x' * 80} }}}}" for i in range(20))
    saved = lineage(save, [f"{base} {{{{ last{i} }}}}" for i in range(10)])
    pages = follow(client, saved[-1]["id"], limit=100)
    assert len(pages) > 2 and sum(pages, []) == [s["id"] for s in reversed(saved[:-1])]


@pytest.mark.parametrize("length", [MAX_NAME_CHARS, MAX_NAME_CHARS + 1, 5 * KiB])
def test_capping_is_the_same_read_now_or_stored_before(length):
    text = "{{ " + "n" * length + " }}"
    uncapped = {"variables": ["n" * length], "slots": [], "truncated": False}
    uncapped = json.dumps(uncapped, separators=(",", ":"), ensure_ascii=False)
    assert template_interface.loaded(uncapped, "") == template_interface.extract(text)
    stored = template_interface.stored(text)
    assert template_interface.served(uncapped) == stored == template_interface.served(stored)
