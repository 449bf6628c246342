"""An open socket loses the rights that were taken away (docs/security.md, hole 4).

Two layers, each tested on its own with a real WebSocket client against the app:

- the services a socket action calls read the rights now, not the user and workshop the
  socket loaded when it connected: a change made without any signal (a raw ``update()``,
  a lost channel-layer message) is refused all the same, and nothing is written;
- a change of rights closes the affected sockets (4001, as a logout does), so the client
  reconnects with what it may now do.
"""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async

from tests.realtime.helpers import communicator, connect_ready, next_event
from tests.workshops.factories import ParticipantFactory
from workshops.models import HandRaise, Workshop, WorkshopState

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("hub_cleanup")]

CLOSE_DISCONNECTED = 4001


@pytest.fixture
def live(workshop, facilitator, axis):
    from workshops.services import workshop_state_change

    workshop.axes.add(axis)
    workshop.state = WorkshopState.SCHEDULED
    workshop.save(update_fields=["state"])
    return workshop_state_change(workshop=workshop, actor=facilitator, to=WorkshopState.LIVE)


@pytest.fixture
def guest(live):
    from accounts.services import guest_create

    user = guest_create(display_name="Invitée Temporaire", college="citizens")
    ParticipantFactory(workshop=live, user=user)
    return user


async def _reply(comm, ref: str) -> dict:
    """The ack or error answering ``ref`` (room events in between skipped)."""
    while True:
        frame = await next_event(comm)
        if frame.get("ref") == ref and frame["type"] in ("ack", "error"):
            return frame


async def _closed_with(comm) -> int:
    output = await comm.receive_output(timeout=3)
    while output["type"] != "websocket.close":
        output = await comm.receive_output(timeout=3)
    return output["code"]


def _silently(model_update):
    """Change rights in the database with no signal: only the services' own reads can notice."""
    return database_sync_to_async(model_update)()


# --- the services read the rights now --------------------------------------------------------


async def test_a_guest_deactivated_without_a_signal_can_no_longer_post_or_raise_a_hand(
    live, guest, axis
):
    from accounts.models import User

    comm = await communicator(live.slug, guest)
    await connect_ready(comm)
    await _silently(lambda: User.objects.filter(pk=guest.pk).update(is_active=False))

    await comm.send_json_to(
        {"action": "proposal.create", "ref": "i", "data": {"axis": axis.pk, "title": "Après"}}
    )
    assert (await _reply(comm, "i"))["code"] == "forbidden"
    await comm.send_json_to({"action": "hand.raise", "ref": "h", "data": {}})
    assert (await _reply(comm, "h"))["code"] == "forbidden"

    assert await database_sync_to_async(live.proposals.count)() == 0
    assert await database_sync_to_async(HandRaise.objects.filter(workshop=live).count)() == 0
    await comm.disconnect()


@pytest.mark.parametrize(
    "action, data",
    [("board.lock", {"locked": True}), ("timer.extend", {"minutes": 5}), ("hand.take", {})],
)
async def test_a_facilitator_taken_off_the_workshop_without_a_signal_is_refused(
    live, facilitator, action, data
):
    comm = await communicator(live.slug, facilitator)
    _before, ready = await connect_ready(comm)
    assert ready["data"]["facilitator"] is True
    through = Workshop.facilitators.through
    await _silently(
        lambda: through.objects.filter(workshop_id=live.pk, user_id=facilitator.pk).delete()
    )
    before = await database_sync_to_async(lambda: list(live.phases.values("timer_ends_at")))()

    await comm.send_json_to({"action": action, "ref": "f", "data": data})
    reply = await _reply(comm, "f")
    assert (reply["type"], reply["code"]) == ("error", "forbidden")

    fresh = await database_sync_to_async(Workshop.objects.get)(pk=live.pk)
    assert fresh.board_locked is False
    after = await database_sync_to_async(lambda: list(live.phases.values("timer_ends_at")))()
    assert after == before
    await comm.disconnect()


def _open_vote(workshop, facilitator):
    from votes.services import session_create, session_open

    session = session_create(
        actor=facilitator,
        title="Quelle ligne ?",
        method="support",
        workshop=workshop,
        labels=["Ligne 1", "Ligne 2"],
    )
    return session_open(session=session, actor=facilitator)


@pytest.mark.parametrize("taken", ["deactivated", "taken off the workshop"])
async def test_a_facilitator_whose_rights_went_silently_cannot_close_a_vote(
    live, facilitator, taken
):
    from accounts.models import User
    from votes.models import SessionState, VoteSession

    session = await database_sync_to_async(_open_vote)(live, facilitator)
    comm = await communicator(live.slug, facilitator)
    await connect_ready(comm)
    if taken == "deactivated":
        await _silently(lambda: User.objects.filter(pk=facilitator.pk).update(is_active=False))
    else:
        through = Workshop.facilitators.through
        await _silently(
            lambda: through.objects.filter(workshop_id=live.pk, user_id=facilitator.pk).delete()
        )

    await comm.send_json_to({"action": "vote.close", "ref": "c", "data": {"session": session.pk}})
    reply = await _reply(comm, "c")
    assert (reply["type"], reply["code"]) == ("error", "forbidden")
    state = await database_sync_to_async(
        lambda: VoteSession.objects.values_list("state", flat=True).get(pk=session.pk)
    )()
    assert state == SessionState.OPEN
    await comm.disconnect()


# --- a change of rights closes the sockets ---------------------------------------------------


async def test_deactivating_a_guest_closes_their_socket_and_they_come_back_anonymous(live, guest):
    comm = await communicator(live.slug, guest)
    await connect_ready(comm)

    def deactivate():
        guest.is_active = False
        guest.save()  # what the administration's form does

    await database_sync_to_async(deactivate)()
    assert await _closed_with(comm) == CLOSE_DISCONNECTED

    again = await communicator(live.slug, guest)
    await connect_ready(again)  # a public room: they may still watch, as anyone
    await again.send_json_to({"action": "hand.raise", "ref": "h", "data": {}})
    assert (await _reply(again, "h"))["code"] == "forbidden"
    await again.disconnect()


async def test_removing_a_facilitator_from_the_workshop_closes_that_socket_and_downgrades_it(
    live, facilitator
):
    comm = await communicator(live.slug, facilitator)
    await connect_ready(comm)

    await database_sync_to_async(live.facilitators.remove)(facilitator)
    assert await _closed_with(comm) == CLOSE_DISCONNECTED

    again = await communicator(live.slug, facilitator)
    _before, ready = await connect_ready(again)
    assert ready["data"]["facilitator"] is False
    await again.send_json_to({"action": "board.lock", "ref": "l", "data": {"locked": True}})
    assert (await _reply(again, "l"))["code"] == "forbidden"
    await again.disconnect()


async def test_removing_a_facilitator_from_one_workshop_keeps_their_socket_of_another(
    live, facilitator
):
    from tests.workshops.factories import WorkshopFactory

    other = await database_sync_to_async(WorkshopFactory)(facilitators=[facilitator])
    here = await communicator(live.slug, facilitator)
    there = await communicator(other.slug, facilitator)
    await connect_ready(here)
    await connect_ready(there)

    await database_sync_to_async(live.facilitators.remove)(facilitator)
    assert await _closed_with(here) == CLOSE_DISCONNECTED
    await there.send_json_to({"action": "board.lock", "ref": "l", "data": {"locked": True}})
    assert (await _reply(there, "l"))["type"] == "ack"
    await there.disconnect()


async def test_taking_a_role_group_away_closes_the_users_sockets(live, facilitator):
    from django.contrib.auth.models import Group

    comm = await communicator(live.slug, facilitator)
    await connect_ready(comm)
    group = await database_sync_to_async(Group.objects.get)(name="facilitators")
    await database_sync_to_async(group.user_set.remove)(facilitator)
    assert await _closed_with(comm) == CLOSE_DISCONNECTED


async def test_deleting_a_participation_closes_that_socket(live, participant):
    comm = await communicator(live.slug, participant.user)
    await connect_ready(comm)
    await database_sync_to_async(participant.delete)()
    assert await _closed_with(comm) == CLOSE_DISCONNECTED


async def test_taking_the_administrator_flag_away_closes_the_socket_and_downgrades_it(live):
    from tests.factories import UserFactory

    admin = await database_sync_to_async(UserFactory)(is_superuser=True, is_staff=True)
    comm = await communicator(live.slug, admin)
    _before, ready = await connect_ready(comm)
    assert ready["data"]["facilitator"] is True

    def demote():
        admin.is_superuser = False
        admin.save()

    await database_sync_to_async(demote)()
    assert await _closed_with(comm) == CLOSE_DISCONNECTED
    again = await communicator(live.slug, admin)
    _before, ready = await connect_ready(again)
    assert ready["data"]["facilitator"] is False
    await again.disconnect()


async def test_a_login_stamp_or_a_profile_edit_leaves_the_socket_open(live, participant):
    from django.utils import timezone

    comm = await communicator(live.slug, participant.user)
    await connect_ready(comm)

    def touch():
        user = participant.user
        user.last_login = timezone.now()
        user.save(update_fields=["last_login"])
        user.display_name = "Nouveau nom"
        user.save()

    await database_sync_to_async(touch)()
    await comm.send_json_to({"action": "hand.raise", "ref": "h", "data": {}})
    assert (await _reply(comm, "h"))["type"] == "ack"
    await comm.disconnect()
