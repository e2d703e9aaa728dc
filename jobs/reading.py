"""Templates read beside an import: in worker processes, one batch ahead of the writes.

Reading a text's template (api/text/interface.py) is most of what an import costs once
its writes are batched; it is a pure function of the text, so other processes read the
next batch while this one writes the current one.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import Executor, ProcessPoolExecutor

from api.text import interface as template_interface


def default_workers() -> int:
    """Processes to read templates in: the CPUs this process may use, at most 4."""
    return max(1, min(4, len(os.sched_getaffinity(0))))


def read_templates(texts: list[str | None]) -> list[str | None]:
    """The stored template of each text (None for None: a tombstone or a label)."""
    return [None if text is None else template_interface.stored(text) for text in texts]


class TemplateReader:
    """read_templates() on batches, in `workers` processes (1: in this one, when asked)."""

    def __init__(self, workers: int):
        self.workers = workers
        self.pool: Executor | None = None
        if workers > 1:
            # fork: a worker starts at once and runs no __main__ again; it never uses the
            # database connection it inherits, and leaves by os._exit without closing it.
            methods = multiprocessing.get_all_start_methods()
            context = multiprocessing.get_context("fork" if "fork" in methods else None)
            self.pool = ProcessPoolExecutor(workers, mp_context=context)

    def submit(self, texts: list[str | None]) -> Callable[[], list[str | None]]:
        """Start reading `texts`; return what waits for their templates."""
        if self.pool is None:
            return lambda: read_templates(texts)
        step = -(-len(texts) // self.workers)
        parts = [
            self.pool.submit(read_templates, texts[first : first + step])
            for first in range(0, len(texts), step)
        ]
        return lambda: [template for part in parts for template in part.result()]

    def __enter__(self) -> TemplateReader:
        return self

    def __exit__(self, *exc) -> None:
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=True)
