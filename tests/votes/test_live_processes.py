"""Live tallies across real server processes sharing PostgreSQL/SQLite and Redis.

Two uvicorn processes; one socket client on each; ballots posted over the API
to both processes at once. Every client must receive the same ``vote.tally``
frames (same bytes), the last of which counts every acknowledged ballot, and
far fewer frames than ballots.
"""

from __future__ import annotations

import asyncio
import json
import threading
import urllib.request

import pytest
from django.conf import settings

from tests.realtime.helpers import session_cookie_for
from tests.votes.factories import join, option_ids
from tests.workshops.factories import WorkshopFactory
from votes import live
from votes.services import session_create, session_open

pytestmark = [pytest.mark.redis, pytest.mark.integration]


def _post(url: str, token: str, body: dict) -> int:
    request = urllib.request.Request(  # local test server
        url,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.status


def test_two_processes_stream_identical_coalesced_tallies(asgi_server, facilitator):
    from websockets.sync.client import connect

    from accounts.tokens import token_create

    ws = WorkshopFactory()
    ws.facilitators.add(facilitator)
    voters = [join(ws) for _ in range(40)]
    tokens = [token_create(user=v, name="test")[1] for v in voters]
    session = session_create(
        actor=facilitator, title="Deux processus", method="poll", workshop=ws, labels=["Oui", "Non"]
    )
    live.reset(session.pk)
    session_open(session=session, actor=facilitator)
    yes, no = option_ids(session)
    a, b = asgi_server(), asgi_server()

    frames: dict[int, list[str]] = {0: [], 1: []}
    done = threading.Event()

    def listen(index: int, server) -> None:
        cookie = session_cookie_for(voters[index])
        with connect(
            f"{server.ws_url}/ws/workshops/{ws.slug}/",
            additional_headers={
                "Cookie": f"{settings.SESSION_COOKIE_NAME}={cookie}",
                "Origin": server.url,
            },
            open_timeout=10,
        ) as socket:
            while json.loads(socket.recv(timeout=10))["type"] != "ready":
                pass  # attached to the room from here on
            connected[index].set()
            while not done.is_set():
                try:
                    raw = socket.recv(timeout=0.2)
                except TimeoutError:
                    continue
                frame = json.loads(raw)
                if frame["type"] == "vote.tally":
                    frames[index].append(raw)
                    if frame["data"]["voted"] == len(voters) and all(
                        json.loads(f)["data"]["voted"] == len(voters) for f in frames[index][-1:]
                    ):
                        finished[index].set()

    connected = [threading.Event(), threading.Event()]
    finished = [threading.Event(), threading.Event()]
    listeners = [
        threading.Thread(target=listen, args=(i, s), daemon=True) for i, s in enumerate((a, b))
    ]
    for t in listeners:
        t.start()
    assert all(c.wait(15) for c in connected)

    def cast(i: int) -> int:
        server = (a, b)[i % 2]
        return _post(
            f"{server.url}/api/v1/vote-sessions/{session.pk}/ballot",
            tokens[i],
            {"choices": {str(yes if i % 3 else no): 1}},
        )

    statuses: list[int] = []
    workers = [
        threading.Thread(target=lambda i=i: statuses.append(cast(i))) for i in range(len(voters))
    ]
    for w in workers:
        w.start()
    for w in workers:
        w.join(60)
    assert statuses.count(201) == len(voters)
    assert all(f.wait(15) for f in finished), (a.log(), b.log())
    # Let any late frame arrive, then compare.
    asyncio.run(asyncio.sleep(0.8))
    done.set()
    for t in listeners:
        t.join(5)
    assert frames[0] == frames[1]  # the same snapshots, byte for byte, on both processes
    assert 1 <= len(frames[0]) < len(voters)
    last = json.loads(frames[0][-1])["data"]
    assert last["voted"] == len(voters)
    assert sum(o["count"] for o in last["results"]["options"]) == len(voters)
    for raw in frames[0]:  # every snapshot is consistent: one instant, one poll answer per ballot
        data = json.loads(raw)["data"]
        assert data["results"]["ballots"] == data["voted"]
        assert sum(o["count"] for o in data["results"]["options"]) == data["voted"]
    ats = [json.loads(f)["data"]["at"] for f in frames[0]]
    assert all(y - x >= 0.248 for x, y in zip(ats, ats[1:], strict=False)), ats
