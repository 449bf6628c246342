from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ScheduledRun(models.Model):
    """When a periodic job (ops.schedule.SCHEDULE) was last queued.

    Several workers may run the scheduler: a job is queued by the one that moves
    ``last_slot`` forward with a conditional UPDATE (compare and set), so once per slot."""

    name = models.CharField(max_length=100, primary_key=True)
    last_slot = models.DateTimeField()
    last_queued_at = models.DateTimeField()

    class Meta:
        verbose_name = _("exécution planifiée")
        verbose_name_plural = _("exécutions planifiées")

    def __str__(self) -> str:
        return f"{self.name} @ {self.last_slot:%Y-%m-%d %H:%M}"
