"""E-mails written in the transaction that decided them, sent after commit and retried."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OutboxQuerySet(models.QuerySet):
    def due(self, *, now=None, max_attempts: int) -> OutboxQuerySet:
        """Not sent yet, not given up on, and not waiting for its next attempt."""
        return self.filter(
            sent_at__isnull=True,
            attempts__lt=max_attempts,
            next_attempt_at__lte=now or timezone.now(),
        )


class OutboxMessage(models.Model):
    """One e-mail to one address: a row per recipient, so one failure retries one person."""

    kind = models.CharField(_("type"), max_length=40)
    to = models.EmailField(_("destinataire"))
    subject = models.CharField(_("objet"), max_length=300)
    body = models.TextField(_("texte"))
    html = models.TextField(_("HTML"), blank=True)
    created_at = models.DateTimeField(_("créé le"), default=timezone.now)
    next_attempt_at = models.DateTimeField(_("prochain essai"), default=timezone.now)
    attempts = models.PositiveSmallIntegerField(_("essais"), default=0)
    last_error = models.TextField(_("dernière erreur"), blank=True)
    sent_at = models.DateTimeField(_("envoyé le"), null=True, blank=True)

    objects = OutboxQuerySet.as_manager()

    class Meta:
        verbose_name = _("e-mail à envoyer")
        verbose_name_plural = _("e-mails à envoyer")
        indexes = [
            models.Index(
                fields=["next_attempt_at", "id"],
                condition=Q(sent_at__isnull=True),
                name="outbox_due",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.to}"
