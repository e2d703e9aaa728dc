"""The app factory: every route, built from a Config and a Store."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import falcon
import msgspec

from . import errors, label_http, logs
from .auth import AdminOnly
from .config import Config
from .labels import LabelHistory, LabelRaw, LabelResource, Labels, PromptLabels
from .links import Links
from .metrics import Metrics, RequestMetrics
from .middleware import SecurityHeaders, StrictQuery
from .observe import Observer
from .openapi import OpenAPI
from .pages import EditorPage
from .ratelimit import SaveLimiter
from .resources import (
    HealthCheck,
    PromptChildren,
    PromptDiff,
    PromptHistory,
    PromptRaw,
    PromptVersion,
    StoreStats,
)
from .saving import PlaygroundSave, Prompts, Saver
from .scrubbing import ScrubRetry
from .store import Store

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"


class JSONHandler(falcon.media.BaseHandler):
    """JSON responses encoded by msgspec: bodies are msgspec Structs, encoded directly."""

    def serialize(self, media, content_type):
        return msgspec.json.encode(media)


def create_app(
    config: Config | None = None,
    *,
    store: Store | None = None,
    clock: Callable[[], float] = time.time,
) -> falcon.App:
    """Build the WSGI app from a config, or from a store and the config it was built from.

    Without a store, one is made on config's database (not yet opened).
    """
    if store is not None and config is not None and config is not store.config:
        raise ValueError("pass the Store's own config, or only the Store")
    config = store.config if store is not None else config or Config.from_env()
    store = store or Store(config)
    logs.configure(config.log_format, config.admin_token)
    observer = Observer(
        logs.AccessLog(text=config.log_format == "text"), RequestMetrics(), config.trusted_proxies
    )
    # The observer sees all, last; label names with slashes are read before routing.
    middleware = [observer, SecurityHeaders(), StrictQuery(), label_http.LabelPaths()]
    if config.cors_origins:
        middleware.append(falcon.CORSMiddleware(allow_origins=list(config.cors_origins)))
    app = falcon.App(middleware=middleware)
    app.resp_options.media_handlers[falcon.MEDIA_JSON] = JSONHandler()
    errors.install(app)
    label_http.install(app)

    admin = AdminOnly(config.admin_token)
    links = Links(config.public_url)
    limiter = SaveLimiter(store.rate_limits, config.save_rate_limit, config.trusted_proxies, clock)
    scrubs = ScrubRetry(store)
    saver = Saver(store, limiter, links, config.max_bytes, scrubs)
    page = EditorPage(store, config.max_bytes)

    app.add_route("/api/prompts", Prompts(store, saver, admin))
    app.add_route("/api/save-prompt", PlaygroundSave(saver))
    app.add_route(
        "/api/prompts/{prompt_id}", PromptVersion(store, config.cache_max_age, limiter, scrubs)
    )
    app.add_route("/api/prompts/{prompt_id}/raw", PromptRaw(store, config.cache_max_age))
    app.add_route("/api/prompts/{prompt_id}/history", PromptHistory(store, links))
    app.add_route("/api/prompts/{prompt_id}/diff", PromptDiff(store))
    app.add_route("/api/prompts/{prompt_id}/children", PromptChildren(store, admin))
    app.add_route("/api/prompts/{prompt_id}/labels", PromptLabels(store, config.label_max_age))
    app.add_route("/api/labels", Labels(store, limiter, links))
    app.add_route("/api/labels/{name}", LabelResource(store, links, config.label_max_age))
    app.add_route("/api/labels/{name}/raw", LabelRaw(store, config.label_max_age))
    app.add_route("/api/labels/{name}/moves", LabelHistory(store, config.label_max_age))
    app.add_route("/api/stats", StoreStats(store, admin))
    app.add_route("/api/openapi.json", OpenAPI())
    app.add_route("/healthz", HealthCheck(store))
    app.add_route("/metrics", Metrics(store, admin))
    app.add_route("/", page)
    app.add_route("/p/{prompt_id}", page)
    app.add_static_route("/static", str(STATIC_DIR))
    return app
