"""The editor page: GET / for a new prompt, GET /p/{id} for a saved version."""

from __future__ import annotations

import html
from pathlib import Path
from string import Template

import falcon

from api.store import InvalidPromptId, PromptNotFound, PromptRemoved, Store, summarise

_TEMPLATES = Path(__file__).parent / "templates"
# Past this many lines a version opens read-only (a <pre> lays out 200 KiB of newlines in
# a fifth of a second; Chromium's textarea takes over a second, and a quarter of one a
# key): the page offers to edit it anyway. docs/editor.md has the figures.
READ_ONLY_LINES = 10_000
EDITOR = (
    '<div id="highlight" aria-hidden="true"></div>\n'
    '<textarea id="editor" spellcheck="false" autocapitalize="off" autofocus\n'
    '          aria-describedby="hint keys-hint">\n{text}</textarea>'
)
# The text waits in an inert <template> (not laid out: a <pre> of 200,000 lines costs
# half a second more than the same text in the reader's blocks of lines).
READER = (
    '<pre id="reader" tabindex="0" aria-label="Prompt (read-only)"></pre>\n'
    '<template id="source">{text}</template>'
)


def lines(text: str) -> int:
    return text.count("\n") + 1


def read_only_why(count: int) -> str:
    """The page's sentence for a version shown read-only (static/reader.js says the same)."""
    return (
        f"Shown read-only: this version has {count:,} lines, and a browser's text box takes "
        "seconds to open that many and a long moment for each key. Copy, history, diff and "
        "labels work as usual."
    )


def _template(name: str) -> Template:
    return Template((_TEMPLATES / name).read_text(encoding="utf-8"))


class EditorPage:
    """Render the editor, with the text HTML-escaped and the id in a hidden field."""

    def __init__(self, store: Store, max_bytes: int):
        self.store, self.max_bytes = store, max_bytes
        self.page = _template("page.html")
        self.missing = _template("missing.html")

    def on_get(self, req, resp, prompt_id=None):
        resp.content_type = falcon.MEDIA_HTML
        if prompt_id is None:
            resp.text = self._render("New prompt", "", "", "")
            return
        try:
            version = self.store.prompts.get(prompt_id)
        except PromptRemoved:
            resp.status = falcon.HTTP_410
            resp.text = self.missing.substitute(
                title="Prompt removed",
                message="This prompt was removed by request. Its text is no longer stored.",
                more=self._earlier(prompt_id),
            )
            return
        except (InvalidPromptId, PromptNotFound):
            # A link from the old flat-file store: 24 hex (or an old UUID) aliased to a prompt.
            target = self.store.legacy.resolve(prompt_id)
            if target is not None:
                raise falcon.HTTPMovedPermanently(f"/p/{target}") from None
            resp.status = falcon.HTTP_404
            resp.text = self.missing.substitute(
                title="Prompt not found",
                message="No prompt has this address. Check the link you were given.",
                more="",
            )
            return
        resp.cache_control = ["private", "no-cache"]
        title = summarise(version.text)[:60] or "Prompt"
        resp.text = self._render(title, version.text, version.id, "Saved version")

    on_head = on_get

    def _earlier(self, prompt_id: str) -> str:
        """A link to the nearest earlier version still stored, if any (a tombstone keeps its
        place in the lineage): after a delete, the page is no dead end."""
        for n, ancestor in enumerate(self.store.prompts.history(prompt_id, limit=100)):
            if not ancestor.removed:
                what = "the version it was saved from" if n == 0 else "the nearest earlier version"
                link = html.escape(f"/p/{ancestor.id}")
                return f'<p><a id="earlier" href="{link}">Open {what} →</a></p>'
        return ""

    def _render(self, title: str, text: str, prompt_id: str, status: str) -> str:
        count = lines(text)
        reading = count > READ_ONLY_LINES
        return self.page.substitute(
            title=html.escape(title),
            code=(READER if reading else EDITOR).format(text=html.escape(text)),
            read_only_lines=READ_ONLY_LINES,
            read_only_hidden="" if reading else "hidden",
            read_only_why=html.escape(read_only_why(count)) if reading else "",
            prompt_id=html.escape(prompt_id),
            max_bytes=self.max_bytes,
            status=status,
            share_hidden="" if prompt_id else "hidden",
        )
