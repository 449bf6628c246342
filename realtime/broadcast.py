"""Broadcasting room events: numbered and stored inside the transaction, published after commit.

This is the only way a service tells a live room that something changed::

    with transaction.atomic():
        idea = ...                       # the change itself
        broadcast_on_commit(workshop, "proposal.created", {"id": idea.pk, ...})

Inside the caller's transaction the event gets the room's next sequence
number (``UPDATE … RETURNING`` on ``RoomSequence``: the row stays locked until
commit, so numbers follow commit order and a rollback leaves no gap) and is
stored, already encoded, in ``RoomEvent``. After commit, the encoded frame is
sent once to the room's channel-layer group: each server process has one
member in that group (its ``RoomHub``), which writes the same bytes to every
local connection. If the publish fails or a message is dropped, the hubs
notice the gap and read the missing events from the database, so the
database stays the source of truth and no event is lost.

Call it last in the transaction (after the other ``select_for_update``) to
hold the sequence lock as briefly as possible. ``audience="facilitators"``
keeps an event (and its replay) to the facilitators of the room.
"""

from __future__ import annotations

import asyncio
import json
import logging
from functools import partial
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction

from realtime.loops import loop_gone
from realtime.models import Audience, RoomEvent, RoomSequence

logger = logging.getLogger(__name__)

__all__ = ["broadcast_on_commit", "encode", "room_group", "room_last_seq", "publish_ephemeral"]


def room_group(workshop_id: int) -> str:
    """The channel-layer group of a room (one member per server process)."""
    return f"room.{workshop_id}"


def encode(payload: dict[str, Any]) -> str:
    # Compact and UTF-8 as is: the frame goes to every client of the room.
    return json.dumps(payload, cls=DjangoJSONEncoder, ensure_ascii=False, separators=(",", ":"))


def _workshop_id(workshop: Any) -> int:
    return workshop if isinstance(workshop, int) else workshop.pk


def _next_seq(workshop_id: int) -> int:
    table = connection.ops.quote_name(RoomSequence._meta.db_table)
    sql = f"UPDATE {table} SET last_seq = last_seq + 1 WHERE workshop_id = %s RETURNING last_seq"  # noqa: S608 - table name from the model
    for _attempt in range(2):
        with connection.cursor() as cursor:
            cursor.execute(sql, [workshop_id])
            row = cursor.fetchone()
        if row is not None:
            return int(row[0])
        # First event of the room: create its counter (a concurrent creator wins harmlessly).
        RoomSequence.objects.bulk_create(
            [RoomSequence(workshop_id=workshop_id, last_seq=0)], ignore_conflicts=True
        )
    raise RuntimeError(f"no sequence row for workshop {workshop_id}")


def broadcast_on_commit(
    workshop: Any, event_type: str, data: dict, *, audience: str = Audience.ROOM
) -> None:
    """Number, store and (after commit) publish one event of a room.

    ``workshop`` is a Workshop or its primary key. ``data`` must be JSON
    serialisable (DjangoJSONEncoder: dates, decimals, UUIDs are fine) and
    must contain only what every member of ``audience`` may see.
    """
    if audience not in Audience.values:
        raise ValueError(f"unknown audience {audience!r}")
    workshop_id = _workshop_id(workshop)
    # The number and the row together; inside the caller's transaction no savepoint (two
    # statements an event): an error here aborts the caller's write anyway.
    with transaction.atomic(savepoint=False):
        seq = _next_seq(workshop_id)
        frame = encode({"type": event_type, "seq": seq, "data": data})
        RoomEvent.objects.create(
            workshop_id=workshop_id, seq=seq, type=event_type, audience=audience, frame=frame
        )
    transaction.on_commit(partial(_publish, workshop_id, seq, str(audience), frame))


def _publish(workshop_id: int, seq: int, audience: str, frame: str) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    message = {
        "type": "room.event",
        "room": workshop_id,
        "seq": seq,
        "audience": audience,
        "frame": frame,
    }
    try:
        if loop_gone():
            # A flusher thread whose server loop has stopped (realtime.loops.loop_gone).
            asyncio.run(layer.group_send(room_group(workshop_id), message))
        else:
            async_to_sync(layer.group_send)(room_group(workshop_id), message)
    except Exception:
        # Committed but not published: the hubs fetch it from the database
        # when they see the next event or at their next reconciliation.
        logger.exception("publishing event %s of room %s failed", seq, workshop_id)


def publish_ephemeral(workshop_id: int, kind: str) -> None:
    """A signal to every process of a room that is neither numbered nor stored (e.g. presence changed)."""
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(
            room_group(workshop_id), {"type": "room.signal", "room": workshop_id, "kind": kind}
        )
    except Exception:
        logger.exception("publishing signal %s of room %s failed", kind, workshop_id)


def room_last_seq(workshop_id: int) -> int:
    """The sequence number of the last committed event of a room (0 when none)."""
    value = (
        RoomSequence.objects.filter(workshop_id=workshop_id)
        .values_list("last_seq", flat=True)
        .first()
    )
    return int(value or 0)
