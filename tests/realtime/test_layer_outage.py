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
