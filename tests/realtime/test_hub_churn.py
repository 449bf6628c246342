"""Connection churn leaves nothing behind: the hub's streams and members, the layer's buffers."""

from __future__ import annotations

import asyncio
import gc

import pytest
from channels.layers import get_channel_layer

from realtime.hub import ClientStream, get_hub, prune_receive_buffers
from tests.realtime.helpers import communicator, connect_ready, layer_impl

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("hub_cleanup")]


async def test_sockets_that_come_and_go_leave_nothing_in_the_hub_or_the_layer(
    workshop, participant
):
    keep = await communicator(workshop.slug, participant.user)
    await connect_ready(keep)
    for i in range(20):
        # Half fresh, half replaying, as in bench.soak.
        comm = await communicator(workshop.slug, participant.user, since=0 if i % 2 else None)
        await connect_ready(comm)
        await comm.disconnect()
    del comm
    await asyncio.sleep(1.5)  # one tick of the hub's housekeeping
    gc.collect()

    room = get_hub().rooms[workshop.pk]
    assert len(room.streams) == 1
    assert len(room.members) == 1
    assert sum(1 for o in gc.get_objects() if isinstance(o, ClientStream)) == 1
    buffers = getattr(layer_impl(get_channel_layer()), "receive_buffer", None)
    if buffers is not None:
        # The core Redis layer: at most the hub's channel and the remaining socket's.
        assert len(buffers) <= 2, list(buffers)
    await keep.disconnect()


async def test_only_empty_queues_nobody_waits_on_are_pruned():
    waited, full, stale = asyncio.Queue(), asyncio.Queue(), asyncio.Queue()
    full.put_nowait({"type": "x"})
    waiter = asyncio.ensure_future(waited.get())
    await asyncio.sleep(0)

    class Layer:
        receive_buffer = {"waited": waited, "full": full, "stale": stale}

    assert prune_receive_buffers(Layer()) == 1
    assert set(Layer.receive_buffer) == {"waited", "full"}
    assert prune_receive_buffers(object()) == 0
    waiter.cancel()
