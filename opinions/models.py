"""The opinion map: a question, short statements, agree/disagree/pass votes, and the
analysis of those votes (opinion groups, representative statements, consensus)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.models import College
from opinions.rules import can_manage_any

STATEMENT_MAX = 140


class VoteValue(models.IntegerChoices):
    AGREE = 1, _("D'accord")
    DISAGREE = -1, _("Pas d'accord")
    PASS = 0, _("Je passe")


class ConversationQuerySet(models.QuerySet):
    def visible_to(self, user) -> ConversationQuerySet:
        """Published conversations for everyone; unpublished ones for their author and
        for facilitators and moderators."""
        if can_manage_any(user):
            return self
        published = models.Q(is_published=True)
        if user is not None and user.is_authenticated:
            published |= models.Q(created_by=user)
        return self.filter(published)


class Conversation(models.Model):
    """A question put to participants, who write statements and vote on each other's."""

    question = models.CharField(_("question"), max_length=300)
    description = models.TextField(_("présentation"), blank=True)
    axis = models.ForeignKey(
        "proposals.Axis",
        verbose_name=_("axe"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="conversations",
    )
    workshop = models.ForeignKey(
        "workshops.Workshop",
        verbose_name=_("atelier"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="conversations",
    )
    is_published = models.BooleanField(_("publiée"), default=True)
    is_open = models.BooleanField(
        _("ouverte"), default=True, help_text=_("On peut encore écrire et voter.")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("créée par"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # Where an imported conversation came from ("polis:<url>"), empty otherwise.
    external_source = models.CharField(_("source externe"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)

    objects = ConversationQuerySet.as_manager()

    class Meta:
        verbose_name = _("carte des opinions")
        verbose_name_plural = _("cartes des opinions")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.question

    def get_absolute_url(self) -> str:
        return reverse("opinions:detail", kwargs={"pk": self.pk})


class ConversationParticipant(models.Model):
    """Someone who wrote or voted in a conversation (their college as declared then)."""

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="participants"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="opinion_participations"
    )
    college = models.CharField(_("collège"), max_length=20, choices=College.choices)
    # "polis:<participant>" for an imported participant, empty otherwise.
    external_id = models.CharField(_("identifiant externe"), max_length=80, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("participant·e")
        verbose_name_plural = _("participant·es")
        constraints = [
            models.UniqueConstraint(
                fields=["conversation", "user"], name="opinion_participant_unique"
            )
        ]

    def __str__(self) -> str:
        return self.external_id or f"#{self.pk}"

    @property
    def public_key(self) -> str:
        """How the staff command names a participant: the external id, else the row id."""
        return self.external_id or str(self.pk)


class StatementQuerySet(models.QuerySet):
    def shown(self) -> StatementQuerySet:
        return self.filter(is_hidden=False)


class Statement(models.Model):
    """A short statement (≤ 140 characters) others vote on; moderated as ideas are."""

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="statements"
    )
    author = models.ForeignKey(
        ConversationParticipant,
        verbose_name=_("auteur·rice"),
        on_delete=models.CASCADE,
        related_name="statements",
    )
    # The services hold written statements to STATEMENT_MAX; imported ones keep their text.
    text = models.CharField(_("texte"), max_length=1000)
    is_hidden = models.BooleanField(_("masqué"), default=False, db_index=True)
    hidden_reason = models.TextField(_("motif du masquage"), blank=True)
    external_id = models.CharField(_("identifiant externe"), max_length=80, blank=True)
    client_key = models.CharField(_("clé client"), max_length=64, blank=True, default="")
    # Counters kept by the vote service: the next statement is the least voted.
    vote_count = models.PositiveIntegerField(_("votes"), default=0)
    proposal = models.ForeignKey(
        "proposals.Proposal",
        verbose_name=_("devenu la proposition"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="opinion_statements",
    )
    # What the votes said when it became a proposal (by group and by college).
    provenance = models.JSONField(_("provenance"), default=dict, blank=True)
    created_at = models.DateTimeField(_("écrit le"), auto_now_add=True)

    objects = StatementQuerySet.as_manager()

    class Meta:
        verbose_name = _("affirmation")
        verbose_name_plural = _("affirmations")
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["conversation", "vote_count"], name="statement_least_voted")
        ]

    def __str__(self) -> str:
        return self.text


class StatementVote(models.Model):
    """One participant's current vote on one statement (a new vote replaces it)."""

    statement = models.ForeignKey(Statement, on_delete=models.CASCADE, related_name="votes")
    participant = models.ForeignKey(
        ConversationParticipant, on_delete=models.CASCADE, related_name="votes"
    )
    value = models.SmallIntegerField(_("vote"), choices=VoteValue.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("vote sur une affirmation")
        verbose_name_plural = _("votes sur les affirmations")
        constraints = [
            models.UniqueConstraint(
                fields=["statement", "participant"], name="statement_vote_unique"
            )
        ]
        # Covering index: the analysis reads every vote of a conversation from the index alone.
        indexes = [
            models.Index(fields=["statement", "participant", "value"], name="statement_vote_matrix")
        ]

    def __str__(self) -> str:
        return f"{self.participant_id} → {self.statement_id}: {self.value}"


class Analysis(models.Model):
    """The latest analysis of a conversation, recomputed in the background."""

    conversation = models.OneToOneField(
        Conversation, on_delete=models.CASCADE, related_name="analysis"
    )
    result = models.JSONField(default=dict)
    # What the next update starts from (who is in, PCA axes, clusters, k smoother).
    state = models.JSONField(default=dict)
    votes_seen = models.PositiveIntegerField(default=0)
    duration_ms = models.PositiveIntegerField(default=0)
    version = models.PositiveIntegerField(default=0)
    computed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("analyse")
        verbose_name_plural = _("analyses")

    def __str__(self) -> str:
        return f"{self.conversation_id} v{self.version}"
