"""A stopping server process leaves the room groups at once (ASGI lifespan shutdown)."""

from __future__ import annotations

import asyncio

import pytest
from channels.layers import InMemoryChannelLayer, get_channel_layer

from realtime.broadcast import room_group
from realtime.hub import get_hub
from realtime.lifespan import lifespan_app
from tests.realtime.helpers import communicator, connect_ready, layer_impl

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("hub_cleanup")]


async def _members(layer, group: str) -> set[str]:
    if isinstance(layer, InMemoryChannelLayer):
        return set(layer.groups.get(group, {}))
    impl = layer_impl(layer)
    if hasattr(impl, "groups"):
        # channels_redis pub/sub layer: this loop's subscriptions, by prefixed group name.
        return set(impl.groups.get(impl._get_group_channel_name(group), ()))
    # channels_redis core layer: a sorted set per group.
    key = layer._group_key(group)
    async with layer.connection(layer.consistent_hash(group)) as connection:
        return {member.decode() for member in await connection.zrange(key, 0, -1)}


async def _lifespan(*messages: str) -> list[dict]:
    inbox: asyncio.Queue = asyncio.Queue()
    for kind in messages:
        inbox.put_nowait({"type": kind})
    sent: list[dict] = []

    async def send(message: dict) -> None:
        sent.append(message)

    await asyncio.wait_for(lifespan_app({"type": "lifespan"}, inbox.get, send), timeout=10)
    return sent


async def test_shutdown_takes_the_hub_out_of_its_room_groups(workshop, participant):
    comm = await communicator(workshop.slug, participant.user)
    await connect_ready(comm)
    layer, hub = get_channel_layer(), get_hub()
    group = room_group(workshop.pk)
    assert hub.channel in await _members(layer, group)
    channel = hub.channel
    # The last client leaves: the room keeps its group a little while (a reconnect is likely).
    await comm.disconnect()
    assert channel in await _members(layer, group)

    sent = await _lifespan("lifespan.startup", "lifespan.shutdown")
    assert [m["type"] for m in sent] == ["lifespan.startup.complete", "lifespan.shutdown.complete"]
    assert channel not in await _members(layer, group)
