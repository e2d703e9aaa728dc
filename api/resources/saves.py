"""The JSON API's saves: the native and the struckdown playground's, one save path."""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Iterator

import falcon
from msgspec import UNSET

from api.http import cursors
from api.http.auth import AdminOnly, admin_only
from api.http.bodies import (
    Listing,
    PlaygroundSaved,
    PlaygroundSaveRequest,
    PromptSummary,
    Saved,
    SaveRequest,
)
from api.http.decoding import decode
from api.http.links import Links
from api.http.ratelimit import SaveLimiter
from api.http.routes import SAVE
from api.resources.scrubbing import ScrubRetry
from api.store import (
    InvalidPromptId,
    InvalidPromptText,
    ParentNotFound,
    PromptTooLarge,
    Store,
    validate_prompt_id,
)

# What a client is refused for by its own request: each costs allowance like a save.
# Not a 409 (two saves raced: the server's doing), a 5xx, or the 429 itself.
_REFUSED = (InvalidPromptId, InvalidPromptText, ParentNotFound, PromptTooLarge)
_NOT_COUNTED = frozenset({409, 429})


class Saver:
    """The save path both save endpoints share: rate limit, store, status and share URL."""

    def __init__(
        self, store: Store, limiter: SaveLimiter, links: Links, max_bytes: int, scrubs: ScrubRetry
    ):
        self.store, self.limiter, self.links, self.max_bytes = store, limiter, links, max_bytes
        self.scrubs = scrubs

    @contextlib.contextmanager
    def counted(self, req) -> Iterator[None]:
        """Around one save request, from before its body is read: a client over its limit
        is refused first, costing no work; a request refused later costs allowance as a
        save would (a stored save is counted in its own transaction, by save())."""
        self.limiter.check_early(req)
        try:
            yield
        except falcon.HTTPError as error:
            if 400 <= error.status_code < 500 and error.status_code not in _NOT_COUNTED:
                self.limiter.charge(req)
            raise
        except _REFUSED:
            self.limiter.charge(req)
            raise

    def save(self, req, resp, text: str, parent_id: str | None) -> Saved:
        """Store a version for a request inside counted(); answer 429 if over the limit."""
        token = secrets.token_urlsafe(32)  # 256 bits; only its hash is stored
        # The template interface is read before the write transaction, so other writers
        # do not queue behind the reading; an unknown parent is refused before either.
        template = self.store.prompts.template_for(text, parent_id)
        # One transaction, one commit: the save and its count against the rate limit
        # land together (a save refused in it is counted by counted(), after the rollback).
        with self.store.transaction():
            self.limiter.check(req)
            version, created = self.store.prompts.save(
                text, parent_id, delete_token=token, template=template
            )
        self.scrubs.nudge()  # a takedown's scrub left pending is retried after a write
        resp.status = falcon.HTTP_201 if created else falcon.HTTP_200
        if created:  # an idempotent hit must not hand out power over someone else's prompt
            resp.location = f"/api/prompts/{version.id}"
        return Saved(
            version.id,
            version.parent_id,
            version.created_at,
            version.sha256,
            self.links.share(version.id),
            token if created else UNSET,
        )


class Prompts:
    """POST saves a version; GET lists every prompt, newest first (admin only)."""

    query_params = frozenset({"limit", "cursor"})
    kinds = {"POST": SAVE}

    def __init__(self, store: Store, saver: Saver, admin: AdminOnly):
        self.store, self.saver, self.admin = store, saver, admin

    def on_post(self, req, resp):
        with self.saver.counted(req):
            request = decode(req, SaveRequest, self.saver.max_bytes)
            resp.media = self.saver.save(req, resp, request.text, request.parent_id)

    @falcon.before(admin_only)
    def on_get(self, req, resp):
        limit = req.get_param_as_int("limit", min_value=1, max_value=1000, default=100)
        rows = self.store.prompts.listing(limit + 1, after=cursors.decode(req, _after))
        page = [PromptSummary(*row) for row in rows[:limit]]
        last = page[-1] if len(rows) > limit else None
        resp.media = Listing(page, cursors.encode(last.created_at, last.id) if last else None)

    on_head = on_get


def _after(parts: list[str]) -> tuple[str, str]:
    created_at, prompt_id = parts  # a ValueError unless there are two
    return created_at, validate_prompt_id(prompt_id)


UNCHANGED = "No changes: this is the version you started from, so nothing new was stored."


class PlaygroundSave:
    """POST /api/save-prompt as the struckdown playground sends it: {"syntax": ...}."""

    query_params = frozenset()
    kinds = {"*": SAVE}  # every answer, as the playground reads every answer of it

    def __init__(self, saver: Saver):
        self.saver = saver

    def on_post(self, req, resp):
        # The playground's X-CSRF-Token header needs no check here: a JSON
        # content type cannot be sent cross-site without CORS, which is off.
        with self.saver.counted(req):
            resp.media = self._save(req, resp)

    def _save(self, req, resp) -> PlaygroundSaved:
        request = decode(req, PlaygroundSaveRequest, self.saver.max_bytes)
        given = [t for t in (request.syntax, request.text) if t is not UNSET]
        if len(given) != 1:
            raise falcon.HTTPBadRequest(
                title="Missing text" if not given else "Ambiguous text",
                description="The field 'syntax' is required."
                if not given
                else "Send only one of syntax, text.",
            )
        saved = self.saver.save(req, resp, given[0], request.parent_id)
        # Text equal to its parent's stores nothing: the answer is the parent itself.
        unchanged = request.parent_id is not None and saved.id == request.parent_id.lower()
        return PlaygroundSaved(
            *(getattr(saved, name) for name in Saved.__struct_fields__),
            prompt_id=saved.id,
            warning=UNCHANGED if unchanged else UNSET,
        )
