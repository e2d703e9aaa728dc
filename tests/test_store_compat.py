"""The flat-file `prompt_cache` module's functions, kept for scripts: same names, same shapes."""

from __future__ import annotations

import pytest

from api import store as prompt_store
from api.store import InvalidPromptId, PromptNotFound, default_store


@pytest.fixture
def script_env(tmp_path, monkeypatch):
    """A script's environment: the database named by STRUCKDOWN_PROMPT_DB."""
    path = tmp_path / "script" / "prompts.db"
    monkeypatch.setenv("STRUCKDOWN_PROMPT_DB", str(path))
    default_store.cache_clear()
    yield path
    default_store().close()
    default_store.cache_clear()


def test_the_module_functions_work_on_the_configured_database(script_env):
    root_id = "0b9b0a3e-6c0e-4b8e-9d1a-1f2e3d4c5b6a"
    assert prompt_store.store_prompt(root_id, "Root {{ x }}") is True
    assert prompt_store.store_prompt(root_id, "Root {{ x }}") is False
    child_id, created = prompt_store.save_prompt("Child", root_id)
    assert created and prompt_store.prompt_exists(child_id)
    assert prompt_store.get_prompt(child_id) == "Child"
    meta = prompt_store.get_prompt_with_metadata(child_id)
    assert set(meta) == {"id", "text", "parent_id", "created_at", "sha256"}
    assert (meta["text"], meta["parent_id"]) == ("Child", root_id)
    history = prompt_store.get_prompt_history(child_id)
    assert [h["id"] for h in history] == [root_id] and history[0]["summary"] == "Root {{ x }}"
    listed = prompt_store.list_prompts(limit=1, offset=1)
    assert [p["id"] for p in listed] == [root_id]
    stats = prompt_store.get_cache_stats()
    assert stats["count"] == 2 and stats["path"] == str(script_env)
    assert stats["total_bytes"] == stats["db_bytes"] + stats["wal_bytes"] > 0


def test_ids_are_checked_as_before(script_env):
    assert (
        prompt_store.validate_prompt_id("0B9B0A3E-6C0E-4B8E-9D1A-1F2E3D4C5B6A")
        == "0b9b0a3e-6c0e-4b8e-9d1a-1f2e3d4c5b6a"
    )
    with pytest.raises(InvalidPromptId):
        prompt_store.validate_prompt_id("../etc/passwd")
    assert prompt_store.prompt_exists("not-an-id") is False
    with pytest.raises(PromptNotFound):
        prompt_store.get_prompt("0b9b0a3e-6c0e-4b8e-9d1a-1f2e3d4c5b6a")
