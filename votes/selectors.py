"""Reads on votes: the session look-ups (404/403), turnout, a voter's own ballot; the
results themselves (aggregates only) are ``votes.results``, re-exported here.

Nothing here iterates over ballots. The dictionaries returned are what pages, the API and
the socket show: they never contain a voter.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from project.errors import NotFoundError, PermissionDeniedError
from project.ids import parse_id
from proposals.models import Proposal, ProposalStatus
from votes import rules
from votes.models import (
    MJ_GRADES,
    Ballot,
    BallotChoice,
    SessionState,
    VoteSession,
)

# The results live in votes.results; these names stay readable from here.
from votes.results import Results as Results
from votes.results import college_label as college_label
from votes.results import colleges_mapping as colleges_mapping
from votes.results import colleges_shown as colleges_shown
from votes.results import consistent_read as consistent_read
from votes.results import results_compute as results_compute
from workshops.figures import registered_count, voters_count
from workshops.models import Workshop

# A session is over once closed or published (``VoteSession.is_finished`` as a query).
FINISHED_STATES = (SessionState.CLOSED, SessionState.PUBLISHED)


def get_session_for_user(user, pk: int, *, manage: bool = False) -> VoteSession:
    """The session, or NotFoundError (also when it may not be seen) / PermissionDeniedError.

    A read only: a board session past its end date comes back as it is stored (still
    open); ``votes.services.lifecycle.session_for_user`` closes it for its callers.
    """
    session = (
        VoteSession.objects.select_related("workshop", "axis").filter(pk=pk).first()
        if parse_id(pk) is not None
        else None
    )
    if session is None or not rules.can_view(user, session):
        raise NotFoundError("not_found", _("Ce vote n'existe pas ou n'est pas accessible."))
    if manage and not rules.can_manage(user, session):
        raise PermissionDeniedError(
            "forbidden", _("Seul·es les animateur·rices de ce vote peuvent le gérer.")
        )
    return session


# Proposals of the board a board session may put to the vote.
BOARD_CANDIDATE_STATUSES = (
    ProposalStatus.SHORTLISTED,
    ProposalStatus.UNDER_REVIEW,
    ProposalStatus.RETAINED,
)
CANDIDATES_SHOWN = 200


def workshop_for_new_session(user, slug: str | None):
    """Where a new session goes: the workshop of ``slug`` (its facilitators only), or the
    board (None: Codev editors and facilitators). NotFoundError / PermissionDeniedError."""
    if not slug:
        if not rules.can_create_board_session(user):
            raise PermissionDeniedError(
                "forbidden",
                _("Seul·es les éditeur·rices du Codev et les animateur·rices créent des votes."),
            )
        return None
    workshop = Workshop.objects.filter(slug=slug).first()
    if workshop is None:
        raise NotFoundError("not_found", _("Cet atelier n'existe pas."))
    if not rules.is_workshop_facilitator(user, workshop):
        raise PermissionDeniedError(
            "forbidden", _("Seul·es les animateur·rices de l'atelier peuvent créer un vote.")
        )
    return workshop


def session_candidates(workshop) -> QuerySet:
    """The proposals a new session may offer: the workshop's ideas, or on the board those
    under review, shortlisted or retained; the most supported first, at most 200."""
    if workshop is not None:
        candidates = Proposal.objects.filter(origin_workshop=workshop, is_hidden=False)
    else:
        candidates = Proposal.objects.filter(is_hidden=False, status__in=BOARD_CANDIDATE_STATUSES)
    ids = candidates.order_by("-support_count", "-created_at").values_list("pk", flat=True)
    return Proposal.objects.filter(pk__in=list(ids[:CANDIDATES_SHOWN]))


def ballot_count(session: VoteSession) -> int:
    """« votant·es » (workshops.figures, the one definition every screen uses)."""
    return voters_count(session)


def eligible_count(session: VoteSession) -> int | None:
    """Who may vote: « inscrit·es à l'atelier » (None for a board session: everyone)."""
    return registered_count(session.workshop_id)


def turnout(
    session: VoteSession, *, present: int | None = None, voted: int | None = None
) -> dict[str, Any]:
    """Ballots cast (``voted`` when the caller has just counted them), people connected to the
    room (when the live presence is known), participants registered.

    A turnout always reads ``voted`` / ``eligible`` (« votant·es » / « inscrit·es »);
    ``present`` (« connecté·es maintenant ») is shown apart, never as its denominator."""
    return {
        "session": session.pk,
        "voted": ballot_count(session) if voted is None else voted,
        "present": present,
        "eligible": eligible_count(session),
    }


def grade_choices() -> list[tuple[int, str]]:
    """Grades best first, as a ballot shows them."""
    return [(value, str(label)) for value, label in reversed(MJ_GRADES)]


def own_ballot(session: VoteSession, user) -> dict[str, Any] | None:
    """The signed-in voter's own ballot, to pre-fill the form (never anybody else's)."""
    if not (user and user.is_authenticated):
        return None
    ballot = Ballot.objects.filter(session=session, voter=user).only("id", "answer").first()
    if ballot is None:
        return None
    choices = dict(BallotChoice.objects.filter(ballot=ballot).values_list("option_id", "value"))
    return {"choices": choices, "answer": ballot.answer, "updated": True}


def answers_for_moderation(session: VoteSession) -> list[dict[str, Any]]:
    """Open answers for the facilitator: text and moderation state, never the author."""
    return list(
        Ballot.objects.filter(session=session)
        .exclude(answer="")
        .order_by("id")
        .values("id", "answer", "answer_hidden")
    )


def finished_sessions_public() -> QuerySet:
    """Finished sessions whose results anyone may read (``results_public``): what summaries
    and open data report. Ordered by closing time."""
    return (
        VoteSession.objects.results_public()
        .filter(state__in=FINISHED_STATES)
        .select_related("workshop")
        .order_by("closed_at", "pk")
    )


def sessions_results_not_public() -> QuerySet:
    """Sessions past their draft whose results are not public yet (still open, or closed
    « à la clôture » and not revealed): what a summary of their workshop leaves out."""
    return (
        VoteSession.objects.not_draft()
        .exclude(pk__in=finished_sessions_public().values("pk"))
        .order_by("opened_at", "pk")
    )
