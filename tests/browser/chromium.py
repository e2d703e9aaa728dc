"""How the browser tests launch Debian's Chromium (no `playwright install` here)."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Browser, Playwright

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def launch(playwright: Playwright, scrollbars: bool = False) -> Browser:
    """Start headless Chromium from the Debian package.

    With `scrollbars`, they take room beside the content as on a desktop (Playwright
    hides them in headless mode otherwise).
    """
    return playwright.chromium.launch(
        executable_path=str(CHROMIUM),
        args=CHROMIUM_ARGS,
        ignore_default_args=["--hide-scrollbars"] if scrollbars else None,
    )
