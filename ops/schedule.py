"""The periodic jobs, declared here and queued by the worker's scheduler (run_worker).

They replace the cron lines / systemd timers of deploy/ (still usable: the commands are
the same). Times are the site's local time (TIME_ZONE). Each job is queued once per slot
whatever the number of workers (``ScheduledRun``), and runs as an ordinary task: in the
admin with its output, and counted in /metrics.
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from ops.models import ScheduledRun

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Every:
    """Every ``minutes`` minutes, on the clock (every 5: :00, :05, …)."""

    minutes: int

    def slot(self, now: datetime) -> datetime:
        local = timezone.localtime(now).replace(second=0, microsecond=0)
        return local - timedelta(minutes=local.minute % self.minutes)


@dataclass(frozen=True)
class Daily:
    """Once a day at ``at`` (local time)."""

    at: time

    def slot(self, now: datetime) -> datetime:
        local = timezone.localtime(now)
        today = local.replace(hour=self.at.hour, minute=self.at.minute, second=0, microsecond=0)
        return today if local >= today else today - timedelta(days=1)


@dataclass(frozen=True)
class Scheduled:
    command: str
    when: Every | Daily


SCHEDULE: tuple[Scheduled, ...] = (
    Scheduled("send_outbox", Every(minutes=1)),  # retries of e-mails that failed
    Scheduled("send_notification_digest", Daily(time(7, 30))),
    Scheduled("prune_room_events", Daily(time(3, 15))),
    Scheduled("purge_guests", Daily(time(3, 30))),
    Scheduled("clearsessions", Daily(time(3, 45))),
    Scheduled("prune_db_task_results", Daily(time(4, 0))),  # finished tasks, 14 days kept
    Scheduled("opendata_snapshot", Daily(time(2, 30))),  # with OPENDATA_SNAPSHOT_DIR
)


def schedule_tick(now: datetime | None = None) -> list[str]:
    """Queue the jobs whose slot has come since they were last queued; returns their names.

    A job seen for the first time is recorded without running (as a new cron line would
    wait for its time)."""
    from ops.tasks import scheduled_command  # a cycle: the task reads SCHEDULE from here

    now = now or timezone.now()
    queued = []
    for entry in SCHEDULE:
        slot = entry.when.slot(now)
        row = ScheduledRun.objects.filter(name=entry.command).first()
        if row is None:
            with contextlib.suppress(IntegrityError), transaction.atomic():  # or another worker
                ScheduledRun.objects.create(name=entry.command, last_slot=slot, last_queued_at=now)
            continue
        if row.last_slot >= slot:
            continue
        with transaction.atomic():
            won = ScheduledRun.objects.filter(name=entry.command, last_slot=row.last_slot).update(
                last_slot=slot, last_queued_at=now
            )
            if won:
                scheduled_command.enqueue(entry.command)
                queued.append(entry.command)
    if queued:
        logger.info("scheduler: queued %s", ", ".join(queued))
    return queued
