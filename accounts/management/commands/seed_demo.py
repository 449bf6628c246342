"""Load the PMA 2030 demo: idempotent, run it as often as you like.

Each app contributes ``<app>/demo.py`` with a ``seed(ctx)`` function, called in
dependency order; ``ctx`` carries what earlier apps created (users, workshop…).
"""

from __future__ import annotations

import importlib

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from project import demo_timeline

DEMO_APPS = ["accounts", "proposals", "workshops", "votes", "decisions", "summaries", "opinions"]


class Command(BaseCommand):
    help = "Charge les données de démonstration PMA 2030 (idempotent)."

    def handle(self, *args, **options) -> None:
        ctx: dict = {}
        since = timezone.now()
        with transaction.atomic():
            for app in DEMO_APPS:
                try:
                    module = importlib.import_module(f"{app}.demo")
                except ModuleNotFoundError as exc:
                    if exc.name != f"{app}.demo":
                        raise
                    continue
                module.seed(ctx)
                self.stdout.write(f"  {app}: ok")
            # What this run created, dated as the months of the process would have.
            demo_timeline.spread(since=since)
        self.stdout.write(self.style.SUCCESS("Démonstration PMA 2030 chargée."))
