"""Grouping the wall over the room socket: the facilitator's actions, everyone's events, replay."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async

from tests.realtime.helpers import communicator, connect_ready, next_event, receive_until
from workshops.models import IdeaGroup, WorkshopState

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("hub_cleanup")]


@pytest.fixture
def live(workshop, facilitator, axis):
    from workshops.services import workshop_state_change

    workshop.axes.add(axis)
    workshop.state = WorkshopState.SCHEDULED
    workshop.save(update_fields=["state"])
    return workshop_state_change(workshop=workshop, actor=facilitator, to=WorkshopState.LIVE)


@pytest.fixture
def ideas(live, participant, axis):
    from proposals.services import proposal_create

    return [
        proposal_create(
            author=participant.user, axis=axis, title=f"Idée {i}", body="", origin_workshop=live
        ).pk
        for i in range(3)
    ]


async def _ack(comm, ref):
    _before, frame = await receive_until(comm, "ack")
    assert frame["ref"] == ref
    return frame["data"]


async def test_facilitator_groups_over_the_socket_and_participants_see_each_change(
    live, facilitator, participant, ideas
):
    animator = await communicator(live.slug, facilitator)
    phone = await communicator(live.slug, participant.user)
    await connect_ready(animator)
    await connect_ready(phone)

    async def act(ref, action, data):
        await animator.send_json_to({"action": action, "ref": ref, "data": data})
        reply = await _ack(animator, ref)
        frame = await next_event(phone)
        assert frame["type"] == "idea_groups.changed"
        return reply, frame["data"]["groups"]

    reply, groups = await act("c-1", "group.create", {"name": "Mobilités", "ideas": [ideas[0]]})
    a = reply["id"]
    assert groups == [{"id": a, "name": "Mobilités", "position": 0, "idea_ids": [ideas[0]]}]
    reply, groups = await act("c-2", "group.create", {"name": "Emploi"})
    b = reply["id"]
    _reply, groups = await act("c-3", "group.move_idea", {"idea": ideas[1], "group": b})
    assert groups[1]["idea_ids"] == [ideas[1]]
    _reply, groups = await act("c-4", "group.rename", {"id": a, "name": "Vélo"})
    assert groups[0]["name"] == "Vélo"
    _reply, groups = await act("c-5", "group.reorder", {"id": b, "position": 0})
    assert [g["id"] for g in groups] == [b, a]
    _reply, groups = await act("c-6", "group.move_idea", {"idea": ideas[0], "group": None})
    assert [g["idea_ids"] for g in groups] == [[ideas[1]], []]
    _reply, groups = await act("c-7", "group.merge", {"source": b, "target": a})
    assert groups == [{"id": a, "name": "Vélo", "position": 0, "idea_ids": [ideas[1]]}]
    _reply, groups = await act("c-8", "group.dissolve", {"id": a})
    assert groups == []

    # A phone that missed it all replays it on reconnect (?since=), in order.
    late = await communicator(live.slug, participant.user, since=2)
    before, _ready = await connect_ready(late)
    replayed = [f for f in before if f["type"] == "idea_groups.changed"]
    assert len(replayed) == 8
    assert replayed[0]["data"]["groups"][0]["name"] == "Mobilités"
    assert replayed[-1]["data"] == {"groups": []}
    for comm in (animator, phone, late):
        await comm.disconnect()


async def test_a_participant_gets_an_error_frame_and_nothing_changes(
    live, facilitator, participant, ideas
):
    phone = await communicator(live.slug, participant.user)
    await connect_ready(phone)
    await phone.send_json_to({"action": "group.create", "ref": "p-1", "data": {"name": "À moi"}})
    _before, frame = await receive_until(phone, "error")
    assert frame["ref"] == "p-1" and frame["code"] == "forbidden"
    await phone.send_json_to(
        {"action": "group.move_idea", "ref": "p-2", "data": {"idea": "x", "group": 1}}
    )
    _before, frame = await receive_until(phone, "error")
    assert frame["ref"] == "p-2"
    assert await database_sync_to_async(IdeaGroup.objects.count)() == 0
    await phone.disconnect()


async def test_bad_input_from_the_facilitator_is_a_clear_error(live, facilitator, ideas):
    animator = await communicator(live.slug, facilitator)
    await connect_ready(animator)
    await animator.send_json_to({"action": "group.create", "ref": "c-1", "data": {"name": "  "}})
    _before, frame = await receive_until(animator, "error")
    assert frame["code"] == "invalid_name" and frame["message"] == "Donnez un nom au groupe."
    await animator.send_json_to(
        {"action": "group.move_idea", "ref": "c-2", "data": {"idea": ideas[0], "group": 999999}}
    )
    _before, frame = await receive_until(animator, "error")
    assert frame["code"] == "not_found"
    assert await database_sync_to_async(IdeaGroup.objects.count)() == 0
    await animator.disconnect()
