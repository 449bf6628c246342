"""When the channel layer fails, the room keeps working from the database and says so."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer

from realtime.broadcast import broadcast_on_commit
from realtime.hub import get_hub
from tests.realtime.helpers import communicator, connect_ready, layer_impl, next_event

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("hub_cleanup")]


async def test_a_failing_layer_pauses_live_updates_then_resumes(workshop, participant, monkeypatch):
    # Whatever the layer is (in-memory, or Redis in CI), make it fail.
    layer_class = type(layer_impl(get_channel_layer()))
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
    layer_class = type(layer_impl(layer))
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


async def _forget_user_group_after_connect(workshop, participant, monkeypatch):
    """Connect, then make the layer forget the socket's user-group membership, as a Redis
    restart or the core layer's group expiry does. Returns the communicator."""
    layer = get_channel_layer()
    layer_class = type(layer_impl(layer))
    real_group_add = layer_class.group_add
    user_group = f"user.{participant.user.pk}"
    channels: list[str] = []

    async def recording(self, group, channel):
        if group == user_group:
            channels.append(channel)
        return await real_group_add(self, group, channel)

    monkeypatch.setattr(layer_class, "group_add", recording)
    comm = await communicator(workshop.slug, participant.user)
    await connect_ready(comm)
    assert channels, "the socket joined its user group"
    await layer.group_discard(user_group, channels[0])
    return comm, user_group


async def _closed_within(comm, seconds: float) -> int | None:
    """The close code if the socket is closed within ``seconds`` (other frames skipped)."""
    import asyncio

    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while loop.time() < deadline:
        # receive_output's own timeout would cancel the application: wait without it.
        if await comm.receive_nothing(timeout=0.05, interval=0.01):
            continue
        output = await comm.receive_output()
        if output["type"] == "websocket.close":
            return output["code"]
    return None


async def test_a_forgotten_user_group_is_renewed(workshop, participant, monkeypatch):
    """Each socket renews its user-group membership, so that a logout elsewhere still
    closes it after the layer forgot the group."""
    import asyncio

    from realtime import consumers

    monkeypatch.setattr(consumers, "USER_GROUP_RENEW_SECONDS", 0.2)
    comm, user_group = await _forget_user_group_after_connect(workshop, participant, monkeypatch)
    await asyncio.sleep(0.5)  # a renewal has run (after 0.16-0.24 s)
    await get_channel_layer().group_send(
        user_group, {"type": "user.disconnect", "reason": "logout"}
    )
    assert await _closed_within(comm, 3) == 4001


async def test_without_renewal_a_forgotten_user_group_stays_forgotten(
    workshop, participant, monkeypatch
):
    """The control of the test above: with no renewal in the window, the logout is missed."""
    import asyncio

    from realtime import consumers

    monkeypatch.setattr(consumers, "USER_GROUP_RENEW_SECONDS", 3600)
    comm, user_group = await _forget_user_group_after_connect(workshop, participant, monkeypatch)
    await asyncio.sleep(0.5)
    await get_channel_layer().group_send(
        user_group, {"type": "user.disconnect", "reason": "logout"}
    )
    assert await _closed_within(comm, 1) is None
    await comm.disconnect()
