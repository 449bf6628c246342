"""The room socket: ``/ws/workshops/<slug>/``.

It only translates frames (the design's protocol)::

    server → client  {"type": "proposal.created", "seq": 42, "data": {…}}
                     {"type": "ack", "ref": "c-17", "data": {…}}
                     {"type": "error", "ref": "c-17", "code": "…", "message": "…"}
                     {"type": "ready", "data": {"seq": 42, …}}   after connect and replay
                     {"type": "resync", "data": {"seq": 42}}      too far behind: reload
                     {"type": "presence", "data": {"total": …, "colleges": {…}}}
    client → server  {"action": "proposal.create", "ref": "c-17", "data": {…}}

Access is checked by ``workshops.selectors.get_workshop_for_user`` (the same
as the room page); actions go to the handlers registered in
``realtime.actions``, which call the services: one connection's actions run
one after another while its frames go on being read; beyond
``REALTIME_ACTIONS_IN_FLIGHT`` of them (running or waiting) an action is
answered ``{"type": "error", "code": "busy"}`` and the page sends it again.
Room events come from the process's ``RoomHub``, not from a channel-layer
message per consumer. The consumer's own channel serves the user group
(``realtime.users.user_group``): a
``user.disconnect`` message there (logout, account deletion, removal from
a workshop, rights taken away: ``realtime.rights``) closes the socket with
code 4001. The rights read at connect only choose what the socket receives;
every action's service reads them again.
"""

from __future__ import annotations

import asyncio
import collections
import json
import logging
import random
import time
from urllib.parse import parse_qs

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.utils.translation import gettext as _

from ops import metrics
from ops.context import clean_request_id, request_id_var
from project.errors import DomainError
from realtime import actions, conf
from realtime.auth import RAW_SEND, resolve_user, session_user_id
from realtime.broadcast import encode
from realtime.hub import ClientStream, get_hub, replay_since
from realtime.presence import Member
from realtime.users import user_group
from workshops.selectors import get_workshop_for_user, participation_with_user

logger = logging.getLogger(__name__)

CLOSE_DISCONNECTED = 4001  # user.disconnect: logged out, deleted, removed from the workshop
CLOSE_FORBIDDEN = 4003
CLOSE_NOT_FOUND = 4004
CLOSE_TOO_SLOW = 4008  # the bounded queue overflowed: reconnect with ?since=
# Seconds between retries of joining the user group when the layer failed, then (the last
# one) between retries until it works.
USER_GROUP_RETRIES = (1, 3, 10, 30, 60)
# Seconds between renewals of a socket's user-group membership (give or take 20 %): the core
# Redis layer forgets a membership after a day (group_expiry), and every membership when
# Redis restarts; a logout or a removal elsewhere must still close the socket.
USER_GROUP_RENEW_SECONDS = 300


def _load_access(scope, slug: str):
    """Who connects (session, user) and their access to the room, in one worker-thread call.

    A participant (most sockets) costs one query after the session (from the cache): their
    participation, user and workshop together (``participation_with_user``, with the
    session's user id), then the same checks as a page (the session's hash, an active
    account, ``get_workshop_for_user``'s rules). Others: the user, then the workshop."""
    user_id = session_user_id(scope)
    participation = participation_with_user(user_id, slug) if user_id is not None else None
    user = resolve_user(scope, participation.user if participation is not None else None)
    if user_id is not None and user.is_authenticated and user.pk == user_id:
        access = get_workshop_for_user(user, slug, participation=participation)
    else:
        access = get_workshop_for_user(user, slug)
    # Resolve lazy attributes here, in the worker thread, not in the event loop.
    if user.is_authenticated:
        _ = user.college
    return access


class TokenBucket:
    """Messages per second per connection, with a burst."""

    def __init__(self, rate: float, burst: int) -> None:
        self.rate, self.capacity = rate, burst
        self.tokens = float(burst)
        self.at = time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.capacity, self.tokens + (now - self.at) * self.rate)
        self.at = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


class RoomConsumer(AsyncWebsocketConsumer):
    stream: ClientStream | None = None
    access = None
    _runner: asyncio.Future | None = None

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # This connection's accepted actions: the first one runs, the others wait their turn
        # (at most REALTIME_ACTIONS_IN_FLIGHT in all; beyond, the action is answered « busy »).
        self._actions: collections.deque = collections.deque()

    async def dispatch(self, message: dict) -> None:
        """Channels' dispatch without its ``aclose_old_connections()`` before every message.

        That call is a trip to the process's one thread-sensitive thread: every frame of every
        socket queued there (19–28 % of py-spy samples under the vote load). This consumer
        touches the database only through ``database_sync_to_async`` (here and in
        ``votes.batch``), which closes stale connections in the thread that uses them.
        """
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def connect(self) -> None:
        # The socket's request id (the proxy's X-Request-ID, else a new one) for the logs of
        # everything this connection does, and of the tasks its actions queue: this
        # consumer runs in its own asyncio task, so the context variable is its own.
        headers = dict(self.scope.get("headers") or ())
        request_id_var.set(clean_request_id(headers.get(b"x-request-id", b"").decode("latin-1")))
        slug = self.scope["url_route"]["kwargs"]["slug"]
        try:
            # Not the thread-sensitive thread: hundreds of sockets arrive at once when a room
            # fills, and these reads need no ordering with anything else.
            self.access = await database_sync_to_async(_load_access, thread_sensitive=False)(
                self.scope, slug
            )
        except DomainError as error:
            await self.close(code=CLOSE_NOT_FOUND if error.status == 404 else CLOSE_FORBIDDEN)
            return
        self.user = self.scope["user"]
        self.workshop = self.access.workshop
        self.bucket = TokenBucket(
            conf.get("REALTIME_RATE_PER_SECOND"), conf.get("REALTIME_RATE_BURST")
        )
        await self.accept()

        if self.user.is_authenticated:
            # If the layer (Redis) is down or swamped (a reconnect storm), the room still works
            # from the database; the membership is retried, then renewed, in the background.
            joined = await self._join_user_group()
            self._schedule_user_group(failures=0 if joined else 1)

        self.stream = ClientStream(
            self.scope.get(RAW_SEND, self.base_send),
            facilitator=self.access.is_facilitator,
            on_overflow=self._too_slow,
        )
        room = await get_hub().attach(self.workshop.pk, self.stream, self._member())
        last = await self._catch_up(room)
        await self.send(
            text_data=encode(
                {
                    "type": "ready",
                    "data": {"seq": last, "facilitator": self.access.is_facilitator},
                }
            )
        )
        if room.presence_frame:
            self.stream.offer(None, "room", room.presence_frame)

    def _member(self) -> Member | None:
        """Who this connection counts as in the room's presence (None: not counted)."""
        participant = self.access.participant
        if participant is None and not self.access.is_facilitator:
            return None
        return Member(
            user_id=self.user.pk,
            college=participant.college if participant else self.user.college,
            attendance=participant.attendance if participant else "on_site",
            facilitator=self.access.is_facilitator,
        )

    async def _catch_up(self, room) -> int:
        """Replay what the client missed since ``?since=`` (or tell it to resync), then go
        live; returns the last sequence number it has."""
        since = self._since()
        if since is None:
            # A fresh client (its page was rendered from the database just now) starts here.
            self.stream.go_live(room.next_seq - 1)
            return room.next_seq - 1
        last, frames = await database_sync_to_async(replay_since, thread_sensitive=False)(
            self.workshop.pk,
            since,
            facilitator=self.access.is_facilitator,
            limit=conf.get("REALTIME_REPLAY_MAX"),
        )
        if frames is None:
            metrics.ROOM_RESYNCS.inc()
            await self.send(text_data=encode({"type": "resync", "data": {"seq": last}}))
        else:
            metrics.ROOM_REPLAYED.inc(len(frames))
            for frame in frames:
                await self.send(text_data=frame)
        self.stream.go_live(last)
        return last

    _user_group_timer: asyncio.TimerHandle | None = None
    _user_group_task: asyncio.Future | None = None

    async def _join_user_group(self) -> bool:
        hub = get_hub()
        try:
            async with hub.layer_ops:
                await asyncio.wait_for(
                    self.channel_layer.group_add(user_group(self.user.pk), self.channel_name),
                    timeout=2,
                )
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.warning("group_add of user.%s failed", self.user.pk, exc_info=True)
            return False
        return True

    def _schedule_user_group(self, *, failures: int) -> None:
        """Join the user group again later: soon after a failure, else in a few minutes.

        A timer, not a sleeping task per socket: thousands of sockets wait on it."""
        if failures:
            delay = USER_GROUP_RETRIES[min(failures, len(USER_GROUP_RETRIES)) - 1]
        else:
            delay = USER_GROUP_RENEW_SECONDS * random.uniform(0.8, 1.2)
        self._user_group_timer = asyncio.get_running_loop().call_later(
            delay, self._renew_user_group, failures
        )

    def _renew_user_group(self, failures: int) -> None:
        self._user_group_timer = None
        self._user_group_task = asyncio.ensure_future(self._rejoin_user_group(failures))

    async def _rejoin_user_group(self, failures: int) -> None:
        joined = await self._join_user_group()
        self._user_group_task = None
        self._schedule_user_group(failures=0 if joined else failures + 1)

    def _since(self) -> int | None:
        query = parse_qs(self.scope.get("query_string", b"").decode("latin-1"))
        values = query.get("since")
        if not values:
            return None
        try:
            return max(0, int(values[0]))
        except ValueError:
            return 0

    def _too_slow(self) -> None:
        asyncio.ensure_future(self.close(code=CLOSE_TOO_SLOW, reason="too slow"))

    async def disconnect(self, code: int) -> None:
        if self._runner is not None and not self._runner.done():
            # The running action ends (its service may have committed); the waiting ones
            # are dropped, as they would be had the socket closed before they were sent.
            while len(self._actions) > 1:
                self._actions.pop()
            await asyncio.gather(self._runner, return_exceptions=True)
        if self._user_group_timer is not None:
            self._user_group_timer.cancel()
        if self._user_group_task is not None:
            self._user_group_task.cancel()
        if self.stream is not None:
            await get_hub().detach(self.workshop.pk, self.stream)
        if self.access is not None and self.user.is_authenticated:
            hub = get_hub()
            try:
                async with hub.layer_ops:
                    await self.channel_layer.group_discard(
                        user_group(self.user.pk), self.channel_name
                    )
            except Exception:
                logger.warning("group_discard of user.%s failed", self.user.pk, exc_info=True)

    # --- client → server ---------------------------------------------------------------------

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if text_data is None:
            await self._error(None, "binary", _("Seuls les messages texte (JSON) sont acceptés."))
            return
        if len(text_data) > conf.get("REALTIME_MAX_FRAME"):
            await self._error(None, "too_large", _("Message trop long."))
            return
        if not self.bucket.take():
            await self._error(
                _peek_ref(text_data), "rate_limited", _("Trop de messages : ralentissez un peu.")
            )
            return
        try:
            frame = json.loads(text_data)
        except ValueError:
            await self._error(None, "malformed", _("Message illisible (JSON attendu)."))
            return
        if not isinstance(frame, dict):
            await self._error(None, "malformed", _("Message illisible (objet JSON attendu)."))
            return
        ref = frame.get("ref")
        if ref is not None and not (isinstance(ref, str | int) and len(str(ref)) <= 64):
            await self._error(None, "malformed", _("Référence de message invalide."))
            return
        action, data = frame.get("action"), frame.get("data", {})
        if not isinstance(action, str) or not isinstance(data, dict):
            await self._error(
                ref, "malformed", _("Message incomplet : action et données attendues.")
            )
            return
        handler = actions.get_handler(action)
        if handler is None:
            await self._error(ref, "unknown_action", _("Action inconnue."))
            return
        if len(self._actions) >= conf.get("REALTIME_ACTIONS_IN_FLIGHT"):
            # The client keeps reading (its pings answered) while its earlier actions run:
            # it is told to retry instead of its frames piling up behind slow handlers.
            metrics.SOCKET_ACTIONS_BUSY.inc()
            await self._error(
                ref, "busy", _("Le serveur traite encore vos actions précédentes : réessayez.")
            )
            return
        client_key = frame.get("client_key") or data.get("client_key") or ""
        ctx = actions.ActionContext(
            user=self.user,
            workshop=self.workshop,
            participant=self.access.participant,
            client_key=str(client_key)[:64],
            is_facilitator=self.access.is_facilitator,
            scope=self.scope,
        )
        self._actions.append((action, handler, ctx, data, ref))
        if self._runner is None or self._runner.done():
            self._runner = asyncio.ensure_future(self._run_actions())

    async def _run_actions(self) -> None:
        """Run the queued actions of this connection one after another, in their order (a
        reaction toggled twice ends as the client meant), while ``receive`` goes on reading."""
        while self._actions:
            action, handler, ctx, data, ref = self._actions[0]
            try:
                await self._run_action(action, handler, ctx, data, ref)
            except Exception:  # the socket went away while answering: nothing to tell
                logger.debug("socket action %s: answer not sent", action, exc_info=True)
            finally:
                self._actions.popleft()

    async def _run_action(self, action: str, handler, ctx, data: dict, ref) -> None:
        try:
            # Off the single thread-sensitive thread: actions of different connections run
            # side by side, each thread with its own database connection (one connection's
            # frames still run one after another: ``_run_actions`` takes them in turn).
            # py-spy showed every ballot of a process queued on that one thread.
            if asyncio.iscoroutinefunction(handler):
                # An async handler does its own database work off the loop (votes.batch).
                result = await handler(ctx, data)
            else:
                result = await database_sync_to_async(handler, thread_sensitive=False)(ctx, data)
        except DomainError as error:
            await self._error(ref, error.code, str(error.message))
            return
        except Exception:
            logger.exception("socket action %s failed", action)
            await self._error(ref, "server_error", _("Erreur inattendue ; réessayez."))
            return
        await self.send(text_data=encode({"type": "ack", "ref": ref, "data": result or {}}))

    async def _error(self, ref, code: str, message: str) -> None:
        await self.send(
            text_data=encode({"type": "error", "ref": ref, "code": code, "message": message})
        )

    # --- channel-layer messages to this connection -------------------------------------------

    async def user_disconnect(self, event: dict) -> None:
        workshop = event.get("workshop")
        if workshop is None or workshop == self.workshop.pk:
            await self.close(code=CLOSE_DISCONNECTED)


def _peek_ref(text: str):
    try:
        frame = json.loads(text)
    except ValueError:
        return None
    ref = frame.get("ref") if isinstance(frame, dict) else None
    return ref if isinstance(ref, str | int) and len(str(ref)) <= 64 else None
