"""Labels: a stable name an application fetches; moved only by the holder of its token.

Short responders over `store.labels`; paths, tokens, validators and refusals are in
api/resources/label_http.py. Anyone who knows a label's name can read what it points at.
"""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Iterator

import falcon

from api.http import cursors
from api.http.bodies import TemplateChanges
from api.http.decoding import decode
from api.http.label_bodies import (
    CreateLabel,
    LabelCreated,
    LabelMove,
    LabelMovedTo,
    LabelMoves,
    LabelState,
    MoveLabel,
    VersionLabels,
)
from api.http.links import Links
from api.http.metrics import FORCED_MOVES
from api.http.ratelimit import SaveLimiter
from api.http.routes import LABEL_MOVE, LABEL_READ
from api.resources.label_http import (
    bearer,
    caching,
    json_tag,
    label_name,
    not_modified,
    precondition,
    raw_tag,
    refusal,
)
from api.resources.reads import stored_template
from api.store import (
    InvalidLabelName,
    Label,
    LabelExists,
    LabelTargetInvalid,
    Move,
    PromptNotFound,
    Store,
    Version,
    validate_prompt_id,
)
from api.text import interface as template_interface

BODY_BYTES = 1024  # a label's body holds a name, an id and a short note
MOVES_DEFAULT, MOVES_MAX = 100, 1000
_REFUSED = (InvalidLabelName, LabelExists, LabelTargetInvalid)


def _changes(found: dict | None) -> TemplateChanges | None:
    return None if found is None else TemplateChanges(**found)


class Labels:
    """POST /api/labels: create a label (counted against the save rate limit)."""

    query_params = frozenset()

    def __init__(self, store: Store, limiter: SaveLimiter, links: Links):
        self.store, self.limiter, self.links = store, limiter, links

    def on_post(self, req, resp):
        with self._counted(req):
            request = decode_label(req, CreateLabel)
            token = secrets.token_urlsafe(32)  # 256 bits, as a delete token; only its hash kept
            with self.store.transaction():
                self.limiter.check(req)
                label = self.store.labels.create(request.name, request.id, token)
        resp.status = falcon.HTTP_201
        resp.location = f"/api/labels/{label.name}"
        resp.etag = json_tag(label)  # what a first move's If-Match can send
        resp.media = LabelCreated(label.name, label.prompt_id, token, self.links.label(label.name))

    @contextlib.contextmanager
    def _counted(self, req) -> Iterator[None]:
        """A refused creation costs allowance as a save does (see Saver.counted)."""
        self.limiter.check_early(req)
        try:
            yield
        except falcon.HTTPError as error:
            if 400 <= error.status_code < 500 and error.status_code != 429:
                self.limiter.charge(req)
            raise
        except _REFUSED:
            self.limiter.charge(req)
            raise


def decode_label(req, shape):
    """Return a label request's body, or answer why it cannot be read."""
    return decode(req, shape, BODY_BYTES, refuse=refusal)


class LabelResource:
    """GET (and HEAD) a label with its version; PUT moves it, DELETE deletes it (token)."""

    query_params = frozenset()
    kinds = {"GET": LABEL_READ, "HEAD": LABEL_READ, "PUT": LABEL_MOVE}

    def __init__(self, store: Store, links: Links, max_age: int):
        self.store, self.links, self.cache = store, links, caching(max_age)

    def on_get(self, req, resp, name):
        label, version = self.store.labels.read(label_name(req, name))
        if not not_modified(req, resp, json_tag(label), self.cache):
            resp.media = self._state(label, version)

    on_head = on_get

    def on_put(self, req, resp, name):
        token = bearer(req)
        request = decode_label(req, MoveLabel)
        label, version, forced, found = self.store.labels.move(
            label_name(req, name),
            request.id,
            token,
            force=request.force,
            note=request.note,
            precondition=precondition(req),
        )
        if forced:
            FORCED_MOVES.inc()
        resp.etag = json_tag(label)
        resp.cache_control = ["no-store"]
        state = self._state(label, version)
        resp.media = LabelMovedTo(*_fields(state), forced=forced, template_changes=_changes(found))

    def on_delete(self, req, resp, name):
        token = bearer(req)
        self.store.labels.delete(label_name(req, name), token, precondition(req))
        resp.status = falcon.HTTP_204

    def _state(self, label: Label, version: Version) -> LabelState:
        return LabelState(
            label.name,
            label.prompt_id,
            version.text,
            stored_template(version),
            label.created_at,
            label.moved_at,
            self.links.label(label.name),
        )


def _fields(state: LabelState) -> tuple:
    return tuple(getattr(state, field) for field in LabelState.__struct_fields__)


class LabelRaw:
    """GET a label's version's exact text as text/plain."""

    query_params = frozenset()
    kinds = {"GET": LABEL_READ, "HEAD": LABEL_READ}

    def __init__(self, store: Store, max_age: int):
        self.store, self.cache = store, caching(max_age)

    def on_get(self, req, resp, name):
        label, version = self.store.labels.read(label_name(req, name))
        if not not_modified(req, resp, raw_tag(label), self.cache):
            resp.content_type = "text/plain; charset=utf-8"
            resp.data = version.text.encode("utf-8")

    on_head = on_get


MAX_REVISION = 2**63 - 1  # the largest a database integer holds


class LabelHistory:
    """GET a label's moves, newest first, `limit` at a time (`cursor` continues)."""

    # `before` (a revision) is how the first release continued; `cursor` carries it now.
    query_params = frozenset({"limit", "cursor", "before"})

    def __init__(self, store: Store, max_age: int):
        self.store, self.cache = store, caching(max_age)

    def on_get(self, req, resp, name):
        name = label_name(req, name)
        limit = req.get_param_as_int(
            "limit", min_value=1, max_value=MOVES_MAX, default=MOVES_DEFAULT
        )
        before = cursors.decode(req, _revision) or req.get_param_as_int(
            "before", min_value=1, max_value=MAX_REVISION
        )
        moves = self.store.labels.moves(name, limit + 1, before)
        entries = [_move(move) for move in moves[:limit]]
        next_cursor = cursors.encode(moves[limit - 1].revision) if len(moves) > limit else None
        following = next_cursor and f"/api/labels/{name}/moves?limit={limit}&cursor={next_cursor}"
        resp.set_header("Cache-Control", self.cache)
        resp.media = LabelMoves(name, entries, limit, following, next_cursor)

    on_head = on_get


def _revision(parts: list[str]) -> int:
    (revision,) = parts  # a ValueError unless there is one
    if not (revision.isascii() and revision.isdigit()) or not 1 <= int(revision) <= MAX_REVISION:
        raise ValueError(revision)
    return int(revision)


def _move(move: Move) -> LabelMove:
    found = None
    if move.previous_id is not None and move.template and move.previous_template:
        decode = template_interface.loaded
        found = template_interface.changes(
            decode(move.previous_template, ""), decode(move.template, "")
        )
    return LabelMove(
        move.prompt_id, move.previous_id, move.moved_at, move.forced, move.note, _changes(found)
    )


class PromptLabels:
    """GET the labels that point at a version now (a tombstone's too: they answer 410)."""

    query_params = frozenset()

    def __init__(self, store: Store, max_age: int):
        self.store, self.cache = store, caching(max_age)

    def on_get(self, req, resp, prompt_id):
        if not self.store.prompts.exists(prompt_id):
            raise PromptNotFound(prompt_id)
        resp.set_header("Cache-Control", self.cache)
        resp.media = VersionLabels(self.store.labels.pointing_at(validate_prompt_id(prompt_id)))

    on_head = on_get
