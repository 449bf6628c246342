"""Reads on workshops, with the permission checks every page, API call and socket shares."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q
from django.utils.translation import gettext as _

from project.errors import NotFoundError, PermissionDeniedError
from proposals.models import Proposal, ProposalStatus
from workshops import rules
from workshops.figures import REGISTERED_Q
from workshops.models import (
    IdeaGroup,
    IdeaGroupMember,
    Participant,
    Phase,
    Reaction,
    ReactionKind,
    Workshop,
    WorkshopState,
)


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


def participation_with_user(user_id, slug: str) -> Participant | None:
    """The participation of user ``user_id`` in workshop ``slug`` with its user and workshop,
    annotated as ``get_workshop_for_user`` annotates it, in one query (or None): the room
    socket reads it before it knows the user, with the session's user id."""
    return (
        Participant.objects.select_related("workshop", "user")
        .filter(user_id=user_id, workshop__slug=slug)
        .annotate(
            _user_facilitates=Exists(
                Workshop.facilitators.through.objects.filter(
                    workshop_id=OuterRef("workshop_id"), user_id=user_id
                )
            )
        )
        .first()
    )


_UNREAD = object()


def get_workshop_for_user(user, slug: str, *, participation=_UNREAD) -> RoomAccess:
    """The workshop ``slug`` as ``user`` may see it; NotFoundError/PermissionDeniedError otherwise.

    A private workshop answers "not found" to outsiders (its existence is private too);
    a participant removed by a facilitator is refused.

    ``participation``: ``participation_with_user(user.pk, slug)`` when the caller has just
    read it (None: the user has none), instead of reading it again.
    """
    authenticated = bool(user and user.is_authenticated)
    workshop = participant = None
    if authenticated and participation is not _UNREAD:
        if participation is not None and participation.user_id == user.pk:
            participant = participation
            workshop = participant.workshop
            workshop._user_facilitates = participant._user_facilitates
            workshop._user_facilitates_for = user.pk
    elif authenticated:
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
            raise NotFoundError("not_found", _("Cet atelier n'existe pas."))
        if authenticated:
            workshop._user_facilitates_for = user.pk
    if not rules.can_see_workshop(user, workshop, participant):
        if participant is not None and participant.removed_at is not None:
            raise PermissionDeniedError(
                "removed", _("Vous avez été retiré·e de cet atelier par l'équipe d'animation.")
            )
        raise NotFoundError("not_found", _("Cet atelier n'existe pas."))
    return RoomAccess(
        workshop=workshop,
        participant=participant,
        is_facilitator=rules.is_workshop_facilitator(user, workshop),
    )


def get_workshop_for_facilitator(user, slug: str) -> RoomAccess:
    """``get_workshop_for_user``, and PermissionDeniedError to those who may see the workshop
    but do not facilitate it (the presenter console)."""
    access = get_workshop_for_user(user, slug)
    if not access.is_facilitator:
        raise PermissionDeniedError(
            "forbidden", _("Réservé à l'équipe d'animation de cet atelier.")
        )
    return access


def get_workshop_to_manage(user, slug: str, allowed) -> Workshop:
    """The workshop ``slug`` if ``allowed(user, workshop)`` (a rule: edit it, invite to it);
    PermissionDeniedError to those who can see it, NotFoundError to the others."""
    workshop = Workshop.objects.filter(slug=slug).first()
    if workshop is None:
        raise NotFoundError("not_found", _("Cet atelier n'existe pas."))
    if not allowed(user, workshop):
        if rules.can_see_workshop(user, workshop, participant_for(user, workshop)):
            raise PermissionDeniedError(
                "forbidden", _("Réservé à l'équipe d'animation de cet atelier.")
            )
        raise NotFoundError("not_found", _("Cet atelier n'existe pas."))
    return workshop


def room_ideas(workshop: Workshop, *, facilitator: bool) -> list:
    """The ideas of the room, newest first, with their reaction counts (2 queries)."""
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
    qs = Workshop.objects.filter(state__in=[WorkshopState.SCHEDULED, WorkshopState.LIVE])
    if not (user and user.is_authenticated and user.is_superuser):
        # The public rule (one queryset for every output), then what this person belongs to.
        visible = Q(pk__in=Workshop.objects.publicly_visible().values("pk"))
        if user and user.is_authenticated:
            visible |= Q(participants__user=user, participants__removed_at__isnull=True)
            visible |= Q(facilitators=user)
        qs = qs.filter(visible).distinct()
    workshops = list(qs.order_by("starts_at", "pk"))
    return {
        "live": [w for w in workshops if w.state == WorkshopState.LIVE],
        "upcoming": [w for w in workshops if w.state == WorkshopState.SCHEDULED],
    }


def grouping_panel(workshop: Workshop) -> dict:
    """The facilitator's grouping panel: the groups in order, each with its ideas, and the
    ideas of the wall in no group (3 queries, whatever the number of ideas)."""
    groups = list(IdeaGroup.objects.filter(workshop=workshop).order_by("position", "pk"))
    ideas = {
        p.pk: p
        for p in Proposal.objects.filter(
            origin_workshop=workshop, merged_into__isnull=True, is_hidden=False
        )
        .select_related("author")
        .only(
            "id",
            "title",
            "author_college",
            "created_at",
            "author__display_name",
            "author__first_name",
            "author__deleted_at",
        )
        .order_by("created_at", "pk")
    }
    by_group: dict[int, list] = {g.pk: [] for g in groups}
    grouped: set[int] = set()
    for proposal_id, group_id in (
        IdeaGroupMember.objects.filter(workshop=workshop)
        .order_by("added_at", "pk")
        .values_list("proposal_id", "group_id")
    ):
        if proposal_id in ideas and group_id in by_group:
            by_group[group_id].append(ideas[proposal_id])
            grouped.add(proposal_id)
    for group in groups:
        group.ideas = by_group[group.pk]
    return {
        "groups": groups,
        "ungrouped": [p for pk, p in ideas.items() if pk not in grouped],
    }


def _similarity():
    """``proposals.similarity``, imported on first use: it loads NumPy, SciPy and
    scikit-learn (~100 MB per process, 0.7 s on an idle core), which a process serving no
    similar ideas or suggested groups (most sockets and pages) never needs."""
    from proposals import similarity  # heavy: see the docstring

    return similarity


def similar_wall_ideas(workshop: Workshop, user, text: str, *, limit: int = 3) -> list:
    """Ideas of this wall (not hidden, not merged) like ``text``, best first, each marked
    ``agreed`` when ``user`` already gave it « D'accord » (3 queries)."""
    wall = Proposal.objects.filter(origin_workshop=workshop, is_hidden=False).exclude(
        status=ProposalStatus.MERGED
    )
    found = _similarity().similar_to(text, wall, limit=limit)
    if not found:
        return []
    scores = dict(found)
    ideas = sorted(wall.filter(pk__in=scores).select_related("axis"), key=lambda p: -scores[p.pk])
    agreed = set(
        Reaction.objects.filter(proposal__in=ideas, kind=ReactionKind.AGREE, user=user).values_list(
            "proposal_id", flat=True
        )
    )
    for idea in ideas:
        idea.agreed = idea.pk in agreed
    return ideas


def suggestion_key(idea_ids) -> str:
    """How a suggested group is named when the facilitator ignores it: its ideas' ids."""
    return "-".join(str(pk) for pk in sorted(int(pk) for pk in idea_ids))


def suggested_wall_groups(workshop: Workshop, *, ignored=()) -> list[dict]:
    """Groups the facilitator may make of this wall's ideas (not hidden, not merged, in no
    group yet), each with the words it rests on:
    ``[{"ideas": [Proposal, …], "words": […], "cohesion": …, "key": "12-15", "name": …}]``,
    largest first, leaving out those whose ``key`` is in ``ignored``. A suggestion only:
    nothing is grouped until the facilitator accepts it (2 queries)."""
    ideas = list(
        Proposal.objects.filter(origin_workshop=workshop, is_hidden=False)
        .exclude(status=ProposalStatus.MERGED)
        .exclude(idea_group_members__isnull=False)
        .only("pk", "title", "search_text")
        .order_by("pk")
    )
    by_id = {idea.pk: idea for idea in ideas}
    ignored = set(ignored)
    suggestions = []
    for group in _similarity().suggest_groups(ideas):
        key = suggestion_key(group.ids)
        if key in ignored:
            continue
        suggestions.append(
            {
                "ideas": [by_id[pk] for pk in group.ids],
                "words": group.words,
                "cohesion": group.cohesion,
                "key": key,
                # A name to start from: the words it rests on (the facilitator may edit it).
                "name": ", ".join(group.words).capitalize()[:120],
                "ids": ",".join(str(pk) for pk in group.ids),
            }
        )
    return suggestions


def phases_as_run(workshop: Workshop) -> list[Phase]:
    """The phases of ``workshop`` that ran (they started), in agenda order: what a summary's
    « Déroulé de l'atelier » shows. A phase never started (skipped, or the room closed
    before it) did not happen. One query."""
    return list(
        Phase.objects.filter(workshop=workshop, started_at__isnull=False).order_by("order", "pk")
    )
