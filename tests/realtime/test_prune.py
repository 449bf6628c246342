"""prune_room_events: what it deletes, what it keeps, and that replay stays right after it."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from channels.db import database_sync_to_async
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from realtime.broadcast import broadcast_on_commit
from realtime.hub import replay_since
from realtime.models import Audience, RoomEvent
from tests.realtime.helpers import communicator, connect_ready, next_event
from tests.workshops.factories import WorkshopFactory

PRUNE = {"REALTIME_REPLAY_MAX": 3, "REALTIME_EVENTS_KEEP": 4, "REALTIME_EVENTS_MIN_AGE_HOURS": 24}


def emit(workshop, n: int, *, audience=Audience.ROOM, age_hours: float = 48) -> None:
    for _ in range(n):
        broadcast_on_commit(workshop, "a.b", {}, audience=audience)
    RoomEvent.objects.filter(
        workshop=workshop, created_at__gte=timezone.now() - timedelta(minutes=5)
    ).update(created_at=timezone.now() - timedelta(hours=age_hours))


def prune(*args) -> str:
    out = StringIO()
    call_command("prune_room_events", *args, stdout=out)
    return out.getvalue()


def seqs(workshop) -> list[int]:
    return list(RoomEvent.objects.for_room(workshop.pk).values_list("seq", flat=True))


@override_settings(**PRUNE)
@pytest.mark.django_db
def test_keeps_the_newest_events_of_each_room_and_deletes_the_rest():
    big, small = WorkshopFactory(), WorkshopFactory()
    emit(big, 10)
    emit(small, 4)
    out = prune()
    assert seqs(big) == [7, 8, 9, 10]
    assert seqs(small) == [1, 2, 3, 4]
    assert "supprimés : 6 dans 1 salle(s)" in out


@override_settings(**PRUNE)
@pytest.mark.django_db
def test_dry_run_counts_and_deletes_nothing():
    workshop = WorkshopFactory()
    emit(workshop, 10)
    out = prune("--dry-run")
    assert "à supprimer : 6 dans 1 salle(s)" in out
    assert len(seqs(workshop)) == 10


@override_settings(**PRUNE)
@pytest.mark.django_db
def test_small_batches_delete_everything_due():
    workshop = WorkshopFactory()
    emit(workshop, 12)
    prune("--batch", "3")
    assert seqs(workshop) == [9, 10, 11, 12]


@override_settings(**PRUNE)
@pytest.mark.django_db
def test_recent_events_are_kept_however_many():
    workshop = WorkshopFactory()
    emit(workshop, 4, age_hours=48)
    emit(workshop, 6, age_hours=1)
    prune()
    # 1-4 are old and beyond the 4 kept; 5 and 6 are beyond them too but recent.
    assert seqs(workshop) == list(range(5, 11))


@override_settings(**PRUNE)
@pytest.mark.django_db
def test_facilitator_only_events_do_not_count_towards_what_is_kept():
    """A participant does not see them: 4 room events must stay, and all that follows them."""
    workshop = WorkshopFactory()
    emit(workshop, 6)
    emit(workshop, 3, audience=Audience.FACILITATORS)
    emit(workshop, 3)
    emit(workshop, 2, audience=Audience.FACILITATORS)
    prune()
    assert seqs(workshop) == list(range(6, 15))


@override_settings(**{**PRUNE, "REALTIME_EVENTS_KEEP": 1})
@pytest.mark.django_db
def test_never_keeps_fewer_than_a_replay_could_need():
    workshop = WorkshopFactory()
    emit(workshop, 10)
    prune()
    assert seqs(workshop) == [7, 8, 9, 10]


@override_settings(**PRUNE)
@pytest.mark.django_db
def test_replay_after_pruning_is_exact_or_a_resync():
    workshop = WorkshopFactory()
    emit(workshop, 10)
    emit(workshop, 2, audience=Audience.FACILITATORS)
    before = {
        (since, fac): replay_since(workshop.pk, since, facilitator=fac, limit=3)
        for since in range(13)
        for fac in (False, True)
    }
    prune()
    assert seqs(workshop)[0] > 1
    for (since, fac), expected in before.items():
        assert replay_since(workshop.pk, since, facilitator=fac, limit=3) == expected


@override_settings(**PRUNE)
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("hub_cleanup")
async def test_a_client_reconnecting_after_pruning_replays_or_resyncs(workshop, participant):
    await database_sync_to_async(emit)(workshop, 10)
    await database_sync_to_async(prune)()
    assert await database_sync_to_async(seqs)(workshop) == [7, 8, 9, 10]

    behind = await communicator(workshop.slug, participant.user, since=2)
    connected, _ = await behind.connect()
    assert connected
    assert await next_event(behind) == {"type": "resync", "data": {"seq": 10}}
    await behind.disconnect()

    close = await communicator(workshop.slug, participant.user, since=7)
    replayed, ready = await connect_ready(close)
    assert [f["seq"] for f in replayed] == [8, 9, 10]
    assert ready["data"]["seq"] == 10
    # The sequence goes on from RoomSequence: the next event is 11, live.
    await database_sync_to_async(broadcast_on_commit)(workshop, "a.b", {})
    assert (await next_event(close))["seq"] == 11
    await close.disconnect()
