"""Where replication stands, read from the files: the WAL's last commit, Litestream's LTX files.

`replica status` must not claim a lag of 0 it cannot prove. Litestream cuts the WAL
into numbered LTX files (txids) in its directory beside the database, then uploads
them. Each LTX header records the WAL range it was cut from (offset, size, salts)
and when it was cut. So the replica holds every commit when it holds the newest
local LTX file and that file covers the WAL up to its last commit frame; otherwise
it holds what was committed before its own newest file was cut.

Formats: SQLite's WAL (https://www.sqlite.org/fileformat2.html#walformat) and
superfly/ltx's header, both big-endian. Only headers are read: a status costs one
read per WAL frame header, never the pages.
"""

from __future__ import annotations

import struct
from datetime import UTC, datetime
from pathlib import Path
from typing import NamedTuple

WAL_HEADER = 32
FRAME_HEADER = 24
LTX_HEADER = struct.Struct(">4sIII QQq Q QQ II")  # magic … WAL offset, size, salt1, salt2


class Cut(NamedTuple):
    """One local LTX file: the txids it holds, the WAL range it was cut from, and when."""

    max_txid: int
    wal_end: int  # WAL offset just after its last frame
    salts: tuple[int, int]
    cut_at: datetime


class WalEnd(NamedTuple):
    """The live WAL: its salts and the offset just after its last commit frame (0: none)."""

    salts: tuple[int, int] | None
    last_commit_end: int


def local_cuts(meta_dir: Path) -> dict[int, Path]:
    """Litestream's local level-0 LTX files by their max txid (names are MIN-MAX in hex)."""
    found = {}
    for path in (meta_dir / "ltx" / "0").glob("*.ltx"):
        low, _, high = path.stem.partition("-")
        try:
            found[int(high, 16)] = path
        except ValueError:
            continue
    return found


def read_cut(path: Path) -> Cut | None:
    """The header of one LTX file; None if it is gone or unreadable (compacted meanwhile)."""
    try:
        with path.open("rb") as f:
            raw = f.read(LTX_HEADER.size)
    except OSError:
        return None
    if len(raw) < LTX_HEADER.size or raw[:4] != b"LTX1":
        return None
    (_, _, _, _, _, max_txid, stamp_ms, _, offset, size, salt1, salt2) = LTX_HEADER.unpack(raw)
    cut_at = datetime.fromtimestamp(stamp_ms / 1000, UTC)
    return Cut(max_txid, offset + size, (salt1, salt2), cut_at)


def wal_end(wal: Path) -> WalEnd:
    """Scan the WAL's frame headers of its current generation for the last commit frame.

    A frame belongs to the generation while its salts match the header's. Checksums
    are not verified: a torn frame past the last real commit can only make the
    replica look behind, never ahead.
    """
    try:
        f = wal.open("rb")
    except FileNotFoundError:
        return WalEnd(None, 0)
    with f:
        header = f.read(WAL_HEADER)
        if len(header) < WAL_HEADER:
            return WalEnd(None, 0)
        page_size, salts = struct.unpack(">I", header[8:12])[0], struct.unpack(">II", header[16:24])
        frame, offset, last_commit = FRAME_HEADER + page_size, WAL_HEADER, 0
        while True:
            f.seek(offset)
            raw = f.read(FRAME_HEADER)
            if len(raw) < FRAME_HEADER:
                break
            _, commit, salt1, salt2 = struct.unpack(">IIII", raw[:16])
            if (salt1, salt2) != salts:
                break
            offset += frame
            if commit:
                last_commit = offset
        return WalEnd(salts, last_commit)


def covers(cut: Cut, live: WalEnd) -> bool:
    """Say whether `cut` (the newest local LTX file) holds every commit of the live WAL."""
    if live.last_commit_end == 0:  # no commit in the WAL's current generation
        return True
    return live.salts == cut.salts and live.last_commit_end <= cut.wal_end
