"""Closing a user's WebSockets when they log out or their account goes away.

The machinery (the user group ``user.<pk>``, the ``user.disconnect`` message, the
timeout that keeps a dead Redis from blocking a logout) is ``realtime.users``; these are
the account's two occasions.
"""

from __future__ import annotations

from realtime.users import close_user_sockets, close_user_sockets_on_commit, user_group

__all__ = ["user_group", "user_sockets_close", "user_sockets_close_on_commit"]


def user_sockets_close(*, user_id: int, reason: str = "logout") -> bool:
    """Tell every socket of this user to close. Returns False if the layer could not be reached."""
    return close_user_sockets(user_id, reason=reason)


def user_sockets_close_on_commit(*, user_id: int, reason: str = "account_deleted") -> None:
    close_user_sockets_on_commit(user_id, reason=reason)
