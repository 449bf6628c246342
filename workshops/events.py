"""The data of the room's events: what the page shows, as JSON (one builder per event type).

The same dictionaries feed the templates' ``data-`` attributes and the socket,
so a change seen live and after a reload look the same.
"""

from __future__ import annotations

from django.db.models import Count

from accounts.models import College
from workshops.models import (
    HandRaise,
    IdeaGroup,
    IdeaGroupMember,
    Phase,
    Reaction,
    ReactionKind,
    Workshop,
)


def idea(proposal) -> dict:
    return {
        "id": proposal.pk,
        "title": proposal.title,
        "body_html": proposal.body_html,
        "axis": proposal.axis.short_title if proposal.axis_id else "",
        "author": proposal.author.public_name,
        "college": proposal.author_college,
        "college_label": str(_college_label(proposal.author_college)),
        "created_at": proposal.created_at,
        "url": proposal.get_absolute_url(),
    }


def _college_label(value: str) -> str:
    try:
        return College(value).label
    except ValueError:
        return value


def reaction_counts(proposal_id: int) -> dict[str, int]:
    counts = dict.fromkeys(ReactionKind.values, 0)
    for row in (
        Reaction.objects.filter(proposal_id=proposal_id).values("kind").annotate(n=Count("pk"))
    ):
        counts[row["kind"]] = row["n"]
    return counts


def timer(phase: Phase | None) -> dict:
    if phase is None:
        return {"phase": None, "running": False, "ends_at": None, "remaining": None}
    return {
        "phase": phase.pk,
        "running": phase.timer_running,
        "ends_at": phase.timer_ends_at,
        "remaining": phase.seconds_left(),
    }


def agenda(workshop: Workshop) -> dict:
    phases = list(workshop.phases.order_by("order", "pk"))
    current = next((p for p in phases if p.pk == workshop.current_phase_id), None)
    return {
        "current": workshop.current_phase_id,
        "phases": [
            {
                "id": p.pk,
                "title": p.title,
                "kind": p.kind,
                "planned_minutes": p.planned_minutes,
                "instructions": p.instructions,
                "skipped": p.skipped_at is not None,
                "vote_session": p.vote_session_id,
                "started_at": p.started_at,
                "ended_at": p.ended_at,
            }
            for p in phases
        ],
        "timer": timer(current),
    }


def state(workshop: Workshop) -> dict:
    return {
        "state": workshop.state,
        "label": str(workshop.get_state_display()),
        "board_locked": workshop.board_locked,
    }


def hands(workshop: Workshop, speaking: HandRaise | None = None) -> dict:
    queue = (
        HandRaise.objects.waiting().filter(workshop=workshop).select_related("participant__user")
    )
    data = {
        "queue": [
            {
                "id": h.pk,
                "participant": h.participant_id,
                "name": h.participant.user.public_name,
                "college": h.participant.college,
            }
            for h in queue
        ]
    }
    if speaking is not None:
        data["speaking"] = {
            "id": speaking.pk,
            "participant": speaking.participant_id,
            "name": speaking.participant.user.public_name,
        }
    return data


def idea_groups(workshop: Workshop | int) -> dict:
    """The workshop's groups of ideas, in order, each with its visible ideas (2 queries).

    The whole list (a room has a few groups): the payload of ``idea_groups.changed`` and the
    ``groups`` of the room's initial state, so a reload and a live update look the same.
    """
    workshop_id = workshop if isinstance(workshop, int) else workshop.pk
    groups = list(
        IdeaGroup.objects.filter(workshop_id=workshop_id)
        .order_by("position", "pk")
        .values_list("pk", "name", "position")
    )
    if not groups:
        return {"groups": []}
    ideas: dict[int, list[int]] = {pk: [] for pk, _name, _position in groups}
    for group_id, proposal_id in (
        IdeaGroupMember.objects.filter(
            workshop_id=workshop_id,
            proposal__is_hidden=False,
            proposal__merged_into__isnull=True,
        )
        .order_by("added_at", "pk")
        .values_list("group_id", "proposal_id")
    ):
        ideas.setdefault(group_id, []).append(proposal_id)
    return {
        "groups": [
            {"id": pk, "name": name, "position": position, "idea_ids": ideas[pk]}
            for pk, name, position in groups
        ]
    }
