"""Who may do what on opinion maps, in one place (views, commands and services call these)."""

from __future__ import annotations

from accounts import rules as account_rules
from accounts.rules import is_signed_in
from workshops.rules import can_see_workshop
from workshops.selectors import participant_for


def can_manage_any(user) -> bool:
    """Facilitators and moderators create conversations, moderate statements, see drafts."""
    return is_signed_in(user) and (user.is_staff or account_rules.can_moderate(user))


def can_create_conversation(user) -> bool:
    return can_manage_any(user)


def can_moderate(user) -> bool:
    return is_signed_in(user) and account_rules.can_moderate(user)


def _workshop_allows(user, conversation) -> bool:
    workshop = conversation.workshop if conversation.workshop_id else None
    if workshop is None:
        return True
    return can_see_workshop(user, workshop, participant_for(user, workshop))


def can_view_conversation(user, conversation) -> bool:
    """Published conversations, unless linked to a workshop the person may not see."""
    if can_manage_any(user):
        return True
    if not conversation.is_published and not (
        is_signed_in(user) and conversation.created_by_id == user.pk
    ):
        return False
    return _workshop_allows(user, conversation)


def can_take_part(user, conversation) -> bool:
    """Write and vote: signed in (a guest of a workshop too), conversation open and visible."""
    return (
        is_signed_in(user)
        and conversation.is_open
        and conversation.is_published
        and can_view_conversation(user, conversation)
    )


def can_view_statement(user, statement) -> bool:
    if not statement.is_hidden:
        return True
    return can_moderate(user)


def can_promote(user) -> bool:
    """Turn a statement into a proposal: moderators, facilitators and Codev editors."""
    return is_signed_in(user) and (
        account_rules.can_moderate(user) or account_rules.can_edit_decisions(user)
    )


def can_recommend(user) -> bool:
    """Make a statement a recommendation's source: Codev editors only (``decisions.rules``)."""
    return is_signed_in(user) and account_rules.can_edit_decisions(user)
