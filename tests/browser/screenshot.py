"""Redraw docs/screenshot.png: `.venv/bin/python -m tests.browser.screenshot`."""

from __future__ import annotations

import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

from bench.servers import ROOT, Gunicorn

from .chromium import launch

VERSIONS = [
    "<system>You are a support assistant for {{ product }}.</system>\n"
    "Answer the customer's question below.\n\n"
    "Question: {{ question }}\n",
    "<system>You are a support assistant for {{ product }}.</system>\n"
    "Answer the customer's question below in plain language.\n"
    "If you are not sure, say so and suggest contacting support.\n\n"
    "Question: {{ question }}\n",
    "<system>You are a friendly support assistant for {{ product }}.</system>\n"
    "<!-- The widget shows five lines: keep answers short. -->\n"
    "Answer the customer's question below in plain language, in at most five sentences.\n"
    "If you are not sure, say so and suggest contacting support.\n"
    "{% if order %}Their order: {{ order.number }}, sent on {{ order.date }}.{% endif %}\n\n"
    "Question: {{ question }}\n"
    "Is it about billing? [[bool:billing]]\n\n"
    "<checkpoint>\n\n"
    "{% if billing %}Mention the billing page first.{% endif %}\n"
    "Answer: [[answer]]\n",
]
# The shown version: a wording change, under the one that changed the interface.
VERSIONS.append(VERSIONS[-1].replace("five sentences", "four sentences"))


def main(path: Path = ROOT / "docs" / "screenshot.png") -> None:
    """Save four versions of a prompt, label two of them, and photograph the editor at
    1440 px: the labelled version heading its history, the token just shown once."""
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
            page.locator("#history li").nth(2).wait_for()
            page.locator("#history .interface-changed").first.wait_for()
            earlier = page.locator("#history a").nth(1).get_attribute("href").rsplit("/", 1)[1]
            made = {"name": "support-bot/production", "id": earlier}
            assert server.request("POST", "/api/labels", made)[0] == 201
            page.get_by_text("Label this version…").click()
            page.get_by_label("Label name").fill("support-bot/staging")
            page.get_by_role("button", name="Create label").click()
            page.locator("#history .chip").first.wait_for()
            page.get_by_role("button", name="Diff with parent").click()
            page.locator("#diff ins").first.wait_for()
            page.screenshot(path=str(path), full_page=True)
            browser.close()
    print(f"wrote {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
