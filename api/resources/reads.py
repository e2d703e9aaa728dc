"""The JSON API's reads: short responders that call the store and answer with a body.

Every GET answers HEAD too (`on_head = on_get`): Falcon sends the same headers without
the body, as `curl -I` and uptime checkers expect.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import falcon
import msgspec

from api.http import cursors
from api.http.auth import AdminOnly, admin_only
from api.http.bodies import (
    Children,
    Diff,
    Health,
    History,
    MovedOn,
    Prompt,
    PromptSummary,
    Stats,
    Template,
    TemplateChanges,
)
from api.http.decoding import parse_id
from api.http.links import Links
from api.http.ratelimit import SaveLimiter
from api.http.routes import DELETE
from api.resources import history
from api.resources.scrubbing import ScrubRetry
from api.store import (
    PromptNotFound,
    PromptRemoved,
    Store,
    Version,
    validate_prompt_id,
)
from api.text import interface as template_interface
from api.text.diffs import unified_diff

HISTORY_DEFAULT, HISTORY_MAX = 100, 1000
BODY_SHAPE = "json-t3"  # in the ETag of a version's JSON: change it when the body changes
log = logging.getLogger("prompt_store")


def _cacheable(req: falcon.Request, resp: falcon.Response, etag: str, max_age: int) -> bool:
    """Set validators; return True (and answer 304) when the client's copy is current."""
    resp.etag = etag
    # private: a share URL is a secret, so no shared cache may keep it. A version never
    # changes (immutable: not even revalidated); max-age bounds how long a client's own
    # cache keeps a version after its takedown.
    resp.cache_control = ["private", f"max-age={max_age}", "immutable"]
    if req.if_none_match and any(tag == etag or tag == "*" for tag in req.if_none_match):
        resp.status = falcon.HTTP_304
        return True
    return False


class PromptVersion:
    """GET one version with its metadata and template; DELETE it with its delete token."""

    query_params = frozenset()
    kinds = {"DELETE": DELETE}

    def __init__(self, store: Store, max_age: int, limiter: SaveLimiter, scrubs: ScrubRetry):
        self.store, self.max_age, self.limiter, self.scrubs = store, max_age, limiter, scrubs

    def on_get(self, req, resp, prompt_id):
        version = self.store.prompts.get(prompt_id)
        resp.append_link(f"/api/prompts/{version.id}/labels", "labels")  # they move; it does not
        # The tag names the body's shape too ("t3": `template` with `truncated`, its names
        # within the caps), so a copy cached from an older shape is never taken for current.
        if not _cacheable(req, resp, f"{BODY_SHAPE}-{version.sha256}", self.max_age):
            resp.media = Prompt(
                version.id,
                version.text,
                version.parent_id,
                version.created_at,
                version.sha256,
                stored_template(version),
            )

    on_head = on_get

    def on_delete(self, req, resp, prompt_id):
        # Counted like a save, and counted even when refused: guesses cost allowance.
        with self.store.transaction():
            self.limiter.check(req)
        try:
            self.store.takedowns.delete(prompt_id, req.get_header("X-Delete-Token") or "")
        finally:
            self.scrubs.nudge()  # this one's scrub, if readers kept it from finishing
        resp.status = falcon.HTTP_204


def stored_template(version: Version) -> Template | msgspec.Raw:
    """A version's `template` for an answer body."""
    # The stored JSON is the body's `template` exactly: encoded as it is, never decoded.
    if version.template is None:  # written by an older release: read the text
        return Template(**template_interface.extract(version.text))
    return msgspec.Raw(template_interface.served(version.template))


def _interface(version: Version | None) -> dict:
    if version is None:
        return {"variables": [], "slots": []}
    return template_interface.loaded(version.template, version.text)


class PromptRaw:
    """GET the exact text as text/plain."""

    query_params = frozenset()

    def __init__(self, store: Store, max_age: int):
        self.store, self.max_age = store, max_age

    def on_get(self, req, resp, prompt_id):
        version = self.store.prompts.get(prompt_id)
        if not _cacheable(req, resp, version.sha256, self.max_age):
            resp.content_type = "text/plain; charset=utf-8"
            resp.data = version.text.encode("utf-8")

    on_head = on_get


class PromptHistory:
    """GET the ancestors of a version, nearest first, `limit` at a time."""

    query_params = frozenset({"limit", "cursor"})

    def __init__(self, store: Store, links: Links):
        self.store, self.links = store, links

    def on_get(self, req, resp, prompt_id):
        limit = req.get_param_as_int(
            "limit", min_value=1, max_value=HISTORY_MAX, default=HISTORY_DEFAULT
        )
        after = cursors.decode(req, _last_shown)  # the last entry of the page before
        # The version (and on the first page, one more than asked: whether the list goes
        # on, and the last one's parent); a later page's ancestors follow its cursor.
        rows = self.store.prompts.entries(prompt_id, 0 if after else limit + 1)
        prompt_id = rows[0][0]
        if after is not None:
            rows = rows[:1] + self._continued(after, limit, self.store.prompts.entries)
        labels = self.store.labels.pointing_at_each([row[0] for row in rows[: limit + 1]])
        found = history.joined(rows, limit, self.links.share, labels)
        if found is None:  # rows without their entries kept: built from their templates
            found = self._built(prompt_id, after, limit, labels)
        next_cursor = cursors.encode(found.last) if found.more else None
        moved_on = [
            MovedOn(name, target, self.store.prompts.number(target))
            for name, target in self.store.labels.moved_on(prompt_id)
        ]
        number = self.store.prompts.number(prompt_id)  # kept on the row: one lookup
        resp.media = History(
            id=prompt_id,
            version=number,
            ancestors=found.entries,
            limit=limit,
            next=next_cursor
            and f"/api/prompts/{prompt_id}/history?limit={limit}&cursor={next_cursor}",
            next_cursor=next_cursor,
            created_at=found.created_at,
            template_changes=found.changes,
            labels=labels.get(prompt_id, []),
            moved_on=moved_on,
        )

    on_head = on_get

    def _continued(self, after: str, limit: int, read: Callable[[str, int], list]) -> list:
        """The ancestors after a page's last entry, one more than `limit`, as `read`
        gives them (the version first, left out)."""
        try:
            return read(after, limit + 1)[1:]
        except PromptNotFound:
            raise cursors.refused() from None

    def _built(self, prompt_id: str, after: str | None, limit: int, labels: dict) -> history.Page:
        """The page built from the stored templates, for rows an older release wrote."""
        version, *first = self.store.prompts.lineage(prompt_id, limit=1 if after else limit + 1)
        parent = first[0] if first else None
        ancestors = first
        if after is not None:
            ancestors = self._continued(after, limit, self.store.prompts.lineage)
        return history.page(version, parent, ancestors, limit, self.links.share, labels)


def _last_shown(parts: list[str]) -> str:
    (prompt_id,) = parts  # a ValueError unless there is one
    return validate_prompt_id(prompt_id)


class PromptDiff:
    """GET a unified diff from `against` (default: the parent) to this version."""

    query_params = frozenset({"against"})

    def __init__(self, store: Store):
        self.store = store

    def on_get(self, req, resp, prompt_id):
        new = self.store.prompts.get(prompt_id)
        against = req.get_param("against")
        against = parse_id(against, "against") if against else new.parent_id
        old = None if against is None else self._against(against)  # a root: all is added
        body = unified_diff(
            old.text if old else "", new.text, old.id if old else "/dev/null", new.id
        )
        changes = template_interface.changes(_interface(old), _interface(new))
        resp.media = Diff(
            new.id, old.id if old else None, **body, template_changes=TemplateChanges(**changes)
        )

    on_head = on_get

    def _against(self, prompt_id: str) -> Version:
        try:
            return self.store.prompts.get(prompt_id)
        except PromptNotFound:
            raise falcon.HTTPUnprocessableEntity(
                title="Unknown 'against'", description="'against' names no stored prompt."
            ) from None
        except PromptRemoved:
            raise falcon.HTTPGone(
                title="Prompt removed",
                description="The version to compare against was removed by request; "
                "pass another one as 'against'.",
            ) from None


class PromptChildren:
    """GET the direct descendants of a version (admin only: ids are capabilities)."""

    query_params = frozenset()

    def __init__(self, store: Store, admin: AdminOnly):
        self.store, self.admin = store, admin

    @falcon.before(admin_only)
    def on_get(self, req, resp, prompt_id):
        children = [PromptSummary(*row) for row in self.store.prompts.children(prompt_id)]
        resp.media = Children(validate_prompt_id(prompt_id), children)

    on_head = on_get


class StoreStats:
    """GET counts and sizes (admin only)."""

    query_params = frozenset()

    def __init__(self, store: Store, admin: AdminOnly):
        self.store, self.admin = store, admin

    @falcon.before(admin_only)
    def on_get(self, req, resp):
        resp.media = Stats(**self.store.maintenance.sizes())

    on_head = on_get


class HealthCheck:
    """GET /healthz: 200 after a real query, 503 when the database cannot answer."""

    query_params = frozenset()

    def __init__(self, store: Store):
        self.store = store

    def on_get(self, req, resp):
        try:
            self.store.healthcheck()
        except Exception as error:  # any failure at all means unhealthy
            # The detail (a path, a host, a user) is for the operator's log, not the answer.
            log.error("health check failed: %s: %s", type(error).__name__, error)
            raise falcon.HTTPServiceUnavailable(
                title="Unhealthy",
                description="The database cannot answer. The server log says why.",
                retry_after=5,
            ) from None
        resp.cache_control = ["no-store"]
        resp.media = Health("ok")

    on_head = on_get
