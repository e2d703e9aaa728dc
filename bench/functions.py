"""Function level: the store against the flat files it replaces, call for call."""

from __future__ import annotations

import statistics
import tempfile
import time
import uuid
from pathlib import Path

from api.config import Config
from api.store import Store

from .flatfile import FlatFileStore
from .seed import prompt_text


def _per_call_us(fn, args: list) -> float:
    start = time.perf_counter()
    for a in args:
        fn(*a)
    return (time.perf_counter() - start) / len(args) * 1e6


def compare(calls: int = 2000, rounds: int = 5) -> list[dict]:
    """Return rows {name, store_us, flat_us, speedup} with medians over alternating rounds."""
    with tempfile.TemporaryDirectory(prefix="bench-fn-") as tmp:
        return _compare(Path(tmp), calls, rounds)


def _compare(work: Path, calls: int, rounds: int) -> list[dict]:
    store = Store(Config(db_path=work / "prompts.db", save_rate_limit=None))
    prompts = store.prompts
    flat = FlatFileStore(work / "flat")
    samples: dict[str, list[tuple[float, float]]] = {
        "store_prompt": [],
        "save_prompt": [],
        "get_prompt": [],
    }
    serial = 0
    for _ in range(rounds):
        texts = [prompt_text(serial + i) for i in range(calls)]
        serial += calls
        ids = [(str(uuid.uuid4()), t) for t in texts]
        flat_ids = [(str(uuid.uuid4()), t) for t in texts]
        samples["store_prompt"].append(
            (_per_call_us(prompts.store, ids), _per_call_us(flat.store_prompt, flat_ids))
        )
        samples["get_prompt"].append(
            (
                _per_call_us(lambda i: prompts.get(i).text, [(i,) for i, _ in ids]),
                _per_call_us(flat.get_prompt, [(i,) for i, _ in flat_ids]),
            )
        )
        fresh = [(prompt_text(serial + i) + "\nsaved",) for i in range(calls)]
        serial += calls
        samples["save_prompt"].append(
            (_per_call_us(prompts.save, fresh), _per_call_us(flat.save_prompt, fresh))
        )
    store.close()
    rows = []
    for name, pairs in samples.items():
        rows.append(
            {
                "name": name,
                "store_us": statistics.median(s for s, _ in pairs),
                "flat_us": statistics.median(f for _, f in pairs),
                "speedup": statistics.median(f / s for s, f in pairs),
            }
        )
    return rows
