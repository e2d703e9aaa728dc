"""Labels over HTTP: their paths, tokens, validators, refusals and error answers.

The resources (api/labels.py) stay short by leaving these here.
"""

from __future__ import annotations

import falcon
import msgspec

from . import store
from .bodies import TemplateChanges
from .label_bodies import MoveRefused
from .store.rows import Label

PREFIX = "/api/labels/"
SUFFIXES = ("/raw", "/moves")
STANDS_FOR = "~"  # one path segment standing for a name with slashes (never a valid name)
LABEL_SHAPE = "l1"  # in a label's ETags: change it when the label's JSON changes
STALE_IF_ERROR = 86400  # a cache may serve its last copy for a day while the store is down


class LabelPaths:
    """Read a label name that may hold slashes (`support-bot/production`) from the path.

    The router matches one segment per field, so a name with slashes is taken out here,
    before routing, and the path routed with one segment standing for it.
    """

    def process_request(self, req: falcon.Request, resp: falcon.Response) -> None:
        if not req.path.startswith(PREFIX):
            return
        rest = req.path[len(PREFIX) :]
        name, sub = rest, ""
        for suffix in SUFFIXES:
            if rest.endswith(suffix) and len(rest) > len(suffix):
                name, sub = rest[: -len(suffix)], suffix
                break
        req.context.label_name = name
        if "/" in name:
            req.path = f"{PREFIX}{STANDS_FOR}{sub}"


def label_name(req: falcon.Request, routed: str) -> str:
    """The name a label route was called with."""
    return getattr(req.context, "label_name", routed)


def bearer(req: falcon.Request) -> str:
    """Return the label token of `Authorization: Bearer <token>`, or answer 401."""
    scheme, _, token = (req.get_header("Authorization") or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise falcon.HTTPUnauthorized(
            title="Label token required",
            description="Moving or deleting a label needs its token: send "
            "'Authorization: Bearer <label_token>', as its creation returned it.",
            challenges=["Bearer"],
        )
    return token.strip()


def json_tag(label: Label) -> str:
    return f"{LABEL_SHAPE}-{label.tag()}"


def raw_tag(label: Label) -> str:
    return f"{LABEL_SHAPE}-raw-{label.tag()}"


def precondition(req: falcon.Request):
    """If-Match as a test of the label's state, checked by the store with its write."""
    tags = req.if_match
    if not tags:
        return None
    strong = [str(tag) for tag in tags if tag == "*" or not tag.is_weak]
    return lambda label: "*" in strong or bool({json_tag(label), raw_tag(label)} & set(strong))


def label_caching(resp: falcon.Response, max_age: int) -> None:
    """A label's answers: short-lived, private, and servable stale while the store is down."""
    resp.cache_control = ["private", f"max-age={max_age}", f"stale-if-error={STALE_IF_ERROR}"]


def not_modified(req: falcon.Request, resp: falcon.Response, etag: str, max_age: int) -> bool:
    """Set a label answer's validators; return True (and answer 304) if the copy is current."""
    resp.etag = etag
    label_caching(resp, max_age)
    if req.if_none_match and any(tag == etag or tag == "*" for tag in req.if_none_match):
        resp.status = falcon.HTTP_304
        return True
    return False


# -- refusals of a body ------------------------------------------------------------------

NAMES = {
    "name": ("Invalid label name", store.NAME_RULE),
    "id": ("Invalid id", "'id' must be a prompt id (a UUID)."),
    "force": ("Invalid force", "'force' must be true or false."),
    "note": ("Invalid note", "'note' is optional text of at most 200 characters."),
}


def refusal(body: bytes, shape: type[msgspec.Struct]) -> falcon.HTTPError:
    """Say precisely what is wrong with a label body that did not decode into `shape`."""
    try:
        data = msgspec.json.decode(body)
    except (msgspec.DecodeError, UnicodeDecodeError, RecursionError):
        return falcon.HTTPBadRequest(title="Malformed JSON", description="The body is not JSON.")
    if not isinstance(data, dict):
        return falcon.HTTPBadRequest(
            title="Malformed request", description="The body must be a JSON object."
        )
    fields = shape.__struct_fields__
    unknown = sorted(set(data) - set(fields))
    if unknown:
        return falcon.HTTPBadRequest(
            title="Unknown fields",
            description=f"Unknown field(s): {', '.join(unknown[:5])}. Send only "
            f"{', '.join(repr(f) for f in fields)}: a label points at stored prompt text, "
            "and nothing about running a prompt is accepted.",
        )
    try:
        msgspec.convert(data, shape)
    except msgspec.ValidationError as error:
        message = str(error)
        for field, (title, description) in NAMES.items():
            if message.endswith(f"`$.{field}`"):
                return falcon.HTTPBadRequest(title=title, description=description)
        return falcon.HTTPBadRequest(title="Invalid request", description=f"{message}.")
    return falcon.HTTPBadRequest(title="Invalid request", description="The body was not accepted.")


# -- the store's refusals, answered once (errors.install's way) ---------------------------


class IncompatibleMove(falcon.HTTPConflict):
    """A 409 whose body also names what would change (`answer`, see errors.serialize_error)."""

    def __init__(self, title: str, description: str, changes: dict):
        super().__init__(title=title, description=description)
        self.answer = MoveRefused(title, description, TemplateChanges(**changes))


def _incompatible(req, resp, error, params):
    found = error.changes
    force = 'Send "force": true to move it anyway; the move is then recorded as forced.'
    if error.truncated:
        why = (
            "One of the two versions is longer or more complex than the template reader "
            "reads, so its interface is incomplete and the gate cannot tell whether the "
            "move is safe."
        )
    else:
        parts = []
        if found["variables_added"]:
            parts.append(
                f"needs variable(s) the current one did not: {', '.join(found['variables_added'])}"
            )
        if found["slots_removed"]:
            parts.append(
                f"lacks slot(s) the current one fills: {', '.join(found['slots_removed'])}"
            )
        why = (
            f"An application of the label's current version would break: the new one "
            f"{' and '.join(parts)}."
        )
    raise IncompatibleMove("Incompatible move", f"{why} {force}", found)


def _raise(error_class, title: str, description: str):
    def handler(req, resp, error, params):
        name = label_name(req, params.get("name", ""))
        raise error_class(title=title, description=description.format(name=name))

    return handler


def _target_invalid(req, resp, error, params):
    what = "a removed version" if error.removed else "no stored version"
    raise falcon.HTTPUnprocessableEntity(
        title="Version removed" if error.removed else "Unknown version",
        description=f"'id' names {what}. A label points at a stored, live version.",
    )


HANDLERS = {
    store.InvalidLabelName: _raise(falcon.HTTPBadRequest, "Invalid label name", store.NAME_RULE),
    store.LabelNotFound: _raise(
        falcon.HTTPNotFound,
        "Label not found",
        "No label is named '{name}'. Its owner creates it with POST /api/labels.",
    ),
    store.LabelExists: _raise(
        falcon.HTTPConflict,
        "Label exists",
        "A label named '{name}' exists already: its owner moves it with PUT and its token; "
        "choose another name for a new one.",
    ),
    store.WrongLabelToken: _raise(
        falcon.HTTPForbidden,
        "Wrong label token",
        "This is not the token of '{name}'. Send the label_token its creation returned; an "
        "operator can issue a new one with `prompt-store labels reset-token`.",
    ),
    store.LabelTargetRemoved: _raise(
        falcon.HTTPGone,
        "Label's version removed",
        "The version the label '{name}' points at was removed by request. The label stays: "
        "its owner can move it to another version.",
    ),
    store.LabelMoved: _raise(
        falcon.HTTPPreconditionFailed,
        "Label moved",
        "The label '{name}' is no longer at the ETag sent in If-Match: someone moved it. "
        "Read it again and decide from its current version.",
    ),
    store.LabelTargetInvalid: _target_invalid,
    store.IncompatibleMove: _incompatible,
}


def install(app: falcon.App) -> None:
    """Answer the store's label refusals with their status, title and description."""
    for error_class, handler in HANDLERS.items():
        app.add_error_handler(error_class, handler)
