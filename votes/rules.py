"""Who may do what with votes, in one place (services, views, API and socket call these).

- Manage a workshop session (create, open, close, reveal, publish, moderate
  answers): the workshop's facilitators; a board session: Codev editors and
  facilitators.
- Vote: the workshop's participants (not removed, guests included) for a workshop
  session; a confirmed account (not a guest, a verified e-mail) for a board session —
  guests are made in one step with a public code, so they would let one person vote
  many times (docs/security.md).
- See a session: anyone for a board session or a public workshop, the
  participants of a private one; drafts only their managers.
- See results: the managers always; others once revealed (live mode while
  open, after the facilitator reveals in « à la clôture » mode) or published.
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from accounts import rules as account_rules
from accounts.models import Role
from project.errors import NotFoundError, PermissionDeniedError
from project.ids import parse_id
from votes.models import SessionState, VoteSession


def is_signed_in(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def active_participant(user, workshop):
    """The user's participation in the workshop (or workshop id); None if absent or removed."""
    if not is_signed_in(user) or workshop is None:
        return None
    from workshops.models import Participant

    workshop_id = workshop if isinstance(workshop, int) else workshop.pk
    return (
        Participant.objects.filter(workshop_id=workshop_id, user=user, removed_at__isnull=True)
        .only("id", "college", "role")
        .first()
    )


def is_workshop_facilitator(user, workshop) -> bool:
    """The workshop app's rule: its facilitators (and administrators)."""
    from workshops import rules as workshop_rules

    return workshop_rules.is_workshop_facilitator(user, workshop)


def can_create_board_session(user) -> bool:
    return is_signed_in(user) and (
        account_rules.can_edit_decisions(user) or account_rules.has_role(user, Role.FACILITATORS)
    )


def can_manage(user, session: VoteSession) -> bool:
    if session.workshop_id is not None:
        return is_workshop_facilitator(user, session.workshop)
    return can_create_board_session(user)


def can_view(user, session: VoteSession) -> bool:
    if session.state == SessionState.DRAFT:
        return can_manage(user, session)
    if session.workshop_id is None:
        return True
    from workshops import rules as workshop_rules
    from workshops.selectors import participant_for

    workshop = session.workshop
    return workshop_rules.can_see_workshop(user, workshop, participant_for(user, workshop))


def can_vote(user, session: VoteSession) -> bool:
    if not is_signed_in(user):
        return False
    if session.workshop_id is None:
        return account_rules.is_confirmed_account(user)
    return active_participant(user, session.workshop) is not None


def results_revealed(session: VoteSession) -> bool:
    """Whether results are out for everyone who can see the session (the model's rule, also
    a query: ``VoteSession.objects.results_revealed()``)."""
    return session.results_are_revealed


def can_see_results(user, session: VoteSession) -> bool:
    if not can_view(user, session):
        return False
    return results_revealed(session) or can_manage(user, session)


def get_session_for_user(user, pk: int, *, manage: bool = False) -> VoteSession:
    """The session, or NotFoundError (also when it may not be seen) / PermissionDeniedError."""
    session = (
        VoteSession.objects.select_related("workshop", "axis").filter(pk=pk).first()
        if parse_id(pk) is not None
        else None
    )
    if session is None or not can_view(user, session):
        raise NotFoundError("not_found", _("Ce vote n'existe pas ou n'est pas accessible."))
    session = _closed_if_due(session)
    if manage and not can_manage(user, session):
        raise PermissionDeniedError(
            "forbidden", _("Seul·es les animateur·rices de ce vote peuvent le gérer.")
        )
    return session


def get_session_or_404(user, pk: int) -> VoteSession:
    session = get_object_or_404(VoteSession.objects.select_related("workshop", "axis"), pk=pk)
    if not can_view(user, session):
        from django.http import Http404

        raise Http404
    return _closed_if_due(session)


def _closed_if_due(session: VoteSession) -> VoteSession:
    # A board session past its end date reads as closed, whoever looks first.
    if session.state == SessionState.OPEN and session.ends_at is not None:
        from votes.services import session_close_if_due

        return session_close_if_due(session=session)
    return session
