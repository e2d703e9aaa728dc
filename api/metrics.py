"""Prometheus metrics: what every request did, across all gunicorn workers.

Under gunicorn, prometheus_client runs in its multiprocess mode: each worker writes
its counts to files in PROMETHEUS_MULTIPROC_DIR (a fresh directory on tmpfs that
gunicorn.conf.py makes at start), and a scrape sums them. The store's own numbers
(prompts, file sizes, the newest backup's age) are read when Prometheus scrapes.
"""

from __future__ import annotations

import os
import time

import falcon
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector

from .auth import AdminOnly, admin_only
from .store import Store, StoreError
from .store.backup_files import backup_time, list_backups

REQUESTS = Counter("prompt_store_http_requests", "Requests answered", ["route", "method", "status"])
LATENCY = Histogram(
    "prompt_store_http_request_duration_seconds",
    "Time to answer a request",
    ["route"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
)
SAVES = Counter("prompt_store_saves", "Saves answered 2xx", ["result"])
REFUSALS = Counter("prompt_store_save_refusals", "Saves refused, by status", ["status"])
DELETES = Counter("prompt_store_deletes", "Versions taken back with their delete token")
RATE_LIMITED = Counter("prompt_store_rate_limited", "Requests refused by the rate limit (429)")
LABEL_READS = Counter("prompt_store_label_reads", "Label reads (JSON, raw), by status", ["status"])
LABEL_MOVES = Counter("prompt_store_label_moves", "Label moves asked for, by status", ["status"])
FORCED_MOVES = Counter("prompt_store_label_forced_moves", "Moves that overrode the gate")

SAVE_ROUTES = frozenset({"/api/prompts", "/api/save-prompt"})
LABEL_ROUTE = "/api/labels/{name}"
LABEL_READ_ROUTES = frozenset({LABEL_ROUTE, "/api/labels/{name}/raw"})


class RequestMetrics:
    """Counts one request; the label children are built once per (route, method, status)."""

    def __init__(self):
        self._children: dict[tuple[str, str, int], tuple] = {}

    def count(self, route: str, method: str, status: int, seconds: float) -> None:
        key = (route, method, status)
        children = self._children.get(key)
        if children is None:
            children = self._children[key] = self._build(*key)
        for counter in children[1:]:
            counter.inc()
        children[0].observe(seconds)

    @staticmethod
    def _build(route: str, method: str, status: int) -> tuple:
        found = [LATENCY.labels(route), REQUESTS.labels(route, method, str(status))]
        if method == "POST" and route in SAVE_ROUTES:
            if status in (200, 201):
                found.append(SAVES.labels("created" if status == 201 else "idempotent"))
            elif status >= 400:
                found.append(REFUSALS.labels(str(status)))
        if method in ("GET", "HEAD") and route in LABEL_READ_ROUTES:
            found.append(LABEL_READS.labels(str(status)))
        if method == "PUT" and route == LABEL_ROUTE:
            found.append(LABEL_MOVES.labels(str(status)))
        if method == "DELETE" and status == 204 and route == "/api/prompts/{prompt_id}":
            found.append(DELETES)
        if status == 429:
            found.append(RATE_LIMITED)
        return tuple(found)


class StoreGauges:
    """A collector that reads the store's numbers when Prometheus scrapes."""

    def __init__(self, store: Store):
        self.store = store

    def collect(self):
        sizes = self.store.maintenance.sizes()
        for name, help_text, value in (
            ("prompt_store_prompts", "Versions stored, tombstones included", sizes["count"]),
            ("prompt_store_database_bytes", "Size of the database", sizes["db_bytes"]),
            ("prompt_store_wal_bytes", "Size of its write-ahead log", sizes["wal_bytes"]),
        ):
            yield GaugeMetricFamily(name, help_text, value=value)
        newest = list_backups(self.store.backup_dir, kinds=self.store.backups.KINDS)
        if newest:
            age = time.time() - backup_time(newest[0]).timestamp()
            yield GaugeMetricFamily(
                "prompt_store_newest_backup_age_seconds", "Age of the newest backup", value=age
            )
        if self.store.replication is not None:
            yield from self._replication()

    def _replication(self):
        try:
            state = self.store.replication.status()
        except StoreError:  # the replica cannot be listed now: say so, with no lag figure
            state = None
        yield GaugeMetricFamily(
            "prompt_store_replica_reachable",
            "1 when the replica could be listed",
            value=bool(state),
        )
        if state is not None:
            yield GaugeMetricFamily(
                "prompt_store_replicator_running",
                "1 when a replicator holds the database",
                value=state["replicator_running"],
            )
        if state is not None and state["lag_seconds"] is not None:  # unknown: no figure
            yield GaugeMetricFamily(
                "prompt_store_replication_lag_seconds",
                "0 when the replica is proven to hold every commit, else the age of its newest",
                value=state["lag_seconds"],
            )


class Metrics:
    """GET /metrics in Prometheus' text format (admin only)."""

    query_params = frozenset()

    def __init__(self, store: Store, admin: AdminOnly):
        self.store, self.admin = store, admin

    @falcon.before(admin_only)
    def on_get(self, req, resp):
        registry = CollectorRegistry()
        directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")  # set by gunicorn.conf.py
        if directory:
            MultiProcessCollector(registry, path=directory)
        else:  # one process (tests, a script): its own counts
            registry.register(_ThisProcess())
        registry.register(StoreGauges(self.store))
        resp.content_type = CONTENT_TYPE_LATEST
        resp.data = generate_latest(registry)

    on_head = on_get


class _ThisProcess:
    """The counts of this process alone, from prometheus_client's default registry."""

    def collect(self):
        return REGISTRY.collect()
