"""``step.next`` / ``step.previous`` over the room socket (the stage's → / ← keys): the
same service as the console's button; the phones get the phase change then the vote."""

from __future__ import annotations

import pytest

from tests.realtime.helpers import communicator, connect_ready, receive
from tests.workshops.factories import ParticipantFactory
from workshops.models import WorkshopState

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("hub_cleanup")]


@pytest.fixture
def at_grouping(workshop, facilitator, axis):
    """The brainstorm template, live, at its grouping step, with two ideas on the wall."""
    from proposals.services import proposal_create
    from workshops import steps
    from workshops.services import workshop_state_change

    workshop.axes.add(axis)
    steps.runsheet_apply_template(workshop=workshop, actor=facilitator, template="brainstorm")
    workshop.state = WorkshopState.SCHEDULED
    workshop.save(update_fields=["state"])
    workshop = workshop_state_change(workshop=workshop, actor=facilitator, to=WorkshopState.LIVE)
    for i in range(2):
        author = ParticipantFactory(workshop=workshop).user
        proposal_create(
            author=author, axis=axis, title=f"Idée {i} du mur", body="", origin_workshop=workshop
        )
    steps.step_next(workshop=workshop, actor=facilitator)
    steps.step_next(workshop=workshop, actor=facilitator)
    return workshop


async def frames_until(comm, predicate) -> list[dict]:
    frames = []
    while True:
        frame = await receive(comm, timeout=5)
        if frame["type"] == "presence":
            continue
        frames.append(frame)
        if predicate(frame):
            return frames


async def test_step_next_over_the_socket_moves_the_phones_to_the_open_vote(
    at_grouping, facilitator, participant
):
    stage = await communicator(at_grouping.slug, facilitator)
    phone = await communicator(at_grouping.slug, participant.user)
    await connect_ready(stage)
    await connect_ready(phone)

    await stage.send_json_to({"action": "step.next", "ref": "k1", "data": {}})
    ack = await frames_until(stage, lambda f: f["type"] == "ack")
    result = ack[-1]["data"]
    assert result["kind"] == "vote" and result["vote_session"]
    assert "Vote ouvert" in result["message"]

    seen = await frames_until(phone, lambda f: f["type"] == "vote.opened")
    types = [f["type"] for f in seen]
    assert types.index("phase.changed") < types.index("vote.opened")
    phase = next(f for f in seen if f["type"] == "phase.changed")
    assert phase["data"]["current"] == result["id"]
    assert seen[-1]["data"]["method"] == "majority_judgment"
    assert len(seen[-1]["data"]["options"]) == 2

    # A participant's → does nothing but say no.
    await phone.send_json_to({"action": "step.previous", "ref": "p1", "data": {}})
    refused = await frames_until(phone, lambda f: f["type"] == "error")
    assert refused[-1]["ref"] == "p1" and refused[-1]["code"] == "forbidden"

    await stage.send_json_to({"action": "step.previous", "ref": "k2", "data": {}})
    back = await frames_until(stage, lambda f: f["type"] == "ack" and f.get("ref") == "k2")
    assert back[-1]["data"]["kind"] == "clustering"
    closed = await frames_until(phone, lambda f: f["type"] == "vote.closed")
    assert closed[-1]["data"]["id"] == result["vote_session"]
    await stage.disconnect()
    await phone.disconnect()
