"""A takedown's scrub that readers kept from finishing, retried in the background.

A DELETE whose scrub cannot finish (a long read keeps the old pages in the WAL) answers
503 and leaves the scrub pending in the store (a marker beside the database, seen by
every worker). This process then retries it by itself, backing off; any later save or
delete, in any worker, starts the retries again, so the text leaves the files at the
first moment no reader holds them.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from api.store import Store

DELAYS = (1, 2, 4, 8, 15, 30, 60, 60, 60, 60)  # seconds between tries: ~5 minutes in all
log = logging.getLogger("prompt_store")


class ScrubRetry:
    """Retries a pending scrub in one background thread per process."""

    def __init__(self, store: Store, sleep: Callable[[float], None] = time.sleep):
        self.store, self.sleep = store, sleep
        self._lock, self._running = threading.Lock(), False

    def nudge(self) -> None:
        """Start retrying if a scrub is pending and no retry runs here (one stat() if not)."""
        if self._running or not self.store.takedowns.scrub_pending():
            return
        with self._lock:
            if self._running:
                return
            self._running = True
        threading.Thread(target=self._retry, name="scrub-retry", daemon=True).start()

    def _retry(self) -> None:
        try:
            for delay in (0, *DELAYS):
                self.sleep(delay)
                if self.store.takedowns.retry_scrub():
                    log.info("pending scrub finished: no old copy of removed text remains")
                    return
            log.warning(
                "scrub still pending: readers keep the WAL busy; the next save or delete "
                "retries it, and `prompt-store purge ID --yes` finishes it at once"
            )
        except Exception as error:  # a retry must never take the worker down
            log.error("scrub retry failed: %s", type(error).__name__)
        finally:
            self.store.close()  # this thread's connection
            self._running = False
