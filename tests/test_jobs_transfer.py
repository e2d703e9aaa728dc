"""`export` and `import`: JSON Lines that move every prompt between databases exactly."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from api.store import PromptRemoved, Store
from bench.servers import ROOT

ROOT_ID = "00000000-0000-4000-8000-000000000001"
CHILD_ID = "00000000-0000-4000-8000-000000000002"
T0 = "2026-01-01T00:00:00.000000+00:00"


pytestmark = pytest.mark.usefixtures("store")


def _line(**fields):
    return json.dumps({"id": ROOT_ID, "parent_id": None, "text": "t", "created_at": T0, **fields})


def _everything(store):
    """A store with lineages, a tombstone, a legacy alias and awkward text."""
    root = store.prompts.save("Root {{ x }}\n")[0].id
    a = store.prompts.save('Version a — ünïcödé, emoji 🧪, tabs\t and "quotes"', root)[0].id
    b = store.prompts.save("Version b\r\nwith CRLF", a)[0].id
    store.prompts.save("Sibling of a", root)
    secret = store.prompts.save("a secret", b)[0].id
    store.prompts.save("descendant of the secret", secret)
    store.prompts.save("another lineage")
    store.takedowns.purge([secret])
    store.legacy.add("0123456789abcdef01234567", a)


def test_export_then_import_into_a_fresh_database_reproduces_everything(
    store, cli, tmp_path, client, make_config
):
    _everything(store)
    exported = cli("export")
    assert exported.exit_code == 0
    fresh = make_config(fresh=True)
    (tmp_path / "dump.jsonl").write_text(exported.stdout, encoding="utf-8")
    result = cli("import", str(tmp_path / "dump.jsonl"), on=fresh)
    assert result.exit_code == 0, result.output
    assert "Imported 7 prompts (0 already present)." in result.output
    assert cli("export", on=fresh).stdout == exported.stdout
    assert cli("check", on=fresh).exit_code == 0

    store = Store(fresh)
    lines = [json.loads(line) for line in exported.stdout.splitlines()]
    for line in lines:
        if line["removed_at"] is None:
            assert store.prompts.get(line["id"]).created_at == line["created_at"]
            assert store.prompts.get(line["id"]).text == line["text"]
        else:
            with pytest.raises(PromptRemoved):
                store.prompts.get(line["id"])
    assert store.legacy.resolve("0123456789abcdef01234567") == lines[2]["id"]


def test_export_puts_parents_before_children_whatever_their_times(store, cli):
    store.prompts.store(ROOT_ID, "root saved late", created_at="2026-06-01T00:00:00.000000+00:00")
    store.prompts.store(CHILD_ID, "child", ROOT_ID, created_at=T0)  # older than its parent
    lines = [json.loads(line) for line in cli("export").stdout.splitlines()]
    assert [line["id"] for line in lines] == [ROOT_ID, CHILD_ID]
    assert lines[1] == {
        "id": CHILD_ID,
        "parent_id": ROOT_ID,
        "created_at": T0,
        "text": "child",
        "removed_at": None,
        "legacy_ids": [],
    }


def test_export_to_a_file_is_written_whole(store, cli, tmp_path):
    _everything(store)
    out = tmp_path / "out.jsonl"
    result = cli("export", "-o", str(out))
    assert result.exit_code == 0
    assert "Exported 7 prompts" in result.stderr
    assert out.read_text(encoding="utf-8") == cli("export").stdout
    assert sorted(p.name for p in tmp_path.iterdir() if "out" in p.name) == ["out.jsonl"]


def test_importing_twice_changes_nothing(store, cli, tmp_path, make_config):
    _everything(store)
    dump = tmp_path / "dump.jsonl"
    cli("export", "-o", str(dump))
    fresh = make_config(fresh=True)
    cli("import", str(dump), on=fresh)
    again = cli("import", str(dump), on=fresh)
    assert again.exit_code == 0
    assert "Imported 0 prompts (7 already present)." in again.output
    assert cli("export", on=fresh).stdout == dump.read_text(encoding="utf-8")


def test_import_reads_standard_input_and_normalises_times(store, cli):
    lines = [
        _line(created_at="2026-01-01T01:00:00+01:00"),
        _line(id=CHILD_ID, parent_id=ROOT_ID, text="child"),
    ]
    result = cli("import", "-", input="\n".join(lines) + "\n\n")
    assert result.exit_code == 0, result.output
    assert store.prompts.get(ROOT_ID).created_at == T0
    assert store.prompts.history(CHILD_ID)[0].id == ROOT_ID


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{not json", "line 2: not JSON"),
        ("[1, 2]", "line 2: not a JSON object"),
        (_line(id="12345"), "line 2: '12345' is not a prompt id"),
        (_line(id=CHILD_ID, parent_id="nope"), "line 2: 'nope' is not a prompt id"),
        (_line(id=CHILD_ID, parent_id=CHILD_ID.replace("2", "9")), "line 2: parent_id"),
        (_line(id=CHILD_ID, text=""), "line 2: text is empty"),
        (_line(id=CHILD_ID, created_at="yesterday"), "line 2: created_at must be an ISO 8601"),
        (_line(id=CHILD_ID, created_at="2026-01-01T00:00:00"), "has no UTC offset"),
        (_line(id=CHILD_ID, inputs={"x": 1}), "unknown fields ['inputs']"),
        (_line(text="again"), "line 2: the id " + ROOT_ID + " is also on line 1"),
        (_line(id=CHILD_ID, removed_at=T0), "must have the text ''"),
        (_line(id=CHILD_ID, legacy_ids=["xyz"]), "'xyz' is not a flat-file id"),
    ],
)
def test_import_refuses_a_bad_line_by_number_and_writes_nothing(
    store, cli, tmp_path, line, message
):
    dump = tmp_path / "bad.jsonl"
    dump.write_text(_line() + "\n" + line + "\n")
    result = cli("import", str(dump))
    assert result.exit_code == 1
    assert "Error: nothing was imported" in result.output
    assert message in result.output
    assert store.prompts.count() == 0


def test_import_accepts_a_parent_already_stored(store, cli, tmp_path):
    store.prompts.store(ROOT_ID, "root", created_at=T0)
    dump = tmp_path / "child.jsonl"
    dump.write_text(_line(id=CHILD_ID, parent_id=ROOT_ID, text="child") + "\n")
    assert cli("import", str(dump)).exit_code == 0
    assert store.prompts.get(CHILD_ID).text == "child"


def test_import_refuses_an_id_that_holds_other_text_here(store, cli, tmp_path):
    store.prompts.store(CHILD_ID, "something else", created_at=T0)
    dump = tmp_path / "clash.jsonl"
    dump.write_text(_line() + "\n" + _line(id=CHILD_ID, text="clash") + "\n")
    result = cli("import", str(dump))
    assert result.exit_code == 1
    assert f"line 2: {CHILD_ID} already holds another prompt" in result.output
    assert "1 prompts were imported before it" in result.output
    assert store.prompts.get(CHILD_ID).text == "something else"


def test_import_will_not_bring_back_text_a_purge_removed(store, cli, tmp_path):
    store.prompts.store(ROOT_ID, "t", created_at=T0)
    dump = tmp_path / "before-purge.jsonl"
    cli("export", "-o", str(dump))
    store.takedowns.purge([ROOT_ID])
    result = cli("import", str(dump))
    assert result.exit_code == 1 and "already holds another prompt" in result.output
    with pytest.raises(PromptRemoved):
        store.prompts.get(ROOT_ID)


def test_import_of_a_missing_file_is_a_usage_error(cli, tmp_path):
    result = cli("import", str(tmp_path / "nope.jsonl"))
    assert result.exit_code == 2 and "does not exist" in result.output


@pytest.mark.sqlite_only
def test_export_into_a_pipe_closed_early_ends_quietly(store, db_path):
    for n in range(200):
        store.prompts.save(f"prompt {n}\n" + "x" * 2000)  # far more than a pipe holds
    export = subprocess.Popen(
        [sys.executable, "-m", "jobs", "--db", str(db_path), "export"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert json.loads(export.stdout.readline())["text"].startswith("prompt")
    export.stdout.close()  # as `| head -1` does
    assert export.wait(timeout=60) == 0
    assert export.stderr.read() == b""
