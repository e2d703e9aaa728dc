"""Browser fixtures: the real app under gunicorn, Debian's Chromium driven by Playwright."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Browser, Page, Playwright, sync_playwright

from bench.servers import Gunicorn

from .chromium import CHROMIUM, launch

# Small, so that an oversize prompt is quick to type.
MAX_BYTES = 4096


class BrowserLog:
    """What a page said on its console and which dialogs it opened."""

    def __init__(self) -> None:
        self.errors: list[str] = []
        self.dialogs: list[tuple[str, str]] = []
        self.expected: list[str] = []
        self.answers: list[bool] = []

    def answer_confirm(self, accept: bool) -> None:
        """Answer the next confirm dialog: OK (True) or Cancel (False)."""
        self.answers.append(accept)

    def expect_error(self, fragment: str) -> None:
        """Let console errors containing `fragment` pass (an HTTP error the test causes)."""
        self.expected.append(fragment)

    def unexpected_errors(self) -> list[str]:
        return [e for e in self.errors if not any(f in e for f in self.expected)]

    def on_console(self, message) -> None:
        if message.type == "error":
            self.errors.append(f"{message.text} ({message.location.get('url')})")

    def on_dialog(self, dialog) -> None:
        self.dialogs.append((dialog.type, dialog.message))
        # Leaving with unsaved text is allowed (the draft is kept); a confirm gets the answer
        # the test asked for; anything else is refused.
        answer = self.answers.pop(0) if dialog.type == "confirm" and self.answers else False
        if dialog.type == "beforeunload" or answer:
            dialog.accept()
        else:
            dialog.dismiss()


@pytest.fixture(scope="session")
def chromium() -> None:
    """Debian's Chromium; its absence fails the run in CI and skips it elsewhere."""
    if CHROMIUM.exists():
        return
    reason = f"no Chromium at {CHROMIUM} (install it: apt-get install chromium)"
    if os.environ.get("CI"):
        pytest.fail(f"{reason}; CI must run the browser tests", pytrace=False)
    pytest.skip(f"browser tests need Chromium: {reason}")


@pytest.fixture(scope="session")
def playwright(chromium) -> Iterator[Playwright]:
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(playwright) -> Iterator[Browser]:
    browser = launch(playwright)
    yield browser
    browser.close()


@pytest.fixture(scope="session")
def desktop_browser(playwright) -> Iterator[Browser]:
    """Chromium with scrollbars that take room, as on a desktop."""
    browser = launch(playwright, scrollbars=True)
    yield browser
    browser.close()


@pytest.fixture(scope="session")
def server(tmp_path_factory) -> Iterator[Gunicorn]:
    """The app under gunicorn with the project's gunicorn.conf.py, saves unlimited."""
    db_path = tmp_path_factory.mktemp("browser") / "prompts.db"
    with Gunicorn(db_path, STRUCKDOWN_PROMPT_MAX_BYTES=str(MAX_BYTES)) as server:
        yield server


@pytest.fixture
def max_bytes() -> int:
    return MAX_BYTES


@pytest.fixture
def log() -> BrowserLog:
    return BrowserLog()


@pytest.fixture
def open_page(browser, log, request) -> Iterator[Callable[..., Page]]:
    """Open a page in a fresh browser context (own storage) on a server's URL."""
    contexts = []

    def open_page(
        base_url: str, width: int = 1440, height: int = 900, scrollbars: bool = False
    ) -> Page:
        chosen = request.getfixturevalue("desktop_browser") if scrollbars else browser
        context = chosen.new_context(base_url=base_url, viewport={"width": width, "height": height})
        contexts.append(context)
        page = context.new_page()
        page.on("console", log.on_console)
        page.on("pageerror", lambda error: log.errors.append(f"uncaught: {error}"))
        page.on("dialog", log.on_dialog)
        return page

    yield open_page
    for context in contexts:
        context.close()
    assert log.unexpected_errors() == [], "the page logged errors to the console"


@pytest.fixture
def page(open_page, server) -> Page:
    return open_page(server.url)
