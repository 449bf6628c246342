"""When the channel layer fails, the room keeps working from the database and says so."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer

from realtime.broadcast import broadcast_on_commit
from realtime.hub import get_hub
from tests.realtime.helpers import communicator, connect_ready, next_event

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("hub_cleanup")]


async def test_a_failing_layer_pauses_live_updates_then_resumes(workshop, participant, monkeypatch):
    # Whatever the layer is (in-memory, or Redis in CI), make it fail.
    layer_class = type(get_channel_layer())
    real_group_add = layer_class.group_add

    async def broken(self, group, channel):
        raise ConnectionError("redis is down")

    monkeypatch.setattr(layer_class, "group_add", broken)
    comm = await communicator(workshop.slug, participant.user)
    before, ready = await connect_ready(comm)
    # The socket is up, told that live updates are paused…
    assert {"type": "live.status", "data": {"live": False}} in before

    # …and events still reach it, read back from the database.
    await database_sync_to_async(broadcast_on_commit)(workshop, "test.event", {"n": 1})
    event = await next_event(comm, timeout=5)
    assert event["type"] == "test.event" and event["seq"] == ready["data"]["seq"] + 1

    # The layer comes back: the hub subscribes again and says so.
    monkeypatch.setattr(layer_class, "group_add", real_group_add)
    hub = get_hub()
    await hub._subscribe(hub.rooms[workshop.pk])
    assert await next_event(comm) == {"type": "live.status", "data": {"live": True}}
    await database_sync_to_async(broadcast_on_commit)(workshop, "test.event", {"n": 2})
    assert (await next_event(comm))["data"] == {"n": 2}
    await comm.disconnect()


async def test_a_user_group_missed_at_connect_is_joined_later(workshop, participant, monkeypatch):
    """A socket that could not join its user's group (layer down, or swamped by a reconnect
    storm) keeps trying, so that a logout elsewhere still closes it."""
    import asyncio

    from realtime import consumers

    monkeypatch.setattr(consumers, "USER_GROUP_RETRIES", (0.2, 0.2, 0.2))
    layer = get_channel_layer()
    layer_class = type(layer)
    real_group_add = layer_class.group_add
    user_group = f"user.{participant.user.pk}"

    async def broken_for_users(self, group, channel):
        if group == user_group:
            raise ConnectionError("redis is down")
        return await real_group_add(self, group, channel)

    monkeypatch.setattr(layer_class, "group_add", broken_for_users)
    comm = await communicator(workshop.slug, participant.user)
    await connect_ready(comm)
    monkeypatch.setattr(layer_class, "group_add", real_group_add)
    await asyncio.sleep(0.5)  # the first retry has run
    await layer.group_send(user_group, {"type": "user.disconnect", "reason": "logout"})
    output = await comm.receive_output(timeout=3)
    while output["type"] != "websocket.close":
        output = await comm.receive_output(timeout=3)
    assert output["code"] == 4001
