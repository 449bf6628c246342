"""Prometheus metrics (prometheus_client), served at /metrics by ``ops.views.metrics``.

Several processes serve the site (uvicorn workers, the task worker). With
``PROMETHEUS_MULTIPROC_DIR`` set (to an empty directory, the same for all of them, before
they start: ``make serve`` does it), prometheus_client's multiprocess mode writes each
process's counters and histograms to memory-mapped files there and any worker's scrape
adds them up; one scrape, one target, whatever the number of workers. Without it (tests,
``make run``) the metrics are this process's.

What is measured at scrape time, not counted as it happens: the task queue's depth and
the age of its oldest ready task, and the round trip to the database and to Redis.
"""

from __future__ import annotations

import logging
import os
import time

from django.conf import settings
from django.db import connection
from django.db.models import Count, Min
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily

logger = logging.getLogger(__name__)

MULTIPROCESS = bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))

HTTP_LATENCY = Histogram(
    "agir_http_request_duration_seconds",
    "HTTP request latency by route (the URL pattern, not the path)",
    ["route", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
ROOM_CONNECTIONS = Gauge(
    "agir_room_connections",
    "Open WebSocket connections per live room (workshop id)",
    ["room"],
    multiprocess_mode="livesum",
)
ROOM_EVENTS = Counter("agir_room_events_total", "Room events fanned out by the hub")
ROOM_FRAMES_DELIVERED = Counter(
    "agir_room_frames_delivered_total", "Room event frames offered to connected clients"
)
ROOM_EVENTS_RECOVERED = Counter(
    "agir_room_events_recovered_total",
    "Room events the layer lost (a gap) and the hub read back from the database",
)
ROOM_REPLAYED = Counter(
    "agir_room_frames_replayed_total", "Frames replayed to reconnecting clients"
)
ROOM_RESYNCS = Counter(
    "agir_room_resyncs_total", "Reconnecting clients too far behind, told to reload"
)
SOCKET_ACTIONS_BUSY = Counter(
    "agir_socket_actions_busy_total",
    "Socket actions refused with « busy »: the connection had too many actions in flight",
)
BALLOTS = Counter("agir_ballots_total", "Ballots recorded (rate() gives ballots per second)")
TASKS = Counter(
    "agir_tasks_total", "Background tasks run, by task and outcome", ["task", "outcome"]
)
TASK_DURATION = Histogram(
    "agir_task_duration_seconds",
    "Background task run time",
    ["task"],
    buckets=(0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 300),
)


class ScrapeTimeCollector:
    """Queue depth and age, database and Redis round trips, measured when scraped."""

    def collect(self):
        depth = GaugeMetricFamily(
            "agir_task_queue_depth", "Tasks waiting (ready or deferred) by queue", labels=["queue"]
        )
        age = GaugeMetricFamily(
            "agir_task_queue_oldest_age_seconds",
            "Age of the oldest task ready to run (0: none waiting)",
            labels=["queue"],
        )
        try:
            now = timezone.now()
            # Every configured queue, 0 when empty (an absent series cannot be alerted on).
            depths = dict.fromkeys(settings.TASKS["default"].get("QUEUES", ["default"]), 0)
            ages = dict.fromkeys(depths, 0.0)
            rows = (
                DBTaskResult.objects.filter(status="READY")
                .values("queue_name")
                .annotate(n=Count("id"))
            )
            for row in rows:
                depths[row["queue_name"]] = row["n"]
            ready = (
                DBTaskResult.objects.ready()
                .values("queue_name")
                .annotate(oldest=Min("enqueued_at"))
            )
            for row in ready:
                ages[row["queue_name"]] = (now - row["oldest"]).total_seconds()
            for queue, n in depths.items():
                depth.add_metric([queue], n)
                age.add_metric([queue], ages[queue])
        except Exception as exc:  # the database is down: the scrape still answers
            logger.warning("metrics: task queue not readable: %s", exc)
        yield depth
        yield age

        db = GaugeMetricFamily("agir_db_roundtrip_seconds", "SELECT 1 round trip (-1: failed)")
        try:
            start = time.perf_counter()
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
                cursor.fetchone()
            db.add_metric([], time.perf_counter() - start)
        except Exception:
            db.add_metric([], -1)
        yield db

        if settings.REDIS_URL:
            redis_rt = GaugeMetricFamily(
                "agir_redis_roundtrip_seconds", "Redis PING round trip (-1: failed)"
            )
            redis_rt.add_metric([], redis_roundtrip())
            yield redis_rt


def redis_roundtrip() -> float:
    """Seconds for one PING, -1 when Redis does not answer."""
    import redis  # only with REDIS_URL set (the SQLite set-up runs without Redis)

    try:
        client = redis.Redis.from_url(
            settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1
        )
        try:
            start = time.perf_counter()
            client.ping()
            return time.perf_counter() - start
        finally:
            client.close()
    except Exception:
        return -1.0


def render() -> tuple[bytes, str]:
    """The metrics of every process (multiprocess mode) or of this one, plus scrape-time ones."""
    if MULTIPROCESS:
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    scrape_time = CollectorRegistry()
    scrape_time.register(ScrapeTimeCollector())
    return generate_latest(registry) + generate_latest(scrape_time), CONTENT_TYPE_LATEST
