"""The app factory: every route, built from a Config."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import falcon
import msgspec

from . import errors, store
from .auth import AdminOnly
from .config import Config
from .middleware import SecurityHeaders, StrictQuery
from .openapi import OpenAPI
from .pages import EditorPage
from .ratelimit import SaveLimiter
from .resources import (
    Health,
    LegacySavePrompt,
    Links,
    Prompt,
    PromptChildren,
    PromptDiff,
    PromptHistory,
    PromptRaw,
    Prompts,
    Saver,
    Stats,
)

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"


class JSONHandler(falcon.media.BaseHandler):
    """JSON responses encoded by msgspec: several times faster than the stdlib."""

    def serialize(self, media, content_type):
        return msgspec.json.encode(media)


def create_app(
    config: Config | None = None, *, clock: Callable[[], float] = time.time
) -> falcon.App:
    """Build the WSGI app; the store is pointed at config's database but not opened."""
    config = config or Config.from_env()
    store.configure(config)
    middleware = [SecurityHeaders(), StrictQuery()]
    if config.cors_origins:
        middleware.append(falcon.CORSMiddleware(allow_origins=list(config.cors_origins)))
    app = falcon.App(middleware=middleware)
    app.resp_options.media_handlers[falcon.MEDIA_JSON] = JSONHandler()
    errors.install(app)

    admin = AdminOnly(config.admin_token)
    links = Links(config.public_url)
    limiter = SaveLimiter(config.save_rate_limit, config.trusted_proxies, clock)
    saver = Saver(limiter, links, config.max_bytes)
    page = EditorPage(config.max_bytes)

    app.add_route("/api/prompts", Prompts(saver, admin))
    app.add_route("/api/save-prompt", LegacySavePrompt(saver))
    app.add_route("/api/prompts/{prompt_id}", Prompt(config.cache_max_age, limiter))
    app.add_route("/api/prompts/{prompt_id}/raw", PromptRaw(config.cache_max_age))
    app.add_route("/api/prompts/{prompt_id}/history", PromptHistory(links))
    app.add_route("/api/prompts/{prompt_id}/diff", PromptDiff())
    app.add_route("/api/prompts/{prompt_id}/children", PromptChildren(admin))
    app.add_route("/api/stats", Stats(admin))
    app.add_route("/api/openapi.json", OpenAPI())
    app.add_route("/healthz", Health())
    app.add_route("/", page)
    app.add_route("/p/{prompt_id}", page)
    app.add_static_route("/static", str(STATIC_DIR))
    return app
