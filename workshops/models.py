from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.models import College

# No 0/O, 1/I/L: a code read aloud or from a projector must not be ambiguous.
JOIN_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
JOIN_CODE_LENGTH = 6


def new_join_code() -> str:
    return "".join(secrets.choice(JOIN_CODE_ALPHABET) for _ in range(JOIN_CODE_LENGTH))


class WorkshopState(models.TextChoices):
    DRAFT = "draft", _("Brouillon")
    SCHEDULED = "scheduled", _("Programmé")
    LIVE = "live", _("En direct")
    CLOSED = "closed", _("Clos")
    PUBLISHED = "published", _("Publié")


class Place(models.TextChoices):
    ONLINE = "online", _("En ligne")
    ON_SITE = "on_site", _("Sur place")
    HYBRID = "hybrid", _("Sur place et en ligne")


class Visibility(models.TextChoices):
    PUBLIC = "public", _("Public")
    PRIVATE = "private", _("Privé (sur invitation)")


class WorkshopQuerySet(models.QuerySet):
    """Workshops, with the states that matter to a visitor."""

    def open_for_join(self) -> WorkshopQuerySet:
        return self.filter(state__in=[WorkshopState.SCHEDULED, WorkshopState.LIVE])

    def not_closed(self) -> WorkshopQuerySet:
        return self.filter(
            state__in=[WorkshopState.DRAFT, WorkshopState.SCHEDULED, WorkshopState.LIVE]
        )


class Workshop(models.Model):
    """A live workshop: a room citizens join with a code, run by facilitators in phases."""

    title = models.CharField(_("titre"), max_length=200)
    slug = models.SlugField(_("identifiant"), max_length=80, unique=True)
    description = models.TextField(_("description"), blank=True)
    axes = models.ManyToManyField(
        "proposals.Axis", verbose_name=_("axes"), related_name="workshops", blank=True
    )
    facilitators = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("animateur·rices"),
        related_name="facilitated_workshops",
        blank=True,
    )
    starts_at = models.DateTimeField(_("début"), null=True, blank=True)
    ends_at = models.DateTimeField(_("fin"), null=True, blank=True)
    place = models.CharField(_("lieu"), max_length=10, choices=Place.choices, default=Place.ON_SITE)
    location = models.CharField(_("adresse"), max_length=200, blank=True)
    capacity = models.PositiveIntegerField(_("capacité"), null=True, blank=True)
    visibility = models.CharField(
        _("visibilité"), max_length=10, choices=Visibility.choices, default=Visibility.PUBLIC
    )
    join_code = models.CharField(_("code d'accès"), max_length=JOIN_CODE_LENGTH, db_index=True)
    state = models.CharField(
        _("état"),
        max_length=10,
        choices=WorkshopState.choices,
        default=WorkshopState.DRAFT,
        db_index=True,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)

    objects = WorkshopQuerySet.as_manager()

    class Meta:
        verbose_name = _("atelier")
        verbose_name_plural = _("ateliers")
        ordering = ["-starts_at"]
        constraints = [
            # A join code identifies one workshop among those that can still be joined.
            models.UniqueConstraint(
                fields=["join_code"],
                condition=models.Q(state__in=["draft", "scheduled", "live"]),
                name="workshop_join_code_unique_when_open",
            )
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("workshops:room", kwargs={"slug": self.slug})


class ParticipantRole(models.TextChoices):
    PARTICIPANT = "participant", _("Participant·e")
    FACILITATOR = "facilitator", _("Animateur·rice")


class Attendance(models.TextChoices):
    ON_SITE = "on_site", _("Sur place")
    ONLINE = "online", _("En ligne")


class Participant(models.Model):
    """Someone who joined a workshop, with the college they declared at the time."""

    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="participants")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="participations"
    )
    college = models.CharField(_("collège"), max_length=20, choices=College.choices)
    role = models.CharField(
        _("rôle"),
        max_length=12,
        choices=ParticipantRole.choices,
        default=ParticipantRole.PARTICIPANT,
    )
    attendance = models.CharField(
        _("présence"), max_length=10, choices=Attendance.choices, default=Attendance.ON_SITE
    )
    invited = models.BooleanField(_("invité·e"), default=False)
    joined_at = models.DateTimeField(_("arrivé·e le"), auto_now_add=True)
    removed_at = models.DateTimeField(_("exclu·e le"), null=True, blank=True)

    class Meta:
        verbose_name = _("participant·e")
        verbose_name_plural = _("participant·es")
        constraints = [
            models.UniqueConstraint(
                fields=["workshop", "user"], name="participant_unique_per_workshop"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.workshop}"
