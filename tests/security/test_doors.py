"""Every write of the room, through every door, refuses the same cases the same way (docs/security.md).

A write that exists through several doors — the form (htmx or plain POST), the JSON API,
the room socket — goes through one service, which checks the rights. This sweep drives
each write through each of its doors with the same forbidden cases, and checks that:

- the door refuses with the service's own refusal (the same code and message as calling
  the service directly), translated the door's way (a 404 page, a JSON error, an ``error``
  frame); a workshop one may not see answers exactly as one that does not exist;
- nothing was written.

The socket connects *before* the case's change is made (the workshop turned private or
draft, the wall locked, the guest deactivated…): an open socket must not keep rights that
were taken away. When the change takes the identity or the membership away (an account
deactivated, a participant removed, a facilitator taken off), the socket may be closed
(4001) instead, the API may answer 401 and the form send to the login page: the door no
longer knows who is asking. A removed participant may no longer see the workshop: every
door answers them as to a vote that does not exist (404), the service included.

Doors, by write (``workshops/socket_actions.py``, ``workshops/urls.py``, ``/api/v1/``):

    idea on the wall    form ``workshops:idea_create``, API ``POST /proposals`` with
                        ``origin_workshop``, socket ``proposal.create``
    reaction            form ``workshops:reaction``, socket ``reaction.toggle``
    raise a hand        form ``workshops:hand``, socket ``hand.raise``
    ballot (workshop)   form ``votes:ballot``, API ``POST /vote-sessions/{id}/ballot``,
                        socket ``vote.cast``
    support, comment    form ``proposals:support`` / ``comment_create``, API
                        ``POST /proposals/{id}/support`` / ``comments`` (no socket door)
    lock the wall       form ``workshops:console`` ``lock``, socket ``board.lock``
                        (and the other facilitator actions: same ``_require_facilitator``)
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from channels.db import database_sync_to_async
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from project.errors import DomainError
from tests.factories import UserFactory
from tests.realtime.conftest import hub_cleanup  # noqa: F401 - the sockets' fixture
from tests.realtime.helpers import communicator, connect_ready
from tests.workshops.factories import ParticipantFactory, WorkshopFactory
from votes import services as vote_services
from workshops import services
from workshops.models import HandRaise, Reaction, Visibility, Workshop, WorkshopState

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("hub_cleanup")]


# --- the room and the cases ------------------------------------------------------------------


@dataclass
class Room:
    workshop: Workshop
    facilitator: object
    axis: object
    idea: object  # an idea already on the wall, for reactions
    actor: object = None
    token: str = ""
    session: object = None  # an open vote of the workshop, for ballots


def _room(facilitator, axis) -> Room:
    from proposals.models import Proposal

    workshop = WorkshopFactory(
        facilitators=[facilitator], state=WorkshopState.LIVE, visibility=Visibility.PUBLIC
    )
    workshop.axes.add(axis)
    idea = services.idea_post(
        workshop=workshop, user=facilitator, axis=axis, title="Une navette vers l'hôpital"
    )
    assert Proposal.objects.filter(origin_workshop=workshop).count() == 1
    return Room(workshop=workshop, facilitator=facilitator, axis=axis, idea=idea)


def _with_vote(room: Room) -> None:
    from votes.services import session_create, session_open

    session = session_create(
        actor=room.facilitator,
        title="Quelle navette d'abord ?",
        method="support",
        workshop=room.workshop,
        labels=["Hôpital Nord Franche-Comté", "Gare TGV"],
    )
    room.session = session_open(session=session, actor=room.facilitator)


def _option(room: Room) -> int:
    return room.session.options.order_by("order", "id").values_list("id", flat=True)[0]


def _participant(room: Room):
    return ParticipantFactory(workshop=room.workshop).user


def _outsider(room: Room):
    return UserFactory()


def _guest(room: Room):
    from accounts.services import guest_create

    user = guest_create(display_name="Invitée de passage", college="citizens")
    ParticipantFactory(workshop=room.workshop, user=user)
    return user


def _set(**fields) -> Callable[[Room], None]:
    def change(room: Room) -> None:
        Workshop.objects.filter(pk=room.workshop.pk).update(**fields)

    return change


def _deactivate(room: Room) -> None:
    room.actor.is_active = False
    room.actor.save()  # as the administration's form does


def _remove(room: Room) -> None:
    from workshops.models import Participant

    participant = Participant.objects.get(workshop=room.workshop, user=room.actor)
    services.participant_remove(
        workshop=room.workshop, actor=room.facilitator, participant=participant
    )


def _unfacilitate(room: Room) -> None:
    room.workshop.facilitators.remove(room.actor)


def _nothing(room: Room) -> None:
    pass


ROOM_WRITES = frozenset({"idea", "reaction", "hand"})
WRITES_ALL = ROOM_WRITES | {"ballot"}


@dataclass(frozen=True)
class Case:
    name: str
    who: Callable[[Room], object]
    change: Callable[[Room], None]
    # Rights taken away from an open socket: it may be closed (4001, to reconnect with what
    # is left) and the API may answer 401 (a deactivated account's token is dead).
    may_disconnect: bool = False
    writes: frozenset = ROOM_WRITES


PARTICIPANT_CASES = [
    Case("outsider, workshop turned private", _outsider, _set(visibility=Visibility.PRIVATE)),
    Case(
        "participant, wall locked",
        _participant,
        _set(board_locked=True),
        writes=frozenset({"idea"}),
    ),
    Case("participant, workshop closed", _participant, _set(state=WorkshopState.CLOSED)),
    Case("participant, workshop back to draft", _participant, _set(state=WorkshopState.DRAFT)),
    Case("guest deactivated", _guest, _deactivate, may_disconnect=True, writes=WRITES_ALL),
    Case("non-participant of a public workshop", _outsider, _nothing, writes=WRITES_ALL),
    Case("participant removed", _participant, _remove, may_disconnect=True, writes=WRITES_ALL),
]


# --- the writes: what each door sends, what counts as written --------------------------------


@dataclass(frozen=True)
class Write:
    name: str
    call: Callable[[Room], object]  # the service, called directly: the reference refusal
    socket: Callable[[Room], tuple[str, dict]]
    form: Callable[[Room], tuple[str, dict]]
    api: Callable[[Room], tuple[str, dict]] | None
    written: Callable[[Room], object]


def _idea_call(room: Room):
    return services.idea_post(
        workshop=room.workshop, user=room.actor, axis=room.axis, title="Idée interdite"
    )


IDEA = Write(
    "idea",
    call=_idea_call,
    socket=lambda r: ("proposal.create", {"axis": r.axis.pk, "title": "Idée interdite"}),
    form=lambda r: (
        reverse("workshops:idea_create", args=[r.workshop.slug]),
        {"axis": r.axis.pk, "title": "Idée interdite", "body": ""},
    ),
    api=lambda r: (
        "/api/v1/proposals",
        {"axis": r.axis.slug, "title": "Idée interdite", "origin_workshop": r.workshop.slug},
    ),
    written=lambda r: r.workshop.proposals.count(),
)
REACTION = Write(
    "reaction",
    call=lambda r: services.reaction_toggle(
        workshop=r.workshop, user=r.actor, proposal_id=r.idea.pk, kind="agree"
    ),
    socket=lambda r: ("reaction.toggle", {"id": r.idea.pk, "kind": "agree"}),
    form=lambda r: (
        reverse("workshops:reaction", args=[r.workshop.slug]),
        {"id": r.idea.pk, "kind": "agree"},
    ),
    api=None,
    written=lambda r: Reaction.objects.filter(workshop=r.workshop).count(),
)
HAND = Write(
    "hand",
    call=lambda r: services.hand_raise(workshop=r.workshop, user=r.actor),
    socket=lambda r: ("hand.raise", {}),
    form=lambda r: (reverse("workshops:hand", args=[r.workshop.slug]), {"op": "raise"}),
    api=None,
    written=lambda r: HandRaise.objects.filter(workshop=r.workshop).count(),
)
LOCK = Write(
    "lock",
    call=lambda r: services.board_lock(workshop=r.workshop, actor=r.actor, locked=True),
    socket=lambda r: ("board.lock", {"locked": True}),
    form=lambda r: (reverse("workshops:console", args=[r.workshop.slug, "lock"]), {"locked": "1"}),
    api=None,
    written=lambda r: Workshop.objects.get(pk=r.workshop.pk).board_locked,
)
BALLOT = Write(
    "ballot",
    call=lambda r: vote_services.ballot_cast(
        session=r.session, voter=r.actor, choices={str(_option(r)): 1}, answer=""
    ),
    socket=lambda r: ("vote.cast", {"session": r.session.pk, "choices": {str(_option(r)): 1}}),
    form=lambda r: (reverse("votes:ballot", args=[r.session.pk]), {f"option-{_option(r)}": "1"}),
    api=lambda r: (
        f"/api/v1/vote-sessions/{r.session.pk}/ballot",
        {"choices": {str(_option(r)): 1}},
    ),
    written=lambda r: r.session.ballots.count(),
)
WRITES = {w.name: w for w in (IDEA, REACTION, HAND, BALLOT)}


# --- the doors: each answers in its own way; normalised here ---------------------------------


@dataclass
class Answer:
    kind: str  # "not_found" | "refused" | "signed_out" | "done" | "page" (a form's answer)
    code: str = ""
    message: str = ""
    detail: object = None


def _form_door(room: Room, write: Write) -> Answer:
    url, data = write.form(room)
    client = Client()
    client.force_login(room.actor)
    response = client.post(url, data, follow=True)
    if response.status_code == 404:
        return Answer("not_found")
    if any(reverse("account_login") in url for url, _status in response.redirect_chain):
        return Answer("signed_out", detail=response)
    return Answer("page", detail=response)


async def _socket_door(room: Room, write: Write, change) -> Answer:
    comm = await communicator(room.workshop.slug, room.actor)
    await connect_ready(comm)
    await database_sync_to_async(change)(room)
    action, data = await database_sync_to_async(write.socket)(room)
    await comm.send_json_to({"action": action, "ref": "door", "data": data})
    while True:
        output = await comm.receive_output(timeout=3)
        if output["type"] == "websocket.close":
            return Answer("signed_out", code=str(output.get("code")))
        frame = json.loads(output["text"])
        if frame.get("ref") == "door":
            break
    await comm.disconnect()
    if frame["type"] == "ack":
        return Answer("done", detail=frame)
    kind = "not_found" if frame["code"] == "not_found" else "refused"
    return Answer(kind, frame["code"], frame["message"])


def _api_door(room: Room, write: Write) -> Answer:
    url, data = write.api(room)
    response = Client().post(
        url, data, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {room.token}"
    )
    body = response.json()
    if response.status_code == 401:
        return Answer("signed_out", body.get("code", ""))
    if response.status_code < 300:
        return Answer("done", detail=body)
    kind = (
        "not_found"
        if response.status_code in (404, 422)
        and body["code"]
        in (
            "not_found",
            "invalid_workshop",
        )
        else "refused"
    )
    return Answer(kind, body["code"], body["message"], detail=(response.status_code, body))


def _unknown_workshop_api_answer(room: Room, write: Write) -> tuple[int, dict]:
    url, data = write.api(room)
    data = {**data, "origin_workshop": f"nulle-part-{uuid.uuid4().hex[:8]}"}
    response = Client().post(
        url, data, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {room.token}"
    )
    return response.status_code, response.json()


# --- the sweep -------------------------------------------------------------------------------


def _doors(write: Write) -> list[str]:
    return ["form", "socket"] + (["api"] if write.api else [])


SWEEP = [
    pytest.param(write, door, case, id=f"{write.name}-{door}-{case.name}")
    for write in WRITES.values()
    for case in PARTICIPANT_CASES
    if write.name in case.writes
    for door in _doors(write)
]


def _arrange(facilitator, axis, case: Case, write: Write | None = None) -> Room:
    from accounts.tokens import token_create

    room = _room(facilitator, axis)
    if write is BALLOT:
        _with_vote(room)
    room.actor = case.who(room)
    room.token = token_create(user=room.actor, name="portes")[1]
    return room


def _reference(room: Room, write: Write, case: Case) -> DomainError:
    """The service's own refusal, called directly (nothing written either)."""
    room.actor.refresh_from_db()
    with pytest.raises(DomainError) as refused:
        write.call(room)
    return refused.value


@pytest.mark.parametrize("write, door, case", SWEEP)
async def test_every_door_refuses_the_same_way_and_writes_nothing(
    facilitator, axis, write, door, case
):
    room = await database_sync_to_async(_arrange)(facilitator, axis, case, write)
    before = await database_sync_to_async(write.written)(room)

    if door == "socket":
        answer = await _socket_door(room, write, case.change)
    else:
        await database_sync_to_async(case.change)(room)
        answer = await database_sync_to_async(_form_door if door == "form" else _api_door)(
            room, write
        )

    assert await database_sync_to_async(write.written)(room) == before, "something was written"
    reference = await database_sync_to_async(_reference)(room, write, case)
    assert await database_sync_to_async(write.written)(room) == before
    _assert_same_refusal(room, write, door, case, answer, reference)
    if door == "api" and answer.kind == "not_found":
        # A workshop one may not see answers exactly as one that does not exist.
        unknown = await database_sync_to_async(_unknown_workshop_api_answer)(room, write)
        assert answer.detail == unknown


def _assert_same_refusal(room, write, door, case, answer: Answer, reference: DomainError):
    assert answer.kind != "done", f"{door} accepted it: {answer.detail}"
    if answer.kind == "signed_out":
        assert case.may_disconnect, f"{door} closed or asked who it is: {answer}"
        return
    if reference.code == "not_found":
        assert answer.kind == "not_found", (door, answer)
        if door == "socket":
            assert answer.message == str(reference.message)
        return
    if door == "form":
        response = answer.detail
        if response.status_code == 403 == reference.status:
            return  # refused before the service: the room itself is closed to them (403 page)
        page = response.content.decode()
        assert str(reference.message) in page or escape(str(reference.message)) in page, (
            f"the form did not say « {reference.message} » ({response.status_code})"
        )
        return
    assert (answer.code, answer.message) == (reference.code, str(reference.message)), door


# --- facilitator actions: same service check on the console form and the socket ---------------

FACILITATOR_CASES = [
    Case("participant, not a facilitator", _participant, _nothing),
    Case(
        "facilitator taken off the workshop",
        lambda r: r.facilitator,
        _unfacilitate,
        may_disconnect=True,
    ),
    Case("facilitator deactivated", lambda r: r.facilitator, _deactivate, may_disconnect=True),
]


@pytest.mark.parametrize("door", ["form", "socket"])
@pytest.mark.parametrize("case", FACILITATOR_CASES, ids=lambda c: c.name)
async def test_locking_the_wall_is_refused_on_every_door(facilitator, axis, door, case):
    room = await database_sync_to_async(_arrange)(facilitator, axis, case)
    if door == "socket":
        answer = await _socket_door(room, LOCK, case.change)
    else:
        await database_sync_to_async(case.change)(room)
        answer = await database_sync_to_async(_form_door)(room, LOCK)

    assert await database_sync_to_async(LOCK.written)(room) is False, "the wall was locked"
    reference = await database_sync_to_async(_reference)(room, LOCK, case)
    assert reference.code == "forbidden"
    _assert_same_refusal(room, LOCK, door, case, answer, reference)


# --- and every door still lets in who may write ----------------------------------------------

ALLOWED = [
    pytest.param(write, door, id=f"{write.name}-{door}")
    for write in (*WRITES.values(), LOCK)
    for door in _doors(write)
]


@pytest.mark.parametrize("write, door", ALLOWED)
async def test_every_door_lets_a_participant_or_facilitator_write(facilitator, axis, write, door):
    """The same doors, the same room, nothing taken away: each write goes through (once)."""
    who = (lambda r: r.facilitator) if write is LOCK else _participant
    room = await database_sync_to_async(_arrange)(
        facilitator, axis, Case("allowed", who, _nothing), write
    )
    before = await database_sync_to_async(write.written)(room)
    if door == "socket":
        answer = await _socket_door(room, write, _nothing)
        assert answer.kind == "done", answer
    elif door == "api":
        answer = await database_sync_to_async(_api_door)(room, write)
        assert answer.kind == "done", answer
    else:
        answer = await database_sync_to_async(_form_door)(room, write)
        assert answer.detail.status_code == 200
    after = await database_sync_to_async(write.written)(room)
    assert after == (True if write is LOCK else before + 1)


# --- support and comment: form and API, on an idea of a room one may not see -----------------

PROPOSAL_WRITES = {
    "support": (
        lambda p: reverse("proposals:support", args=[p]),
        {},
        lambda p: f"/api/v1/proposals/{p}/support",
        {},
    ),
    "comment": (
        lambda p: reverse("proposals:comment_create", args=[p]),
        {"body": "Un commentaire de l'extérieur"},
        lambda p: f"/api/v1/proposals/{p}/comments",
        {"body": "Un commentaire de l'extérieur"},
    ),
}


def _written_on(proposal) -> tuple[int, int]:
    from proposals.models import Comment, Support

    return (
        Support.objects.filter(proposal=proposal).count(),
        Comment.objects.filter(proposal=proposal).count(),
    )


def _proposal_doors(user, token, write: str, proposal_id: int) -> dict:
    form_url, form_data, api_url, api_data = PROPOSAL_WRITES[write]
    client = Client()
    client.force_login(user)
    form = client.post(form_url(proposal_id), form_data)
    api = Client().post(
        api_url(proposal_id),
        api_data,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    return {"form": form.status_code, "api": (api.status_code, api.json())}


@pytest.mark.parametrize("write", sorted(PROPOSAL_WRITES))
@pytest.mark.parametrize(
    "change",
    [_set(visibility=Visibility.PRIVATE), _set(state=WorkshopState.DRAFT)],
    ids=["private workshop", "draft workshop"],
)
async def test_an_idea_of_a_room_one_may_not_see_answers_as_one_that_does_not_exist(
    facilitator, axis, write, change
):
    """Supporting or commenting an idea of a private or draft workshop, from outside: both
    doors answer exactly as for an idea that does not exist, and nothing is written."""

    def arrange_and_knock():
        from accounts.tokens import token_create

        room = _room(facilitator, axis)
        outsider = UserFactory()
        token = token_create(user=outsider, name="portes")[1]
        change(room)
        before = _written_on(room.idea)
        hidden = _proposal_doors(outsider, token, write, room.idea.pk)
        absent = _proposal_doors(outsider, token, write, room.idea.pk + 10_000)
        return before, _written_on(room.idea), hidden, absent

    before, after, hidden, absent = await database_sync_to_async(arrange_and_knock)()
    assert after == before
    assert hidden == absent
    assert hidden["form"] == 404 and hidden["api"][0] == 404


@pytest.mark.parametrize("write", sorted(PROPOSAL_WRITES))
async def test_an_idea_of_a_public_room_can_be_supported_and_commented_on_both_doors(
    facilitator, axis, write
):
    def arrange_and_knock():
        from accounts.tokens import token_create

        room = _room(facilitator, axis)
        visitor = UserFactory()
        token = token_create(user=visitor, name="portes")[1]
        before = _written_on(room.idea)
        answers = _proposal_doors(visitor, token, write, room.idea.pk)
        return before, _written_on(room.idea), answers

    before, after, answers = await database_sync_to_async(arrange_and_knock)()
    assert answers["form"] == 302 and answers["api"][0] in (200, 201), answers
    index = 0 if write == "support" else 1
    # Support is idempotent (one, whichever door came first); comments are two.
    assert after[index] == before[index] + (1 if write == "support" else 2)
