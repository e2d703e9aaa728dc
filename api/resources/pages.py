"""The editor page: GET / for a new prompt, GET /p/{id} for a saved version."""

from __future__ import annotations

import html
from pathlib import Path
from string import Template

import falcon

from api.store import InvalidPromptId, PromptNotFound, PromptRemoved, Store, summarise

_TEMPLATES = Path(__file__).parent / "templates"


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
            )
            return
        resp.cache_control = ["private", "no-cache"]
        title = summarise(version.text)[:60] or "Prompt"
        resp.text = self._render(title, version.text, version.id, "Saved version")

    on_head = on_get

    def _render(self, title: str, text: str, prompt_id: str, status: str) -> str:
        return self.page.substitute(
            title=html.escape(title),
            text=html.escape(text),
            prompt_id=html.escape(prompt_id),
            max_bytes=self.max_bytes,
            status=status,
            share_hidden="" if prompt_id else "hidden",
        )
