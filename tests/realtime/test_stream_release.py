"""A closed socket is freed at once, not left in a reference cycle for the cyclic GC.

The consumer holds its ``ClientStream``, and the stream held the consumer's bound methods
(its send, its overflow handler): each closed socket left its consumer, scope, session,
user, workshop and queues in a cycle until the next full collection — under churn
(10 connects and 10 closes a second) thousands of connections' worth between two, which
raises the process's high-water mark and fragments its heap. The stream lets go of them
when it closes.
"""

from __future__ import annotations

import asyncio
import gc

import pytest

from realtime.consumers import RoomConsumer
from realtime.hub import ClientStream
from tests.realtime.helpers import communicator, connect_ready

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("hub_cleanup")]

CYCLES = 12


def _alive() -> dict[str, int]:
    objects = gc.get_objects()
    return {
        "consumers": sum(1 for o in objects if isinstance(o, RoomConsumer)),
        "streams": sum(1 for o in objects if isinstance(o, ClientStream)),
    }


async def test_closed_sockets_are_freed_without_the_cyclic_gc(workshop, participant):
    keep = await communicator(workshop.slug, participant.user)
    await connect_ready(keep)
    gc.collect()
    gc.disable()
    try:
        before = _alive()
        for i in range(CYCLES):
            # Fresh and replaying connections, clean closes.
            comm = await communicator(workshop.slug, participant.user, since=0 if i % 2 else None)
            await connect_ready(comm)
            await comm.disconnect()
        del comm
        await asyncio.sleep(0.1)
        after = _alive()
    finally:
        gc.enable()
    # Only reference counting ran: whatever a closed socket left in a cycle is still here.
    assert after["consumers"] <= before["consumers"] + 1, (before, after)
    assert after["streams"] <= before["streams"] + 1, (before, after)
    await keep.disconnect()


async def test_a_closed_stream_drops_the_connection(workshop):
    sent: list[dict] = []

    async def send(message: dict) -> None:
        sent.append(message)

    overflowed: list[bool] = []
    stream = ClientStream(send, facilitator=False, on_overflow=lambda: overflowed.append(True))
    stream.go_live(0)
    stream.offer(1, "room", "one")
    stream.close()
    stream.offer(2, "room", "two")
    assert [m["text"] for m in sent] == ["one"]
    assert stream._send is not send and not overflowed
