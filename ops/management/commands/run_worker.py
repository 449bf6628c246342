"""The task worker: django-tasks-db's worker, plus the scheduler of the periodic jobs.

``manage.py run_worker`` runs the queued tasks (e-mails, PDFs, digests, analyses,
snapshots) one at a time and, in a thread, queues the periodic jobs of ops/schedule.py
when their time comes. Run one per machine or more (``--no-scheduler`` is not needed: the
schedule is queued once per slot whatever the number of schedulers). SIGTERM/SIGINT: the
current task finishes, then the worker stops.
"""

from __future__ import annotations

import logging
import threading

from django.core.management.base import BaseCommand, CommandParser
from django.db import connections
from django.utils.crypto import get_random_string
from django_tasks_db.management.commands.db_worker import Worker

from ops.schedule import schedule_tick

logger = logging.getLogger(__name__)


def _scheduler_loop(stop: threading.Event, every: float) -> None:
    while not stop.wait(every):
        try:
            schedule_tick()
        except Exception:  # the database away for a moment: try again next tick
            logger.exception("scheduler tick failed")
        finally:
            connections.close_all()


class Command(BaseCommand):
    help = "Exécute les tâches de fond et les tâches planifiées (e-mails, PDF, récapitulatifs…)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--interval", type=float, default=1.0, help="Attente si file vide (s).")
        parser.add_argument(
            "--no-scheduler", action="store_true", help="Ne pas planifier les tâches périodiques."
        )
        parser.add_argument(
            "--tick", type=float, default=15.0, help="Période du planificateur (s)."
        )
        parser.add_argument("--batch", action="store_true", help="Vider la file puis s'arrêter.")
        parser.add_argument("--worker-id", default=None)

    def handle(self, *args, interval, no_scheduler, tick, batch, worker_id, **options) -> None:
        worker = Worker(
            queue_names=["*"],
            interval=interval,
            batch=batch,
            backend_name="default",
            startup_delay=not batch,
            max_tasks=None,
            worker_id=worker_id or get_random_string(32),
            excluded_queue_names=[],
        )
        stop = threading.Event()
        if not no_scheduler and not batch:
            schedule_tick()
            threading.Thread(
                target=_scheduler_loop, args=(stop, tick), name="scheduler", daemon=True
            ).start()
        worker.configure_signals()
        logger.info("worker %s started (scheduler: %s)", worker.worker_id, not no_scheduler)
        try:
            worker.run()
        finally:
            stop.set()
