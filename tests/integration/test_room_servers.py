"""The room against real uvicorn processes, with real `websockets` clients."""

from __future__ import annotations

import asyncio
import http.cookiejar
import json
import re
import urllib.parse
import urllib.request
import uuid

import pytest
from asgiref.sync import sync_to_async
from django.conf import settings
from websockets.exceptions import InvalidStatus

from realtime.broadcast import room_last_seq
from tests.factories import UserFactory
from tests.integration.helpers import Client, cookie
from tests.workshops.factories import ParticipantFactory

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]

# The writers of the replay tests post faster than people do.
FAST = {"REALTIME_IDEAS_PER_MINUTE": "1000", "REALTIME_RATE_PER_SECOND": "100"}


def _participants(workshop, n: int) -> list:
    return [ParticipantFactory(workshop=workshop).user for _ in range(n)]


def _guest_join_over_http(server, code: str) -> str:
    """The real join form: GET for the CSRF cookie, POST as a guest. Returns the session cookie."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{server.url}/rejoindre/?code={code}").read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    body = urllib.parse.urlencode(
        {
            "csrfmiddlewaretoken": token,
            "code": code,
            "display_name": "Invitée du test",
            "college": "civil_society",
            "attendance": "online",
        }
    ).encode()
    request = urllib.request.Request(
        f"{server.url}/rejoindre/", data=body, headers={"Referer": f"{server.url}/rejoindre/"}
    )
    opener.open(request).read()
    return next(c.value for c in jar if c.name == settings.SESSION_COOKIE_NAME)


async def test_a_guest_joins_over_http_then_posts_an_idea_over_a_real_socket(
    asgi_server, live_room, axis
):
    server = await sync_to_async(asgi_server)()
    session = await sync_to_async(_guest_join_over_http)(server, live_room.join_code)
    watcher_user = (await sync_to_async(_participants)(live_room, 1))[0]
    watcher = Client(server, live_room.slug, await sync_to_async(cookie)(watcher_user))
    guest = Client(server, live_room.slug, session)
    await watcher.open(since=await sync_to_async(room_last_seq)(live_room.pk))
    await guest.open()
    before = watcher.last_seq
    ref = await guest.send(
        "proposal.create",
        {"axis": axis.pk, "title": "Un campus de la maroquinerie"},
        client_key="g1",
    )
    reply = await guest.reply(ref)
    assert reply["type"] == "ack", reply
    await watcher.wait_for_seq(before + 1)
    idea = watcher.events[-1]
    assert idea["type"] == "proposal.created"
    assert (
        idea["data"]["author"] == "Invitée du test" and idea["data"]["college"] == "civil_society"
    )
    await guest.close()
    await watcher.close()


async def test_origin_and_private_refusals_on_a_real_server(asgi_server, live_room):
    server = await sync_to_async(asgi_server)()
    user = (await sync_to_async(_participants)(live_room, 1))[0]
    client = Client(server, live_room.slug, await sync_to_async(cookie)(user))
    with pytest.raises(InvalidStatus) as refused:
        await client.open(origin="https://evil.example")
    assert refused.value.response.status_code == 403

    def make_private():
        live_room.visibility = "private"
        live_room.save(update_fields=["visibility"])
        return UserFactory()

    outsider = await sync_to_async(make_private)()
    client = Client(server, live_room.slug, await sync_to_async(cookie)(outsider))
    with pytest.raises(InvalidStatus):
        await client.open()


async def test_malformed_frames_do_not_disturb_others_on_a_real_server(
    asgi_server, live_room, axis
):
    server = await sync_to_async(asgi_server)()
    a_user, b_user = await sync_to_async(_participants)(live_room, 2)
    a = Client(server, live_room.slug, await sync_to_async(cookie)(a_user))
    b = Client(server, live_room.slug, await sync_to_async(cookie)(b_user))
    await a.open()
    await b.open()
    for raw in (
        "{oops",
        "x" * 20000,
        json.dumps([1]),
        json.dumps({"action": "proposal.create", "data": []}),
    ):
        await a.ws.send(raw)
    await a.ws.send(b"\x00binary")
    before = a.last_seq
    ref = await b.send("proposal.create", {"axis": axis.pk, "title": "Toujours là malgré le bruit"})
    assert (await b.reply(ref))["type"] == "ack"
    await a.wait_for_seq(before + 1)
    assert a.events[-1]["data"]["title"] == "Toujours là malgré le bruit"
    await a.close()
    await b.close()


async def _write_ideas(client: Client, axis, n: int, tag: str) -> None:
    for i in range(n):
        ref = await client.send(
            "proposal.create",
            {"axis": axis.pk, "title": f"Idée {tag} numéro {i}"},
            client_key=f"{tag}-{i}-{uuid.uuid4().hex[:6]}",
        )
        reply = await client.reply(ref)
        assert reply["type"] == "ack", reply
        await asyncio.sleep(0.02)


async def _replay_while_others_write(servers: list, live_room, axis) -> None:
    users = await sync_to_async(_participants)(live_room, 4)
    cookies = [await sync_to_async(cookie)(u) for u in users]
    start = await sync_to_async(room_last_seq)(live_room.pk)
    # The reference client stays connected on the first server; the writers sit on every server.
    steady = Client(servers[0], live_room.slug, cookies[0])
    await steady.open(since=start)
    writers = [Client(servers[i % len(servers)], live_room.slug, cookies[1 + i]) for i in range(2)]
    for w in writers:
        await w.open(since=start)
    roamer = Client(servers[-1], live_room.slug, cookies[3])
    await roamer.open(since=start)

    writing = asyncio.gather(*(_write_ideas(w, axis, 15, f"w{i}") for i, w in enumerate(writers)))
    # The roamer drops twice while the others keep writing, and resumes from its last seq.
    collected: list[dict] = []
    for _ in range(2):
        await asyncio.sleep(0.25)
        await roamer.close()
        collected.extend(roamer.events)
        await asyncio.sleep(0.3)
        last = roamer.last_seq
        roamer = Client(servers[len(collected) % len(servers)], live_room.slug, cookies[3])
        roamer.last_seq = last
        await roamer.open(since=last)
    await writing
    final = await sync_to_async(room_last_seq)(live_room.pk)
    await steady.wait_for_seq(final)
    await roamer.wait_for_seq(final)
    collected.extend(roamer.events)
    expected = list(range(start + 1, final + 1))
    assert [e["seq"] for e in steady.events] == expected
    # Every event exactly once and in order, despite the two reconnects.
    assert [e["seq"] for e in collected] == expected
    assert [e["data"] for e in collected] == [e["data"] for e in steady.events]
    assert sum(e["type"] == "proposal.created" for e in collected) == 30
    for c in [steady, roamer, *writers]:
        await c.close()


async def test_replay_after_reconnect_while_others_keep_writing(asgi_server, live_room, axis):
    server = await sync_to_async(asgi_server)(extra_env=FAST)
    await _replay_while_others_write([server], live_room, axis)


@pytest.mark.redis
async def test_two_server_processes_share_the_room_through_redis(asgi_server, live_room, axis):
    """A client on one process sees, in order and without loss, what a client on the other caused."""
    env = {"REALTIME_KEY_PREFIX": f"test-{uuid.uuid4().hex[:8]}", **FAST}
    a = await sync_to_async(asgi_server)(extra_env=env)
    b = await sync_to_async(asgi_server)(extra_env=env)
    await _replay_while_others_write([a, b], live_room, axis)


@pytest.mark.redis
async def test_presence_is_counted_across_processes(asgi_server, live_room):
    prefix = {"REALTIME_KEY_PREFIX": f"test-{uuid.uuid4().hex[:8]}"}
    a = await sync_to_async(asgi_server)(extra_env=prefix)
    b = await sync_to_async(asgi_server)(extra_env=prefix)
    users = await sync_to_async(_participants)(live_room, 2)
    ca = Client(a, live_room.slug, await sync_to_async(cookie)(users[0]))
    cb = Client(b, live_room.slug, await sync_to_async(cookie)(users[1]))
    presence: list[dict] = []

    await ca.open()
    await cb.open()

    async def totals(client: Client) -> int:
        # Presence frames are not numbered: read them straight from the socket.
        while True:
            frame = json.loads(await client.ws.recv())
            if frame["type"] == "presence":
                presence.append(frame["data"])
                if frame["data"]["total"] == 2:
                    return 2

    ca._reader.cancel()
    cb._reader.cancel()
    assert await asyncio.wait_for(totals(ca), 10) == 2
    assert await asyncio.wait_for(totals(cb), 10) == 2
    await ca.ws.close()
    await cb.ws.close()
