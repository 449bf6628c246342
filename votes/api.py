"""Votes over the JSON API (/api/v1/vote-sessions/…), through the same services and rules as the pages.

Only aggregates leave: a session, the caller's own ballot state, the turnout,
and the results when the reveal mode allows.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from project.api_auth import api_auth, api_user
from project.errors import DomainError
from project.ids import Id
from votes import live, rules, selectors
from votes.services.ballots import ballot_cast
from votes.services.lifecycle import session_for_user, session_public_data

router = Router(tags=["votes"])


class OptionOut(Schema):
    id: int
    label: str
    proposal: int | None = None


class TurnoutOut(Schema):
    session: int
    voted: int
    present: int | None = None
    eligible: int | None = None


class SessionOut(Schema):
    id: int
    title: str
    question: str
    method: str
    state: str
    reveal: str
    max_choices: int | None = None
    dot_budget: int
    dot_cap: int
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    results_revealed: bool
    options: list[OptionOut]
    workshop: int | None = None
    turnout: TurnoutOut
    can_vote: bool
    has_voted: bool
    my_ballot: dict[str, Any] | None = None


class BallotIn(Schema):
    # {option id: value}: 1 for support/poll, dots for dot voting, grade 0–6 (0 = À rejeter).
    choices: dict[str, int] = {}
    answer: str = ""


class BallotOut(Schema):
    status: str  # "recorded" or "changed"
    session: int
    turnout: TurnoutOut


class ResultsOut(Schema):
    session: int
    method: str
    ballots: int
    options: list[dict[str, Any]]
    words: list[dict[str, Any]]
    by_college: list[dict[str, Any]]
    turnout: TurnoutOut


@router.get("/vote-sessions/{session_id}", response=SessionOut, auth=None)
def get_session(request, session_id: Id):
    user = api_user(request)
    session = session_for_user(user, session_id)
    own = selectors.own_ballot(session, user) if rules.can_vote(user, session) else None
    return {
        **session_public_data(session),
        "workshop": session.workshop_id,
        "turnout": selectors.turnout(session),
        "can_vote": rules.can_vote(user, session) and session.accepts_ballots(),
        "has_voted": own is not None,
        "my_ballot": {
            "choices": {str(k): v for k, v in own["choices"].items()},
            "answer": own["answer"],
        }
        if own
        else None,
    }


@router.post(
    "/vote-sessions/{session_id}/ballot",
    response={200: BallotOut, 201: BallotOut},
    auth=api_auth,
)
def post_ballot(request, session_id: Id, payload: BallotIn):
    user = request.auth
    session = session_for_user(user, session_id)
    _ballot, changed = ballot_cast(
        session=session, voter=user, choices=payload.choices, answer=payload.answer
    )
    body = {
        "status": "changed" if changed else "recorded",
        "session": session.pk,
        "turnout": selectors.turnout(session),
    }
    return Status(200 if changed else 201, body)


@router.get("/vote-sessions/{session_id}/results", response=ResultsOut, auth=None)
def get_results(request, session_id: Id):
    user = api_user(request)
    session = session_for_user(user, session_id)
    if not rules.can_see_results(user, session):
        raise DomainError(
            "results_hidden",
            _("Les résultats seront dévoilés après la clôture du vote."),
            status=403,
            turnout=selectors.turnout(session),
        )
    return {**live.results_shown(session), "turnout": selectors.turnout(session)}
