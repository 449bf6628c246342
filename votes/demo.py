"""Demo votes: a closed, published majority-judgment vote on the live demo workshop's ideas.

Ballots are cast through ``votes.services`` by the demo participants, so the
results shown are computed exactly as in a real session. Idempotent: the
session is found by its title on the workshop and completed if it is not yet.
"""

from __future__ import annotations

import random

from votes.models import Method, Reveal, SessionState, VoteSession
from votes.services.ballots import ballot_cast
from votes.services.creation import session_create
from votes.services.lifecycle import session_close, session_open, session_publish, session_reveal
from workshops.models import Participant, ParticipantRole

TITLE = "Quelles idées porter en priorité devant le Codev ?"
QUESTION = (
    "Pour chacune des idées retenues en atelier, quelle mention lui donnez-vous ? "
    "Une idée sans mention compte « À rejeter »."
)
MAX_OPTIONS = 6


def _grades_for(voter_key: str, option_index: int, options: int) -> int:
    """A plausible, reproducible grade: earlier ideas (the most discussed) fare a little better."""
    rnd = random.Random(f"{voter_key}:{option_index}")  # demo data
    bias = 1.5 * (options - option_index) / options
    return max(0, min(6, round(rnd.gauss(3 + bias, 1.4))))


def seed(ctx: dict) -> None:
    workshop = ctx.get("live_workshop")
    ideas = list(ctx.get("live_ideas") or [])
    facilitator = ctx.get("facilitator")
    if workshop is None or len(ideas) < 2 or facilitator is None:
        return  # the workshops demo has no live workshop: nothing to vote on
    if not workshop.facilitators.filter(pk=facilitator.pk).exists():
        workshop.facilitators.add(facilitator)

    session = VoteSession.objects.filter(workshop=workshop, title=TITLE).first()
    if session is None:
        session = session_create(
            actor=facilitator,
            title=TITLE,
            question=QUESTION,
            method=Method.MAJORITY_JUDGMENT,
            reveal=Reveal.AT_CLOSE,
            workshop=workshop,
            proposals=ideas[:MAX_OPTIONS],
        )
    if session.state == SessionState.DRAFT:
        session = session_open(session=session, actor=facilitator)
    if session.state == SessionState.OPEN:
        _cast_demo_ballots(session, workshop, ctx)
        session = session_close(session=session, actor=facilitator)
    if session.state == SessionState.CLOSED:
        session = session_reveal(session=session, actor=facilitator)
        session = session_publish(session=session, actor=facilitator)
    ctx["demo_vote_session"] = session


def _cast_demo_ballots(session: VoteSession, workshop, ctx: dict) -> None:
    # The demo people join the room (as they would with its code) if the workshops demo didn't.
    for user in (ctx.get("users") or {}).values():
        if user.is_facilitator or user.is_codev_editor:
            continue
        Participant.objects.get_or_create(
            workshop=workshop,
            user=user,
            defaults={"college": user.college, "role": ParticipantRole.PARTICIPANT},
        )
    options = list(session.options.order_by("order", "id").values_list("id", flat=True))
    voters = (
        Participant.objects.filter(
            workshop=workshop, removed_at__isnull=True, role=ParticipantRole.PARTICIPANT
        )
        .select_related("user")
        .order_by("id")
    )
    for participant in voters:
        key = participant.user.username
        choices = {
            option_id: _grades_for(key, i, len(options))
            for i, option_id in enumerate(options)
            # Some leave an idea ungraded: it counts as « À rejeter ».
            if random.Random(f"{key}:skip:{i}").random() > 0.1
        }
        if choices:
            ballot_cast(session=session, voter=participant.user, choices=choices)
