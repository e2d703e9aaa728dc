"""A takedown leaves no trace even after the text's row was moved around by page splits.

The store zeroes old content as pages are written (secure_delete=fast) instead of
rewriting the whole file on every takedown; these tests try to catch it out.
"""

from __future__ import annotations

import hashlib
import random

import pytest

from api.store import PromptRemoved

pytestmark = [pytest.mark.sqlite_only, pytest.mark.usefixtures("store")]


def _files(db_path) -> bytes:
    return b"".join(p.read_bytes() for p in db_path.parent.iterdir() if p.is_file())


@pytest.mark.parametrize("secret_size", [200, 3_000, 40_000])  # in-page, near a page, overflow
def test_takedown_scrubs_a_text_that_page_splits_have_copied(store, db_path, secret_size):
    rng = random.Random(secret_size)
    secret = ("SECRET-" + "".join(rng.choices("abcdef0123456789", k=32)) + " ") * (
        secret_size // 40
    )
    ids = []
    for i in range(400):  # texts of mixed sizes around it, so its cell moves between pages
        ids.append(store.prompts.save(f"before {i} " + "b" * rng.randrange(10, 6000))[0].id)
    secret_id = store.prompts.save(secret, rng.choice(ids))[0].id
    for i in range(400):
        store.prompts.save(f"after {i} " + "a" * rng.randrange(10, 6000), rng.choice(ids))
    store.close()
    assert secret[:40].encode() in _files(db_path)  # it is there to find
    store.takedowns.purge([secret_id])
    store.close()
    raw = _files(db_path)
    assert secret[:40].encode() not in raw
    assert hashlib.sha256(secret.encode()).hexdigest().encode() not in raw
    with pytest.raises(PromptRemoved):
        store.prompts.get(secret_id)
