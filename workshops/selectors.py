"""Reads on workshops, with the permission checks every page, API call and socket shares."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Exists, OuterRef
from django.utils.translation import gettext as _

from project.errors import NotFoundError, PermissionDeniedError
from workshops import rules
from workshops.models import Participant, Workshop


@dataclass
class RoomAccess:
    workshop: Workshop
    participant: Participant | None
    is_facilitator: bool


def participant_for(user, workshop: Workshop) -> Participant | None:
    if not (user and user.is_authenticated):
        return None
    return Participant.objects.filter(workshop=workshop, user=user).first()


def _facilitates(user, workshop_ref) -> Exists:
    return Exists(
        Workshop.facilitators.through.objects.filter(workshop_id=workshop_ref, user_id=user.pk)
    )


def get_workshop_for_user(user, slug: str) -> RoomAccess:
    """The workshop ``slug`` as ``user`` may see it; NotFoundError/PermissionDeniedError otherwise.

    A private workshop answers "not found" to outsiders (its existence is private too);
    a participant removed by a facilitator is refused.
    """
    authenticated = bool(user and user.is_authenticated)
    workshop = participant = None
    if authenticated:
        # One query for the usual case — a participant opening their room (sockets connect
        # by the hundred when a room fills up): their participation, the workshop, and
        # whether they facilitate it.
        participant = (
            Participant.objects.select_related("workshop")
            .filter(user=user, workshop__slug=slug)
            .annotate(_user_facilitates=_facilitates(user, OuterRef("workshop_id")))
            .first()
        )
        if participant is not None:
            workshop = participant.workshop
            workshop._user_facilitates = participant._user_facilitates
            workshop._user_facilitates_for = user.pk
    if workshop is None:
        qs = Workshop.objects.filter(slug=slug)
        if authenticated:
            qs = qs.annotate(_user_facilitates=_facilitates(user, OuterRef("pk")))
        workshop = qs.first()
        if workshop is None:
            raise NotFoundError(_("Cet atelier n'existe pas."))
        if authenticated:
            workshop._user_facilitates_for = user.pk
    if not rules.can_see_workshop(user, workshop, participant):
        if participant is not None and participant.removed_at is not None:
            raise PermissionDeniedError(
                _("Vous avez été retiré·e de cet atelier par l'équipe d'animation."),
                code="removed",
            )
        raise NotFoundError(_("Cet atelier n'existe pas."))
    return RoomAccess(
        workshop=workshop,
        participant=participant,
        is_facilitator=rules.is_workshop_facilitator(user, workshop),
    )


def room_ideas(workshop: Workshop, *, facilitator: bool) -> list:
    """The ideas of the room, newest first, with their reaction counts (2 queries)."""
    from django.db.models import Count, Q

    from proposals.models import Proposal
    from workshops.models import ReactionKind

    qs = (
        Proposal.objects.filter(origin_workshop=workshop, merged_into__isnull=True)
        .select_related("author", "axis")
        .annotate(
            **{
                f"n_{kind}": Count("reactions", filter=Q(reactions__kind=kind))
                for kind in ReactionKind.values
            }
        )
        .order_by("-created_at", "-pk")
    )
    if not facilitator:
        qs = qs.filter(is_hidden=False)
    ideas = list(qs)
    for idea in ideas:
        idea.reaction_list = [
            (kind, label, getattr(idea, f"n_{kind}")) for kind, label in ReactionKind.choices
        ]
    return ideas


def participant_counts(workshop: Workshop) -> dict:
    """« inscrit·es à l'atelier » (workshops.figures), by college and by attendance (1 query)."""
    from django.db.models import Count

    from workshops.figures import REGISTERED_Q

    rows = (
        Participant.objects.filter(REGISTERED_Q, workshop=workshop)
        .values("college", "attendance")
        .annotate(n=Count("pk"))
    )
    colleges: dict[str, int] = {}
    attendance: dict[str, int] = {}
    for row in rows:
        colleges[row["college"]] = colleges.get(row["college"], 0) + row["n"]
        attendance[row["attendance"]] = attendance.get(row["attendance"], 0) + row["n"]
    return {"total": sum(colleges.values()), "colleges": colleges, "attendance": attendance}


def workshops_for_list(user) -> dict:
    """Live and upcoming workshops the user may see (1 query), split by state."""
    from django.db.models import Q

    from workshops.models import Visibility, WorkshopState

    qs = Workshop.objects.filter(state__in=[WorkshopState.SCHEDULED, WorkshopState.LIVE])
    if not (user and user.is_authenticated and user.is_superuser):
        visible = Q(visibility=Visibility.PUBLIC)
        if user and user.is_authenticated:
            visible |= Q(participants__user=user, participants__removed_at__isnull=True)
            visible |= Q(facilitators=user)
        qs = qs.filter(visible).distinct()
    workshops = list(qs.order_by("starts_at", "pk"))
    return {
        "live": [w for w in workshops if w.state == WorkshopState.LIVE],
        "upcoming": [w for w in workshops if w.state == WorkshopState.SCHEDULED],
    }
