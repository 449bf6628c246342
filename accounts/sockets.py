"""Closing a user's WebSockets when they log out or their account goes away.

Every socket consumer of the platform joins the channel-layer group
``user_group(user_id)`` (``"user.<pk>"``) and closes itself when it receives a
message of type ``user.disconnect`` (handled by a ``user_disconnect`` method).
This module only sends that message: it never blocks a logout or a deletion,
even when the channel layer (Redis) is down.
"""

from __future__ import annotations

import asyncio
import logging

from asgiref.sync import async_to_sync
from django.db import transaction

logger = logging.getLogger(__name__)

DISCONNECT_TYPE = "user.disconnect"
# A logout must not wait on a dead Redis for longer than this.
SEND_TIMEOUT_SECONDS = 2.0


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


def user_sockets_close(*, user_id: int, reason: str = "logout") -> bool:
    """Tell every socket of this user to close. Returns False if the layer could not be reached."""
    from channels.layers import get_channel_layer

    layer = get_channel_layer()
    if layer is None:
        return False

    async def send() -> None:
        await asyncio.wait_for(
            layer.group_send(user_group(user_id), {"type": DISCONNECT_TYPE, "reason": reason}),
            timeout=SEND_TIMEOUT_SECONDS,
        )

    try:
        async_to_sync(send)()
    except Exception:  # the layer being down must not break a logout
        logger.warning("could not send user.disconnect for user %s", user_id, exc_info=True)
        return False
    return True


def user_sockets_close_on_commit(*, user_id: int, reason: str = "account_deleted") -> None:
    transaction.on_commit(lambda: user_sockets_close(user_id=user_id, reason=reason))
