"""The task layer: retries with backoff, the request id carried into tasks, the schedule."""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django_tasks_db.models import DBTaskResult

from ops.context import request_id_var
from ops.jobs import backoff, enqueue
from ops.logs import JsonFormatter, RequestIdFilter
from ops.models import ScheduledRun
from ops.schedule import SCHEDULE, schedule_tick
from tests.ops import jobs_for_tests
from tests.ops.jobs_for_tests import flaky

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture
def database_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def run_ready() -> list[DBTaskResult]:
    """What the worker does with each ready task (django-tasks-db's Worker.run_task)."""
    from django_tasks_db.management.commands.db_worker import Worker

    worker = Worker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test",
        excluded_queue_names=[],
    )
    ran = []
    for row in DBTaskResult.objects.ready().order_by("enqueued_at"):
        row.claim("test")
        worker.run_task(row)
        ran.append(row)
    return ran


def test_a_failing_job_is_retried_later_with_a_growing_delay(database_tasks):
    assert [backoff(n) for n in (1, 2, 3)] == [
        timedelta(seconds=30),
        timedelta(minutes=2),
        timedelta(minutes=8),
    ]
    token = request_id_var.set("req-42")
    try:
        enqueue(flaky, True)
    finally:
        request_id_var.reset(token)
    jobs_for_tests.SEEN.clear()
    (first,) = run_ready()
    assert first.status == "FAILED" and "mail server is away" in first.traceback
    retry = DBTaskResult.objects.get(status="READY")
    assert retry.args_kwargs["kwargs"]["_attempt"] == 2
    delay = (retry.run_after - first.finished_at).total_seconds()
    assert 25 <= delay <= 35
    assert run_ready() == []  # not before its time
    DBTaskResult.objects.filter(pk=retry.pk).update(run_after=first.finished_at)
    run_ready()
    third = DBTaskResult.objects.get(status="READY")
    assert third.args_kwargs["kwargs"]["_attempt"] == 3
    assert (third.run_after - third.enqueued_at) > timedelta(seconds=100)
    DBTaskResult.objects.filter(pk=third.pk).update(run_after=first.finished_at)
    run_ready()
    # max_attempts=3: given up, three failures in the admin's list, nothing queued.
    assert DBTaskResult.objects.filter(status="FAILED").count() == 3
    assert not DBTaskResult.objects.filter(status="READY").exists()
    # Every run carried the id of the request that queued the job.
    assert jobs_for_tests.SEEN == ["req-42", "req-42", "req-42"]


def test_tasks_run_in_the_caller_with_the_immediate_backend():
    token = request_id_var.set("req-7")
    try:
        result = enqueue(flaky, False)
    finally:
        request_id_var.reset(token)
    assert result.status == "SUCCESSFUL" and result.return_value == "req-7"


def test_the_schedule_queues_each_job_once_per_slot(database_tasks):
    start = datetime(2026, 12, 7, 7, 29, 10, tzinfo=PARIS)
    # First sight: recorded, not run (as a new cron line waits for its time).
    assert schedule_tick(now=start) == []
    assert ScheduledRun.objects.count() == len(SCHEDULE)
    # A minute later: the outbox; 07:30 is the digest's time.
    queued = schedule_tick(now=start + timedelta(minutes=1))
    assert sorted(queued) == ["send_notification_digest", "send_outbox"]
    # A second scheduler (another worker) at the same moment queues nothing.
    assert schedule_tick(now=start + timedelta(minutes=1, seconds=20)) == []
    # The night: the nightly jobs once each, the outbox once per minute.
    night = datetime(2026, 12, 8, 4, 0, 5, tzinfo=PARIS)
    assert sorted(schedule_tick(now=night)) == [
        "clearsessions",
        "opendata_snapshot",
        "prune_db_task_results",
        "prune_room_events",
        "purge_guests",
        "send_outbox",
    ]
    paths = set(DBTaskResult.objects.values_list("task_path", flat=True))
    assert paths == {"ops.tasks.scheduled_command"}
    assert DBTaskResult.objects.count() == 8
    # The worker runs them: the commands' output is the task's return value.
    ran = run_ready()
    assert {row.status for row in ran} == {"SUCCESSFUL"}, [r.traceback for r in ran]
    outbox_runs = [r for r in ran if r.args_kwargs["args"] == ["send_outbox"]]
    assert "e-mail(s) envoyé(s)" in outbox_runs[0].return_value


def test_json_logs_carry_the_request_id():
    record = logging.makeLogRecord(
        {"name": "summaries", "levelname": "INFO", "msg": "PDF %s prêt", "args": ("v1",)}
    )
    token = request_id_var.set("abc123")
    try:
        RequestIdFilter().filter(record)
    finally:
        request_id_var.reset(token)
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "PDF v1 prêt"
    assert line["request_id"] == "abc123"
    assert line["logger"] == "summaries" and line["level"] == "INFO"
