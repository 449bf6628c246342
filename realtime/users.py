"""A user's sockets, wherever they are connected: their group, and closing them.

Every socket consumer of the platform joins the channel-layer group ``user_group(pk)``
(``"user.<pk>"``) and closes itself when it receives a message of type
``user.disconnect`` (its ``user_disconnect`` method; with a ``workshop`` in the message,
only the sockets of that workshop close). ``close_user_sockets`` sends that message: on a
logout, an account deletion, a removal from a workshop, rights taken away. It never
blocks the change that asked for it, even when the channel layer (Redis) is down.
"""

from __future__ import annotations

import asyncio
import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.contrib.auth.signals import user_logged_out
from django.db import transaction

from accounts.signals import account_closed

logger = logging.getLogger(__name__)

DISCONNECT_TYPE = "user.disconnect"
# A logout must not wait on a dead Redis for longer than this.
SEND_TIMEOUT_SECONDS = 2.0


def user_group(user_id: int) -> str:
    """The channel-layer group of every socket of a user."""
    return f"user.{user_id}"


def close_user_sockets(
    user_id: int,
    *,
    reason: str,
    workshop_id: int | None = None,
    timeout: float = SEND_TIMEOUT_SECONDS,
) -> bool:
    """Tell the user's sockets (only those of ``workshop_id`` if given) to close.

    Returns False if the channel layer could not be reached within ``timeout`` seconds."""
    layer = get_channel_layer()
    if layer is None:
        return False
    message: dict = {"type": DISCONNECT_TYPE, "reason": reason}
    if workshop_id is not None:
        message["workshop"] = workshop_id

    async def send() -> None:
        await asyncio.wait_for(layer.group_send(user_group(user_id), message), timeout=timeout)

    try:
        async_to_sync(send)()
    except Exception:  # the layer being down must not break a logout or a removal
        logger.warning("could not send user.disconnect for user %s", user_id, exc_info=True)
        return False
    return True


def close_user_sockets_on_commit(
    user_id: int, *, reason: str, workshop_id: int | None = None
) -> None:
    """``close_user_sockets`` once the current transaction commits (the change is final)."""
    transaction.on_commit(
        lambda: close_user_sockets(user_id, reason=reason, workshop_id=workshop_id)
    )


def _on_logout(sender, request, user, **kwargs) -> None:
    if user is not None and user.pk:
        close_user_sockets(user.pk, reason="logout")


def _on_account_closed(sender, user_id: int, **kwargs) -> None:
    close_user_sockets(user_id, reason="account_deleted")


def connect() -> None:
    """Called by ``RealtimeConfig.ready``: a logout or a closed account closes the sockets."""
    user_logged_out.connect(_on_logout, dispatch_uid="realtime-users-logout")
    account_closed.connect(_on_account_closed, dispatch_uid="realtime-users-account-closed")
