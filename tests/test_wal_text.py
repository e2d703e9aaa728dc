"""The takedown's search of the WAL for pieces of removed text (api/store/sqlite/wal_text.py)."""

from __future__ import annotations

import secrets

from hypothesis import given, settings
from hypothesis import strategies as st

from api.store.sqlite import wal_text

TEXT = secrets.token_urlsafe(3000)


@settings(max_examples=200, deadline=None)
@given(
    length=st.integers(wal_text.SHORTEST, 400),
    start=st.integers(0, len(TEXT) - 400),
    before=st.integers(0, 3000),
    after=st.integers(0, 100),
    chunk=st.sampled_from([64, 1000, 1 << 20]),
)
def test_any_piece_of_the_text_anywhere_in_the_file_is_found(
    tmp_path_factory, length, start, before, after, chunk
):
    path = tmp_path_factory.mktemp("wal") / "prompts.db-wal"
    piece = TEXT[start : start + length].encode()
    path.write_bytes(secrets.token_bytes(before) + piece + secrets.token_bytes(after))
    wal_text.CHUNK, saved = chunk, wal_text.CHUNK  # pieces cut across reads too
    try:
        assert wal_text.holds_any(path, ["other text " * 5, TEXT])
    finally:
        wal_text.CHUNK = saved


def test_a_file_without_the_text_is_clear_and_a_missing_file_too(tmp_path):
    path = tmp_path / "prompts.db-wal"
    path.write_bytes(secrets.token_bytes(200_000) + TEXT[: wal_text.WINDOW - 1].encode())
    assert not wal_text.holds_any(path, [TEXT])
    assert not wal_text.holds_any(tmp_path / "absent-wal", [TEXT])


def test_texts_too_short_to_be_looked_for_are_said_so():
    assert wal_text.searchable([TEXT])
    assert not wal_text.searchable([TEXT, "hi {{ name }}"])
