from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.models import College


class AxisKind(models.TextChoices):
    AXIS = "axis", _("Axe stratégique")
    THEME = "theme", _("Thème transversal")


class AxisQuerySet(models.QuerySet):
    """The 5 strategic axes and the transversal themes of PMA 2030, in document order."""

    def strategic(self) -> AxisQuerySet:
        return self.filter(kind=AxisKind.AXIS).order_by("order")

    def transversal(self) -> AxisQuerySet:
        return self.filter(kind=AxisKind.THEME).order_by("order")

    def nav(self) -> AxisQuerySet:
        # Evaluated lazily by the template: no query on pages that don't show it.
        return self.strategic().only("slug", "number", "short_title", "color", "icon")


class Axis(models.Model):
    """A strategic axis or a transversal theme of the founding document (loaded by a data migration)."""

    slug = models.SlugField(_("identifiant"), max_length=80, unique=True)
    kind = models.CharField(
        _("type"), max_length=10, choices=AxisKind.choices, default=AxisKind.AXIS
    )
    number = models.PositiveSmallIntegerField(_("numéro"), null=True, blank=True)
    title = models.CharField(_("titre"), max_length=200)
    short_title = models.CharField(_("titre court"), max_length=60)
    description = models.TextField(_("description"), blank=True)
    color = models.CharField(_("couleur"), max_length=7, default="#1d4e89")
    icon = models.CharField(_("icône"), max_length=40, default="circle")
    order = models.PositiveSmallIntegerField(_("ordre"), default=0)

    objects = AxisQuerySet.as_manager()

    class Meta:
        verbose_name = _("axe")
        verbose_name_plural = _("axes")
        ordering = ["order"]

    def __str__(self) -> str:
        if self.number:
            return f"{self.number}. {self.short_title}"
        return self.short_title

    def get_absolute_url(self) -> str:
        return reverse("proposals:axis", kwargs={"slug": self.slug})


class ProposalStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Déposée")
    UNDER_REVIEW = "under_review", _("En cours d'examen")
    SHORTLISTED = "shortlisted", _("Présélectionnée")
    RETAINED = "retained", _("Retenue")
    MERGED = "merged", _("Fusionnée")
    NOT_RETAINED = "not_retained", _("Non retenue")


class Proposal(models.Model):
    """An idea posted on the board or in a live workshop (then ``origin_workshop`` is set)."""

    axis = models.ForeignKey(
        Axis, verbose_name=_("axe"), on_delete=models.PROTECT, related_name="proposals"
    )
    title = models.CharField(_("titre"), max_length=200)
    body = models.TextField(_("texte (Markdown)"), blank=True)
    # Rendered once at write time by project.sanitizer; templates show it as is.
    body_html = models.TextField(_("texte (HTML nettoyé)"), blank=True, editable=False)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("auteur·rice"),
        on_delete=models.PROTECT,
        related_name="proposals",
    )
    author_college = models.CharField(
        _("collège de l'auteur·rice"), max_length=20, choices=College.choices
    )
    origin_workshop = models.ForeignKey(
        "workshops.Workshop",
        verbose_name=_("atelier d'origine"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="proposals",
    )
    status = models.CharField(
        _("statut"),
        max_length=20,
        choices=ProposalStatus.choices,
        default=ProposalStatus.SUBMITTED,
        db_index=True,
    )
    status_reason = models.TextField(_("motif public du statut"), blank=True)
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("fusionnée dans"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="merged_from",
    )
    is_hidden = models.BooleanField(_("masquée"), default=False, db_index=True)
    hidden_reason = models.TextField(_("motif du masquage"), blank=True)
    support_count = models.PositiveIntegerField(_("soutiens"), default=0)
    comment_count = models.PositiveIntegerField(_("commentaires"), default=0)
    # Idempotency: a retried create with the same key returns the first proposal.
    client_key = models.CharField(_("clé client"), max_length=64, blank=True, default="")
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("modifiée le"), auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["author", "client_key"],
                condition=~models.Q(client_key=""),
                name="proposal_client_key_unique",
            )
        ]
        verbose_name = _("proposition")
        verbose_name_plural = _("propositions")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["axis", "status"]),
            models.Index(fields=["origin_workshop", "created_at"]),
            models.Index(fields=["-support_count", "-created_at"]),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("proposals:detail", kwargs={"pk": self.pk})
