from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
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


def is_publicly_visible(workshop) -> bool:
    """The rule « anyone may see this workshop »: public and past its draft.

    The same rule as ``WorkshopQuerySet.publicly_visible`` (a query) and the anonymous case of
    ``workshops.rules.can_see_workshop``; tests/security/test_public_outputs.py checks that the
    two agree on every visibility and state.
    """
    return workshop.visibility == Visibility.PUBLIC and workshop.state != WorkshopState.DRAFT


class WorkshopQuerySet(models.QuerySet):
    """Workshops, with the states that matter to a visitor."""

    def publicly_visible(self) -> WorkshopQuerySet:
        """What anyone may see: public workshops, drafts excluded. Every public output
        (lists, exports, feeds, summaries, the API) reads workshops through this."""
        return self.filter(visibility=Visibility.PUBLIC).exclude(state=WorkshopState.DRAFT)

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
    # Online and hybrid sessions.
    video_url = models.URLField(
        _("lien de visioconférence"),
        blank=True,
        help_text=_("Jitsi, BigBlueButton ou toute autre visio, pour les participant·es en ligne."),
    )
    livestream_url = models.URLField(
        _("diffusion en direct (intégration)"),
        blank=True,
        help_text=_("Adresse d'intégration de la retransmission des plénières."),
    )
    # The live room.
    current_phase = models.ForeignKey(
        "workshops.Phase",
        verbose_name=_("phase en cours"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    spotlight = models.ForeignKey(
        "proposals.Proposal",
        verbose_name=_("idée à l'écran"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    board_locked = models.BooleanField(_("mur d'idées verrouillé"), default=False)
    joins_closed = models.BooleanField(
        _("fermé aux nouvelles arrivées"),
        default=False,
        help_text=_(
            "Personne ne peut plus rejoindre l'atelier avec le code ; les présent·es restent."
        ),
    )
    started_at = models.DateTimeField(_("ouvert le"), null=True, blank=True)
    closed_at = models.DateTimeField(_("clos le"), null=True, blank=True)

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

    @property
    def is_public(self) -> bool:
        """Anyone may see it (``is_publicly_visible``), for templates."""
        return is_publicly_visible(self)

    @property
    def is_live(self) -> bool:
        return self.state == WorkshopState.LIVE

    @property
    def is_online(self) -> bool:
        return self.place in (Place.ONLINE, Place.HYBRID)


class PhaseKind(models.TextChoices):
    WELCOME = "welcome", _("Accueil")
    IDEATION = "ideation", _("Idéation")
    CLUSTERING = "clustering", _("Regroupement")
    DEBATE = "debate", _("Débat")
    VOTE = "vote", _("Vote")
    RESULTS = "results", _("Résultats")
    SYNTHESIS = "synthesis", _("Synthèse")
    # An opinion map (opinions.Conversation of this workshop, ``config["conversation"]``):
    # phones vote one statement at a time, the stage shows the map and the consensus.
    OPINIONS = "opinions", _("Carte des opinions")
    OTHER = "other", _("Autre")


DEFAULT_AGENDA = [
    (PhaseKind.WELCOME, 10),
    (PhaseKind.IDEATION, 20),
    (PhaseKind.CLUSTERING, 15),
    (PhaseKind.DEBATE, 25),
    (PhaseKind.VOTE, 10),
    (PhaseKind.SYNTHESIS, 10),
]


class Phase(models.Model):
    """A step of a workshop's agenda (its run sheet); ``started_at``/``ended_at`` keep it as it ran.

    The timer: running when ``timer_ends_at`` is set; paused with
    ``timer_remaining`` seconds left otherwise.

    A step can carry an activity prepared in advance (``workshops.steps``): a vote step
    (``kind=vote``) opens ``vote_session`` (a draft prepared with fixed options) or, when
    its options are the room's ideas, a session built from ``config`` when the step starts;
    a results step reveals the vote of the step before it. ``skipped_at``: passed over by
    « Étape suivante ».
    """

    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="phases")
    kind = models.CharField(_("type"), max_length=12, choices=PhaseKind.choices)
    title = models.CharField(_("titre"), max_length=120)
    order = models.PositiveSmallIntegerField(_("ordre"), default=0)
    planned_minutes = models.PositiveSmallIntegerField(_("durée prévue (minutes)"), default=15)
    started_at = models.DateTimeField(_("commencée le"), null=True, blank=True)
    ended_at = models.DateTimeField(_("terminée le"), null=True, blank=True)
    timer_ends_at = models.DateTimeField(_("fin du minuteur"), null=True, blank=True)
    timer_remaining = models.PositiveIntegerField(_("secondes restantes"), null=True, blank=True)
    instructions = models.CharField(_("consigne"), max_length=500, blank=True)
    config = models.JSONField(_("activité préparée"), default=dict, blank=True)
    vote_session = models.ForeignKey(
        "votes.VoteSession",
        verbose_name=_("vote préparé"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="steps",
    )
    skipped_at = models.DateTimeField(_("passée le"), null=True, blank=True)

    class Meta:
        verbose_name = _("phase")
        verbose_name_plural = _("phases")
        ordering = ["workshop", "order", "pk"]

    def __str__(self) -> str:
        return self.title

    @property
    def timer_running(self) -> bool:
        return self.timer_ends_at is not None

    def seconds_left(self, now=None) -> int:
        if self.timer_ends_at is not None:
            now = now or timezone.now()
            return max(0, int((self.timer_ends_at - now).total_seconds()))
        if self.timer_remaining is not None:
            return self.timer_remaining
        return self.planned_minutes * 60


class HandRaiseQuerySet(models.QuerySet):
    """Raised hands; ``waiting()`` is the queue, oldest first."""

    def waiting(self) -> HandRaiseQuerySet:
        return self.filter(taken_at__isnull=True, lowered_at__isnull=True).order_by(
            "raised_at", "pk"
        )


class HandRaise(models.Model):
    """A participant asking to speak; taken in order by a facilitator."""

    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="hands")
    participant = models.ForeignKey(
        "workshops.Participant", on_delete=models.CASCADE, related_name="hands"
    )
    raised_at = models.DateTimeField(_("levée le"), auto_now_add=True)
    taken_at = models.DateTimeField(_("prise le"), null=True, blank=True)
    lowered_at = models.DateTimeField(_("baissée le"), null=True, blank=True)

    objects = HandRaiseQuerySet.as_manager()

    class Meta:
        verbose_name = _("main levée")
        verbose_name_plural = _("mains levées")
        constraints = [
            # One waiting hand per participant.
            models.UniqueConstraint(
                fields=["participant"],
                condition=models.Q(taken_at__isnull=True, lowered_at__isnull=True),
                name="hand_one_waiting_per_participant",
            )
        ]

    def __str__(self) -> str:
        return f"{self.participant}"


class ReactionKind(models.TextChoices):
    AGREE = "agree", _("D'accord")
    STRONG = "strong", _("Idée forte")
    QUESTION = "question", _("Question")


class Reaction(models.Model):
    """A participant's quick reaction to an idea of the room (one per kind per person)."""

    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="reactions")
    proposal = models.ForeignKey(
        "proposals.Proposal", on_delete=models.CASCADE, related_name="reactions"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("réaction"), max_length=10, choices=ReactionKind.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("réaction")
        verbose_name_plural = _("réactions")
        constraints = [
            models.UniqueConstraint(
                fields=["proposal", "user", "kind"], name="reaction_unique_per_kind"
            )
        ]
        indexes = [models.Index(fields=["workshop", "proposal"])]

    def __str__(self) -> str:
        return f"{self.kind} on {self.proposal_id}"


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


class IdeaGroup(models.Model):
    """A named group of a workshop's ideas, made by its facilitators on the wall (clustering).

    A group can become one option of a vote (its ideas listed under it) and the source of a
    recommendation (each of its ideas linked, with the group's name kept on the link).
    """

    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="idea_groups")
    name = models.CharField(_("nom"), max_length=120)
    position = models.PositiveIntegerField(_("position"), default=0)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)

    class Meta:
        verbose_name = _("groupe d'idées")
        verbose_name_plural = _("groupes d'idées")
        ordering = ["workshop", "position", "pk"]

    def __str__(self) -> str:
        return self.name


class IdeaGroupMember(models.Model):
    """An idea in a group: an idea belongs to at most one group of its workshop."""

    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="+")
    group = models.ForeignKey(IdeaGroup, on_delete=models.CASCADE, related_name="members")
    proposal = models.ForeignKey(
        "proposals.Proposal", on_delete=models.CASCADE, related_name="idea_group_members"
    )
    added_at = models.DateTimeField(_("ajoutée le"), auto_now_add=True)

    class Meta:
        verbose_name = _("idée du groupe")
        verbose_name_plural = _("idées du groupe")
        ordering = ["group", "added_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["workshop", "proposal"], name="idea_group_member_one_group_per_idea"
            )
        ]

    def __str__(self) -> str:
        return f"{self.proposal_id} in {self.group_id}"
