"""Permissions on accounts and roles, in one place."""

from __future__ import annotations

from allauth.account.models import EmailAddress

from accounts.models import Role


def is_signed_in(user) -> bool:
    """Signed in with an active account (a workshop's guest too): the one definition every
    app's rules use."""
    return bool(user and user.is_authenticated and user.is_active)


def is_full_account(user) -> bool:
    return is_signed_in(user) and not user.is_guest


def is_confirmed_account(user) -> bool:
    """A full account with a verified e-mail address (what a board vote asks; guests never
    are). One query, then remembered on the user object for the request."""
    if not is_full_account(user):
        return False
    cached = user.__dict__.get("_confirmed_cache")
    if cached is None:
        cached = EmailAddress.objects.filter(user=user, verified=True).exists()
        user.__dict__["_confirmed_cache"] = cached
    return cached


def has_role(user, role: Role | str) -> bool:
    return bool(user and user.is_authenticated and user.has_role(role))


def can_moderate(user) -> bool:
    return has_role(user, Role.MODERATORS) or has_role(user, Role.FACILITATORS)


def can_edit_decisions(user) -> bool:
    return has_role(user, Role.CODEV_EDITORS)


def can_view_audit_log(user) -> bool:
    """Staff only (who, by the middleware, have a second factor)."""
    return is_signed_in(user) and bool(user.is_staff)
