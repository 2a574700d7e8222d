"""Prometheus metrics of the service, on a registry of its own (one per app).

Stage latencies come from Answer.timings_ms; rejections are counted by the guard's reason,
errors by the envelope's type; per database, the requests holding a slot and those waiting
for one (nl2sql.backends.admission). With PROMETHEUS_MULTIPROC_DIR set (several uvicorn workers),
/metrics aggregates every worker's files.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

__all__ = ["STAGES", "Metrics"]

STAGES = ("link", "generate", "guard", "execute", "answer", "total")
# Seconds; the gateway's own stages take microseconds to milliseconds, queries up to seconds.
_BUCKETS = (0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0,
            2.5, 5.0, 10.0)


class Metrics:
    """Every metric the service exports."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        r = self.registry = registry or CollectorRegistry()
        self.stage_seconds = Histogram(
            "nl2sql_stage_seconds", "Time spent per pipeline stage of answered requests.",
            ["stage"], buckets=_BUCKETS, registry=r)
        self.request_seconds = Histogram(
            "nl2sql_http_request_seconds", "HTTP request latency by route.",
            ["route"], buckets=_BUCKETS, registry=r)
        self.requests = Counter(
            "nl2sql_http_requests", "HTTP requests by route, method and status.",
            ["route", "method", "status"], registry=r)
        self.in_flight = Gauge(
            "nl2sql_requests_in_flight", "HTTP requests being served now.",
            registry=r, multiprocess_mode="livesum")
        self.answers = Counter(
            "nl2sql_answers", "Answers by generation tier and endpoint.",
            ["tier", "endpoint"], registry=r)
        self.cache = Counter(
            "nl2sql_cache_lookups", "Result cache lookups by outcome (hit or miss).",
            ["result"], registry=r)
        self.rejections = Counter(
            "nl2sql_sql_rejections", "SQL rejected by the guard, by reason.",
            ["reason"], registry=r)
        self.errors = Counter(
            "nl2sql_errors", "Error responses by envelope type.", ["type"], registry=r)
        self.memo = Counter(
            "nl2sql_plan_memo_lookups", "Plan memo lookups by outcome (hit or miss).",
            ["result"], registry=r)
        self.running = Gauge(
            "nl2sql_database_running", "Requests holding one of a database's slots now.",
            ["database"], registry=r, multiprocess_mode="livesum")
        self.queued = Gauge(
            "nl2sql_database_queued", "Requests waiting for a database's slot now.",
            ["database"], registry=r, multiprocess_mode="livesum")

    def observe_answer(self, timings_ms: Mapping[str, float], tier: str, endpoint: str) -> None:
        for stage in STAGES:
            if stage in timings_ms:
                self.stage_seconds.labels(stage).observe(timings_ms[stage] / 1000)
        self.answers.labels(tier, endpoint).inc()

    def observe_error(self, etype: str, reason: str | None = None) -> None:
        self.errors.labels(etype).inc()
        if reason is not None:
            self.rejections.labels(reason).inc()

    def observe_cache(self, hit: bool) -> None:
        self.cache.labels("hit" if hit else "miss").inc()

    def observe_memo(self, hit: bool) -> None:
        self.memo.labels("hit" if hit else "miss").inc()

    def lane_watcher(self, database: str) -> Callable[[int, int], None]:
        """What an Admission calls with its new (running, queued) counts."""
        running, queued = self.running.labels(database), self.queued.labels(database)

        def changed(busy: int, waiting: int) -> None:
            running.set(busy)
            queued.set(waiting)

        return changed

    def observe_request(self, route: str, method: str, status: int, seconds: float) -> None:
        self.requests.labels(route, method, str(status)).inc()
        self.request_seconds.labels(route).observe(seconds)

    def render(self) -> tuple[bytes, str]:
        """The exposition text and its content type."""
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            from prometheus_client import multiprocess

            merged = CollectorRegistry()
            multiprocess.MultiProcessCollector(merged)
            return generate_latest(merged), CONTENT_TYPE_LATEST
        return generate_latest(self.registry), CONTENT_TYPE_LATEST
