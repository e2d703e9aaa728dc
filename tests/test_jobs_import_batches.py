"""`import` in batches (issue 25): one transaction per 1,000 lines, templates read in
worker processes a batch ahead, and the same rows as a line-by-line import would write."""

from __future__ import annotations

import json

import pytest

from api.store import Store
from jobs import transfer

T0 = "2026-01-01T00:00:00.000000+00:00"
TOKEN_HASH = "a" * 64


def _id(n: int) -> str:
    return f"00000000-0000-4000-8000-{n:012d}"


def _lines(count: int) -> list[dict]:
    """Lineages of five, with a tombstone, a legacy alias and a label on the way."""
    lines = []
    for n in range(count):
        parent = None if n % 5 == 0 else _id(n - 1)
        line = {"id": _id(n), "parent_id": parent, "created_at": T0, "legacy_ids": []}
        if n % 7 == 3:
            line.update(text="", removed_at=T0)
        else:
            text = f"Prompt {n}: {{{{ name_{n % 11} }}}} then [[answer]]"
            line.update(text=text, removed_at=None)
        if n == 12:
            line["legacy_ids"] = ["0123456789abcdef01234567"]
        lines.append(line)
        if n == 20:
            move = {"id": _id(20), "previous_id": None, "moved_at": T0}
            move.update(forced=False, note=None)
            lines.append(
                {
                    "label": "app/production",
                    "id": _id(20),
                    "created_at": T0,
                    "moved_at": T0,
                    "token_hash": TOKEN_HASH,
                    "moves": [move],
                }
            )
    return lines


def _file(tmp_path, lines) -> str:
    path = tmp_path / "in.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    return str(path)


def _rows(store: Store):
    sql = "SELECT id, parent_id, text, sha256, removed_at, template, depth, checksum FROM prompts"
    return sorted(store.database.execute(sql).fetchall())


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_batched_import_writes_what_a_line_by_line_import_writes(
    store, cli, tmp_path, make_config, monkeypatch, workers
):
    monkeypatch.setattr(transfer, "BATCH", 7)  # batches cut through lineages and the label
    source = _file(tmp_path, _lines(60))
    result = cli("import", "--workers", workers, source)
    assert result.exit_code == 0, result.output
    assert "Imported 60 prompts and 1 label(s) (0 already present)." in result.output

    monkeypatch.setattr(transfer, "BATCH", 1)  # one line a transaction, as import was
    one_by_one = Store(make_config(fresh=True))
    assert cli("import", "--workers", "1", source, on=one_by_one.config).exit_code == 0
    assert _rows(store) == _rows(one_by_one) and len(_rows(store)) == 60
    assert store.legacy.resolve("0123456789abcdef01234567") == _id(12)
    assert store.labels.get("app/production").prompt_id == _id(20)
    assert store.maintenance.check()["template"] == []
    again = cli("import", "--workers", workers, source)
    assert "Imported 0 prompts (60 already present)." in again.output
    one_by_one.close()


def test_a_conflict_in_a_batch_names_its_line_and_keeps_the_lines_before(
    store, cli, tmp_path, monkeypatch
):
    monkeypatch.setattr(transfer, "BATCH", 50)
    lines = _lines(30)
    store.prompts.store(_id(17), "another text here", created_at=T0)  # line 18 clashes
    result = cli("import", _file(tmp_path, lines))
    assert result.exit_code == 1
    assert "line 18:" in result.output and "already holds another prompt" in result.output
    assert "17 prompts were imported before it" in result.output
    assert store.prompts.get(_id(16)).text.startswith("Prompt 16")
    assert store.prompts.find(_id(18)) is None  # nothing after the bad line


def test_the_same_text_twice_under_one_parent_is_a_conflict_in_a_batch(store, cli, tmp_path):
    lines = [
        {"id": _id(1), "parent_id": None, "text": "root", "created_at": T0},
        {"id": _id(2), "parent_id": _id(1), "text": "child", "created_at": T0},
        {"id": _id(3), "parent_id": _id(1), "text": "child", "created_at": T0},
    ]
    result = cli("import", _file(tmp_path, lines))
    assert result.exit_code == 1 and "line 3:" in result.output
    assert "2 prompts were imported before it" in result.output
    assert [row[0] for row in _rows(store)] == [_id(1), _id(2)]
