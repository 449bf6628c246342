"""Background jobs on Django's tasks API (django-tasks today, ``django.tasks`` in Django 6).

``@job`` is ``@task`` plus what the API leaves to the application:

- **retries with backoff**: a job that raises is queued again ``run_after`` 30 s, 2 min,
  8 min… later (×4, at most an hour), up to ``TASK_MAX_ATTEMPTS`` runs; every failed run
  stays in the admin (Tasks › DB task results) with its traceback;
- **the request id** of the request that queued it, restored while it runs (logs);
- its **metrics** (runs by outcome, duration).

``enqueue_on_commit`` queues after the current transaction commits, so a worker never
picks up a job whose rows it cannot see yet, and a rolled-back write queues nothing.

On Django 6: ``from django.tasks import task`` replaces ``from django_tasks import task``
and the rest stays (the DB backend is then django-tasks-db on Django's own API).
"""

from __future__ import annotations

import functools
import logging
import time
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from ops import metrics
from ops.context import current_request_id, new_request_id, request_id_var

logger = logging.getLogger(__name__)


def backoff(attempt: int) -> timedelta:
    """Delay before run ``attempt + 1``: 30 s, 2 min, 8 min, 32 min, then an hour."""
    return timedelta(seconds=min(30 * 4 ** (attempt - 1), 3600))


def job(*, priority: int = 0, queue_name: str = "default", max_attempts: int | None = None):
    def decorate(func):
        name = func.__name__

        @functools.wraps(func)
        def run(*args, _attempt: int = 1, _request_id: str = "", **kwargs):
            token = request_id_var.set(_request_id or new_request_id())
            start = time.perf_counter()
            try:
                result = func(*args, **kwargs)
            except Exception as exc:
                metrics.TASKS.labels(task=name, outcome="failed").inc()
                _retry(the_task, args, kwargs, attempt=_attempt, exc=exc, limit=max_attempts)
                raise
            else:
                metrics.TASKS.labels(task=name, outcome="ok").inc()
                return result
            finally:
                metrics.TASK_DURATION.labels(task=name).observe(time.perf_counter() - start)
                request_id_var.reset(token)

        the_task = task(priority=priority, queue_name=queue_name)(run)
        return the_task

    return decorate


def _retry(the_task, args, kwargs, *, attempt: int, exc: Exception, limit: int | None) -> None:
    limit = limit or settings.TASK_MAX_ATTEMPTS
    if attempt >= limit or not the_task.get_backend().supports_defer:
        logger.error("task %s failed for good after %d run(s): %r", the_task.name, attempt, exc)
        return
    delay = backoff(attempt)
    the_task.using(run_after=timezone.now() + delay).enqueue(
        *args, _attempt=attempt + 1, _request_id=current_request_id(), **kwargs
    )
    logger.warning(
        "task %s failed (run %d of %d): %r; again in %s", the_task.name, attempt, limit, exc, delay
    )


def enqueue(the_task, *args, **kwargs):
    """Queue now, carrying the current request id."""
    return the_task.enqueue(*args, _request_id=current_request_id(), **kwargs)


def enqueue_on_commit(the_task, *args, **kwargs) -> None:
    """Queue once the current transaction commits (at once outside one)."""
    request_id = current_request_id()
    transaction.on_commit(
        lambda: the_task.enqueue(*args, _request_id=request_id, **kwargs), robust=True
    )
