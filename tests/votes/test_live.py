"""Live votes over the room socket: actions, coalesced tally snapshots, reveal modes.

Frames are counted to prove coalescing: a burst of ballots gives far fewer
``vote.tally`` frames than ballots, never two closer than the interval, and
always a last one that includes the last ballot.
"""

from __future__ import annotations

import asyncio
import threading
import time

import pytest
from channels.db import database_sync_to_async
from django.core.cache import cache

from tests.realtime.helpers import communicator, connect_ready, receive
from tests.votes.factories import join, option_ids
from tests.workshops.factories import WorkshopFactory
from votes import live
from votes.services import ballot_cast, session_close, session_create, session_open

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("hub_cleanup")]


@pytest.fixture
async def hub_cleanup():
    from channels.layers import channel_layers

    channel_layers.backends.pop("default", None)
    await database_sync_to_async(cache.clear)()
    yield
    from realtime.hub import close_hub

    await close_hub()
    layer = channel_layers.backends.pop("default", None)
    if layer is not None and hasattr(layer, "close_pools"):
        await layer.close_pools()


@database_sync_to_async
def setup_room(facilitator, method="support", n=12, **kwargs):
    ws = WorkshopFactory()
    ws.facilitators.add(facilitator)
    voters = [join(ws, college=["citizens", "enterprises", "elected"][i % 3]) for i in range(n)]
    session = session_create(
        actor=facilitator,
        title="Vote en direct",
        method=method,
        workshop=ws,
        labels=["A", "B", "C"],
        **kwargs,
    )
    live.reset(session.pk)
    return ws, voters, session, option_ids(session)


async def frames_until(comm, predicate, timeout=5.0) -> list[dict]:
    """Every vote.* frame (with its arrival time) until one satisfies ``predicate``."""
    frames = []
    deadline = time.monotonic() + timeout
    while True:
        frame = await receive(comm, max(0.1, deadline - time.monotonic()))
        if frame["type"].startswith("vote."):
            frame["_at"] = time.monotonic()
            frames.append(frame)
            if predicate(frame):
                return frames


async def test_ballots_over_the_socket_are_acked_and_tallies_coalesced(facilitator):
    ws, voters, session, ids = await setup_room(facilitator, n=30)
    observer = await communicator(ws.slug, facilitator)
    await connect_ready(observer)
    await database_sync_to_async(session_open)(session=session, actor=facilitator)
    opened = await frames_until(observer, lambda f: f["type"] == "vote.opened")
    assert opened[-1]["data"]["options"][0]["label"] == "A"

    sockets = []
    for voter in voters:
        comm = await communicator(ws.slug, voter)
        await connect_ready(comm)
        sockets.append(comm)
    # Every voter casts at once, over its own socket.
    for i, comm in enumerate(sockets):
        await comm.send_json_to(
            {
                "action": "vote.cast",
                "ref": f"c-{i}",
                "data": {"session": session.pk, "choices": {str(ids[i % 3]): 1}},
            }
        )
    for i, comm in enumerate(sockets):
        while True:
            frame = await receive(comm)
            if frame["type"] == "ack":
                assert frame["ref"] == f"c-{i}"
                assert frame["data"]["status"] == "recorded"
                break
            assert frame["type"] != "error", frame

    # The flushers done, the session closes: the close shows the final tally.
    deadline = time.monotonic() + 5
    while not live.is_idle(session.pk) and time.monotonic() < deadline:
        await asyncio.sleep(0.02)
    await asyncio.sleep(live.INTERVAL * 2)
    await database_sync_to_async(session_close)(session=session, actor=facilitator)
    frames = await frames_until(observer, lambda f: f["type"] == "vote.closed")
    tallies = [f for f in frames if f["type"] == "vote.tally"]
    # Coalesced: far fewer snapshots than ballots, spaced by the interval.
    assert 1 <= len(tallies) < 30
    # Spacing as sent (the snapshot's own time; arrival can bunch up on a busy loop).
    gaps = [b["data"]["at"] - a["data"]["at"] for a, b in zip(tallies, tallies[1:], strict=False)]
    assert all(gap >= live.INTERVAL - 0.002 for gap in gaps), gaps
    for tally in tallies:  # each snapshot is one consistent instant
        assert tally["data"]["results"]["ballots"] == tally["data"]["voted"]
        assert (
            sum(o["count"] for o in tally["data"]["results"]["options"]) == tally["data"]["voted"]
        )
    # The last snapshot holds back at most 2 ballots (a step of 1 or 2 would give them away).
    assert tallies[-1]["data"]["voted"] >= 30 - (live.MIN_STEP - 1)
    closed = frames[-1]["data"]["results"]
    assert closed["ballots"] == 30
    assert sorted(o["count"] for o in closed["options"]) == [10, 10, 10]
    for comm in [observer, *sockets]:
        await comm.disconnect()


async def test_at_close_mode_streams_turnout_only_to_the_room(facilitator):
    ws, voters, session, ids = await setup_room(facilitator, n=4, reveal="at_close")
    await database_sync_to_async(session_open)(session=session, actor=facilitator)
    room = await communicator(ws.slug, voters[0])
    console = await communicator(ws.slug, facilitator)
    await connect_ready(room)
    await connect_ready(console)
    await room.send_json_to(
        {
            "action": "vote.cast",
            "ref": "r1",
            "data": {"session": session.pk, "choices": {str(ids[0]): 1}},
        }
    )
    room_frames = await frames_until(room, lambda f: f["type"] == "vote.tally")
    assert room_frames[-1]["data"]["voted"] == 1
    assert "results" not in room_frames[-1]["data"]  # turnout only
    console_frames = await frames_until(
        console, lambda f: f["type"] == "vote.tally" and "results" in f["data"]
    )
    assert console_frames[-1]["data"]["results"]["options"][0]["count"] == 1
    # A participant cannot close or reveal.
    await room.send_json_to({"action": "vote.close", "ref": "r2", "data": {"session": session.pk}})
    while (frame := await receive(room))["type"] != "error":
        pass
    assert frame["ref"] == "r2" and frame["code"] == "forbidden"
    # The facilitator closes then reveals from the console: the room gets the results then.
    await console.send_json_to(
        {"action": "vote.close", "ref": "f1", "data": {"session": session.pk}}
    )
    closed = await frames_until(room, lambda f: f["type"] == "vote.closed")
    assert "results" not in closed[-1]["data"] and closed[-1]["data"]["turnout"]["voted"] == 1
    await console.send_json_to(
        {"action": "vote.reveal", "ref": "f2", "data": {"session": session.pk}}
    )
    revealed = await frames_until(room, lambda f: f["type"] == "vote.revealed")
    assert revealed[-1]["data"]["results"]["ballots"] == 1
    # A late ballot over the socket gets the clear refusal.
    await room.send_json_to(
        {
            "action": "vote.cast",
            "ref": "r3",
            "data": {"session": session.pk, "choices": {str(ids[1]): 1}},
        }
    )
    while (frame := await receive(room))["type"] != "error":
        pass
    assert frame["code"] == "vote_closed"
    assert frame["message"] == "Ce vote est clos : votre bulletin n'a pas été enregistré."
    await room.disconnect()
    await console.disconnect()


async def test_tally_frames_carry_no_voter(facilitator):
    ws, voters, session, ids = await setup_room(facilitator, n=3)
    await database_sync_to_async(session_open)(session=session, actor=facilitator)
    room = await communicator(ws.slug, voters[0])
    await connect_ready(room)
    for voter in voters:
        await database_sync_to_async(
            lambda v=voter: __import__("votes.services").services.ballot_cast(
                session=session, voter=v, choices={ids[0]: 1}
            )
        )()
    frames = await frames_until(
        room, lambda f: f["type"] == "vote.tally" and f["data"]["voted"] == 3
    )
    import json

    text = json.dumps(frames)
    for voter in voters:
        assert voter.display_name not in text and f'"user": {voter.pk}' not in text
    await room.disconnect()


async def test_vote_get_and_moderation_over_the_socket(facilitator):
    ws, voters, session, _ids = await setup_room(facilitator, method="open_question", n=3)
    other_ws, _v, other_session, _o = await setup_room(facilitator, n=1)
    await database_sync_to_async(session_open)(session=session, actor=facilitator)
    room = await communicator(ws.slug, voters[0])
    console = await communicator(ws.slug, facilitator)
    await connect_ready(room)
    await connect_ready(console)

    async def call(comm, action, data, ref):
        await comm.send_json_to({"action": action, "ref": ref, "data": data})
        while True:
            frame = await receive(comm)
            if frame.get("ref") == ref:
                return frame

    ack = await call(room, "vote.cast", {"session": session.pk, "answer": "Hydrogène vert"}, "a")
    assert ack["type"] == "ack"
    # A live tally moves by 3 ballots at least: two more answers.
    for voter in voters[1:]:
        await database_sync_to_async(ballot_cast)(
            session=session, voter=voter, answer="Hydrogène vert"
        )
    got = await call(room, "vote.get", {"session": session.pk}, "b")
    assert got["data"]["my_ballot"]["answer"] == "Hydrogène vert"
    assert got["data"]["results"]["words"][0]["word"] in {"hydrogène", "vert"}
    # A session of another workshop is not reachable through this room.
    other = await call(room, "vote.get", {"session": other_session.pk}, "c")
    assert other["type"] == "error" and other["code"] == "not_found"
    # Moderation: participants cannot, the facilitator can.
    denied = await call(room, "vote.hide_word", {"session": session.pk, "word": "vert"}, "d")
    assert denied["type"] == "error" and denied["code"] == "forbidden"
    hidden = await call(console, "vote.hide_word", {"session": session.pk, "word": "vert"}, "e")
    assert hidden["type"] == "ack" and hidden["data"]["hidden_words"] == ["vert"]
    got = await call(room, "vote.get", {"session": session.pk}, "f")
    assert [w["word"] for w in got["data"]["results"]["words"]] == ["hydrogène"]
    bad = await call(room, "vote.cast", {"session": "x"}, "g")
    assert bad["type"] == "error" and bad["code"] == "invalid"
    await room.disconnect()
    await console.disconnect()


async def test_a_flusher_key_left_by_a_dead_process_does_not_strand_the_last_ballot(
    facilitator, monkeypatch
):
    import os

    monkeypatch.setattr(live.tallies, "pending_ttl", 1)
    ws, voters, session, ids = await setup_room(facilitator, n=3)
    await database_sync_to_async(session_open)(session=session, actor=facilitator)
    room = await communicator(ws.slug, voters[0])
    await connect_ready(room)
    # Two ballots first (a live tally moves by 3 at least), their snapshot done.
    for voter in voters[1:]:
        await database_sync_to_async(ballot_cast)(
            session=session, voter=voter, choices={str(ids[0]): 1}
        )
    while not live.is_idle(session.pk):
        await asyncio.sleep(0.02)
    # Another process took the key, then died before sending anything.
    live.tallies.store.add(live.tallies.key(session.pk, "pending"), os.getpid() + 1, 1)
    await room.send_json_to(
        {
            "action": "vote.cast",
            "ref": "x",
            "data": {"session": session.pk, "choices": {str(ids[0]): 1}},
        }
    )
    frames = await frames_until(
        room, lambda f: f["type"] == "vote.tally" and f["data"]["voted"] == 3, timeout=8
    )
    assert frames[-1]["data"]["results"]["ballots"] == 3
    await room.disconnect()


async def test_a_snapshot_identical_to_the_last_one_sent_is_not_sent_again(facilitator):
    """Ballots committed in parallel can ask for a snapshot the room already has."""
    from realtime.models import RoomEvent
    from votes.services import ballot_cast

    ws, voters, session, ids = await setup_room(facilitator, n=6, reveal="live")

    @database_sync_to_async
    def tallies():
        return RoomEvent.objects.filter(workshop_id=ws.pk, type="vote.tally").count()

    async def cast(voter, option):
        await database_sync_to_async(ballot_cast)(
            session=session, voter=voter, choices={str(option): 1}
        )
        deadline = time.monotonic() + 5
        while not live.is_idle(session.pk) and time.monotonic() < deadline:
            await asyncio.sleep(0.02)

    flush = database_sync_to_async(live.tally_broadcast)
    await database_sync_to_async(session_open)(session=session, actor=facilitator)
    for voter in voters[:3]:  # a live tally moves by 3 ballots at least
        await cast(voter, ids[0])
    sent = await tallies()
    assert sent >= 1
    # The same figures, as the flusher computes them (presence included), a moment later.
    await flush(session.pk, version=99, present=await live._present(ws.pk), at=time.time())
    assert await tallies() == sent  # same figures: nothing new to say
    for voter in voters[3:]:
        await cast(voter, ids[1])
    assert await tallies() == sent + 1  # a change is sent


async def test_snapshots_are_computed_on_the_flushers_own_thread(facilitator, monkeypatch):
    """Not on the shared pool, where they queued behind every frame and ballot batch."""
    ws, voters, session, ids = await setup_room(facilitator, n=2)
    await database_sync_to_async(session_open)(session=session, actor=facilitator)
    threads = []
    real = live.tally_broadcast

    def spy(*args, **kwargs):
        threads.append(threading.current_thread().name)
        return real(*args, **kwargs)

    monkeypatch.setattr(live, "tally_broadcast", spy)
    comm = await communicator(ws.slug, voters[0])
    await connect_ready(comm)
    await comm.send_json_to(
        {
            "action": "vote.cast",
            "ref": "t1",
            "data": {"session": session.pk, "choices": {str(ids[0]): 1}},
        }
    )
    await frames_until(comm, lambda f: f["type"] == "vote.tally")
    assert threads and all(name.startswith("vote-tally") for name in threads), threads
    await comm.disconnect()
