"""`cleanup-flat-files`: retire the old one-file-per-prompt directory without losing a prompt."""

from __future__ import annotations

import os

import pytest

from api.store import PromptRemoved

UUID = "3f0c2a9e-8d1b-4c7e-9a55-2b6f0e1d4c33"
HEX = "0123456789abcdef01234567"


pytestmark = pytest.mark.usefixtures("store")


@pytest.fixture
def flat(tmp_path):
    """The old layout, plus the things that must never be touched."""
    directory = tmp_path / "prompts"
    directory.mkdir()
    (directory / f"{UUID}.txt").write_text("Named by a UUID\n", encoding="utf-8")
    (directory / f"{HEX}.txt").write_text("Named by a content hash", encoding="utf-8")
    (directory / "abandoned.tmp").write_text("half a prompt")
    (directory / "notes.md").write_text("the operator's own notes")
    (directory / "sub").mkdir()
    (directory / "sub" / f"{'a' * 24}.txt").write_text("inside a subdirectory")
    outside = tmp_path / "outside.txt"
    outside.write_text("a file elsewhere that must survive")
    (directory / f"{'b' * 24}.txt").symlink_to(outside)
    return directory


def _names(directory):
    return sorted(os.listdir(directory))


def test_a_dry_run_lists_what_it_would_do_and_changes_nothing(store, cli, flat):
    before = _names(flat)
    result = cli("cleanup-flat-files", str(flat))
    assert result.exit_code == 0, result.output
    assert "2 prompt files (39 B), 0 of them stored" in result.output
    assert "1 *.tmp leftover; 3 other entries" in result.output
    assert "Dry run: nothing changed. --import would store 2 prompts (39 B)" in result.output
    for left in (
        "notes.md (not a prompt file)",
        "sub/ (a subdirectory)",
        "(a symlink, not followed)",
    ):
        assert left in result.output
    assert _names(flat) == before and store.prompts.count() == 0


def test_import_keeps_uuids_and_aliases_content_hash_names(store, cli, flat, client):
    result = cli("cleanup-flat-files", str(flat), "--import")
    assert result.exit_code == 0, result.output
    assert "Imported 2 prompts." in result.output
    assert store.prompts.get(UUID).text == "Named by a UUID\n"
    new_id = store.legacy.resolve(HEX)
    assert store.prompts.get(new_id).text == "Named by a content hash"

    redirect = client.get(f"/p/{HEX}", status=301)
    assert redirect.headers["Location"].endswith(f"/p/{new_id}")
    assert client.get(f"/p/{UUID}").status_int == 200
    assert client.get(f"/p/{'c' * 24}", status=404)
    assert store.prompts.count() == 2  # nothing from the subdirectory or through the symlink

    again = cli("cleanup-flat-files", str(flat), "--import")
    assert "Imported 0 prompts." in again.output and store.prompts.count() == 2


def test_import_keeps_the_file_time_as_created_at(store, cli, flat):
    os.utime(flat / f"{UUID}.txt", (1_700_000_000, 1_700_000_000))
    cli("cleanup-flat-files", str(flat), "--import")
    created = store.prompts.get(UUID).created_at
    assert created == "2023-11-14T22:13:20.000000+00:00"


def test_a_text_already_stored_as_a_root_is_aliased_not_duplicated(store, cli, flat):
    existing = store.prompts.save("Named by a content hash")[0].id
    cli("cleanup-flat-files", str(flat), "--import")
    assert store.legacy.resolve(HEX) == existing


def test_delete_removes_only_stored_files_of_the_layout(cli, flat, tmp_path):
    result = cli("cleanup-flat-files", str(flat), "--import", "--delete")
    assert result.exit_code == 0, result.output
    assert "Deleted 2 files (39 B); 4 entries left." in result.output
    assert "Left 1 *.tmp leftovers; --force removes them." in result.output
    assert _names(flat) == ["abandoned.tmp", "bbbbbbbbbbbbbbbbbbbbbbbb.txt", "notes.md", "sub"]
    assert (flat / "sub" / f"{'a' * 24}.txt").exists()
    assert (tmp_path / "outside.txt").read_text() == "a file elsewhere that must survive"


def test_delete_without_import_leaves_files_that_are_not_stored(store, cli, flat):
    store.prompts.store(UUID, "Named by a UUID\n")
    result = cli("cleanup-flat-files", str(flat), "--delete")
    assert "Deleted 1 file (" in result.output
    assert f"not stored: {HEX}.txt" in result.output
    assert (flat / f"{HEX}.txt").exists() and not (flat / f"{UUID}.txt").exists()


def test_a_file_whose_text_differs_from_the_stored_prompt_is_kept(store, cli, flat):
    store.prompts.store(UUID, "another text under the same id")
    result = cli("cleanup-flat-files", str(flat), "--import", "--delete")
    assert f"not stored: {UUID}.txt ({UUID} already names another prompt)" in result.output
    assert (flat / f"{UUID}.txt").exists()
    assert store.prompts.get(UUID).text == "another text under the same id"


def test_a_purged_prompt_counts_as_stored_and_is_not_brought_back(store, cli, flat):
    store.prompts.store(UUID, "Named by a UUID\n")
    store.takedowns.purge([UUID])
    cli("cleanup-flat-files", str(flat), "--import", "--delete")
    assert not (flat / f"{UUID}.txt").exists()
    with pytest.raises(PromptRemoved):
        store.prompts.get(UUID)


def test_force_removes_unstored_files_and_leftovers_but_never_foreign_entries(store, cli, flat):
    (flat / f"{'d' * 24}.txt").write_bytes(b"\xff\xfe not utf-8")
    result = cli("cleanup-flat-files", str(flat), "--delete", "--force")
    assert result.exit_code == 0
    assert _names(flat) == ["bbbbbbbbbbbbbbbbbbbbbbbb.txt", "notes.md", "sub"]
    assert store.prompts.count() == 0  # --force alone imports nothing


def test_the_directory_goes_once_it_is_empty(cli, tmp_path):
    directory = tmp_path / "only-ours"
    directory.mkdir()
    (directory / f"{UUID}.txt").write_text("mine")
    result = cli("cleanup-flat-files", str(directory), "--import", "--delete")
    assert f"Removed the empty directory {directory}." in result.output
    assert not directory.exists()


def test_the_default_directory_comes_from_the_environment(cli, flat, monkeypatch):
    monkeypatch.setenv("STRUCKDOWN_PROMPT_CACHE_DIR", str(flat))
    assert f"{flat}: 2 prompt files" in cli("cleanup-flat-files").output


def test_a_missing_default_directory_is_nothing_to_do(cli, tmp_path):
    result = cli("cleanup-flat-files")  # HOME is a temp dir: ~/.struckdown/prompts is absent
    assert result.exit_code == 0
    assert result.output.endswith("does not exist: nothing to clean up.\n")


def test_refusals(cli, flat, tmp_path):
    link = tmp_path / "link-to-prompts"
    link.symlink_to(flat)
    result = cli("cleanup-flat-files", str(link), "--delete")
    assert result.exit_code == 1 and "symlinks are not followed" in result.output
    missing = cli("cleanup-flat-files", str(tmp_path / "nowhere"))
    assert missing.exit_code == 1
    assert missing.output == f"Error: {tmp_path / 'nowhere'} does not exist.\n"
    result = cli("cleanup-flat-files", str(flat), "--force")
    assert result.exit_code == 2 and "add --delete" in result.output
    assert len(_names(flat)) == 6


def test_the_dry_run_counts_only_what_import_would_store(cli, flat):
    (flat / f"{'c' * 24}.txt").write_text("   \n")  # empty: refused, as --import would
    (flat / f"{'d' * 24}.txt").write_bytes(b"\xff\xfe not UTF-8")
    result = cli("cleanup-flat-files", str(flat))
    assert "--import would store 2 prompts (39 B)" in result.output
    assert f"not stored: {'c' * 24}.txt (text is empty)" in result.output
    assert f"not stored: {'d' * 24}.txt (not UTF-8)" in result.output
    assert "--delete would remove the 0 files already stored" in result.output
    imported = cli("cleanup-flat-files", str(flat), "--import")
    assert "Imported 2 prompts." in imported.output
    again = cli("cleanup-flat-files", str(flat))
    assert "--import would store 0 prompts" in again.output
    assert "--delete would remove the 2 files already stored" in again.output
