"""The per-process fan-out: order, recovery of lost publishes, bounded client queues."""

from __future__ import annotations

import asyncio
from unittest import mock

import pytest
from channels.db import database_sync_to_async
from django.test import override_settings

from realtime import broadcast as broadcast_module
from realtime.broadcast import broadcast_on_commit
from realtime.hub import ClientStream, RoomHub
from realtime.presence import LocalPresence, Member
from tests.realtime.helpers import communicator, connect_ready, next_event

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("hub_cleanup")]


@override_settings(REALTIME_GAP_WAIT_MS=50)
async def test_a_lost_publish_is_read_from_the_database_when_the_next_event_arrives(
    workshop, participant
):
    comm = await communicator(workshop.slug, participant.user)
    await connect_ready(comm)
    real_publish = broadcast_module._publish
    dropped = []

    def lossy(workshop_id, seq, audience, frame):
        if seq == 2:
            dropped.append(seq)  # committed, never published (a Redis hiccup)
            return
        real_publish(workshop_id, seq, audience, frame)

    with mock.patch.object(broadcast_module, "_publish", lossy):
        for i in range(3):
            await database_sync_to_async(broadcast_on_commit)(workshop, "a.b", {"i": i})
    frames = [await next_event(comm) for _ in range(3)]
    assert dropped == [2]
    assert [f["seq"] for f in frames] == [1, 2, 3]
    await comm.disconnect()


@override_settings(REALTIME_RECONCILE_SECONDS=1)
async def test_a_lost_last_event_is_found_by_reconciliation(workshop, participant):
    comm = await communicator(workshop.slug, participant.user)
    await connect_ready(comm)
    with mock.patch.object(broadcast_module, "_publish", lambda *args: None):
        await database_sync_to_async(broadcast_on_commit)(workshop, "a.b", {})
    frame = await next_event(comm, timeout=5)
    assert frame["seq"] == 1
    await comm.disconnect()


async def test_events_published_out_of_order_are_delivered_in_order(workshop, participant):
    comm = await communicator(workshop.slug, participant.user)
    await connect_ready(comm)
    held = []
    real_publish = broadcast_module._publish

    def hold_first(workshop_id, seq, audience, frame):
        if seq == 1:
            held.append((workshop_id, seq, audience, frame))
        else:
            real_publish(workshop_id, seq, audience, frame)

    with mock.patch.object(broadcast_module, "_publish", hold_first):
        await database_sync_to_async(broadcast_on_commit)(workshop, "a.b", {"n": 1})
        await database_sync_to_async(broadcast_on_commit)(workshop, "a.b", {"n": 2})
    # Event 2 arrived first; event 1 is published late (before the gap timer fires).
    await asyncio.sleep(0.05)
    await database_sync_to_async(real_publish)(*held[0])
    frames = [await next_event(comm) for _ in range(2)]
    assert [f["seq"] for f in frames] == [1, 2]
    assert await comm.receive_nothing(0.4)
    await comm.disconnect()


async def test_a_client_that_cannot_keep_up_is_cut_off_instead_of_growing_memory():
    release = asyncio.Event()
    sent: list[str] = []

    async def slow_send(message):
        await release.wait()  # the socket's transport is paused
        sent.append(message["text"])

    overflowed = []
    stream = ClientStream(
        slow_send, facilitator=False, on_overflow=lambda: overflowed.append(1), limit=5
    )
    stream.go_live(0)
    for seq in range(1, 10):
        stream.offer(seq, "room", f"frame-{seq}")
    assert overflowed == [1] and stream.closed
    release.set()
    await asyncio.sleep(0.01)
    # What was queued is dropped: the client reconnects and replays from its last seq.
    assert len(sent) <= 1


async def test_a_writable_client_is_written_without_a_task_switch():
    sent: list[str] = []

    async def fast_send(message):
        sent.append(message["text"])

    stream = ClientStream(fast_send, facilitator=False, on_overflow=lambda: None)
    stream.go_live(0)
    stream.offer(1, "room", "a")
    stream.offer(1, "room", "a")  # a duplicate (replay and live overlap) is dropped
    stream.offer(2, "facilitators", "secret")
    stream.offer(3, "room", "b")
    assert sent == ["a", "b"]  # already written, synchronously


@pytest.mark.parametrize("suspend_on", ["future", "bare_yield"])
async def test_a_send_that_suspends_is_finished_in_order(suspend_on):
    """The slow path of ``ClientStream._write`` (``hub._resume``): a send that suspends —
    on a future (a paused transport) or on a bare yield — is driven to its end, and what
    was queued meanwhile follows in order."""
    loop = asyncio.get_running_loop()
    release = loop.create_future()
    sent: list[str] = []

    async def send(message):
        if not sent and not release.done():
            if suspend_on == "future":
                await release  # the transport is paused until the client reads
            else:
                await asyncio.sleep(0)
        sent.append(message["text"])

    stream = ClientStream(send, facilitator=False, on_overflow=lambda: None)
    stream.go_live(0)
    stream.offer(1, "room", "a")
    stream.offer(2, "room", "b")
    stream.offer(3, "room", "c")
    assert sent == []  # the first send suspended; the others wait behind it
    if not release.done():
        release.set_result(None)
    for _ in range(20):
        await asyncio.sleep(0)
        if len(sent) == 3:
            break
    assert sent == ["a", "b", "c"]
    assert not stream.closed and stream._writer is None


async def test_present_reads_the_presence_store_at_most_once_per_max_age():
    hub = RoomHub()
    hub.presence = LocalPresence()
    first = Member(user_id=1, college="citizens", attendance="onsite")
    await hub.presence.touch(7, {"a": first})
    assert await hub.present(7) == [first]
    await hub.presence.touch(7, {"b": Member(user_id=2, college="experts", attendance="remote")})
    assert await hub.present(7) == [first]  # read less than a second ago
    assert len(await hub.present(7, max_age=0)) == 2
