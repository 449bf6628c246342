"""broadcast_on_commit: numbered in commit order, stored, published only after commit."""

from __future__ import annotations

import json
import threading

import pytest
from channels.layers import get_channel_layer
from django.db import close_old_connections, transaction

from realtime.broadcast import broadcast_on_commit, room_group, room_last_seq
from realtime.hub import replay_since
from realtime.models import RoomEvent


def test_events_are_numbered_from_one_and_stored_encoded(workshop):
    broadcast_on_commit(workshop, "phase.changed", {"phase": 1})
    broadcast_on_commit(workshop.pk, "timer.started", {"seconds": 60})
    events = list(RoomEvent.objects.for_room(workshop.pk))
    assert [e.seq for e in events] == [1, 2]
    assert json.loads(events[1].frame) == {
        "type": "timer.started",
        "seq": 2,
        "data": {"seconds": 60},
    }
    assert room_last_seq(workshop.pk) == 2


def test_rooms_have_their_own_sequences(workshop):
    from tests.workshops.factories import WorkshopFactory

    other = WorkshopFactory()
    broadcast_on_commit(workshop, "a.b", {})
    broadcast_on_commit(other, "a.b", {})
    assert room_last_seq(workshop.pk) == 1
    assert room_last_seq(other.pk) == 1


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_transaction_leaves_no_gap(workshop):
    broadcast_on_commit(workshop, "a.b", {})
    with pytest.raises(RuntimeError), transaction.atomic():
        broadcast_on_commit(workshop, "a.b", {"lost": True})
        raise RuntimeError("the change fails")
    broadcast_on_commit(workshop, "a.b", {})
    assert list(RoomEvent.objects.for_room(workshop.pk).values_list("seq", flat=True)) == [1, 2]
    assert not RoomEvent.objects.filter(frame__contains="lost").exists()


@pytest.mark.django_db(transaction=True)
async def test_the_event_is_published_after_commit_only(workshop):
    """Any layer: a channel of this loop (the pub/sub layer only knows channels it made)
    listens to the room's group while another thread writes in a transaction."""
    import asyncio

    from channels.db import database_sync_to_async

    layer = get_channel_layer()
    observer = await layer.new_channel()
    await layer.group_add(room_group(workshop.pk), observer)
    # One receive for the whole test (a cancelled pub/sub receive drops its channel).
    received = asyncio.ensure_future(layer.receive(observer))
    in_transaction, may_commit = threading.Event(), threading.Event()

    def write() -> None:
        with transaction.atomic():
            broadcast_on_commit(workshop, "proposal.created", {"id": 7})
            in_transaction.set()
            assert may_commit.wait(10)

    writing = asyncio.ensure_future(database_sync_to_async(write)())
    await asyncio.to_thread(in_transaction.wait, 10)
    await asyncio.sleep(0.3)
    # Not yet committed: nothing was sent.
    assert not received.done()
    may_commit.set()
    await writing
    message = await asyncio.wait_for(received, 5)
    assert message["type"] == "room.event"
    assert message["seq"] == 1
    assert json.loads(message["frame"])["data"] == {"id": 7}
    await layer.group_discard(room_group(workshop.pk), observer)


def test_broadcast_registers_one_on_commit_callback(workshop, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        broadcast_on_commit(workshop, "a.b", {})
    assert len(callbacks) == 1


def test_facilitator_events_are_replayed_to_facilitators_only(workshop):
    broadcast_on_commit(workshop, "proposal.created", {"id": 1})
    broadcast_on_commit(workshop, "hand.queue", {"queue": []}, audience="facilitators")
    broadcast_on_commit(workshop, "proposal.created", {"id": 2})
    last, frames = replay_since(workshop.pk, 0, facilitator=False, limit=10)
    assert last == 3
    assert [json.loads(f)["seq"] for f in frames] == [1, 3]
    _last, frames = replay_since(workshop.pk, 0, facilitator=True, limit=10)
    assert [json.loads(f)["seq"] for f in frames] == [1, 2, 3]


def test_replay_too_far_behind_or_ahead_means_resync(workshop):
    for i in range(5):
        broadcast_on_commit(workshop, "a.b", {"i": i})
    assert replay_since(workshop.pk, 0, facilitator=False, limit=3) == (5, None)
    assert replay_since(workshop.pk, 9, facilitator=False, limit=3) == (5, None)
    last, frames = replay_since(workshop.pk, 3, facilitator=False, limit=3)
    assert (last, len(frames)) == (5, 2)


def test_unknown_audience_is_refused(workshop):
    with pytest.raises(ValueError):
        broadcast_on_commit(workshop, "a.b", {}, audience="everyone")


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_get_gapless_numbers_in_commit_order(workshop):
    """Eight threads each commit ten events: 1..80, and the stored order is the commit order."""
    commits: list[int] = []
    out_of_order: list[int] = []
    lock = threading.Lock()
    errors: list[BaseException] = []

    def writer() -> None:
        try:
            for _ in range(10):
                with transaction.atomic():
                    broadcast_on_commit(workshop.pk, "a.b", {})
                    seq = RoomEvent.objects.for_room(workshop.pk).last().seq
                    transaction.on_commit(lambda seq=seq: _record(seq))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            close_old_connections()

    def _record(seq: int) -> None:
        # Right after my commit, every smaller number is committed too (readers never see a hole).
        if RoomEvent.objects.filter(workshop_id=workshop.pk, seq__lte=seq).count() != seq:
            out_of_order.append(seq)
        with lock:
            commits.append(seq)

    threads = [threading.Thread(target=writer) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert sorted(commits) == list(range(1, 81))
    assert out_of_order == []
