"""Whether any piece of some texts is still in a file (the WAL, after a takedown).

A takedown with a running replicator would rather not truncate the WAL: Litestream
cannot tell a truncation from lost commits and answers it with a snapshot, a new
copy of the whole database in the replica. The truncation is only needed when the
WAL still holds an old image of a page with the text; this says whether it does.

Every WINDOW-byte run of each text goes in a set; the file is read at every STEP-th
byte and each WINDOW-byte run looked up. Any piece of a text of WINDOW + STEP - 1
bytes or more that sits anywhere in the file is found (a page boundary can cut a
text, never the pieces inside a page). The cost is linear: the texts' bytes to
build the set, the file's bytes / STEP lookups.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

WINDOW, STEP = 16, 8
SHORTEST = WINDOW + STEP - 1  # a text shorter than this cannot be looked for this way
CHUNK = 1 << 20


def searchable(texts: Iterable[str]) -> bool:
    """Say whether every text is long enough to be looked for."""
    return all(len(text.encode()) >= SHORTEST for text in texts)


def holds_any(path: Path, texts: Iterable[str]) -> bool:
    """Say whether the file holds any piece of SHORTEST bytes or more of any text."""
    windows: set[bytes] = set()
    for text in texts:
        data = text.encode()
        windows.update(data[i : i + WINDOW] for i in range(len(data) - WINDOW + 1))
    if not windows:
        return False
    try:
        f = path.open("rb")
    except FileNotFoundError:
        return False
    with f:
        data = b""  # from a file offset that is a multiple of STEP
        while chunk := f.read(CHUNK):
            data += chunk
            last = len(data) - WINDOW  # the last start with a whole window in data
            for i in range(0, last + 1, STEP):
                if data[i : i + WINDOW] in windows:
                    return True
            resume = (last // STEP + 1) * STEP if last >= 0 else 0
            data = data[resume:]
    return False
