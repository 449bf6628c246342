"""Vote sessions, their options and secret ballots.

A ballot links a voter to a session only so that the database can refuse a
second ballot (``ballot_unique_per_voter``) and let its owner change it while
the session is open. Only ``votes.services`` (the constraint's upsert) and
``votes.selectors.own_ballot`` (voters seeing their own ballot) read that link:
results are aggregates (``BallotChoice`` and ``AnswerWord`` grouped by option,
grade or word, and by the college the voter declared when voting).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import College
from workshops.models import Workshop


class Method(models.TextChoices):
    SUPPORT = "support", _("Soutien (approbation)")
    DOTS = "dots", _("Vote par gommettes")
    MAJORITY_JUDGMENT = "majority_judgment", _("Jugement majoritaire")
    POLL = "poll", _("Sondage express")
    OPEN_QUESTION = "open_question", _("Question ouverte (nuage de mots)")


class SessionState(models.TextChoices):
    DRAFT = "draft", _("Brouillon")
    OPEN = "open", _("Ouvert")
    CLOSED = "closed", _("Clos")
    PUBLISHED = "published", _("Publié")


class Reveal(models.TextChoices):
    LIVE = "live", _("En direct")
    AT_CLOSE = "at_close", _("À la clôture")


# The French majority judgment scale, index 0 = worst (the tally's convention).
MJ_GRADES: list[tuple[int, str]] = [
    (0, _("À rejeter")),
    (1, _("Insuffisant")),
    (2, _("Passable")),
    (3, _("Assez bien")),
    (4, _("Bien")),
    (5, _("Très bien")),
    (6, _("Excellent")),
]
MJ_GRADE_LABELS = dict(MJ_GRADES)
ANSWER_MAX_LENGTH = 120


class VoteSessionQuerySet(models.QuerySet):
    """Vote sessions, by where they are attached and what a visitor may see."""

    def for_workshop(self, workshop) -> VoteSessionQuerySet:
        return self.filter(workshop=workshop)

    def on_board(self) -> VoteSessionQuerySet:
        return self.filter(workshop__isnull=True)

    def not_draft(self) -> VoteSessionQuerySet:
        return self.exclude(state=SessionState.DRAFT)

    def publicly_visible(self) -> VoteSessionQuerySet:
        """Sessions anyone may see: not drafts, on the board or in a publicly visible workshop
        (``votes.rules.can_view`` for an anonymous visitor)."""
        return self.not_draft().filter(
            Q(workshop__isnull=True) | Q(workshop__in=Workshop.objects.publicly_visible())
        )

    def results_revealed(self) -> VoteSessionQuerySet:
        """Sessions whose results are out (``VoteSession.results_are_revealed`` as a query)."""
        return self.filter(
            Q(state=SessionState.PUBLISHED)
            | (
                ~Q(state=SessionState.DRAFT)
                & (Q(reveal=Reveal.LIVE) | Q(revealed_at__isnull=False))
            )
        )

    def results_public(self) -> VoteSessionQuerySet:
        """Sessions whose results anyone may read: the rule the results page and the API's
        ``results_hidden`` answer apply to an anonymous visitor. Exports, feeds, summaries
        and every public list read vote results through this, and only this."""
        return self.publicly_visible().results_revealed()

    def current(self) -> VoteSessionQuerySet:
        """Open sessions first, then the latest closed or published ones."""
        return self.not_draft().order_by(
            models.Case(models.When(state=SessionState.OPEN, then=0), default=1),
            "-opened_at",
            "-id",
        )


class VoteSession(models.Model):
    """One vote: a question, a method, options, and a state (draft → open → closed → published)."""

    title = models.CharField(_("titre"), max_length=200)
    question = models.TextField(_("question posée"), blank=True)
    method = models.CharField(_("méthode"), max_length=20, choices=Method.choices)
    state = models.CharField(
        _("état"),
        max_length=10,
        choices=SessionState.choices,
        default=SessionState.DRAFT,
        db_index=True,
    )
    reveal = models.CharField(
        _("affichage des résultats"), max_length=10, choices=Reveal.choices, default=Reveal.LIVE
    )
    # A live workshop session, or a board session (optionally on one axis) with dates.
    workshop = models.ForeignKey(
        "workshops.Workshop",
        verbose_name=_("atelier"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="vote_sessions",
    )
    axis = models.ForeignKey(
        "proposals.Axis",
        verbose_name=_("axe"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="vote_sessions",
    )
    starts_at = models.DateTimeField(_("ouverture"), null=True, blank=True)
    ends_at = models.DateTimeField(_("clôture prévue"), null=True, blank=True)
    max_choices = models.PositiveSmallIntegerField(
        _("nombre maximal de choix"),
        null=True,
        blank=True,
        help_text=_("Soutien : laisser vide pour autoriser autant de choix que d'options."),
    )
    dot_budget = models.PositiveSmallIntegerField(_("gommettes par personne"), default=5)
    dot_cap = models.PositiveSmallIntegerField(_("gommettes maximum par option"), default=3)
    hidden_words = models.JSONField(_("mots masqués"), default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    opened_at = models.DateTimeField(_("ouvert le"), null=True, blank=True)
    closed_at = models.DateTimeField(_("clos le"), null=True, blank=True)
    revealed_at = models.DateTimeField(_("résultats dévoilés le"), null=True, blank=True)
    published_at = models.DateTimeField(_("publié le"), null=True, blank=True)

    objects = VoteSessionQuerySet.as_manager()

    class Meta:
        verbose_name = _("vote")
        verbose_name_plural = _("votes")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(workshop__isnull=False)
                | Q(starts_at__isnull=False, ends_at__isnull=False),
                name="vote_session_board_has_dates",
            ),
            models.CheckConstraint(
                condition=Q(starts_at__isnull=True)
                | Q(ends_at__isnull=True)
                | Q(starts_at__lt=models.F("ends_at")),
                name="vote_session_dates_in_order",
            ),
            models.CheckConstraint(
                condition=Q(dot_budget__gte=1, dot_cap__gte=1), name="vote_session_dots_positive"
            ),
            models.CheckConstraint(
                condition=Q(max_choices__isnull=True) | Q(max_choices__gte=1),
                name="vote_session_max_choices_positive",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("votes:detail", kwargs={"pk": self.pk})

    @property
    def is_board(self) -> bool:
        return self.workshop_id is None

    def accepts_ballots(self, now=None) -> bool:
        """Open, and (for a board session) within its dates."""
        if self.state != SessionState.OPEN:
            return False
        now = now or timezone.now()
        if self.starts_at and now < self.starts_at:
            return False
        return not (self.ends_at and now >= self.ends_at)

    @property
    def results_are_revealed(self) -> bool:
        """Results out for everyone who can see the session: published, or not a draft and
        shown live or revealed by a facilitator (« à la clôture »). The same rule as
        ``VoteSessionQuerySet.results_revealed``."""
        if self.state == SessionState.PUBLISHED:
            return True
        if self.state == SessionState.DRAFT:
            return False
        return self.reveal == Reveal.LIVE or self.revealed_at is not None

    @property
    def is_finished(self) -> bool:
        return self.state in (SessionState.CLOSED, SessionState.PUBLISHED)


class VoteOption(models.Model):
    """A choice on the ballot: a proposal (e.g. a shortlisted one) or a free label."""

    session = models.ForeignKey(VoteSession, on_delete=models.CASCADE, related_name="options")
    proposal = models.ForeignKey(
        "proposals.Proposal",
        verbose_name=_("proposition"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="vote_options",
    )
    label = models.CharField(_("intitulé"), max_length=200)
    # A group of ideas of the workshop's wall: its ideas, listed under the label (plain text,
    # one per line); the group is kept for the provenance (its ideas, their authors).
    description = models.TextField(_("description"), blank=True, default="")
    idea_group = models.ForeignKey(
        "workshops.IdeaGroup",
        verbose_name=_("groupe d'idées"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="vote_options",
    )
    order = models.PositiveSmallIntegerField(_("ordre"), default=0)

    class Meta:
        verbose_name = _("option")
        verbose_name_plural = _("options")
        ordering = ["order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "proposal"],
                condition=Q(proposal__isnull=False),
                name="vote_option_proposal_once",
            )
        ]

    def __str__(self) -> str:
        return self.label


class Ballot(models.Model):
    """One voter's ballot in one session; replaced in place when changed.

    Secret: no page, API, export, socket message or admin list reads
    ``voter`` together with the choices; it exists for the uniqueness
    constraint and for showing the voters their own ballot.
    """

    session = models.ForeignKey(VoteSession, on_delete=models.CASCADE, related_name="ballots")
    # SET_NULL: deleting an account unlinks the ballot; closed results never change.
    voter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    college = models.CharField(_("collège"), max_length=20, choices=College.choices)
    answer = models.CharField(_("réponse"), max_length=ANSWER_MAX_LENGTH, blank=True)
    answer_hidden = models.BooleanField(_("réponse masquée"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("bulletin")
        verbose_name_plural = _("bulletins")
        constraints = [
            models.UniqueConstraint(fields=["session", "voter"], name="ballot_unique_per_voter")
        ]
        indexes = [models.Index(fields=["session", "college"])]

    def __str__(self) -> str:
        return str(_("Bulletin n° %(pk)s") % {"pk": self.pk})


class BallotChoice(models.Model):
    """What a ballot gives an option: 1 (support, poll), a number of dots, or a grade (0–6)."""

    ballot = models.ForeignKey(Ballot, on_delete=models.CASCADE, related_name="choices")
    # Denormalised so that a tally is one GROUP BY on an index, without a join.
    session = models.ForeignKey(VoteSession, on_delete=models.CASCADE, related_name="+")
    option = models.ForeignKey(VoteOption, on_delete=models.CASCADE, related_name="+")
    # The ballot's college, copied so that results by college need no join either.
    college = models.CharField(max_length=20, choices=College.choices)
    value = models.PositiveSmallIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["ballot", "option"], name="ballot_choice_once"),
            models.CheckConstraint(
                condition=Q(value__gte=0, value__lte=100), name="ballot_choice_value_range"
            ),
        ]
        indexes = [models.Index(fields=["session", "option", "value"])]

    def __str__(self) -> str:
        return f"{self.option_id}: {self.value}"


class AnswerWord(models.Model):
    """A normalised word of an open answer, counted once per ballot in the word cloud."""

    ballot = models.ForeignKey(Ballot, on_delete=models.CASCADE, related_name="words")
    session = models.ForeignKey(VoteSession, on_delete=models.CASCADE, related_name="+")
    word = models.CharField(max_length=60)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["ballot", "word"], name="answer_word_once_per_ballot")
        ]
        indexes = [models.Index(fields=["session", "word"])]

    def __str__(self) -> str:
        return self.word
