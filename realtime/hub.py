"""The fan-out of a server process: one channel-layer member per room, one writer.

Stock Channels gives every consumer its own channel-layer message for every
broadcast: with 1,000 clients in a room, an event crosses the layer 1,000
times and is decoded and re-encoded 1,000 times. Here each server process
(each event loop) has one ``RoomHub``; the hub has one channel in the group
of every room that has local connections, so an event crosses the layer
once per process, arrives already encoded (``broadcast.encode``), and the
hub's reader task hands the same string to every local connection.

Order and loss: the hub delivers a room's events strictly in sequence. An
event that arrives early waits (``REALTIME_GAP_WAIT_MS``) for the missing
ones, which are then read from the database; a periodic reconciliation
catches an event whose publish was lost with nothing after it. Each client
has a ``ClientStream`` that drops what it already has (replay and live
overlap by design) and keeps a bounded queue when its socket can't keep up;
past the bound the client is disconnected and resumes by replay.

Presence is also kept here: the hub refreshes the entries of its local
connections, and recomputes the counts of a room when any process signals
a change (or every few seconds, so that expired entries show).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
import weakref
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from channels.db import database_sync_to_async
from channels.layers import InMemoryChannelLayer, get_channel_layer

from ops import metrics
from realtime import conf
from realtime.broadcast import encode, room_group
from realtime.models import Audience, RoomEvent, RoomSequence
from realtime.presence import Member, count, make_store

logger = logging.getLogger(__name__)

Send = Callable[[dict], Awaitable[None]]


async def _resume(coro: Any, yielded: Any) -> None:
    """Finish driving a coroutine that suspended on ``yielded`` (see ``ClientStream._write``).

    ``ClientStream._write`` starts a send by hand (``coro.send(None)``) so that a writable
    socket is written with no task at all; when the send suspends, this picks it up where
    it stopped. A coroutine driven by hand that yields an asyncio future has set the
    future's ``_asyncio_future_blocking`` flag (asyncio's protocol between a future and the
    task awaiting it, not a documented interface); a task clears it before waiting, and so
    must we, or asyncio refuses the next ``await`` of that future. No public API serves:
    eager tasks (``asyncio.eager_task_factory``, the public way to run a coroutine until
    its first suspension) arrive with Python 3.12 and still create a task per frame and
    client, the cost this path avoids. tests/realtime/test_hub.py
    (``test_a_send_that_suspends_is_finished_in_order``) pins the behaviour.
    """
    try:
        while True:
            if yielded is None:
                await asyncio.sleep(0)
            else:
                yielded._asyncio_future_blocking = False
                await asyncio.wait([yielded])
            yielded = coro.send(None)
    except StopIteration:
        return
    finally:
        coro.close()


async def _closed_send(message: dict) -> None:
    """A closed stream's send: the connection is gone."""


def _nothing() -> None:
    pass


class ClientStream:
    """What one connection receives: dedup by sequence, replay handover, bounded queue."""

    def __init__(
        self,
        send: Send,
        *,
        facilitator: bool,
        on_overflow: Callable[[], None],
        limit: int | None = None,
    ) -> None:
        self._send = send
        self.facilitator = facilitator
        self._on_overflow = on_overflow
        self._limit = limit or conf.get("REALTIME_CLIENT_QUEUE")
        self.last_seq = 0
        self.replaying = True
        self._backlog: list[tuple[int | None, str]] = []
        self._queue: deque[str] = deque()
        self._writer: asyncio.Future | None = None
        self.closed = False

    def offer(self, seq: int | None, audience: str, frame: str) -> None:
        """Called by the hub's reader for every event of the room, in sequence order."""
        if self.closed or (audience == Audience.FACILITATORS and not self.facilitator):
            return
        if self.replaying:
            self._backlog.append((seq, frame))
            if len(self._backlog) > self._limit:
                self._overflow()
            return
        if seq is not None:
            if seq <= self.last_seq:
                return
            self.last_seq = seq
        self._write(frame)

    def go_live(self, replayed_up_to: int) -> None:
        """End of replay: send what arrived meanwhile and was not replayed, then stream live."""
        self.last_seq = max(self.last_seq, replayed_up_to)
        backlog, self._backlog = self._backlog, []
        self.replaying = False
        for seq, frame in backlog:
            if seq is not None:
                if seq <= self.last_seq:
                    continue
                self.last_seq = seq
            self._write(frame)

    def _write(self, frame: str) -> None:
        if self._writer is not None:
            # The socket is not keeping up: queue, up to the bound.
            self._queue.append(frame)
            if len(self._queue) > self._limit:
                self._overflow()
            return
        # Fast path, no task switch: a writable uvicorn socket completes the send
        # without suspending. Only when it does suspend (the transport is paused
        # by a slow client) does the rest run in a task of its own.
        coro = self._send({"type": "websocket.send", "text": frame})
        try:
            yielded = coro.send(None)
        except StopIteration:
            return
        except Exception:
            coro.close()
            self.closed = True
            return
        self._writer = asyncio.ensure_future(self._drain(coro, yielded))

    async def _drain(self, coro: Any, yielded: Any) -> None:
        try:
            await _resume(coro, yielded)
            while self._queue and not self.closed:
                await self._send({"type": "websocket.send", "text": self._queue.popleft()})
        except Exception:
            self.closed = True
        finally:
            self._writer = None

    def _overflow(self) -> None:
        if self.closed:
            return
        self.closed = True
        self._queue.clear()
        self._backlog.clear()
        self._on_overflow()

    def close(self) -> None:
        self.closed = True
        self._queue.clear()
        self._backlog.clear()
        if self._writer is not None:
            self._writer.cancel()
        # Let go of the connection: ``_send`` and ``_on_overflow`` are bound methods of the
        # consumer, which holds this stream; without this the consumer, its scope, session,
        # user and workshop live on in a reference cycle until the cyclic GC's next full
        # collection (thousands of connections' worth under churn).
        self._send = _closed_send
        self._on_overflow = _nothing


@dataclass
class Room:
    id: int
    streams: set[ClientStream] = field(default_factory=set)
    members: dict[str, Member] = field(default_factory=dict)
    next_seq: int | None = None
    pending: dict[int, tuple[str, str]] = field(default_factory=dict)
    ready: asyncio.Event = field(default_factory=asyncio.Event)
    gap_task: asyncio.Task | None = None
    close_handle: asyncio.TimerHandle | None = None
    presence_dirty: bool = True
    # Local joins/leaves since the last tick: announced to the other processes once a second.
    presence_local_change: bool = False
    presence_frame: str = ""
    presence_at: float = 0.0
    heartbeat_at: float = 0.0
    reconcile_at: float = 0.0
    subscribed_at: float = 0.0


def _events_after(room_id: int, after: int, upto: int | None = None) -> list[tuple[int, str, str]]:
    qs = RoomEvent.objects.for_room(room_id).filter(seq__gt=after)
    if upto is not None:
        qs = qs.filter(seq__lte=upto)
    return list(qs.values_list("seq", "audience", "frame"))


def _last_seq(room_id: int) -> int:
    value = RoomSequence.objects.filter(workshop_id=room_id).values_list("last_seq", flat=True)
    return int(value.first() or 0)


def replay_since(
    room_id: int, since: int, *, facilitator: bool, limit: int
) -> tuple[int, list[str] | None]:
    """The last committed seq and the frames after ``since`` (None: too many, resync)."""
    last = _last_seq(room_id)
    if since > last:
        return last, None
    qs = (
        RoomEvent.objects.for_room(room_id)
        .visible_to(facilitator=facilitator)
        .filter(seq__gt=since, seq__lte=last)
    )
    frames = list(qs.values_list("frame", flat=True)[: limit + 1])
    if len(frames) > limit:
        return last, None
    return last, frames


class RoomHub:
    """One per event loop (a server process): rooms with local connections and their fan-out."""

    def __init__(self) -> None:
        self.layer = get_channel_layer()
        self.channel: str | None = None
        self.rooms: dict[int, Room] = {}
        self.presence = make_store()
        self._reader: asyncio.Task | None = None
        self._ticker: asyncio.Task | None = None
        self._channel_lock = asyncio.Lock()
        # Bounded concurrency towards the layer (a storm of disconnects must not
        # exhaust the Redis connection pool and leave stale group members).
        self.layer_ops = asyncio.Semaphore(32)
        # False while the channel layer (Redis) fails: rooms then follow the database
        # every second and clients show "live updates paused".
        self.layer_ok = True
        # Room id -> (when read, its members): ``present`` below.
        self._present: dict[int, tuple[float, list[Member]]] = {}

    async def present(self, room_id: int, *, max_age: float = 1.0) -> list[Member]:
        """The room's members across processes, read at most once per ``max_age`` seconds.

        The live tallies ask at every snapshot (4 a second per open vote): reading the
        presence hash of a room of 1,000 each time was 5 % of a worker's samples in the
        mixed plenary load. Presence itself changes once a second at most (``_housekeep``)."""
        now = time.monotonic()
        cached = self._present.get(room_id)
        if cached is not None and now - cached[0] < max_age:
            return cached[1]
        members = await self.presence.members(room_id)
        if len(self._present) > 1000:  # rooms come and go: never grow without bound
            self._present.clear()
        self._present[room_id] = (now, members)
        return members

    # --- connections -----------------------------------------------------------------------

    async def attach(self, room_id: int, stream: ClientStream, member: Member | None) -> Room:
        await self._ensure_started()
        room = self.rooms.get(room_id)
        if room is None:
            room = Room(id=room_id)
            self.rooms[room_id] = room
            asyncio.ensure_future(self._open(room))
        if room.close_handle is not None:
            room.close_handle.cancel()
            room.close_handle = None
        room.streams.add(stream)
        metrics.ROOM_CONNECTIONS.labels(room=str(room_id)).set(len(room.streams))
        await room.ready.wait()
        if member is not None:
            key = uuid.uuid4().hex
            stream.presence_key = key  # type: ignore[attr-defined]
            room.members[key] = member
            try:
                await self.presence.touch(room_id, {key: member})
            except Exception:
                # Presence lives in Redis: while it is down, the heartbeat retries.
                logger.warning("presence of room %s unavailable", room_id, exc_info=True)
            room.presence_local_change = True
        if not self.layer_ok:
            stream.offer(None, Audience.ROOM, _live_status_frame(False))
        return room

    async def detach(self, room_id: int, stream: ClientStream) -> None:
        stream.close()
        room = self.rooms.get(room_id)
        if room is None:
            return
        room.streams.discard(stream)
        metrics.ROOM_CONNECTIONS.labels(room=str(room_id)).set(len(room.streams))
        key = getattr(stream, "presence_key", None)
        if key is not None:
            room.members.pop(key, None)
            with contextlib.suppress(Exception):
                await self.presence.remove(room_id, key)
            room.presence_local_change = True
        if not room.streams and room.close_handle is None:
            # Keep the subscription a little: a reconnect storm must not churn the group.
            loop = asyncio.get_running_loop()
            room.close_handle = loop.call_later(
                30, lambda: asyncio.ensure_future(self._close(room))
            )

    async def signal(self, room_id: int, kind: str) -> None:
        """Tell every process of the room (this one included) that ``kind`` changed."""
        if self.layer is None or isinstance(self.layer, InMemoryChannelLayer):
            # One process only: no need to go through the layer (whose group_send scans
            # every channel and group, once per joining client).
            self._on_signal({"room": room_id, "kind": kind})
            return
        try:
            await self.layer.group_send(
                room_group(room_id), {"type": "room.signal", "room": room_id, "kind": kind}
            )
        except Exception:
            logger.exception("signal %s of room %s failed", kind, room_id)

    # --- lifecycle ---------------------------------------------------------------------------

    async def _ensure_started(self) -> None:
        if self._reader is not None and not self._reader.done():
            return
        async with self._channel_lock:
            if self._reader is not None and not self._reader.done():
                return
            if self.layer is not None:
                # The default prefix: channels_redis reads all of a process's channels from one key.
                self.channel = await self.layer.new_channel()
                self._reader = asyncio.ensure_future(self._read())
            else:
                self._reader = asyncio.get_running_loop().create_future()
            self._ticker = asyncio.ensure_future(self._tick())

    async def _subscribe(self, room: Room) -> None:
        """Join the room's group (again: Redis forgets groups when it restarts)."""
        room.subscribed_at = time.monotonic()
        if self.layer is None:
            return
        try:
            async with self.layer_ops:
                await asyncio.wait_for(
                    self.layer.group_add(room_group(room.id), self.channel), timeout=2
                )
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.warning("channel layer unavailable for room %s", room.id, exc_info=True)
            self._set_layer_ok(False)
        else:
            self._set_layer_ok(True)

    def _set_layer_ok(self, ok: bool) -> None:
        if ok == self.layer_ok:
            return
        self.layer_ok = ok
        frame = _live_status_frame(ok)
        for room in self.rooms.values():
            for stream in list(room.streams):
                stream.offer(None, Audience.ROOM, frame)

    async def _open(self, room: Room) -> None:
        try:
            await self._subscribe(room)
            last = await database_sync_to_async(_last_seq)(room.id)
            room.next_seq = last + 1
            room.reconcile_at = time.monotonic()
            self._advance(room)
        finally:
            room.ready.set()

    async def _close(self, room: Room) -> None:
        room.close_handle = None
        if room.streams or self.rooms.get(room.id) is not room:
            return
        del self.rooms[room.id]
        if room.gap_task is not None:
            room.gap_task.cancel()
        if self.layer is not None:
            with contextlib.suppress(Exception):
                async with self.layer_ops:
                    await self.layer.group_discard(room_group(room.id), self.channel)

    # --- the reader: one task per process -------------------------------------------------

    async def _read(self) -> None:
        while True:
            try:
                message = await self.layer.receive(self.channel)
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.warning("room hub receive failed", exc_info=True)
                self._set_layer_ok(False)
                await asyncio.sleep(0.5)
                continue
            kind = message.get("type")
            try:
                if kind == "room.event":
                    self._on_event(message)
                elif kind == "room.signal":
                    self._on_signal(message)
                # Group membership outlives a room's last connection by a few seconds;
                # anything else is ignored.
            except Exception:
                logger.exception("room hub failed on %s", kind)

    def _on_event(self, message: dict) -> None:
        room = self.rooms.get(message.get("room"))
        if room is None:
            return
        seq = int(message["seq"])
        if room.next_seq is not None and seq < room.next_seq:
            return
        room.pending[seq] = (message["audience"], message["frame"])
        if room.next_seq is not None:
            self._advance(room)

    def _on_signal(self, message: dict) -> None:
        room = self.rooms.get(message.get("room"))
        if room is not None and message.get("kind") == "presence":
            room.presence_dirty = True

    def _advance(self, room: Room) -> None:
        """Deliver the consecutive events that are here; wait (briefly) for the missing ones."""
        assert room.next_seq is not None
        for seq in [s for s in room.pending if s < room.next_seq]:
            del room.pending[seq]
        while room.next_seq in room.pending:
            audience, frame = room.pending.pop(room.next_seq)
            streams = list(room.streams)
            for stream in streams:
                stream.offer(room.next_seq, audience, frame)
            metrics.ROOM_EVENTS.inc()
            metrics.ROOM_FRAMES_DELIVERED.inc(len(streams))
            room.next_seq += 1
        if room.pending and (room.gap_task is None or room.gap_task.done()):
            room.gap_task = asyncio.ensure_future(self._fill_gap(room))

    async def _fill_gap(self, room: Room) -> None:
        await asyncio.sleep(conf.get("REALTIME_GAP_WAIT_MS") / 1000)
        if not room.pending or room.next_seq is None:
            return
        await self._fetch(room, upto=max(room.pending))

    async def _fetch(self, room: Room, upto: int | None) -> None:
        start = room.next_seq
        try:
            events = await database_sync_to_async(_events_after)(room.id, start - 1, upto)
        except Exception:
            logger.exception("reading missed events of room %s failed", room.id)
            return
        if events:
            logger.info("room %s: %d events read from the database", room.id, len(events))
            metrics.ROOM_EVENTS_RECOVERED.inc(len(events))
        for seq, audience, frame in events:
            room.pending.setdefault(seq, (audience, frame))
        self._advance(room)

    # --- housekeeping: presence and reconciliation -----------------------------------------

    async def _tick(self) -> None:
        while True:
            await asyncio.sleep(1)
            for room in list(self.rooms.values()):
                try:
                    await self._housekeep(room)
                except asyncio.CancelledError:
                    raise
                except Exception:
                    logger.exception("housekeeping of room %s failed", room.id)

    async def _housekeep(self, room: Room) -> None:
        if room.next_seq is None:
            return
        now = time.monotonic()
        # Renew the group membership now and then (and every 2 s while the layer fails):
        # a Redis restart forgets every group.
        if now - room.subscribed_at >= (30 if self.layer_ok else 2):
            await self._subscribe(room)
        # Without the layer, the database is the only way events arrive: follow it closely.
        reconcile = conf.get("REALTIME_RECONCILE_SECONDS") if self.layer_ok else 1
        if now - room.reconcile_at >= reconcile:
            room.reconcile_at = now
            last = await database_sync_to_async(_last_seq)(room.id)
            if last >= room.next_seq:
                await self._fetch(room, upto=last)
        if room.members and now - room.heartbeat_at >= conf.get("REALTIME_PRESENCE_HEARTBEAT"):
            room.heartbeat_at = now
            await self.presence.touch(room.id, dict(room.members))
        if room.presence_local_change:
            # One signal per second at most, however many people arrive (a room filling up
            # must not cost a layer message per connection).
            room.presence_local_change = False
            room.presence_dirty = True
            await self.signal(room.id, "presence")
        # Recount on a change anywhere, and now and then so that expired entries show.
        stale = now - room.presence_at >= min(10, conf.get("REALTIME_PRESENCE_TTL") / 2)
        if room.presence_dirty or stale:
            room.presence_dirty = False
            room.presence_at = now
            await self.push_presence(room)

    async def push_presence(self, room: Room, *, force: bool = False) -> None:
        members = await self.presence.members(room.id)
        frame = encode({"type": "presence", "data": count(members)})
        if frame != room.presence_frame or force:
            room.presence_frame = frame
            for stream in list(room.streams):
                stream.offer(None, Audience.ROOM, frame)


def _live_status_frame(live: bool) -> str:
    """Not numbered: it describes this connection's server, not the room."""
    return encode({"type": "live.status", "data": {"live": live}})


_hubs: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, RoomHub] = weakref.WeakKeyDictionary()


def get_hub() -> RoomHub:
    loop = asyncio.get_running_loop()
    hub = _hubs.get(loop)
    if hub is None:
        hub = _hubs[loop] = RoomHub()
    return hub


async def shutdown_hub() -> None:
    """The server process stops (ASGI lifespan shutdown): leave every room group now.

    A room left empty leaves its group after a delay (a reconnecting client comes
    back to a subscribed room); a process that exits meanwhile would leave its
    channel in the groups — on the core Redis layer for a day — and every event
    of those rooms would go on filling a channel nobody reads.
    """
    hub = _hubs.get(asyncio.get_running_loop())
    if hub is None:
        return
    if hub.layer is not None and hub.channel is not None:
        for room_id in list(hub.rooms):
            with contextlib.suppress(Exception):
                await asyncio.wait_for(
                    hub.layer.group_discard(room_group(room_id), hub.channel), timeout=2
                )
    await close_hub()


async def close_hub() -> None:
    """Stop this loop's hub (tests: each test has its own event loop)."""
    hub = _hubs.pop(asyncio.get_running_loop(), None)
    if hub is None:
        return
    tasks = [t for t in (hub._reader, hub._ticker) if isinstance(t, asyncio.Task)]
    for room in hub.rooms.values():
        if room.gap_task is not None:
            tasks.append(room.gap_task)
        if room.close_handle is not None:
            room.close_handle.cancel()
    for task in tasks:
        task.cancel()
    # Let the layer's receive() run its cleanup (channels_redis counts its receivers).
    await asyncio.gather(*tasks, return_exceptions=True)
    hub.rooms.clear()
    with contextlib.suppress(Exception):
        await hub.presence.close()
