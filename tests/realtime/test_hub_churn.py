"""Connection churn leaves nothing behind in the hub (streams, members, ClientStream
objects) nor, on Redis, in the core layer's ``receive_buffer``: channels_redis 4.3 left an
empty queue there for a socket cancelled while it held the layer's receive lock (10 after
20 cycles), which ``realtime.layers.RedisChannelLayer`` drops."""

from __future__ import annotations

import asyncio
import gc

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer

from realtime.broadcast import broadcast_on_commit
from realtime.hub import ClientStream, get_hub
from tests.realtime.helpers import communicator, connect_ready, layer_impl

broadcast = database_sync_to_async(broadcast_on_commit)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("hub_cleanup")]


async def test_sockets_that_come_and_go_leave_nothing_in_the_hub(workshop, participant):
    keep = await communicator(workshop.slug, participant.user)
    await connect_ready(keep)
    buffers = getattr(layer_impl(get_channel_layer()), "receive_buffer", None)
    before = set(buffers or ())
    for i in range(40):
        # Half fresh, half replaying, as in bench.soak.
        comm = await communicator(workshop.slug, participant.user, since=0 if i % 2 else None)
        await connect_ready(comm)
        # Room traffic passes the core layer's receive lock from socket to socket: a socket
        # closed while it held the lock is the one whose queue leaked.
        await broadcast(workshop, "test.tick", {"i": i})
        await comm.disconnect()
    del comm
    await asyncio.sleep(1.5)  # one tick of the hub's housekeeping
    gc.collect()

    room = get_hub().rooms[workshop.pk]
    assert len(room.streams) == 1
    assert len(room.members) == 1
    assert sum(1 for o in gc.get_objects() if isinstance(o, ClientStream)) == 1
    if buffers is not None:  # the core Redis layer: the queues of the sockets still open
        assert set(buffers) <= before, sorted(set(buffers) - before)
    await keep.disconnect()
