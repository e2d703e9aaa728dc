"""The admin token guard for routes that enumerate prompts."""

from __future__ import annotations

import hmac

import falcon


class AdminOnly:
    """A Falcon `before` hook: Bearer $STRUCKDOWN_ADMIN_TOKEN, or the route is not there."""

    def __init__(self, token: str | None):
        self._token = token.encode() if token else None

    def __call__(self, req, resp, resource, params):
        resp.cache_control = ["no-store"]  # listings of ids: kept by no cache at all
        if self._token is None:
            raise falcon.HTTPNotFound()  # no token configured: the routes do not exist
        scheme, _, given = (req.get_header("Authorization") or "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(
            given.strip().encode(), self._token
        ):
            raise falcon.HTTPUnauthorized(
                title="Admin token required",
                description="Send 'Authorization: Bearer <STRUCKDOWN_ADMIN_TOKEN>'.",
                challenges=["Bearer"],
            )


def admin_only(req, resp, resource, params):
    """A Falcon `before` hook: the resource's own AdminOnly guard."""
    resource.admin(req, resp, resource, params)
