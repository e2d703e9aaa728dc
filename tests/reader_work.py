"""Work counted as lines of our modules run, and CPU time: no wall clock.

For the template reader here; `lines_run` also counts the diff's work.
"""

from __future__ import annotations

import gc
import sys
import time
from collections.abc import Callable
from typing import TypeVar

from api.text import interface as template_interface
from api.text import reader as template_reader
from api.text.interface import extract
from api.text.reader import MAX_PARTS, MAX_TOKENS

# Lines any text can cost, however long: a part costs at most about 46 (a {{ }} in a
# slot, read cold), a token about 20.
T = TypeVar("T")
STEPS_CAP = 50 * MAX_PARTS + 25 * MAX_TOKENS


def _cold() -> None:
    template_reader._cached_tokens.cache_clear()
    template_reader._cached_names.cache_clear()


def lines_run(files: set[str], work: Callable[[], T]) -> tuple[int, T]:
    """Run `work`; return the lines of `files` it ran (an operation count) and its result."""
    count = 0

    def line(frame, event, arg):
        nonlocal count
        count += event == "line"
        return line

    def call(frame, event, arg):
        nonlocal count
        if frame.f_code.co_filename not in files:
            return None
        count += 1
        return line

    previous = sys.gettrace()
    sys.settrace(call)
    try:
        result = work()
    finally:
        sys.settrace(previous)
    return count, result


def steps(text: str) -> int:
    """Count the lines of the template reader run while reading `text`, from a cold cache."""
    _cold()
    count, _ = lines_run(
        {template_reader.__file__, template_interface.__file__}, lambda: extract(text)
    )
    return count


def best_time(text: str, repeat: int) -> float:
    """Return the least CPU time of `repeat` reads of `text`, each from a cold cache.

    The CPU time of this thread, not the wall clock: on a machine shared with other work
    the clock also counts the time other processes ran, which is not the reader's cost.
    Compare it only with another measured in the same test, never with a constant.
    """
    best = float("inf")
    gc.disable()  # a collection is noise here, not the reader's cost
    try:
        for _ in range(repeat):
            _cold()
            started = time.thread_time()
            extract(text)
            best = min(best, time.thread_time() - started)
    finally:
        gc.enable()
    return best
