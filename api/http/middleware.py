"""Headers every response carries."""

from __future__ import annotations

import falcon

# No inline script or style anywhere: the page's code comes from /static only.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)


class SecurityHeaders:
    """Keep share URLs out of Referer headers and shared caches, and stop content sniffing."""

    def process_response(self, req, resp, resource, req_succeeded):
        resp.set_header("Referrer-Policy", "no-referrer")
        resp.set_header("X-Content-Type-Options", "nosniff")
        if resp.get_header("Cache-Control") is None:
            # Answers may hold ids, which are capabilities: never in a shared cache.
            # A read is private and revalidated; a write or an error is not kept at all.
            read = req.method in ("GET", "HEAD") and resp.status_code < 400
            resp.cache_control = ["private", "no-cache"] if read else ["no-store"]
        if (resp.content_type or "").startswith("text/html"):
            resp.set_header("Content-Security-Policy", CONTENT_SECURITY_POLICY)
            resp.set_header("X-Frame-Options", "DENY")


class StrictQuery:
    """Refuse query parameters a JSON resource does not know (a typo should not pass)."""

    def process_resource(self, req, resp, resource, params):
        allowed = getattr(resource, "query_params", None)
        if allowed is None:  # pages and static files take any query string
            return
        unknown = sorted(set(req.params) - allowed)
        if unknown:
            known = ", ".join(sorted(allowed)) or "none"
            raise falcon.HTTPBadRequest(
                title="Unknown query parameters",
                description=f"Unknown query parameter(s): {', '.join(map(repr, unknown))}. "
                f"This address takes: {known}.",
            )
