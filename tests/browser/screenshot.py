"""Redraw docs/screenshot.png: `.venv/bin/python -m tests.browser.screenshot`."""

from __future__ import annotations

import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

from tests.servers import ROOT, Gunicorn

from .chromium import launch

VERSIONS = [
    "You are a support assistant for {{ product }}.\n"
    "Answer the customer's question below.\n\n"
    "Question: {{ question }}\n",
    "You are a support assistant for {{ product }}.\n"
    "Answer the customer's question below in plain language.\n"
    "If you are not sure, say so and suggest contacting support.\n\n"
    "Question: {{ question }}\n",
    "You are a friendly support assistant for {{ product }}.\n"
    "Answer the customer's question below in plain language, in at most five sentences.\n"
    "If you are not sure, say so and suggest contacting support.\n"
    "Never promise refunds or delivery dates.\n\n"
    "Question: {{ question }}\n\n"
    "Answer: [[answer]]\n",
]


def main(path: Path = ROOT / "docs" / "screenshot.png") -> None:
    """Save three versions of a prompt and photograph the editor at 1440 px."""
    with tempfile.TemporaryDirectory() as tmp, Gunicorn(Path(tmp) / "prompts.db") as server:
        with sync_playwright() as playwright:
            browser = launch(playwright)
            page = browser.new_page(
                base_url=server.url, viewport={"width": 1440, "height": 900}, color_scheme="light"
            )
            page.goto("/")
            for text in VERSIONS:
                page.get_by_label("Prompt", exact=True).fill(text)
                with page.expect_response(lambda r: r.request.method == "POST"):
                    page.get_by_role("button", name="Save", exact=True).click()
            page.locator("#history li").nth(1).wait_for()
            page.get_by_role("button", name="Diff with parent").click()
            page.locator("#diff ins").first.wait_for()
            page.screenshot(path=str(path), full_page=True)
            browser.close()
    print(f"wrote {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
