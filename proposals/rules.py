"""Who may do what on proposals, in one place (views, API and services call these)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from accounts import rules as account_rules
from accounts.rules import is_signed_in
from proposals import origins

# Comments can be edited by their author for this long after posting.
COMMENT_EDIT_WINDOW = timedelta(minutes=15)


def can_moderate(user) -> bool:
    """Moderators and facilitators hide/restore content, merge duplicates, see hidden items."""
    return account_rules.can_moderate(user)


def can_review(user) -> bool:
    """Status changes: moderators, facilitators and Codev editors."""
    return can_moderate(user) or account_rules.can_edit_decisions(user)


def can_create_proposal(user) -> bool:
    return is_signed_in(user)


def can_see_origin(user, proposal) -> bool:
    """An idea of a private (or draft) workshop is for that workshop's members only."""
    workshop = proposal.origin_workshop if proposal.origin_workshop_id else None
    if workshop is None:
        return True
    rooms = origins.rooms()
    if rooms.is_public(workshop):
        return True
    if can_moderate(user) or (is_signed_in(user) and proposal.author_id == user.pk):
        return True
    if not is_signed_in(user):
        return False
    return rooms.member_can_see(user, workshop)


def can_view_proposal(user, proposal) -> bool:
    if not can_see_origin(user, proposal):
        return False
    if not proposal.is_hidden:
        return True
    return can_moderate(user) or (is_signed_in(user) and proposal.author_id == user.pk)


def can_edit_proposal(user, proposal) -> bool:
    """Authors edit while nobody has started reviewing; moderators always (except merged)."""
    if not is_signed_in(user) or proposal.is_merged:
        return False
    if can_moderate(user):
        return True
    return (
        proposal.author_id == user.pk and proposal.status == "submitted" and not proposal.is_hidden
    )


def can_change_status(user, proposal) -> bool:
    return is_signed_in(user) and can_review(user) and not proposal.is_merged


def can_merge(user) -> bool:
    return is_signed_in(user) and can_moderate(user)


def is_own(user, item) -> bool:
    """``item`` (a proposal or a comment) was written by ``user``."""
    return item.author_id is not None and item.author_id == getattr(user, "pk", None)


def can_support(user, proposal) -> bool:
    return (
        is_signed_in(user)
        and not is_own(user, proposal)
        and not proposal.is_hidden
        and not proposal.is_merged
        and can_see_origin(user, proposal)
    )


def can_comment(user, proposal) -> bool:
    return (
        is_signed_in(user)
        and not proposal.is_hidden
        and not proposal.is_merged
        and can_see_origin(user, proposal)
    )


def can_edit_comment(user, comment, *, now=None) -> bool:
    if not is_signed_in(user) or comment.author_id != user.pk:
        return False
    if comment.is_deleted or comment.is_hidden:
        return False
    now = now or timezone.now()
    return now - comment.created_at <= COMMENT_EDIT_WINDOW


def can_delete_comment(user, comment) -> bool:
    return is_signed_in(user) and comment.author_id == user.pk and not comment.is_deleted


def can_report(user, item=None) -> bool:
    """Signed in, and ``item`` (a proposal or a comment, if given) is not one's own."""
    return is_signed_in(user) and (item is None or not is_own(user, item))
