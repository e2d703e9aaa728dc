"""The JSON API: short responders that parse, call the store and answer."""

from __future__ import annotations

import base64
import binascii
import secrets

import falcon

from . import store, template_interface
from .auth import AdminOnly
from .diffs import unified_diff
from .payloads import parse_id, parse_save, read_json_object
from .ratelimit import SaveLimiter

HISTORY_DEFAULT, HISTORY_MAX = 100, 1000


class Links:
    """Builds share URLs: a path, made absolute only from STRUCKDOWN_PUBLIC_URL."""

    def __init__(self, public_url: str | None):
        self.base = public_url or ""

    def share(self, prompt_id: str) -> str:
        return f"{self.base}/p/{prompt_id}"


def admin_only(req, resp, resource, params):
    resource.admin(req, resp, resource, params)


def _cacheable(req: falcon.Request, resp: falcon.Response, etag: str, max_age: int) -> bool:
    """Set validators; return True (and answer 304) when the client's copy is current."""
    resp.etag = etag
    # private: a share URL is a secret, so no shared cache may keep it; bounded so
    # that a takedown takes effect.
    resp.cache_control = ["private", f"max-age={max_age}"]
    if req.if_none_match and any(tag == etag or tag == "*" for tag in req.if_none_match):
        resp.status = falcon.HTTP_304
        return True
    return False


class Saver:
    """The shared save path of the native and the struckdown-compatible endpoints."""

    def __init__(self, limiter: SaveLimiter, links: Links, max_bytes: int):
        self.limiter, self.links, self.max_bytes = limiter, links, max_bytes

    def save(self, req, resp, text_fields: tuple[str, ...]) -> dict:
        request = parse_save(read_json_object(req, self.max_bytes), text_fields)
        token = secrets.token_urlsafe(32)  # 256 bits; only its hash is stored
        # One transaction, one commit: the save and its count against the rate limit
        # land together, and a save that fails is not counted.
        with store.transaction():
            self.limiter.check(req)
            record, created = store.save_prompt_record(
                request.text, request.parent_id, delete_token=token
            )
        resp.status = falcon.HTTP_201 if created else falcon.HTTP_200
        body = dict(record, url=self.links.share(record["id"]))
        if created:  # an idempotent hit must not hand out power over someone else's prompt
            resp.location = f"/api/prompts/{record['id']}"
            body["delete_token"] = token
        return body


class Prompts:
    """POST saves a version; GET lists every prompt, newest first (admin only)."""

    query_params = frozenset({"limit", "cursor"})

    def __init__(self, saver: Saver, admin: AdminOnly):
        self.saver, self.admin = saver, admin

    def on_post(self, req, resp):
        resp.media = self.saver.save(req, resp, ("text",))

    @falcon.before(admin_only)
    def on_get(self, req, resp):
        limit = req.get_param_as_int("limit", min_value=1, max_value=1000, default=100)
        rows = store.list_prompts(limit + 1, after=_decode_cursor(req.get_param("cursor")))
        more = len(rows) > limit
        rows = rows[:limit]
        cursor = _encode_cursor(rows[-1]) if more else None
        resp.media = {"prompts": rows, "next_cursor": cursor}


def _encode_cursor(row: dict) -> str:
    raw = f"{row['created_at']}|{row['id']}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str | None) -> tuple[str, str] | None:
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        created_at, prompt_id = raw.split("|")
        return created_at, store.validate_prompt_id(prompt_id)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise falcon.HTTPInvalidParam("Use the next_cursor of a previous page.", "cursor") from None


class LegacySavePrompt:
    """POST /api/save-prompt as the struckdown playground sends it: {"syntax": ...}."""

    query_params = frozenset()

    def __init__(self, saver: Saver):
        self.saver = saver

    def on_post(self, req, resp):
        # The playground's X-CSRF-Token header needs no check here: a JSON
        # content type cannot be sent cross-site without CORS, which is off.
        body = self.saver.save(req, resp, ("syntax", "text"))
        resp.media = dict(body, prompt_id=body["id"])


class Prompt:
    """GET one version with its metadata and template; DELETE it with its delete token."""

    query_params = frozenset()

    def __init__(self, max_age: int, limiter: SaveLimiter):
        self.max_age, self.limiter = max_age, limiter

    def on_get(self, req, resp, prompt_id):
        prompt = store.get_prompt_with_metadata(prompt_id)
        # "t": the body has carried `template` since; older cached copies must not match.
        if not _cacheable(req, resp, f"json-t-{prompt['sha256']}", self.max_age):
            template = template_interface.interface_of(prompt["text"], prompt["sha256"])
            resp.media = dict(prompt, template=template)

    def on_delete(self, req, resp, prompt_id):
        # Counted like a save, and counted even when refused: guesses cost allowance.
        with store.transaction():
            self.limiter.check(req)
        store.delete_prompt(prompt_id, req.get_header("X-Delete-Token") or "")
        resp.status = falcon.HTTP_204


class PromptRaw:
    """GET the exact text as text/plain."""

    query_params = frozenset()

    def __init__(self, max_age: int):
        self.max_age = max_age

    def on_get(self, req, resp, prompt_id):
        prompt = store.get_prompt_with_metadata(prompt_id)
        if not _cacheable(req, resp, prompt["sha256"], self.max_age):
            resp.content_type = "text/plain; charset=utf-8"
            resp.data = prompt["text"].encode("utf-8")


class PromptHistory:
    """GET the ancestors of a version, nearest first, `limit` at a time."""

    query_params = frozenset({"limit"})

    def __init__(self, links: Links):
        self.links = links

    def on_get(self, req, resp, prompt_id):
        limit = req.get_param_as_int(
            "limit", min_value=1, max_value=HISTORY_MAX, default=HISTORY_DEFAULT
        )
        ancestors = store.get_prompt_history(prompt_id, limit=limit + 1)
        more = len(ancestors) > limit
        ancestors = [dict(a, url=self.links.share(a["id"])) for a in ancestors[:limit]]
        # The last ancestor's own history continues the list.
        following = f"/api/prompts/{ancestors[-1]['id']}/history?limit={limit}" if more else None
        resp.media = {
            "id": store.validate_prompt_id(prompt_id),
            "ancestors": ancestors,
            "limit": limit,
            "next": following,
        }


class PromptDiff:
    """GET a unified diff from `against` (default: the parent) to this version."""

    query_params = frozenset({"against"})

    def on_get(self, req, resp, prompt_id):
        new = store.get_prompt_with_metadata(prompt_id)
        against = req.get_param("against")
        against = parse_id(against, "against") if against else new["parent_id"]
        if against is None:
            old = {"id": None, "text": ""}  # a root: everything is added
        else:
            try:
                old = store.get_prompt_with_metadata(against)
            except store.PromptNotFound:
                raise falcon.HTTPUnprocessableEntity(
                    title="Unknown 'against'", description="'against' names no stored prompt."
                ) from None
            except store.PromptRemoved:
                raise falcon.HTTPGone(
                    title="Prompt removed",
                    description="The version to compare against was removed by request; "
                    "pass another one as 'against'.",
                ) from None
        body = unified_diff(old["text"], new["text"], old["id"] or "/dev/null", new["id"])
        changes = template_interface.changes(_template(old), _template(new))
        resp.media = dict(body, id=new["id"], against=old["id"], template_changes=changes)


def _template(prompt: dict) -> dict:
    if prompt["id"] is None:
        return {"variables": [], "slots": []}
    return template_interface.interface_of(prompt["text"], prompt["sha256"])


class PromptChildren:
    """GET the direct descendants of a version (admin only: ids are capabilities)."""

    query_params = frozenset()

    def __init__(self, admin: AdminOnly):
        self.admin = admin

    @falcon.before(admin_only)
    def on_get(self, req, resp, prompt_id):
        resp.media = {
            "id": store.validate_prompt_id(prompt_id),
            "children": store.get_children(prompt_id),
        }


class Stats:
    """GET counts and sizes (admin only)."""

    query_params = frozenset()

    def __init__(self, admin: AdminOnly):
        self.admin = admin

    @falcon.before(admin_only)
    def on_get(self, req, resp):
        resp.media = store.get_cache_stats()


class Health:
    """GET /healthz: 200 after a real query, 503 when the database cannot answer."""

    query_params = frozenset()

    def on_get(self, req, resp):
        try:
            store.healthcheck()
        except Exception as error:  # any failure at all means unhealthy
            raise falcon.HTTPServiceUnavailable(
                title="Unhealthy", description=f"The database cannot answer: {error}"
            ) from None
        resp.cache_control = ["no-store"]
        resp.media = {"status": "ok"}
