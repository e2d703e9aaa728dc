"""The admin token guard for routes that enumerate prompts."""

from __future__ import annotations

import hmac

import falcon

# What a caller without the token is told: why, then how, in one sentence each.
FOR_OPERATORS = "Listing prompts is for operators: prompt ids are capabilities, not public."
HOW = "Send 'Authorization: Bearer <STRUCKDOWN_ADMIN_TOKEN>'."
OFF = "This server has no admin token (STRUCKDOWN_ADMIN_TOKEN), so the listing is off."


class AdminOnly:
    """A Falcon `before` hook: Bearer $STRUCKDOWN_ADMIN_TOKEN, or the route is not there."""

    def __init__(self, token: str | None):
        self._token = token.encode() if token else None

    def __call__(self, req, resp, resource, params):
        resp.cache_control = ["no-store"]  # listings of ids: kept by no cache at all
        if self._token is None:
            # No token configured: the routes do not exist (404), and say why.
            raise falcon.HTTPNotFound(description=f"{FOR_OPERATORS} {OFF}")
        scheme, _, given = (req.get_header("Authorization") or "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(
            given.strip().encode(), self._token
        ):
            raise falcon.HTTPUnauthorized(
                title="Admin token required",
                description=f"{FOR_OPERATORS} {HOW}",
                challenges=["Bearer"],
            )


def admin_only(req, resp, resource, params):
    """A Falcon `before` hook: the resource's own AdminOnly guard."""
    resource.admin(req, resp, resource, params)
