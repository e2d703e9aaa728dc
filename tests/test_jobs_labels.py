"""`prompt-store labels ...`, and labels in purge, check, export and import."""

from __future__ import annotations

import json

import webtest

from api.app import create_app
from api.store import Store

from .test_jobs import _tamper

BASE = "Reply to {{ message }} as [[reply]]"


def _labelled(client, save):
    """Two versions and a label `bot/prod` moved once; return (root, child, token)."""
    root = save(BASE)
    child = save("Reply kindly to {{ message }} as [[reply]]", root["id"])
    made = client.post_json("/api/labels", {"name": "bot/prod", "id": root["id"]}).json
    owner = {"Authorization": f"Bearer {made['label_token']}"}
    client.put_json("/api/labels/bot/prod", {"id": child["id"], "note": "kinder"}, headers=owner)
    return root, child, made["label_token"]


def test_list_pages_by_name_and_says_how_to_go_on(client, save, cli):
    root = save(BASE)
    for name in ("c", "a", "b/x"):
        client.post_json("/api/labels", {"name": name, "id": root["id"]})
    first = cli("labels", "list", "--limit", "2")
    assert first.exit_code == 0
    assert [line.split()[0] for line in first.output.splitlines()[:2]] == ["a", "b/x"]
    assert "prompt-store labels list --after b/x" in first.output
    rest = json.loads(cli("labels", "list", "--after", "b/x", "--json").output)
    assert [row["name"] for row in rest["labels"]] == ["c"] and rest["next_after"] is None
    assert rest["labels"][0]["prompt_id"] == root["id"]


def test_show_names_the_target_and_recent_moves(client, save, cli):
    root, child, _ = _labelled(client, save)
    shown = cli("labels", "show", "bot/prod")
    assert shown.exit_code == 0
    assert f"bot/prod -> {child['id']} (live)" in shown.output
    assert "'kinder'" in shown.output and "created" in shown.output
    data = json.loads(cli("labels", "show", "bot/prod", "--json").output)
    assert [m["prompt_id"] for m in data["moves"]] == [child["id"], root["id"]]
    assert data["version_removed"] is False
    missing = cli("labels", "show", "nobody")
    assert missing.exit_code == 1 and "no label is named 'nobody'" in missing.output
    bad = cli("labels", "show", "Not A Name")
    assert bad.exit_code == 1 and "a-z, 0-9" in bad.output


def test_remove_is_a_dry_run_until_yes(client, save, cli):
    _labelled(client, save)
    dry = cli("labels", "remove", "bot/prod")
    assert dry.exit_code == 0 and "Dry run" in dry.output
    client.get("/api/labels/bot/prod", status=200)
    done = cli("labels", "remove", "bot/prod", "--yes")
    assert done.exit_code == 0 and "2 move(s)" in done.output
    client.get("/api/labels/bot/prod", status=404)
    client.get("/api/labels/bot/prod/moves", status=404)


def test_reset_token_prints_a_new_one_and_the_old_stops_working(client, save, cli):
    root, child, old = _labelled(client, save)
    result = cli("labels", "reset-token", "bot/prod")
    assert result.exit_code == 0
    new = result.output.strip().splitlines()[-1]
    assert len(new) == 43 and new != old
    body = {"id": root["id"], "force": True}
    client.put_json("/api/labels/bot/prod", body, headers={"Authorization": f"Bearer {old}"},
                    status=403)  # fmt: skip
    client.put_json("/api/labels/bot/prod", body, headers={"Authorization": f"Bearer {new}"})


def test_purge_dry_run_names_the_labels_that_point_at_it(client, save, cli):
    _, child, _ = _labelled(client, save)
    client.post_json("/api/labels", {"name": "bot/staging", "id": child["id"]})
    dry = cli("purge", child["id"])
    assert dry.exit_code == 0
    assert "label bot/prod points at it" in dry.output
    assert "label bot/staging points at it" in dry.output and "410" in dry.output


def test_check_verifies_labels_and_their_move_chains(client, save, cli, store, config):
    root, child, _ = _labelled(client, save)
    assert cli("check").exit_code == 0
    _tamper(store, config, "DELETE FROM label_moves WHERE revision = 1")
    result = cli("check")
    assert result.exit_code == 1 and "label bot/prod: its moves are not 1..2" in result.output


def test_check_finds_a_label_pointing_at_a_missing_row(client, save, cli, store, config):
    _labelled(client, save)
    _tamper(
        store,
        config,
        "UPDATE labels SET prompt_id = '00000000-0000-4000-8000-000000000000'",
    )
    result = cli("check", "--json")
    problems = json.loads(result.stdout.splitlines()[0])["problems"]
    assert result.exit_code == 1
    assert any("labels" in line for line in problems["foreign_keys"])
    assert problems["labels"]  # the chain no longer ends where it points


def test_export_then_import_into_an_empty_database_keeps_labels_moves_and_tokens(
    client, save, cli, tmp_path, make_config
):
    root, child, token = _labelled(client, save)
    dump = tmp_path / "dump.jsonl"
    assert cli("export", "-o", str(dump)).exit_code == 0
    lines = [json.loads(line) for line in dump.read_text().splitlines()]
    assert lines[-1]["label"] == "bot/prod" and token not in dump.read_text()
    fresh = make_config(fresh=True)
    result = cli("import", str(dump), on=fresh)
    assert result.exit_code == 0, result.output
    assert "and 1 label(s)" in result.output
    assert cli("check", on=fresh).exit_code == 0
    assert cli("export", on=fresh).stdout == dump.read_text()
    again = cli("import", str(dump), on=fresh)
    assert again.exit_code == 0 and "label" not in again.output  # nothing new

    other = Store(fresh)
    imported = webtest.TestApp(create_app(fresh, store=other))
    assert imported.get("/api/labels/bot/prod").json["id"] == child["id"]
    moves = imported.get("/api/labels/bot/prod/moves").json["moves"]
    assert [(m["id"], m["note"]) for m in moves] == [(child["id"], "kinder"), (root["id"], None)]
    owner = {"Authorization": f"Bearer {token}"}
    rolled = imported.put_json("/api/labels/bot/prod", {"id": root["id"]}, headers=owner).json
    assert rolled["id"] == root["id"]
    imported.put_json("/api/labels/bot/prod", {"id": child["id"]},
                      headers={"Authorization": "Bearer wrong"}, status=403)  # fmt: skip
    other.close()


def test_import_refuses_a_label_whose_version_is_nowhere(client, save, cli, tmp_path, make_config):
    _labelled(client, save)
    dump = tmp_path / "dump.jsonl"
    cli("export", "-o", str(dump))
    only_label = tmp_path / "label.jsonl"
    only_label.write_text(dump.read_text().splitlines()[-1] + "\n")
    result = cli("import", str(only_label), on=make_config(fresh=True))
    assert result.exit_code == 1 and "line 1: label bot/prod" in result.output
