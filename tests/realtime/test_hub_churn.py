"""Connection churn leaves nothing behind in the hub: streams, members, ClientStream objects.

Not asserted: channels_redis' core layer (4.3) leaves an empty queue in its
``receive_buffer`` for a socket cancelled while it held the layer's receive lock (10
queues after 20 cycles on Redis here). Pruning them from the hub raced with the layer's
own ``del receive_buffer[channel]`` (KeyError on close) and was removed; see bench/README.md
"Soak — session 3".
"""

from __future__ import annotations

import asyncio
import gc

import pytest

from realtime.hub import ClientStream, get_hub
from tests.realtime.helpers import communicator, connect_ready

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("hub_cleanup")]


async def test_sockets_that_come_and_go_leave_nothing_in_the_hub(workshop, participant):
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
    await keep.disconnect()
