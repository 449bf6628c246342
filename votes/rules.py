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

Rules answer yes or no and never write. The look-up that answers 404/403 is
``votes.selectors.get_session_for_user``; closing a board session whose end date has
passed is a write, done where a session is loaded for use
(``votes.services.lifecycle.session_for_user``).
"""

from __future__ import annotations

from accounts import rules as account_rules
from accounts.models import Role
from accounts.rules import is_signed_in
from votes.models import SessionState, VoteSession
from workshops import rules as workshop_rules
from workshops.models import Participant
from workshops.selectors import participant_for


def active_participant(user, workshop):
    """The user's participation in the workshop (or workshop id); None if absent or removed."""
    if not is_signed_in(user) or workshop is None:
        return None
    workshop_id = workshop if isinstance(workshop, int) else workshop.pk
    return (
        Participant.objects.filter(workshop_id=workshop_id, user=user, removed_at__isnull=True)
        .only("id", "college", "role")
        .first()
    )


def is_workshop_facilitator(user, workshop) -> bool:
    """The workshop app's rule: its facilitators (and administrators)."""
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
