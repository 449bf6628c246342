"""Workshop actions over the socket: same services, same results as the HTTP forms."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async
from django.test import Client
from django.urls import reverse

from tests.realtime.helpers import communicator, connect_ready, next_event
from tests.workshops.factories import ParticipantFactory
from workshops.models import WorkshopState

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("hub_cleanup")]


@pytest.fixture
def live(workshop, facilitator, axis):
    from workshops.services import workshop_state_change

    workshop.axes.add(axis)
    workshop.state = WorkshopState.SCHEDULED
    workshop.save(update_fields=["state"])
    return workshop_state_change(workshop=workshop, actor=facilitator, to=WorkshopState.LIVE)


def _post_idea_over_http(user, workshop, axis, title):
    client = Client()
    client.force_login(user)
    response = client.post(
        reverse("workshops:idea_create", args=[workshop.slug]),
        {"axis": axis.pk, "title": title, "body": "Même *texte*", "client_key": "http-1"},
    )
    assert response.status_code == 302


async def test_an_idea_over_the_socket_and_one_over_http_look_the_same_to_others(
    live, participant, axis
):
    writer = await communicator(live.slug, participant.user)
    reader_user = await database_sync_to_async(lambda: ParticipantFactory(workshop=live).user)()
    reader = await communicator(live.slug, reader_user)
    await connect_ready(writer)
    await connect_ready(reader)

    await writer.send_json_to(
        {
            "action": "proposal.create",
            "ref": "c-1",
            "client_key": "sock-1",
            "data": {"axis": axis.pk, "title": "Idée par le socket", "body": "Même *texte*"},
        }
    )
    await database_sync_to_async(_post_idea_over_http)(
        participant.user, live, axis, "Idée par le formulaire"
    )

    frames = [await next_event(reader), await next_event(reader)]
    assert [f["type"] for f in frames] == ["proposal.created", "proposal.created"]
    by_title = {f["data"]["title"]: f["data"] for f in frames}
    by_socket, by_http = by_title["Idée par le socket"], by_title["Idée par le formulaire"]
    assert set(by_socket) == set(by_http)
    for key in ("body_html", "author", "college", "college_label", "axis"):
        assert by_socket[key] == by_http[key]
    assert frames[1]["seq"] == frames[0]["seq"] + 1  # in order, no gap

    # The writer got its ack (with the new id) and the events too.
    seen = [await next_event(writer) for _ in range(3)]
    ack = next(f for f in seen if f["type"] == "ack")
    assert ack["ref"] == "c-1" and ack["data"]["id"] == by_socket["id"]
    await writer.disconnect()
    await reader.disconnect()


async def test_socket_retry_with_the_same_client_key_posts_once(live, participant, axis):
    comm = await communicator(live.slug, participant.user)
    await connect_ready(comm)
    frame = {
        "action": "proposal.create",
        "client_key": "retry-1",
        "data": {"axis": axis.pk, "title": "Une seule fois"},
    }
    await comm.send_json_to({**frame, "ref": "a"})
    await comm.send_json_to({**frame, "ref": "b"})
    frames = [await next_event(comm) for _ in range(3)]
    acks = [f for f in frames if f["type"] == "ack"]
    assert acks[0]["data"] == acks[1]["data"]
    assert [f["type"] for f in frames].count("proposal.created") == 1
    assert await database_sync_to_async(live.proposals.count)() == 1
    await comm.disconnect()


@pytest.mark.parametrize(
    "action, data",
    [
        ("workshop.state", {"to": "closed"}),
        ("phase.next", {}),
        ("timer.start", {}),
        ("timer.pause", {}),
        ("timer.extend", {"minutes": 2}),
        ("board.lock", {"locked": True}),
        ("idea.spotlight", {"id": None}),
        ("hand.take", {}),
        ("participant.remove", {"id": "PARTICIPANT"}),
    ],
)
async def test_facilitator_actions_are_refused_to_participants_and_done_for_facilitators(
    live, participant, facilitator, action, data
):
    if data.get("id") == "PARTICIPANT":
        other = await database_sync_to_async(ParticipantFactory)(workshop=live)
        data = {"id": other.pk}
    comm = await communicator(live.slug, participant.user)
    await connect_ready(comm)
    await comm.send_json_to({"action": action, "ref": "p", "data": data})
    error = await next_event(comm)
    assert (error["type"], error["ref"], error["code"]) == ("error", "p", "forbidden")
    await comm.disconnect()

    boss = await communicator(live.slug, facilitator)
    await connect_ready(boss)
    await boss.send_json_to({"action": action, "ref": "f", "data": data})
    frames = []
    while not any(f["type"] in ("ack", "error") for f in frames):
        frames.append(await next_event(boss))
    reply = next(f for f in frames if f["type"] in ("ack", "error"))
    assert reply["type"] == "ack", reply
    await boss.disconnect()


async def test_removing_a_participant_closes_their_socket(live, participant, facilitator):
    victim = await communicator(live.slug, participant.user)
    await connect_ready(victim)
    boss = await communicator(live.slug, facilitator)
    await connect_ready(boss)
    await boss.send_json_to(
        {"action": "participant.remove", "ref": "r", "data": {"id": participant.pk}}
    )
    output = await victim.receive_output(timeout=3)
    while output["type"] != "websocket.close":
        output = await victim.receive_output(timeout=3)
    assert output["code"] == 4001
    again = await communicator(live.slug, participant.user)
    assert await again.connect() == (False, 4003)
    await boss.disconnect()


async def test_reactions_and_hands_over_the_socket(live, participant, axis):
    from workshops.services import idea_post

    idea = await database_sync_to_async(idea_post)(
        workshop=live, user=participant.user, axis=axis, title="Filière cuir de Franche-Comté"
    )
    comm = await communicator(live.slug, participant.user)
    await connect_ready(comm)
    await comm.send_json_to(
        {"action": "reaction.toggle", "ref": "r", "data": {"id": idea.pk, "kind": "agree"}}
    )
    await comm.send_json_to({"action": "hand.raise", "ref": "h"})
    frames = [await next_event(comm) for _ in range(4)]
    changed = next(f for f in frames if f["type"] == "reaction.changed")
    assert changed["data"] == {"id": idea.pk, "reactions": {"agree": 1, "strong": 0, "question": 0}}
    hands = next(f for f in frames if f["type"] == "hands.changed")
    assert [h["participant"] for h in hands["data"]["queue"]] == [participant.pk]
    await comm.disconnect()
