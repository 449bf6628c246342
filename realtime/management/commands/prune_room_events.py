"""Delete the room events no client can still be replayed (meant for a daily timer).

A reconnecting client asks for the events after the last one it saw
(``hub.replay_since``); when more than ``REALTIME_REPLAY_MAX`` of them are
visible to it, it is told to resync (reload the page) instead. So once a room
holds more than ``REALTIME_REPLAY_MAX`` newer events visible to everyone,
the older ones can never be replayed: a client that would need one gets a
resync either way. The command keeps, per room, the newest
``REALTIME_EVENTS_KEEP`` events the whole room sees (and everything after the
oldest of them, facilitator-only events included), and every event younger than
``REALTIME_EVENTS_MIN_AGE_HOURS``. The latest event of a room is always kept;
the sequence itself lives in ``RoomSequence`` and is not touched.

Closed workshops follow the same rule: their room still accepts connections,
and replay does not notice a missing first event, so pruning a closed room
further would make a late reconnect replay an incomplete list.
"""

from __future__ import annotations

from datetime import timedelta

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from realtime import conf
from realtime.models import Audience, RoomEvent, RoomSequence


def keep_count() -> int:
    return max(conf.get("REALTIME_EVENTS_KEEP"), conf.get("REALTIME_REPLAY_MAX") + 1)


def prunable(workshop_id: int, *, keep: int, before) -> tuple[int | None, int]:
    """The seq below which events of the room may go (None: none), and how many would."""
    cutoff = (
        RoomEvent.objects.filter(workshop_id=workshop_id, audience=Audience.ROOM)
        .order_by("-seq")
        .values_list("seq", flat=True)[keep - 1 : keep]
        .first()
    )
    if cutoff is None:
        return None, 0
    qs = RoomEvent.objects.filter(workshop_id=workshop_id, seq__lt=cutoff, created_at__lt=before)
    return cutoff, qs.count()


def prune_room(workshop_id: int, *, cutoff: int, before, batch: int) -> int:
    """Delete in short transactions of at most ``batch`` rows (no long lock on a big table)."""
    deleted = 0
    while True:
        with transaction.atomic():
            ids = list(
                RoomEvent.objects.filter(
                    workshop_id=workshop_id, seq__lt=cutoff, created_at__lt=before
                )
                .order_by("seq")
                .values_list("pk", flat=True)[:batch]
            )
            if not ids:
                return deleted
            deleted += RoomEvent.objects.filter(pk__in=ids).delete()[0]


class Command(BaseCommand):
    help = "Supprime les événements de salle qu'aucun client ne peut plus rejouer."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Compter sans supprimer.")
        parser.add_argument(
            "--batch", type=int, default=5000, help="Lignes supprimées par transaction."
        )

    def handle(self, *args, dry_run: bool = False, batch: int = 5000, **options):
        keep = keep_count()
        before = timezone.now() - timedelta(hours=conf.get("REALTIME_EVENTS_MIN_AGE_HOURS"))
        # Only rooms that ever had more events than are kept can have some to prune.
        rooms = (
            RoomSequence.objects.filter(last_seq__gt=keep)
            .order_by("workshop_id")
            .values_list("workshop_id", flat=True)
        )
        total = touched = 0
        for workshop_id in rooms.iterator():
            cutoff, count = prunable(workshop_id, keep=keep, before=before)
            if not count:
                continue
            if not dry_run:
                count = prune_room(workshop_id, cutoff=cutoff, before=before, batch=batch)
            total += count
            touched += 1
            self.stdout.write(f"Salle {workshop_id} : {count} événement(s) avant le n° {cutoff}.")
        verb = "à supprimer" if dry_run else "supprimés"
        self.stdout.write(
            f"Événements {verb} : {total} dans {touched} salle(s) ({keep} gardés par salle)."
        )
