from __future__ import annotations

from datetime import date

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.rules import can_edit_decisions


class IndicatorKind(models.TextChoices):
    SUCCESS = "success", _("Indicateur de réussite PMA 2030")
    CONTEXT = "context", _("Indicateur de contexte")
    CUSTOM = "custom", _("Indicateur complémentaire")


class Direction(models.TextChoices):
    UP = "up", _("À la hausse")
    DOWN = "down", _("À la baisse")


class IndicatorQuerySet(models.QuerySet):
    """Indicators in display order: success indicators first."""

    def success(self) -> IndicatorQuerySet:
        return self.filter(kind=IndicatorKind.SUCCESS)


class Indicator(models.Model):
    """A measure of progress toward 2030: the founding document's 4, context figures, or custom ones."""

    slug = models.SlugField(_("identifiant"), max_length=80, unique=True)
    kind = models.CharField(
        _("type"), max_length=10, choices=IndicatorKind.choices, default=IndicatorKind.CUSTOM
    )
    name = models.CharField(_("nom"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    axis = models.ForeignKey(
        "proposals.Axis",
        verbose_name=_("axe"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="indicators",
    )
    unit = models.CharField(_("unité"), max_length=40)
    source = models.CharField(_("source"), max_length=200, blank=True)
    baseline_value = models.DecimalField(
        _("valeur de référence"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    baseline_date = models.DateField(_("date de la référence"), null=True, blank=True)
    target_2030 = models.DecimalField(
        _("cible 2030"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    direction = models.CharField(
        _("sens souhaité"), max_length=4, choices=Direction.choices, default=Direction.UP
    )
    context_note = models.TextField(_("éléments de comparaison"), blank=True)
    order = models.PositiveSmallIntegerField(_("ordre"), default=0)

    objects = IndicatorQuerySet.as_manager()

    class Meta:
        verbose_name = _("indicateur")
        verbose_name_plural = _("indicateurs")
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("decisions:indicator", kwargs={"slug": self.slug})


class Measurement(models.Model):
    """A dated value of an indicator, entered by a Codev editor, with its source."""

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="measurements")
    date = models.DateField(_("date"))
    value = models.DecimalField(_("valeur"), max_digits=14, decimal_places=2)
    source = models.CharField(_("source"), max_length=200, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("mesure")
        verbose_name_plural = _("mesures")
        ordering = ["indicator", "date"]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "date"], name="measurement_unique_per_date"
            )
        ]

    def __str__(self) -> str:
        return f"{self.indicator} {self.date}: {self.value}"


# --- Recommendations -------------------------------------------------------------------------


class RecommendationStatus(models.TextChoices):
    DRAFT = "draft", _("Brouillon")
    ADOPTED = "adopted", _("Adoptée")
    PUBLISHED = "published", _("Publiée")
    WITHDRAWN = "withdrawn", _("Retirée")


# Allowed moves of the lifecycle (draft → adopted → published → withdrawn).
RECOMMENDATION_TRANSITIONS: dict[str, set[str]] = {
    RecommendationStatus.DRAFT: {RecommendationStatus.ADOPTED, RecommendationStatus.WITHDRAWN},
    RecommendationStatus.ADOPTED: {
        RecommendationStatus.PUBLISHED,
        RecommendationStatus.DRAFT,
        RecommendationStatus.WITHDRAWN,
    },
    RecommendationStatus.PUBLISHED: {RecommendationStatus.WITHDRAWN},
    RecommendationStatus.WITHDRAWN: {RecommendationStatus.DRAFT},
}


class RecommendationQuerySet(models.QuerySet):
    """Recommendations; the public sees published ones (and withdrawn ones that were published)."""

    def public(self) -> RecommendationQuerySet:
        return self.filter(
            models.Q(status=RecommendationStatus.PUBLISHED)
            | models.Q(status=RecommendationStatus.WITHDRAWN, published_at__isnull=False)
        )

    def visible_to(self, user) -> RecommendationQuerySet:
        if can_edit_decisions(user):
            return self.all()
        return self.public()

    def with_counts(self) -> RecommendationQuerySet:
        return self.annotate(
            source_count=models.Count("sources", distinct=True),
            action_count=models.Count("actions", distinct=True),
        )


class Recommendation(models.Model):
    """A recommendation of the Codev, built from proposals (its sources), carried out by action items."""

    title = models.CharField(_("titre"), max_length=200)
    body = models.TextField(_("texte (Markdown)"), blank=True)
    body_html = models.TextField(_("texte (HTML nettoyé)"), blank=True, editable=False)
    rationale = models.TextField(_("justification (Markdown)"), blank=True)
    rationale_html = models.TextField(_("justification (HTML nettoyé)"), blank=True, editable=False)
    axis = models.ForeignKey(
        "proposals.Axis",
        verbose_name=_("axe ou thème transversal"),
        on_delete=models.PROTECT,
        related_name="recommendations",
    )
    status = models.CharField(
        _("statut"),
        max_length=12,
        choices=RecommendationStatus.choices,
        default=RecommendationStatus.DRAFT,
        db_index=True,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("créée par"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifiée le"), auto_now=True)
    adopted_at = models.DateTimeField(_("adoptée le"), null=True, blank=True)
    published_at = models.DateTimeField(_("publiée le"), null=True, blank=True)

    objects = RecommendationQuerySet.as_manager()

    class Meta:
        verbose_name = _("recommandation")
        verbose_name_plural = _("recommandations")
        ordering = ["axis__order", "-created_at"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("decisions:recommendation", kwargs={"pk": self.pk})

    @property
    def is_public(self) -> bool:
        return self.status == RecommendationStatus.PUBLISHED or (
            self.status == RecommendationStatus.WITHDRAWN and self.published_at is not None
        )


class TraceLink(models.Model):
    """What every trace link records: who made it, when, and why."""

    note = models.TextField(_("note"), blank=True)
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("lien établi par"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    linked_at = models.DateTimeField(_("lien établi le"), auto_now_add=True)

    class Meta:
        abstract = True
        ordering = ["linked_at", "pk"]


class RecommendationSource(TraceLink):
    """Trace link: this proposal is a source of this recommendation (who linked it, when, why)."""

    recommendation = models.ForeignKey(
        Recommendation, on_delete=models.CASCADE, related_name="sources"
    )
    proposal = models.ForeignKey(
        "proposals.Proposal",
        verbose_name=_("proposition"),
        on_delete=models.PROTECT,
        related_name="recommendation_sources",
    )
    # Linked with a group of ideas of a workshop's wall: the group, and its name at the time
    # (kept when the group is renamed or dissolved later), so the trace shows group → ideas.
    idea_group = models.ForeignKey(
        "workshops.IdeaGroup",
        verbose_name=_("groupe d'idées"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="recommendation_sources",
    )
    idea_group_name = models.CharField(_("nom du groupe d'idées"), max_length=120, blank=True)

    class Meta:
        verbose_name = _("source de la recommandation")
        verbose_name_plural = _("sources de la recommandation")
        ordering = ["linked_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["recommendation", "proposal"], name="recommendation_source_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.proposal} → {self.recommendation}"


class RecommendationVoteSource(TraceLink):
    """Trace link: the results of this (closed) vote session support this recommendation."""

    recommendation = models.ForeignKey(
        Recommendation, on_delete=models.CASCADE, related_name="vote_sources"
    )
    session = models.ForeignKey(
        "votes.VoteSession",
        verbose_name=_("vote"),
        on_delete=models.PROTECT,
        related_name="recommendation_links",
    )

    class Meta:
        verbose_name = _("vote à l'appui de la recommandation")
        verbose_name_plural = _("votes à l'appui de la recommandation")
        ordering = ["linked_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["recommendation", "session"], name="recommendation_vote_source_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.session} → {self.recommendation}"


class RecommendationStatementSource(TraceLink):
    """Trace link: a statement of an opinion map (``opinions.Statement``) founds this
    recommendation; what its votes said by opinion group and by college when it was linked
    is kept (``provenance``, from ``opinions.selectors.statement_provenance``)."""

    recommendation = models.ForeignKey(
        Recommendation, on_delete=models.CASCADE, related_name="statement_sources"
    )
    statement = models.ForeignKey(
        "opinions.Statement",
        verbose_name=_("affirmation"),
        on_delete=models.PROTECT,
        related_name="recommendation_links",
    )
    provenance = models.JSONField(_("provenance"), default=dict, blank=True)

    class Meta:
        verbose_name = _("affirmation à l'origine de la recommandation")
        verbose_name_plural = _("affirmations à l'origine de la recommandation")
        ordering = ["linked_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["recommendation", "statement"],
                name="recommendation_statement_source_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.statement} → {self.recommendation}"


# --- Action items ----------------------------------------------------------------------------


class ActionStatus(models.TextChoices):
    PLANNED = "planned", _("Prévue")
    IN_PROGRESS = "in_progress", _("En cours")
    DONE = "done", _("Réalisée")
    BLOCKED = "blocked", _("Bloquée")
    ABANDONED = "abandoned", _("Abandonnée")


CLOSED_ACTION_STATUSES = (ActionStatus.DONE, ActionStatus.ABANDONED)


def action_status_counted(status: str, n: int) -> str:
    """The status after a count of actions, agreeing with it (« 1 prévue », « 3 prévues »)."""
    return {
        ActionStatus.PLANNED: ngettext("prévue", "prévues", n),
        ActionStatus.IN_PROGRESS: ngettext("en cours", "en cours", n),
        ActionStatus.DONE: ngettext("réalisée", "réalisées", n),
        ActionStatus.BLOCKED: ngettext("bloquée", "bloquées", n),
        ActionStatus.ABANDONED: ngettext("abandonnée", "abandonnées", n),
    }[status]


def recommendation_status_counted(status: str, n: int) -> str:
    """The status after a count of recommendations (« 1 publiée », « 0 brouillon »)."""
    return {
        RecommendationStatus.DRAFT: ngettext("brouillon", "brouillons", n),
        RecommendationStatus.ADOPTED: ngettext("adoptée", "adoptées", n),
        RecommendationStatus.PUBLISHED: ngettext("publiée", "publiées", n),
        RecommendationStatus.WITHDRAWN: ngettext("retirée", "retirées", n),
    }[status]


class OwnerKind(models.TextChoices):
    PMA = "pma", _("Pays de Montbéliard Agglomération")
    COMMUNE = "commune", _("Commune")
    REGION = "region", _("Région Bourgogne-Franche-Comté")
    STATE = "state", _("État")
    FIRM = "firm", _("Entreprise")
    ASSOCIATION = "association", _("Association")
    TRAINING = "training", _("Organisme de formation ou de recherche")
    OTHER = "other", _("Autre")


class ActionItemQuerySet(models.QuerySet):
    """Action items; visible when their recommendation is, overdue when past due and still open."""

    def visible_to(self, user) -> ActionItemQuerySet:
        if can_edit_decisions(user):
            return self.all()
        return self.filter(recommendation__in=Recommendation.objects.public())

    def open(self) -> ActionItemQuerySet:
        return self.exclude(status__in=CLOSED_ACTION_STATUSES)

    def overdue(self, today: date | None = None) -> ActionItemQuerySet:
        today = today or timezone.localdate()
        return self.open().filter(due_date__lt=today)


class ActionItem(models.Model):
    """Something someone does to carry out a recommendation, with its public timeline of updates."""

    recommendation = models.ForeignKey(
        Recommendation,
        verbose_name=_("recommandation"),
        on_delete=models.PROTECT,
        related_name="actions",
    )
    title = models.CharField(_("titre"), max_length=200)
    description = models.TextField(_("description (Markdown)"), blank=True)
    description_html = models.TextField(_("description (HTML nettoyé)"), blank=True, editable=False)
    owner_kind = models.CharField(
        _("type de porteur"), max_length=12, choices=OwnerKind.choices, default=OwnerKind.PMA
    )
    owner_name = models.CharField(_("organisation porteuse"), max_length=200)
    lead_name = models.CharField(_("personne référente"), max_length=120, blank=True)
    start_date = models.DateField(_("date de début"), null=True, blank=True)
    due_date = models.DateField(_("échéance"), null=True, blank=True)
    status = models.CharField(
        _("statut"),
        max_length=12,
        choices=ActionStatus.choices,
        default=ActionStatus.PLANNED,
        db_index=True,
    )
    progress = models.PositiveSmallIntegerField(
        _("avancement (%)"), default=0, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    budget = models.DecimalField(
        _("budget (€)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    indicators = models.ManyToManyField(
        Indicator, verbose_name=_("indicateurs suivis"), related_name="actions", blank=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifiée le"), auto_now=True)

    objects = ActionItemQuerySet.as_manager()

    class Meta:
        verbose_name = _("action")
        verbose_name_plural = _("actions")
        ordering = ["due_date", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(progress__gte=0, progress__lte=100),
                name="action_progress_0_100",
            ),
            models.CheckConstraint(
                condition=models.Q(start_date__isnull=True)
                | models.Q(due_date__isnull=True)
                | models.Q(due_date__gte=models.F("start_date")),
                name="action_due_after_start",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("decisions:action", kwargs={"pk": self.pk})

    def is_overdue_on(self, today: date) -> bool:
        return bool(
            self.due_date and self.due_date < today and self.status not in CLOSED_ACTION_STATUSES
        )

    @property
    def is_overdue(self) -> bool:
        return self.is_overdue_on(timezone.localdate())


class ActionUpdate(models.Model):
    """A dated public update of an action item: text, progress and possibly a status change."""

    action = models.ForeignKey(ActionItem, on_delete=models.CASCADE, related_name="updates")
    date = models.DateField(_("date"), default=timezone.localdate)
    text = models.TextField(_("texte (Markdown)"))
    text_html = models.TextField(_("texte (HTML nettoyé)"), blank=True, editable=False)
    progress = models.PositiveSmallIntegerField(
        _("avancement (%)"), validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    old_status = models.CharField(_("ancien statut"), max_length=12, choices=ActionStatus.choices)
    new_status = models.CharField(_("nouveau statut"), max_length=12, choices=ActionStatus.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("auteur·rice"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("enregistrée le"), auto_now_add=True)

    class Meta:
        verbose_name = _("point d'étape")
        verbose_name_plural = _("points d'étape")
        ordering = ["-date", "-pk"]

    def __str__(self) -> str:
        return f"{self.action} {self.date}"

    @property
    def status_changed(self) -> bool:
        return self.old_status != self.new_status


# --- History ---------------------------------------------------------------------------------


class HistoryEntry(models.Model):
    """Who changed what and when, on a recommendation, an action item or an indicator.

    Written only by the services of this app, in the same transaction as the
    change; ``changes`` maps a field to ``[old, new]`` (as text).
    """

    recommendation = models.ForeignKey(
        Recommendation, on_delete=models.CASCADE, null=True, blank=True, related_name="history"
    )
    action = models.ForeignKey(
        ActionItem, on_delete=models.CASCADE, null=True, blank=True, related_name="history"
    )
    indicator = models.ForeignKey(
        Indicator, on_delete=models.CASCADE, null=True, blank=True, related_name="history"
    )
    verb = models.CharField(_("action"), max_length=40)
    changes = models.JSONField(_("changements"), default=dict, blank=True)
    note = models.TextField(_("note"), blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("par"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("le"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("historique")
        verbose_name_plural = _("historiques")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.verb}"


# --- Notifications ("what became of my idea") ------------------------------------------------


class NotificationKind(models.TextChoices):
    PROPOSAL_STATUS = "proposal_status", _("Statut de votre proposition")
    RECOMMENDATION = "recommendation", _("Votre proposition dans une recommandation")
    ACTION_STATUS = "action_status", _("Avancement d'une action issue de votre proposition")
    FOLLOW = "follow", _("Nouvelles de ce que vous suivez")


class NotificationQuerySet(models.QuerySet):
    """In-app notifications of one person; unread ones feed the header badge."""

    def unread(self) -> NotificationQuerySet:
        return self.filter(read_at__isnull=True)

    def for_digest(self) -> NotificationQuerySet:
        return self.filter(emailed_at__isnull=True)


class Notification(models.Model):
    """Tells a contributor what became of their idea; shown in the app and in the daily digest."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("type"), max_length=20, choices=NotificationKind.choices)
    message = models.CharField(_("message"), max_length=400)
    url = models.CharField(_("lien"), max_length=300, blank=True)
    proposal = models.ForeignKey(
        "proposals.Proposal", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("date"), default=timezone.now, db_index=True)
    read_at = models.DateTimeField(_("lue le"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("envoyée par e-mail le"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["recipient", "read_at"])]

    def __str__(self) -> str:
        return self.message


# --- Following ------------------------------------------------------------------------------

FOLLOW_KINDS = ("proposal", "workshop", "axis", "action")


class Follow(models.Model):
    """A person follows a proposal, a workshop, an axis or an action: its changes reach them
    as notifications (and in the digest if they opted in). Exactly one target per row."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="follows"
    )
    proposal = models.ForeignKey(
        "proposals.Proposal", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    workshop = models.ForeignKey(
        "workshops.Workshop", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    axis = models.ForeignKey(
        "proposals.Axis", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    action = models.ForeignKey(
        ActionItem, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    # Followed because the person wrote or supported it (said so on the page).
    automatic = models.BooleanField(_("suivi automatique"), default=False)
    created_at = models.DateTimeField(_("depuis le"), auto_now_add=True)

    class Meta:
        verbose_name = _("suivi")
        verbose_name_plural = _("suivis")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(proposal__isnull=False, workshop=None, axis=None, action=None)
                    | models.Q(proposal=None, workshop__isnull=False, axis=None, action=None)
                    | models.Q(proposal=None, workshop=None, axis__isnull=False, action=None)
                    | models.Q(proposal=None, workshop=None, axis=None, action__isnull=False)
                ),
                name="follow_exactly_one_target",
            ),
            *[
                models.UniqueConstraint(
                    fields=["user", kind],
                    condition=models.Q(**{f"{kind}__isnull": False}),
                    name=f"follow_unique_{kind}",
                )
                for kind in FOLLOW_KINDS
            ],
        ]

    def __str__(self) -> str:
        return str(self.target)

    @property
    def kind(self) -> str:
        return next(kind for kind in FOLLOW_KINDS if getattr(self, f"{kind}_id"))

    @property
    def target(self):
        return getattr(self, self.kind)
