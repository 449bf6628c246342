from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce
from django.db.models.lookups import Exact, In
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.models import College
from proposals import origins, rules


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


# Where a proposal can go from each status (merges go through ``proposal_merge``).
STATUS_TRANSITIONS: dict[str, tuple[str, ...]] = {
    ProposalStatus.SUBMITTED: (ProposalStatus.UNDER_REVIEW, ProposalStatus.NOT_RETAINED),
    ProposalStatus.UNDER_REVIEW: (
        ProposalStatus.SUBMITTED,
        ProposalStatus.SHORTLISTED,
        ProposalStatus.NOT_RETAINED,
    ),
    ProposalStatus.SHORTLISTED: (
        ProposalStatus.UNDER_REVIEW,
        ProposalStatus.RETAINED,
        ProposalStatus.NOT_RETAINED,
    ),
    ProposalStatus.RETAINED: (ProposalStatus.SHORTLISTED,),
    ProposalStatus.NOT_RETAINED: (ProposalStatus.UNDER_REVIEW,),
    ProposalStatus.MERGED: (),
}
# A public reason is required to land in these statuses.
STATUSES_NEEDING_REASON = (ProposalStatus.NOT_RETAINED,)


def private_origin_condition(user) -> Q:
    """Proposals this person may see as far as their origin workshop goes.

    Ideas posted in a private workshop (or a draft one) stay inside it: only its
    participants (not removed), its facilitators and the proposal's author see them.
    """
    rooms = origins.rooms()
    # IN over small id lists, not a join per proposal, and on an expression rather than the
    # column: SQLite would otherwise turn the OR into lookups on the origin index instead
    # of scanning the partial index below (the public board's COUNT and random order).
    origin = Coalesce(F("origin_workshop_id"), Value(0))
    condition = Q(Exact(origin, 0)) | Q(In(origin, rooms.public_ids()))
    if user is None or not user.is_authenticated:
        return condition
    condition |= Q(author=user)
    for room_ids in rooms.member_ids(user):
        condition |= Q(In(origin, room_ids))
    return condition


class ProposalQuerySet(models.QuerySet):
    """Proposals as people may see them, with what list pages need in one query."""

    def visible_to(self, user) -> ProposalQuerySet:
        """Hidden proposals only for moderators and their author; ideas of a private
        workshop only for its members (moderators see everything, to moderate it)."""
        if rules.can_moderate(user):
            return self
        qs = self.filter(private_origin_condition(user))
        if user is not None and user.is_authenticated:
            return qs.filter(Q(is_hidden=False) | Q(author=user))
        return qs.filter(is_hidden=False)

    def public(self) -> ProposalQuerySet:
        """What anyone may see: not hidden, not from a private or draft workshop."""
        return self.filter(private_origin_condition(None), is_hidden=False)

    def for_list(self) -> ProposalQuerySet:
        return self.select_related("axis", "author", "origin_workshop").defer(
            "body", "body_html", "search_text", "search_vector"
        )


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
    # Search: title and text without accents, lower case (the SQLite fallback searches it;
    # on PostgreSQL the French vector below is built from it, so accents never matter).
    search_text = models.TextField(editable=False, blank=True, default="")
    search_vector = SearchVectorField(null=True, editable=False)

    objects = ProposalQuerySet.as_manager()

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
            models.Index(fields=["-comment_count", "-created_at"]),
            models.Index(fields=["author_college", "created_at"]),
            # What the public board lists: lets COUNT and the random order's id scan read
            # this small index instead of the wide rows.
            models.Index(
                fields=["id", "origin_workshop"],
                condition=Q(is_hidden=False) & ~Q(status="merged"),
                name="proposal_public_idx",
            ),
        ]
        # The GIN index on search_vector is created on PostgreSQL only (migration 0005).

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("proposals:detail", kwargs={"pk": self.pk})

    # Labels without Model._get_FIELD_display, which hashes every lazy choice label on each
    # call (a quarter of the board's rendering time before this).
    @property
    def status_label(self) -> str:
        return str(ProposalStatus(self.status).label)

    @property
    def college_label(self) -> str:
        return str(College(self.author_college).label) if self.author_college else ""

    @property
    def is_merged(self) -> bool:
        return self.status == ProposalStatus.MERGED

    @property
    def is_closed(self) -> bool:
        """Merged proposals take no more supports or comments: they live on in their target."""
        return self.status == ProposalStatus.MERGED

    def allowed_statuses(self) -> tuple[str, ...]:
        return STATUS_TRANSITIONS.get(self.status, ())


class Support(models.Model):
    """One participant backs one proposal (at most once; withdrawable)."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="supports")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="proposal_supports"
    )
    user_college = models.CharField(_("collège"), max_length=20, choices=College.choices)
    created_at = models.DateTimeField(_("date"), auto_now_add=True)

    class Meta:
        verbose_name = _("soutien")
        verbose_name_plural = _("soutiens")
        constraints = [
            models.UniqueConstraint(fields=["proposal", "user"], name="support_one_per_user")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.proposal_id}"


class CommentQuerySet(models.QuerySet):
    """Comments of a proposal: roots first, answers under them."""

    def visible_to(self, user) -> CommentQuerySet:
        if rules.can_moderate(user):
            return self
        if user is not None and user.is_authenticated:
            return self.filter(Q(is_hidden=False) | Q(author=user))
        return self.filter(is_hidden=False)


class Comment(models.Model):
    """A comment on a proposal; answers are one level deep (``parent`` is always a root)."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="comments")
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="replies"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("auteur·rice"),
        on_delete=models.PROTECT,
        related_name="proposal_comments",
    )
    author_college = models.CharField(_("collège"), max_length=20, choices=College.choices)
    body = models.TextField(_("commentaire (Markdown)"))
    body_html = models.TextField(editable=False, blank=True)
    is_deleted = models.BooleanField(_("supprimé"), default=False)
    is_hidden = models.BooleanField(_("masqué"), default=False)
    hidden_reason = models.TextField(_("motif du masquage"), blank=True)
    client_key = models.CharField(max_length=64, blank=True, default="")
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True, db_index=True)
    edited_at = models.DateTimeField(_("modifié le"), null=True, blank=True)

    objects = CommentQuerySet.as_manager()

    class Meta:
        verbose_name = _("commentaire")
        verbose_name_plural = _("commentaires")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["proposal", "created_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["author", "client_key"],
                condition=~Q(client_key=""),
                name="comment_client_key_unique",
            )
        ]

    def __str__(self) -> str:
        return f"#{self.pk} — {self.proposal_id}"

    def get_absolute_url(self) -> str:
        return f"{self.proposal.get_absolute_url()}#commentaire-{self.pk}"

    @property
    def college_label(self) -> str:
        return str(College(self.author_college).label) if self.author_college else ""

    @property
    def counts(self) -> bool:
        """Whether the comment is in ``proposal.comment_count``."""
        return not (self.is_deleted or self.is_hidden)


class StatusChange(models.Model):
    """One step of a proposal's life: who moved it, when, from where to where, and why."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="status_changes")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    old_status = models.CharField(
        _("ancien statut"), max_length=20, choices=ProposalStatus.choices, blank=True
    )
    new_status = models.CharField(
        _("nouveau statut"), max_length=20, choices=ProposalStatus.choices
    )
    reason = models.TextField(_("motif"), blank=True)
    created_at = models.DateTimeField(_("date"), auto_now_add=True)

    class Meta:
        verbose_name = _("changement de statut")
        verbose_name_plural = _("changements de statut")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.proposal_id}: {self.old_status or '—'} → {self.new_status}"

    @property
    def old_label(self) -> str:
        return str(ProposalStatus(self.old_status).label) if self.old_status else ""

    @property
    def new_label(self) -> str:
        return str(ProposalStatus(self.new_status).label)


class ReportStatus(models.TextChoices):
    OPEN = "open", _("À traiter")
    ACTIONED = "actioned", _("Contenu masqué")
    DISMISSED = "dismissed", _("Classé sans suite")


class ReportQuerySet(models.QuerySet):
    """Reports of content; the moderation queue shows the open ones."""

    def open(self) -> ReportQuerySet:
        return self.filter(status=ReportStatus.OPEN)


class Report(models.Model):
    """A signed-in person flags a proposal or a comment to the moderators."""

    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="proposal_reports"
    )
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="reports")
    comment = models.ForeignKey(
        Comment, on_delete=models.CASCADE, null=True, blank=True, related_name="reports"
    )
    reason = models.TextField(_("motif du signalement"))
    status = models.CharField(
        max_length=10, choices=ReportStatus.choices, default=ReportStatus.OPEN, db_index=True
    )
    created_at = models.DateTimeField(_("date"), auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = ReportQuerySet.as_manager()

    class Meta:
        verbose_name = _("signalement")
        verbose_name_plural = _("signalements")
        ordering = ["created_at"]
        constraints = [
            # One open report per person and per piece of content.
            models.UniqueConstraint(
                fields=["reporter", "proposal"],
                condition=Q(status="open", comment__isnull=True),
                name="report_open_proposal_unique",
            ),
            models.UniqueConstraint(
                fields=["reporter", "comment"],
                condition=Q(status="open", comment__isnull=False),
                name="report_open_comment_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_status_display()} #{self.proposal_id}"

    @property
    def target(self) -> Proposal | Comment:
        return self.comment if self.comment_id else self.proposal


class ModerationVerb(models.TextChoices):
    HIDE = "hide", _("Masquage")
    RESTORE = "restore", _("Rétablissement")
    DISMISS = "dismiss", _("Signalement classé")


class ModerationAction(models.Model):
    """What a moderator did, on what, and why: the public trace of moderation."""

    moderator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    verb = models.CharField(max_length=10, choices=ModerationVerb.choices)
    proposal = models.ForeignKey(
        Proposal, on_delete=models.CASCADE, related_name="moderation_actions"
    )
    comment = models.ForeignKey(
        Comment, on_delete=models.CASCADE, null=True, blank=True, related_name="moderation_actions"
    )
    reason = models.TextField(_("motif"))
    created_at = models.DateTimeField(_("date"), auto_now_add=True)

    class Meta:
        verbose_name = _("action de modération")
        verbose_name_plural = _("actions de modération")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_verb_display()} #{self.proposal_id}"
