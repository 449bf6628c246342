"""The room socket with Channels' WebsocketCommunicator: access, protocol, replay, limits."""

from __future__ import annotations

import asyncio
import json
import threading

import pytest
from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from channels.sessions import InstanceSessionWrapper
from django.test import override_settings
from django.utils import timezone

from project.errors import DomainError
from realtime.actions import register
from realtime.broadcast import broadcast_on_commit
from realtime.hub import get_hub
from tests.realtime.helpers import communicator, connect_ready, next_event, receive
from tests.workshops.factories import ParticipantFactory
from workshops.models import Visibility

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("hub_cleanup")]


@register("test.echo")
def _echo(ctx, data: dict) -> dict:
    if data.get("fail"):
        raise DomainError("nope", "Refusé pour le test.")
    if data.get("crash"):
        raise RuntimeError("bug")
    return {"echo": data.get("text"), "user": ctx.user.pk, "key": ctx.client_key}


broadcast = database_sync_to_async(broadcast_on_commit)


async def test_a_participant_connects_and_gets_ready_with_the_last_seq(workshop, participant):
    await broadcast(workshop, "a.b", {})
    comm = await communicator(workshop.slug, participant.user)
    replayed, ready = await connect_ready(comm)
    assert replayed == []
    assert ready["data"] == {"seq": 1, "facilitator": False}
    await comm.disconnect()


async def test_events_reach_connected_clients_in_order(workshop, participant, facilitator):
    a = await communicator(workshop.slug, participant.user)
    b = await communicator(workshop.slug, facilitator)
    await connect_ready(a)
    _r, ready = await connect_ready(b)
    assert ready["data"]["facilitator"] is True
    for i in range(5):
        await broadcast(workshop, "proposal.created", {"i": i})
    for comm in (a, b):
        frames = [await next_event(comm) for _ in range(5)]
        assert [f["seq"] for f in frames] == [1, 2, 3, 4, 5]
        assert [f["data"]["i"] for f in frames] == [0, 1, 2, 3, 4]
    await a.disconnect()
    await b.disconnect()


async def test_facilitator_only_events_skip_participants(workshop, participant, facilitator):
    a = await communicator(workshop.slug, participant.user)
    b = await communicator(workshop.slug, facilitator)
    await connect_ready(a)
    await connect_ready(b)
    await broadcast(workshop, "hand.queue", {"queue": [1]}, audience="facilitators")
    await broadcast(workshop, "proposal.created", {})
    assert (await next_event(b))["type"] == "hand.queue"
    assert (await next_event(b))["type"] == "proposal.created"
    frame = await next_event(a)
    assert (frame["type"], frame["seq"]) == ("proposal.created", 2)
    await a.disconnect()
    await b.disconnect()


async def test_reconnect_with_since_replays_missed_events_once_in_order(workshop, participant):
    for i in range(4):
        await broadcast(workshop, "a.b", {"i": i})
    comm = await communicator(workshop.slug, participant.user, since=1)
    replayed, ready = await connect_ready(comm)
    assert [f["seq"] for f in replayed] == [2, 3, 4]
    assert ready["data"]["seq"] == 4
    await broadcast(workshop, "a.b", {"i": 4})
    assert (await next_event(comm))["seq"] == 5
    assert await comm.receive_nothing(0.3)
    await comm.disconnect()


@override_settings(REALTIME_REPLAY_MAX=3)
async def test_a_client_too_far_behind_is_told_to_resync(workshop, participant):
    for _ in range(5):
        await broadcast(workshop, "a.b", {})
    comm = await communicator(workshop.slug, participant.user, since=0)
    connected, _ = await comm.connect()
    assert connected
    frame = await next_event(comm)
    assert frame == {"type": "resync", "data": {"seq": 5}}
    await comm.disconnect()


async def test_private_workshop_refuses_outsiders(workshop, user, other_user):
    await database_sync_to_async(
        lambda: type(workshop).objects.filter(pk=workshop.pk).update(visibility=Visibility.PRIVATE)
    )()
    await database_sync_to_async(ParticipantFactory)(workshop=workshop, user=user, invited=True)
    outsider = await communicator(workshop.slug, other_user)
    connected, code = await outsider.connect()
    assert (connected, code) == (False, 4004)
    anonymous = await communicator(workshop.slug)
    connected, code = await anonymous.connect()
    assert (connected, code) == (False, 4004)
    invited = await communicator(workshop.slug, user)
    await connect_ready(invited)
    await invited.disconnect()


async def test_a_removed_participant_is_refused(workshop, participant):
    participant.removed_at = timezone.now()
    await database_sync_to_async(participant.save)()
    comm = await communicator(workshop.slug, participant.user)
    assert await comm.connect() == (False, 4003)


async def test_a_foreign_origin_is_refused(workshop, participant):
    comm = await communicator(workshop.slug, participant.user, origin="https://evil.example")
    connected, _code = await comm.connect()
    assert not connected


async def test_unknown_workshop_is_refused(db, user):
    comm = await communicator("nope", user)
    assert await comm.connect() == (False, 4004)


async def test_actions_are_acked_with_the_ref_and_errors_carry_code_and_message(
    workshop, participant
):
    comm = await communicator(workshop.slug, participant.user)
    await connect_ready(comm)
    await comm.send_json_to(
        {"action": "test.echo", "ref": "c-1", "data": {"text": "salut", "client_key": "k1"}}
    )
    assert await next_event(comm) == {
        "type": "ack",
        "ref": "c-1",
        "data": {"echo": "salut", "user": participant.user.pk, "key": "k1"},
    }
    await comm.send_json_to({"action": "test.echo", "ref": "c-2", "data": {"fail": True}})
    assert await next_event(comm) == {
        "type": "error",
        "ref": "c-2",
        "code": "nope",
        "message": "Refusé pour le test.",
    }
    await comm.send_json_to({"action": "test.echo", "ref": "c-3", "data": {"crash": True}})
    error = await next_event(comm)
    assert (error["ref"], error["code"]) == ("c-3", "server_error")
    await comm.send_json_to({"action": "no.such", "ref": "c-4"})
    error = await next_event(comm)
    assert (error["ref"], error["code"]) == ("c-4", "unknown_action")
    await comm.disconnect()


@pytest.mark.parametrize(
    "raw, code",
    [
        ("{not json", "malformed"),
        ("[1, 2]", "malformed"),
        ('{"action": 3}', "malformed"),
        ('{"action": "test.echo", "data": "x"}', "malformed"),
        ('{"action": "test.echo", "ref": {"a": 1}}', "malformed"),
        ("x" * 9000, "too_large"),
    ],
)
async def test_malformed_and_oversized_frames_get_an_error_and_the_socket_lives_on(
    workshop, participant, raw, code
):
    comm = await communicator(workshop.slug, participant.user)
    await connect_ready(comm)
    await comm.send_to(text_data=raw)
    assert (await next_event(comm))["code"] == code
    await comm.send_json_to({"action": "test.echo", "ref": "ok", "data": {"text": "encore"}})
    assert (await next_event(comm))["data"]["echo"] == "encore"
    await comm.disconnect()


async def test_binary_frames_are_refused(workshop, participant):
    comm = await communicator(workshop.slug, participant.user)
    await connect_ready(comm)
    await comm.send_to(bytes_data=b"\x00\x01")
    assert (await next_event(comm))["code"] == "binary"
    await comm.disconnect()


@override_settings(REALTIME_RATE_PER_SECOND=1, REALTIME_RATE_BURST=3)
async def test_messages_over_the_rate_limit_are_refused_and_change_nothing(workshop, participant):
    comm = await communicator(workshop.slug, participant.user)
    await connect_ready(comm)
    for i in range(5):
        await comm.send_json_to({"action": "test.echo", "ref": f"r{i}", "data": {"text": i}})
    # A refusal is answered at once, an ack once its action has run: match them by ref.
    frames = sorted([await next_event(comm) for _ in range(5)], key=lambda f: f["ref"])
    assert [f["type"] for f in frames] == ["ack", "ack", "ack", "error", "error"]
    assert frames[3]["code"] == "rate_limited"
    assert frames[3]["ref"] == "r3"
    await comm.disconnect()


async def test_user_disconnect_closes_the_socket_with_4001(workshop, participant):
    comm = await communicator(workshop.slug, participant.user)
    await connect_ready(comm)
    await get_channel_layer().group_send(
        f"user.{participant.user.pk}", {"type": "user.disconnect", "reason": "logout"}
    )
    output = await comm.receive_output(timeout=3)
    while output["type"] != "websocket.close":
        output = await comm.receive_output(timeout=3)
    assert output["code"] == 4001


async def test_a_disconnect_for_another_workshop_leaves_this_socket_open(workshop, participant):
    comm = await communicator(workshop.slug, participant.user)
    await connect_ready(comm)
    await get_channel_layer().group_send(
        f"user.{participant.user.pk}", {"type": "user.disconnect", "workshop": workshop.pk + 1000}
    )
    await broadcast(workshop, "a.b", {})
    assert (await next_event(comm))["seq"] == 1
    await comm.disconnect()


async def test_presence_counts_participants_by_college(workshop, participant, facilitator):
    from tests.factories import UserFactory

    firm = await database_sync_to_async(UserFactory)(college="enterprises")
    await database_sync_to_async(ParticipantFactory)(
        workshop=workshop, user=firm, attendance="online"
    )
    a = await communicator(workshop.slug, participant.user)
    b = await communicator(workshop.slug, firm)
    c = await communicator(workshop.slug, facilitator)
    for comm in (a, b, c):
        await connect_ready(comm)
    expected = {
        "total": 2,
        "facilitators": 1,
        "colleges": {"citizens": 1, "enterprises": 1},
        "attendance": {"on_site": 1, "online": 1},
    }
    deadline = asyncio.get_running_loop().time() + 5
    data = None
    while asyncio.get_running_loop().time() < deadline:
        frame = await receive(a)
        if frame["type"] == "presence":
            data = frame["data"]
            if data == expected:
                break
    assert data == expected
    await b.disconnect()
    while True:
        frame = await receive(a)
        if frame["type"] == "presence" and frame["data"]["total"] == 1:
            break
    assert frame["data"]["colleges"] == {"citizens": 1}
    await a.disconnect()
    await c.disconnect()


@override_settings(REALTIME_PRESENCE_TTL=1, REALTIME_PRESENCE_HEARTBEAT=100)
async def test_presence_expires_when_a_connection_stops_refreshing(workshop, participant, user):
    """A laptop that went away without closing: its entry is not refreshed and disappears."""
    watcher_user = await database_sync_to_async(
        lambda: ParticipantFactory(workshop=workshop).user
    )()
    comm = await communicator(workshop.slug, participant.user)
    await connect_ready(comm)
    watcher = await communicator(workshop.slug, watcher_user)
    await connect_ready(watcher)
    totals = []
    deadline = asyncio.get_running_loop().time() + 6
    while asyncio.get_running_loop().time() < deadline:
        if await watcher.receive_nothing(0.5):
            continue
        frame = await receive(watcher)
        if frame["type"] == "presence":
            totals.append(frame["data"]["total"])
            if totals[-1] == 0 and 2 in totals:
                break
    # Both were counted, then nobody refreshed (heartbeat 100 s, TTL 1 s): the count drops to 0.
    assert 2 in totals and totals[-1] == 0
    await comm.disconnect()
    await watcher.disconnect()


def test_frames_are_valid_json_envelopes():
    from realtime.broadcast import encode

    assert json.loads(encode({"type": "a", "seq": 1, "data": {"é": "à"}}))["data"] == {"é": "à"}


async def test_frames_do_not_wait_for_the_thread_sensitive_thread(workshop, participant):
    """Channels' stock dispatch trips to the process's one thread-sensitive thread before
    every message; while that thread is busy, every socket's frames would wait behind it."""
    comm = await communicator(workshop.slug, participant.user)
    await connect_ready(comm)
    release = threading.Event()
    busy = asyncio.ensure_future(sync_to_async(release.wait, thread_sensitive=True)(10))
    try:
        await asyncio.sleep(0.05)
        assert not busy.done()
        await comm.send_to(text_data="{not json")
        assert (await next_event(comm))["code"] == "malformed"
        await comm.send_json_to({"action": "test.echo", "ref": "t", "data": {"text": "vite"}})
        assert (await next_event(comm))["data"]["echo"] == "vite"
        assert not busy.done()
    finally:
        release.set()
        await busy
    await comm.disconnect()


async def test_room_frames_skip_the_session_wrapper_and_still_arrive(workshop, participant):
    """The room's stream writes with the server's own send (``RAW_SEND``), not through
    Channels' session wrapper, which only acts on ``http.response.start``."""
    comm = await communicator(workshop.slug, participant.user)
    await connect_ready(comm)
    room = get_hub().rooms[workshop.pk]
    (stream,) = room.streams
    assert not isinstance(getattr(stream._send, "__self__", None), InstanceSessionWrapper)
    await broadcast(workshop, "proposal.created", {"i": 1})
    assert (await next_event(comm))["data"] == {"i": 1}
    await comm.disconnect()


_gate = threading.Event()


@register("test.wait")
def _wait(ctx, data: dict) -> dict:
    _gate.wait(10)
    return {"n": data.get("n")}


@override_settings(REALTIME_ACTIONS_IN_FLIGHT=2)
async def test_actions_beyond_the_in_flight_cap_are_answered_busy_and_the_socket_reads_on(
    workshop, participant
):
    """A connection whose actions are slow gets « busy » for the extra ones at once (its
    client keeps reading and retries) instead of its frames piling up unread."""
    _gate.clear()
    comm = await communicator(workshop.slug, participant.user)
    await connect_ready(comm)
    try:
        for n in range(3):
            await comm.send_json_to({"action": "test.wait", "ref": f"w{n}", "data": {"n": n}})
        busy = await next_event(comm)
        assert (busy["type"], busy["ref"], busy["code"]) == ("error", "w2", "busy")
        assert busy["message"]
        # Frames that run no action are still answered while the two actions wait.
        await comm.send_to(text_data="{not json")
        assert (await next_event(comm))["code"] == "malformed"
    finally:
        _gate.set()
    # The accepted actions end in the order they were sent; then the socket takes more.
    assert [await next_event(comm) for _ in range(2)] == [
        {"type": "ack", "ref": "w0", "data": {"n": 0}},
        {"type": "ack", "ref": "w1", "data": {"n": 1}},
    ]
    await comm.send_json_to({"action": "test.wait", "ref": "w3", "data": {"n": 3}})
    assert await next_event(comm) == {"type": "ack", "ref": "w3", "data": {"n": 3}}
    await comm.disconnect()


@override_settings(REALTIME_ACTIONS_IN_FLIGHT=3)
async def test_a_socket_closed_with_actions_waiting_ends_the_running_one_only(
    workshop, participant
):
    ran = []

    @register("test.count")
    def _count(ctx, data: dict) -> dict:
        _gate.wait(10)
        ran.append(data["n"])
        return {}

    _gate.clear()
    comm = await communicator(workshop.slug, participant.user)
    await connect_ready(comm)
    for n in range(3):
        await comm.send_json_to({"action": "test.count", "ref": f"c{n}", "data": {"n": n}})
    await asyncio.sleep(0.2)
    closing = asyncio.ensure_future(comm.disconnect())
    await asyncio.sleep(0.2)
    _gate.set()
    await closing
    assert ran == [0]
