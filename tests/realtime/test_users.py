"""``realtime.users``: one way to name a user's sockets and to close them."""

from __future__ import annotations

import asyncio
import time

import pytest
from channels.layers import get_channel_layer

from realtime import users


def test_the_user_group_is_named_in_one_place():
    assert users.user_group(42) == "user.42"


@pytest.mark.parametrize(
    ("workshop_id", "expected"),
    [
        (None, {"type": "user.disconnect", "reason": "logout"}),
        (7, {"type": "user.disconnect", "reason": "removed", "workshop": 7}),
    ],
)
def test_closing_sends_the_disconnect_to_the_users_group(monkeypatch, workshop_id, expected):
    layer = get_channel_layer()
    sent = []

    async def group_send(group, message):
        sent.append((group, message))

    monkeypatch.setattr(layer, "group_send", group_send)
    reason = "logout" if workshop_id is None else "removed"
    assert users.close_user_sockets(5, reason=reason, workshop_id=workshop_id)
    assert sent == [("user.5", expected)]


def test_a_layer_that_does_not_answer_does_not_block_for_longer_than_the_timeout(monkeypatch):
    layer = get_channel_layer()

    async def hanging(group, message):
        await asyncio.sleep(10)

    monkeypatch.setattr(layer, "group_send", hanging)
    started = time.monotonic()
    assert users.close_user_sockets(5, reason="logout", timeout=0.2) is False
    assert time.monotonic() - started < 2
