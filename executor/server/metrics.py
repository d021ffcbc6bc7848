"""Prometheus metrics of one app, in a registry of its own (two apps in one process never share counts)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

PREFIX = "connector_executor"
_DURATION_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)


class ServerMetrics:
    """Counters, gauges and histograms the service updates as it runs jobs."""

    content_type = CONTENT_TYPE_LATEST

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.jobs = Counter(f"{PREFIX}_jobs", "Jobs run, by connector, method, engine and outcome.",
                            ["connector", "method", "engine", "outcome", "error_code"], registry=r)
        self.duration = Histogram(f"{PREFIX}_job_duration_seconds", "Time from dispatch to result, queueing included.",
                                  ["method", "engine"], buckets=_DURATION_BUCKETS, registry=r)
        self.in_flight = Gauge(f"{PREFIX}_jobs_in_flight", "Jobs running on a worker now.", registry=r)
        self.queued = Gauge(f"{PREFIX}_jobs_queued", "Jobs waiting for a free worker slot.", registry=r)
        self.outbound = Counter(f"{PREFIX}_outbound_requests", "HTTP requests jobs made, by status class.",
                                ["connector", "status_class"], registry=r)
        self.rejected = Counter(f"{PREFIX}_jobs_rejected", "Jobs refused before running, by reason.",
                                ["reason"], registry=r)
        self.shared = Counter(f"{PREFIX}_jobs_shared", "Callers served another caller's run, by reason.",
                              ["reason"], registry=r)
        self.connector_loads = Counter(f"{PREFIX}_connector_loads", "Connectors parsed, by source.",
                                       ["source"], registry=r)
        self.worker_restarts = Counter(f"{PREFIX}_worker_restarts", "Worker processes restarted.", registry=r)
        self.store_seconds = Histogram(f"{PREFIX}_store_operation_seconds", "Store operations' latency, by operation.",
                                       ["operation"], buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                               0.1, 0.25, 0.5, 1.0), registry=r)
        self.store_errors = Counter(f"{PREFIX}_store_errors", "Store operations that failed, by operation.",
                                    ["operation"], registry=r)
        self.store_up = Gauge(f"{PREFIX}_store_up", "1 while the shared store answers, 0 while it fails.",
                              registry=r)
        self.tree_rss = Gauge(f"{PREFIX}_process_tree_rss_bytes",
                              "RSS of the front-end and its workers (what the memory budget bounds).", registry=r)
        self.workers_alive = Gauge(f"{PREFIX}_workers_alive", "Worker processes ready for jobs.", registry=r)
        # Labelled children by label values: `labels()` takes a lock and validates on every call.
        self._jobs_by: dict[tuple[str, ...], Any] = {}
        self._duration_by: dict[tuple[str, str], Any] = {}
        self._outbound_by: dict[tuple[str, str], Any] = {}

    def record_job(self, *, connector: str, method: str, engine: str, result: Mapping[str, Any],
                   seconds: float) -> None:
        """Count one finished job and the requests it made."""
        error = result.get("error") or {}
        key = (connector, method, engine, str(result.get("status")), str(error.get("code", "")))
        child = self._jobs_by.get(key)
        if child is None:
            child = self._jobs_by[key] = self.jobs.labels(*key)
        child.inc()
        timing = self._duration_by.get((method, engine))
        if timing is None:
            timing = self._duration_by[(method, engine)] = self.duration.labels(method, engine)
        timing.observe(seconds)
        for request in result.get("requests") or ():
            status = request.get("status") if isinstance(request, Mapping) else None
            status_class = f"{status // 100}xx" if isinstance(status, int) else "error"
            counter = self._outbound_by.get((connector, status_class))
            if counter is None:
                counter = self._outbound_by[(connector, status_class)] = self.outbound.labels(connector, status_class)
            counter.inc()

    def render(self) -> bytes:
        """The Prometheus text exposition of every metric."""
        return generate_latest(self.registry)
