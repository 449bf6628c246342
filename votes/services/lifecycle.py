"""A session's life after its creation: open, close (also by the calendar), reveal, publish.

Each change is audited and broadcast to the workshop's room (``session_public_data``
and, when they are out, the results).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.services import audit_record
from project.errors import DomainError, PermissionDeniedError
from realtime.broadcast import broadcast_on_commit
from votes import rules, selectors
from votes.models import Method, SessionState, VoteOption, VoteSession
from votes.results import results_compute


def _broadcast(
    session: VoteSession, event_type: str, data: dict, *, audience: str = "room"
) -> None:
    if session.workshop_id is None:
        return
    broadcast_on_commit(session.workshop_id, event_type, data, audience=audience)


def session_public_data(session: VoteSession) -> dict[str, Any]:
    """What every participant may know about a session (no results)."""
    return {
        "id": session.pk,
        "title": session.title,
        "question": session.question,
        "method": session.method,
        "state": session.state,
        "reveal": session.reveal,
        "max_choices": session.max_choices,
        "dot_budget": session.dot_budget,
        "dot_cap": session.dot_cap,
        "starts_at": session.starts_at,
        "ends_at": session.ends_at,
        "results_revealed": rules.results_revealed(session),
        "options": [
            {
                "id": o["id"],
                "label": o["label"],
                "proposal": o["proposal_id"],
                "description": o["description"],
            }
            for o in VoteOption.objects.filter(session=session)
            .order_by("order", "id")
            .values("id", "label", "proposal_id", "description")
        ]
        if session.method != Method.OPEN_QUESTION
        else [],
    }


def locked_session(session: VoteSession) -> VoteSession:
    """The session's row again, locked until the end of the transaction."""
    return (
        VoteSession.objects.select_for_update(of=("self",))
        .select_related("workshop")
        .get(pk=session.pk)
    )


def _transition(
    *, session: VoteSession, actor, allowed_from: tuple[str, ...], message: str
) -> VoteSession:
    if not rules.can_manage(actor, session):
        raise PermissionDeniedError(
            "forbidden", _("Seul·es les animateur·rices de ce vote peuvent le gérer.")
        )
    locked = locked_session(session)
    if locked.state not in allowed_from:
        raise DomainError("invalid_state", message, state=locked.state)
    return locked


@transaction.atomic
def session_open(*, session: VoteSession, actor, request=None) -> VoteSession:
    locked = _transition(
        session=session,
        actor=actor,
        allowed_from=(SessionState.DRAFT,),
        message=_("Seul un vote en brouillon peut être ouvert."),
    )
    locked.state = SessionState.OPEN
    locked.opened_at = timezone.now()
    locked.save(update_fields=["state", "opened_at"])
    audit_record(actor=actor, action="vote.opened", target=locked, request=request)
    _broadcast(locked, "vote.opened", session_public_data(locked))
    return locked


@transaction.atomic
def session_close(*, session: VoteSession, actor, request=None) -> VoteSession:
    """Close for good: from now on every ballot is refused."""
    locked = _transition(
        session=session,
        actor=actor,
        allowed_from=(SessionState.OPEN,),
        message=_("Ce vote n'est pas ouvert : il ne peut pas être clos."),
    )
    locked.state = SessionState.CLOSED
    locked.closed_at = timezone.now()
    locked.save(update_fields=["state", "closed_at"])
    ballots = selectors.ballot_count(locked)
    audit_record(
        actor=actor, action="vote.closed", target=locked, data={"ballots": ballots}, request=request
    )
    data = {**session_public_data(locked), "turnout": selectors.turnout(locked)}
    if rules.results_revealed(locked):
        data["results"] = results_compute(locked).as_dict()
    _broadcast(locked, "vote.closed", data)
    return locked


def session_close_if_due(*, session: VoteSession) -> VoteSession:
    """Close a board session whose end date has passed (on the first read after it).

    Ballots are already refused after ``ends_at``; this makes the state say
    so, and records it in the audit log as a close by nobody (the calendar).
    """
    if (
        session.state != SessionState.OPEN
        or not session.ends_at
        or timezone.now() < session.ends_at
    ):
        return session
    with transaction.atomic():
        locked = locked_session(session)
        if locked.state != SessionState.OPEN:
            return locked
        locked.state = SessionState.CLOSED
        locked.closed_at = locked.ends_at
        locked.save(update_fields=["state", "closed_at"])
        audit_record(
            actor=None,
            action="vote.closed",
            target=locked,
            data={"ballots": selectors.ballot_count(locked), "automatic": True},
        )
        data = {**session_public_data(locked), "turnout": selectors.turnout(locked)}
        _broadcast(locked, "vote.closed", data)
    return locked


def session_for_user(user, pk: int, *, manage: bool = False) -> VoteSession:
    """A session loaded for use by a page or the API: the look-up (404/403,
    ``selectors.get_session_for_user``), then the close a passed end date is owed.

    A board session past its end date reads as closed, whoever looks first.
    """
    session = selectors.get_session_for_user(user, pk, manage=manage)
    return session_close_if_due(session=session)


@transaction.atomic
def session_reveal(*, session: VoteSession, actor, request=None) -> VoteSession:
    """Show the results of a closed « à la clôture » session to the room."""
    locked = _transition(
        session=session,
        actor=actor,
        allowed_from=(SessionState.CLOSED, SessionState.PUBLISHED),
        message=_("Les résultats se dévoilent une fois le vote clos."),
    )
    if locked.revealed_at is None:
        locked.revealed_at = timezone.now()
        locked.save(update_fields=["revealed_at"])
        audit_record(actor=actor, action="vote.revealed", target=locked, request=request)
        _broadcast(
            locked,
            "vote.revealed",
            {**session_public_data(locked), "results": results_compute(locked).as_dict()},
        )
    return locked


@transaction.atomic
def session_publish(*, session: VoteSession, actor, request=None) -> VoteSession:
    """Make the results public on the platform (and revealed to the room)."""
    locked = _transition(
        session=session,
        actor=actor,
        allowed_from=(SessionState.CLOSED,),
        message=_("Seul un vote clos peut être publié."),
    )
    now = timezone.now()
    locked.state = SessionState.PUBLISHED
    locked.published_at = now
    locked.revealed_at = locked.revealed_at or now
    locked.save(update_fields=["state", "published_at", "revealed_at"])
    audit_record(actor=actor, action="vote.published", target=locked, request=request)
    _broadcast(
        locked,
        "vote.published",
        {**session_public_data(locked), "results": results_compute(locked).as_dict()},
    )
    return locked
