"""A live tally never gives a ballot away: it moves by at least 3 ballots, and at the close.

Ballots arrive one by one, slower than the coalescing interval (so that, by the timer
alone, each one would get a snapshot of its own). Over the room socket (real channel
layer) and over HTTP polling, two consecutive tallies never differ by 1 or 2 ballots;
the close shows the final tally.
"""

from __future__ import annotations

import asyncio
import re

import pytest
from channels.db import database_sync_to_async

from tests.realtime.helpers import communicator, connect_ready, receive
from tests.votes.test_live import frames_until, hub_cleanup, setup_room  # noqa: F401
from votes import live
from votes.services import ballot_cast, session_close, session_open

BALLOTS = 8


def _steps(counts: list[int]) -> list[int]:
    return [b - a for a, b in zip([0, *counts], counts, strict=False)]


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("hub_cleanup")
async def test_socket_tallies_never_move_by_one_or_two_ballots(facilitator):
    ws, voters, session, ids = await setup_room(facilitator, n=BALLOTS)
    await database_sync_to_async(session_open)(session=session, actor=facilitator)
    room = await communicator(ws.slug, voters[0])
    await connect_ready(room)
    sockets = []
    for voter in voters:
        comm = await communicator(ws.slug, voter)
        await connect_ready(comm)
        sockets.append(comm)

    for i, comm in enumerate(sockets):
        await comm.send_json_to(
            {
                "action": "vote.cast",
                "ref": f"c-{i}",
                "data": {"session": session.pk, "choices": {str(ids[i % 3]): 1}},
            }
        )
        while (frame := await receive(comm))["type"] != "ack":
            assert frame["type"] != "error", frame
        # Longer than the coalescing interval: the timer alone would send one per ballot.
        await asyncio.sleep(live.INTERVAL * 2)
    await asyncio.sleep(live.INTERVAL * 2)
    await database_sync_to_async(session_close)(session=session, actor=facilitator)
    frames = await frames_until(room, lambda f: f["type"] == "vote.closed")

    tallies = [f["data"]["results"]["ballots"] for f in frames if f["type"] == "vote.tally"]
    for frame in frames:
        if frame["type"] == "vote.tally":  # the turnout is the one of the tally shown
            assert frame["data"]["voted"] == frame["data"]["results"]["ballots"]
    assert tallies, frames
    assert all(step == 0 or step >= live.MIN_STEP for step in _steps(tallies)), tallies
    assert tallies[-1] == 6  # 8 ballots, shown by 3: 3, 6; the last two wait for the close
    closed = frames[-1]["data"]
    assert closed["results"]["ballots"] == BALLOTS
    assert sum(o["count"] for o in closed["results"]["options"]) == BALLOTS
    for comm in [room, *sockets]:
        await comm.disconnect()


def test_polled_results_never_move_by_one_or_two_ballots(facilitator, client, db):
    from tests.votes.factories import join
    from tests.workshops.factories import WorkshopFactory
    from votes.services import session_create

    ws = WorkshopFactory()
    ws.facilitators.add(facilitator)
    voters = [join(ws, college="citizens") for _ in range(BALLOTS)]
    session = session_create(
        actor=facilitator, title="Sondé", method="support", workshop=ws, labels=["A", "B"]
    )
    live.reset(session.pk)
    session = session_open(session=session, actor=facilitator)
    option = session.options.order_by("order", "id").first()
    client.force_login(voters[0])
    url = f"/api/v1/vote-sessions/{session.pk}/results"

    seen = [client.get(url).json()["ballots"]]
    for voter in voters:
        ballot_cast(session=session, voter=voter, choices={option.pk: 1})
        polled = client.get(url).json()
        assert sum(o["count"] for o in polled["options"]) == polled["ballots"]
        seen.append(polled["ballots"])
        # The page polled by the room reads the same tally.
        partial = client.get(f"/votes/{session.pk}/resultats/partiel/").content.decode()
        n = polled["ballots"]
        assert re.search(rf"<p>{n} bulletins?</p>", partial), partial[:600]

    assert seen == [0, 0, 0, 3, 3, 3, 6, 6, 6]
    session_close(session=session, actor=facilitator)
    assert client.get(url).json()["ballots"] == BALLOTS
