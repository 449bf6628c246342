"""Liveness, readiness and /metrics."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_liveness_and_readiness(client):
    assert client.get("/healthz/live").json() == {"status": "ok"}
    ready = client.get("/healthz/ready")
    assert ready.status_code == 200 and ready.json()["database"] == "ok"
    assert client.get("/healthz").status_code == 200  # the old probe still answers


def test_readiness_fails_when_redis_is_unreachable(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    response = client.get("/healthz/ready")
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "ok", "redis": "error"}


def test_metrics_need_the_token_or_an_allowed_address(client, settings):
    settings.METRICS_TOKEN = "s3cret-token"
    settings.METRICS_ALLOWED_IPS = []
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 404
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret-token").status_code == 200
    settings.METRICS_TOKEN = ""
    settings.METRICS_ALLOWED_IPS = ["10.0.0.0/8"]
    assert client.get("/metrics").status_code == 404  # the test client is 127.0.0.1
    settings.METRICS_ALLOWED_IPS = ["127.0.0.0/8"]
    assert client.get("/metrics").status_code == 200


def test_metrics_show_latency_by_route_the_queue_and_round_trips(client, settings, axis):
    settings.METRICS_ALLOWED_IPS = ["127.0.0.1"]
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    from ops.jobs import enqueue
    from tests.ops.jobs_for_tests import flaky

    assert 'agir_task_queue_depth{queue="default"} 0.0' in client.get("/metrics").content.decode()
    enqueue(flaky, False)
    response = client.get("/propositions/", HTTP_X_REQUEST_ID="from-the-proxy")
    assert response["X-Request-ID"] == "from-the-proxy"
    assert len(client.get("/").headers["X-Request-ID"]) == 32  # a new one
    text = client.get("/metrics").content.decode()
    assert 'agir_http_request_duration_seconds_count{method="GET",route="propositions/"}' in text
    assert 'agir_task_queue_depth{queue="default"} 1.0' in text
    assert 'agir_task_queue_oldest_age_seconds{queue="default"}' in text
    assert "agir_db_roundtrip_seconds " in text
    for name in (
        "agir_ballots_total",
        "agir_room_frames_delivered_total",
        "agir_room_frames_replayed_total",
        "agir_room_resyncs_total",
        "agir_room_events_recovered_total",
    ):
        assert f"# TYPE {name} counter" in text, name
