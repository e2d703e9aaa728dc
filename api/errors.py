"""Every error becomes JSON {title, description} with the right status, mapped once."""

from __future__ import annotations

import logging

import falcon
import msgspec
import peewee

from . import store
from .bodies import Error, SaveError
from .payloads import kib

log = logging.getLogger("prompt_store")


# Saves answer errors with `error` too: the struckdown playground's editor reads only
# `data.error` (never the status) to tell a failed save from a saved one.
PLAYGROUND_ROUTE = "/api/save-prompt"  # every answer of it; of /api/prompts, the saves
NOTHING_STORED = "Nothing was stored."


def serialize_error(req: falcon.Request, resp: falcon.Response, error: falcon.HTTPError) -> None:
    """Write any HTTPError as JSON, always with a title and a description."""
    resp.content_type = falcon.MEDIA_JSON
    title = error.title or error.status
    description = error.description or _DEFAULT_DESCRIPTIONS.get(error.status_code, title)
    if error.status_code >= 500:  # something a user may be asked to quote
        description = f"{description} (request id {getattr(req.context, 'request_id', '-')})"
    route = req.uri_template
    answer = getattr(error, "answer", None)  # a refusal with more to say (a label's gate)
    if isinstance(answer, msgspec.Struct):
        resp.data = msgspec.json.encode(answer)
    elif route == PLAYGROUND_ROUTE or (route == "/api/prompts" and req.method == "POST"):
        sentence = _sentence(error, description)
        resp.data = msgspec.json.encode(SaveError(title, description, sentence))
    else:
        resp.data = msgspec.json.encode(Error(title, description))


def _sentence(error: falcon.HTTPError, description: str) -> str:
    """What a person saving should read: the description, saying whether anything was kept."""
    if error.status_code >= 500 and error.status_code not in (503, 507):
        return f"{description} The prompt may not be saved: keep a copy and try again."
    if NOTHING_STORED in description or "Nothing was stored" in description:
        return description
    return f"{description} {NOTHING_STORED}"


_DEFAULT_DESCRIPTIONS = {
    404: "Nothing is here. Check the address.",
    405: "This address does not accept that method; the Allow header lists those it does.",
    500: "The server failed while answering.",
}


def _not_found(req, resp, error, params):
    raise falcon.HTTPNotFound(title="Prompt not found", description="No prompt has this id.")


def _removed(req, resp, error, params):
    raise falcon.HTTPGone(
        title="Prompt removed",
        description="This prompt was removed by request; its text is no longer stored.",
    )


def _wrong_delete_token(req, resp, error, params):
    given = req.get_header("X-Delete-Token")
    raise falcon.HTTPForbidden(
        title="Wrong delete token" if given else "Delete token required",
        description="Send the delete_token this prompt's save returned, in the X-Delete-Token "
        "header. Only the client that created a prompt gets one; prompts saved before "
        "tokens existed can only be removed by the operator.",
    )


def _scrub_incomplete(req, resp, error, params):
    log.error("removal not scrubbed on %s: %s", where(req), error)
    raise falcon.HTTPServiceUnavailable(
        title="Removed, not yet scrubbed",
        description="The prompt is removed and its links answer 410, but the server could "
        "not yet wipe every old copy of its text from its files (a long read was using "
        "them). It retries by itself until it can; the operator can finish at once with "
        "`prompt-store purge ID --yes`.",
        retry_after=1,
    )


def _parent_not_found(req, resp, error, params):
    raise falcon.HTTPUnprocessableEntity(
        title="Unknown parent",
        description="'parent_id' names no stored prompt. Save without it to start a new lineage.",
    )


def _invalid_text(req, resp, error, params):
    raise falcon.HTTPUnprocessableEntity(title="Invalid text", description=f"The {error}.")


def _too_large(req, resp, error, params):
    raise falcon.HTTPContentTooLarge(
        title="Prompt too large",
        description=f"The prompt is {kib(error.size)} of UTF-8; the limit is {kib(error.limit)}. "
        "Nothing was stored.",
    )


def where(req: falcon.Request) -> str:
    """Name a request for the log by its route, never its path: a path may hold an id."""
    return f"{req.method} {req.uri_template or '(no route)'}"


def _database_error(req, resp, error, params):
    """Any failure to open or use the database: 503 (507 when full), nothing stored."""
    message = str(error).lower()
    log.error("database error on %s: %s: %s", where(req), type(error).__name__, error)
    if "full" in message:
        raise falcon.HTTPInsufficientStorage(
            title="Storage full",
            description="The server has no room to store this prompt. Nothing was stored; "
            "try again later.",
        )
    raise falcon.HTTPServiceUnavailable(
        title="Database unavailable",
        description="The database could not answer. Nothing was stored; try again shortly.",
        retry_after=1,
    )


def _conflict(req, resp, error, params):
    log.warning("integrity conflict on %s: %s", where(req), error)
    raise falcon.HTTPConflict(
        title="Changed at the same moment",
        description="Another change to this prompt landed at the same moment. Nothing was "
        "stored; send the request again.",
    )


def _unexpected(req, resp, error, params):
    """A bug: one log line with the route and request id (never the path), then a 500."""
    log.error("unhandled error on %s", where(req), exc_info=error)
    raise falcon.HTTPInternalServerError()


def install(app: falcon.App) -> None:
    """Register the error serializer and the store-exception mappings on `app`."""
    app.set_error_serializer(serialize_error)
    app.add_error_handler(Exception, _unexpected)  # HTTPErrors keep Falcon's own handler
    app.add_error_handler(store.InvalidPromptId, _not_found)
    app.add_error_handler(store.PromptNotFound, _not_found)
    app.add_error_handler(store.PromptRemoved, _removed)
    app.add_error_handler(store.WrongDeleteToken, _wrong_delete_token)
    app.add_error_handler(store.ScrubIncomplete, _scrub_incomplete)
    app.add_error_handler(store.ParentNotFound, _parent_not_found)
    app.add_error_handler(store.InvalidPromptText, _invalid_text)
    app.add_error_handler(store.PromptTooLarge, _too_large)
    app.add_error_handler(store.PromptConflict, _conflict)
    app.add_error_handler(peewee.IntegrityError, _conflict)
    # Every other failure to open or use the database (peewee wraps the drivers' errors).
    app.add_error_handler(peewee.PeeweeException, _database_error)
    app.add_error_handler(store.DatabaseUnavailable, _database_error)
