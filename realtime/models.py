"""What the live rooms keep: every broadcast event, numbered per room, for replay."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Audience(models.TextChoices):
    ROOM = "room", _("Toute la salle")
    FACILITATORS = "facilitators", _("Animateur·rices seulement")


class RoomSequence(models.Model):
    """The last sequence number given to an event of a room.

    Incremented with ``UPDATE … RETURNING`` inside the caller's transaction:
    the row lock is held until commit, so numbers are given in commit order
    and a rolled-back transaction gives its number back (no gaps).
    """

    workshop = models.OneToOneField(
        "workshops.Workshop", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    last_seq = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("séquence d'événements")
        verbose_name_plural = _("séquences d'événements")

    def __str__(self) -> str:
        return f"{self.workshop_id}: {self.last_seq}"


class RoomEventQuerySet(models.QuerySet):
    """Events of a room, in sequence order, filtered by who may see them."""

    def for_room(self, workshop_id: int) -> RoomEventQuerySet:
        return self.filter(workshop_id=workshop_id).order_by("seq")

    def visible_to(self, *, facilitator: bool) -> RoomEventQuerySet:
        return self if facilitator else self.filter(audience=Audience.ROOM)


class RoomEvent(models.Model):
    """One broadcast event of a room, stored (already encoded) so that reconnecting clients replay it."""

    workshop = models.ForeignKey(
        "workshops.Workshop", on_delete=models.CASCADE, related_name="room_events"
    )
    seq = models.BigIntegerField(_("numéro"))
    type = models.CharField(_("type"), max_length=60)
    audience = models.CharField(
        _("destinataires"), max_length=12, choices=Audience.choices, default=Audience.ROOM
    )
    # The frame exactly as sent to clients: encoded once, replayed as is.
    frame = models.TextField(_("trame"))
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)

    objects = RoomEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("événement de salle")
        verbose_name_plural = _("événements de salle")
        ordering = ["workshop", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["workshop", "seq"], name="room_event_seq_unique")
        ]

    def __str__(self) -> str:
        return f"{self.workshop_id}#{self.seq} {self.type}"
