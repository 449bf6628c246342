"""Decision summaries the Codev publishes, and their immutable published versions.

A ``DecisionSummary`` is the editor's working copy (a draft: generated data,
section order, the editor's own text). Publishing copies it into a new
``SummaryVersion``, which is never changed again: a correction is a new
version, and the old ones stay readable.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import JSONField, Value
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from summaries import rules

# The generated sections, in their default order. Keys are stored in the JSON of
# drafts and versions: never rename one.
SECTION_KEYS = ("participation", "agenda", "ideas", "votes", "recommendations", "next_steps")


class SectionKey(models.TextChoices):
    PARTICIPATION = "participation", _("Participation")
    AGENDA = "agenda", _("Déroulé de l'atelier")
    IDEAS = "ideas", _("Idées déposées")
    VOTES = "votes", _("Résultats des votes")
    RECOMMENDATIONS = "recommendations", _("Recommandations adoptées et premières actions")
    NEXT_STEPS = "next_steps", _("Et maintenant ?")


class Scope(models.TextChoices):
    WORKSHOP = "workshop", _("Un atelier")
    PERIOD = "period", _("Une période")
    AXIS = "axis", _("Un axe")


# The sections that fit each kind of summary, in their default order. An axis summary has no
# « Déroulé de l'atelier »: it spans many workshops, and its decisions matter, not a schedule.
SECTIONS_BY_SCOPE: dict[str, tuple[str, ...]] = {
    Scope.WORKSHOP: SECTION_KEYS,
    Scope.PERIOD: SECTION_KEYS,
    Scope.AXIS: tuple(key for key in SECTION_KEYS if key != SectionKey.AGENDA),
}


def section_label(key: str, scope: str) -> str:
    """A section's title for this kind of summary (over a period, the agenda lists workshops)."""
    if key == SectionKey.AGENDA and scope != Scope.WORKSHOP:
        return str(_("Les ateliers de la période"))
    return str(SectionKey(key).label)


class DecisionSummaryQuerySet(models.QuerySet):
    """Summaries; the public sees only those with at least one published version."""

    def published(self) -> DecisionSummaryQuerySet:
        return self.filter(current_version__isnull=False)

    def visible_to(self, user) -> DecisionSummaryQuerySet:
        if rules.can_edit_summaries(user):
            return self.all()
        return self.published()


class DecisionSummary(models.Model):
    """The editor's working copy of a summary for a workshop, a period or an axis."""

    slug = models.SlugField(_("identifiant"), max_length=80, unique=True)
    title = models.CharField(_("titre"), max_length=200)
    scope = models.CharField(
        _("périmètre"), max_length=10, choices=Scope.choices, default=Scope.WORKSHOP
    )
    workshop = models.ForeignKey(
        "workshops.Workshop",
        verbose_name=_("atelier"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="summaries",
    )
    axis = models.ForeignKey(
        "proposals.Axis",
        verbose_name=_("axe"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="summaries",
    )
    period_start = models.DateField(_("début de la période"), null=True, blank=True)
    period_end = models.DateField(_("fin de la période"), null=True, blank=True)
    # The editor's own text, Markdown and its sanitised HTML (project.sanitizer).
    intro = models.TextField(_("introduction (Markdown)"), blank=True)
    intro_html = models.TextField(editable=False, blank=True)
    # [{"key": "votes", "shown": true, "note": "...", "note_html": "..."}, ...] in display order.
    sections = models.JSONField(_("sections"), default=list, blank=True)
    # What generation produced for the draft; frozen into a version on publication.
    data = models.JSONField(_("données générées"), default=dict, blank=True)
    # What the editor chose to show although it is not public yet, by kind:
    # {"recommendations": [id, ...], "actions": [id, ...]} (summaries.services.summary_include).
    # db_default: the previous release, still serving during an upgrade, inserts without it.
    included = models.JSONField(
        _("inclusions de l'éditeur·rice"),
        default=dict,
        db_default=Value({}, JSONField()),
        blank=True,
    )
    generated_at = models.DateTimeField(_("générée le"), null=True, blank=True)
    current_version = models.ForeignKey(
        "SummaryVersion",
        verbose_name=_("version publiée"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifiée le"), auto_now=True)

    objects = DecisionSummaryQuerySet.as_manager()

    class Meta:
        verbose_name = _("synthèse")
        verbose_name_plural = _("synthèses")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(scope="workshop") | models.Q(workshop__isnull=False),
                name="summary_workshop_scope_has_workshop",
            ),
            models.CheckConstraint(
                condition=~models.Q(scope="axis") | models.Q(axis__isnull=False),
                name="summary_axis_scope_has_axis",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("summaries:detail", kwargs={"slug": self.slug})

    @property
    def is_published(self) -> bool:
        return self.current_version_id is not None

    @property
    def section_keys(self) -> tuple[str, ...]:
        """The sections that fit this summary's kind, in their default order."""
        return SECTIONS_BY_SCOPE[Scope(self.scope)]


class SummaryVersionQuerySet(models.QuerySet):
    """Published versions, newest first."""

    def latest_first(self) -> SummaryVersionQuerySet:
        return self.order_by("-number")


class SummaryVersion(models.Model):
    """One published version of a summary: dated, public and immutable.

    Everything the page, the PDF and the feed show is stored here (title,
    the editor's text as sanitised HTML, the generated figures as a JSON
    snapshot), so later changes to workshops, votes or decisions never change
    what was published.
    """

    summary = models.ForeignKey(DecisionSummary, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    title = models.CharField(_("titre"), max_length=200)
    intro_html = models.TextField(blank=True)
    sections = models.JSONField(default=list)
    data = models.JSONField(default=dict)
    generated_at = models.DateTimeField(_("données arrêtées le"), null=True, blank=True)
    # Plain-text rendering, kept to show what changed from one version to the next.
    text = models.TextField(blank=True)
    change_note = models.TextField(_("nature de la correction"), blank=True)
    published_at = models.DateTimeField(_("publiée le"), db_index=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = SummaryVersionQuerySet.as_manager()

    class Meta:
        verbose_name = _("version publiée")
        verbose_name_plural = _("versions publiées")
        ordering = ["summary", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["summary", "number"], name="summary_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.title} (v{self.number})"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("Published summary versions are immutable.")
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse(
            "summaries:version", kwargs={"slug": self.summary.slug, "number": self.number}
        )

    def delete(self, *args, **kwargs):
        raise ValueError("Published summary versions are immutable.")


class SummaryPdf(models.Model):
    """The PDF of a version, rendered once per language and served from here afterwards.

    Its links are on the site's address when it was rendered (``site_url``): a copy made
    for another address is rendered again (summaries.pdf.version_pdf).
    """

    version = models.ForeignKey(SummaryVersion, on_delete=models.CASCADE, related_name="pdfs")
    language = models.CharField(max_length=8)
    site_url = models.CharField(max_length=300, blank=True, default="", db_default="")
    content = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["version", "language"], name="summary_pdf_unique")
        ]

    def __str__(self) -> str:
        return f"{self.version} [{self.language}]"
