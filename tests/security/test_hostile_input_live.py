"""The hostile-input corpus through the live side: joining as a guest, workshop ideas,
word-cloud answers (form and socket), and raw socket frames.

Everything a person types in a workshop ends up on other people's screens
(room, projector, results, word cloud): each vector must be refused with a
clear error or shown as text, never as markup that runs.
"""

from __future__ import annotations

import json

import pytest
from django.core.cache import cache

from tests.security.corpus import ALL, INVISIBLE, XSS, dangers

VECTORS = ALL


@pytest.fixture
def live(db, facilitator):
    from tests.security.corpus import an_axis
    from tests.workshops.factories import WorkshopFactory

    cache.clear()  # idea rate-limit counters of earlier tests
    workshop = WorkshopFactory(facilitators=[facilitator])
    workshop.axes.add(an_axis())
    return workshop


def _harmless(client, *paths: str) -> None:
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        found = dangers(response.content.decode())
        assert found == [], f"{path}: {found}"


@pytest.mark.django_db
@pytest.mark.parametrize("vector", VECTORS)
def test_a_hostile_guest_name_is_refused_or_shown_as_text(client, live, facilitator, vector):
    from accounts.models import User

    response = client.post(
        "/rejoindre/",
        {
            "code": live.join_code,
            "display_name": vector[:60],
            "college": "citizens",
            "attendance": "on_site",
        },
    )
    assert response.status_code in (302, 400)
    if response.status_code == 400:
        assert not User.objects.guests().exists()
        assert (
            'class="errorlist' in response.content.decode()
            or "message--error" in response.content.decode()
        )
        return
    guest = User.objects.guests().get()
    assert not any(ch in guest.display_name for ch in INVISIBLE)
    client.post(f"/ateliers/{live.slug}/idees/", {"title": "Une idée de l'invitée"})
    console = type(client)()
    console.force_login(facilitator)
    _harmless(client, live.get_absolute_url())
    _harmless(console, live.get_absolute_url(), f"/ateliers/{live.slug}/ecran/")


@pytest.mark.django_db
@pytest.mark.parametrize("vector", VECTORS)
def test_a_hostile_workshop_idea_is_refused_or_shown_as_text(
    client, live, user, facilitator, vector
):
    from proposals.models import Proposal
    from tests.workshops.factories import ParticipantFactory

    ParticipantFactory(workshop=live, user=user)
    client.force_login(user)
    response = client.post(
        f"/ateliers/{live.slug}/idees/", {"title": f"Idée {vector}"[:200], "body": vector}
    )
    assert response.status_code in (302, 400), response.status_code
    created = Proposal.objects.filter(origin_workshop=live)
    if response.status_code == 400:
        assert not created.exists()
        return
    assert created.count() == 1
    assert not any(ch in created.get().title for ch in INVISIBLE)
    console = type(client)()
    console.force_login(facilitator)
    _harmless(client, live.get_absolute_url(), created.get().get_absolute_url())
    _harmless(console, live.get_absolute_url(), f"/ateliers/{live.slug}/ecran/")


@pytest.mark.django_db
@pytest.mark.parametrize("vector", VECTORS)
def test_a_hostile_word_cloud_answer_is_refused_or_shown_as_text(
    client, live, user, facilitator, vector
):
    from tests.workshops.factories import ParticipantFactory
    from votes.models import Ballot
    from votes.services import session_create, session_open

    ParticipantFactory(workshop=live, user=user)
    session = session_create(
        actor=facilitator,
        title="Un mot pour 2030",
        method="open_question",
        workshop=live,
        question="Quel mot pour l'avenir du Pays de Montbéliard ?",
    )
    session_open(session=session, actor=facilitator)
    client.force_login(user)
    response = client.post(f"/votes/{session.pk}/bulletin/", {"answer": vector})
    assert response.status_code < 500
    if not Ballot.objects.filter(session=session).exists():
        assert response.status_code in (400, 403, 409, 422)
        return
    console = type(client)()
    console.force_login(facilitator)
    for who in (client, console):
        _harmless(
            who,
            f"/votes/{session.pk}/",
            f"/votes/{session.pk}/resultats/",
            live.get_absolute_url(),
        )
    svg = console.get(f"/votes/{session.pk}/resultats.svg")
    if svg.status_code == 200:
        # The word may be "onload": as text it is fine, as an attribute it is not.
        assert dangers(svg.content.decode()) == []


# --- The socket -------------------------------------------------------------------------


@pytest.fixture
async def hub_cleanup():
    from channels.layers import channel_layers

    channel_layers.backends.pop("default", None)
    yield
    from realtime.hub import close_hub

    await close_hub()
    layer = channel_layers.backends.pop("default", None)
    if layer is not None and hasattr(layer, "close_pools"):
        await layer.close_pools()


def _socket_world():
    from django.core.cache import cache

    from tests.factories import UserFactory
    from tests.security.corpus import an_axis
    from tests.workshops.factories import ParticipantFactory, WorkshopFactory
    from votes.services import session_create, session_open

    cache.clear()
    facilitator = UserFactory()
    user = UserFactory()
    workshop = WorkshopFactory(facilitators=[facilitator])
    workshop.axes.add(an_axis())
    ParticipantFactory(workshop=workshop, user=user)
    session = session_create(
        actor=facilitator, title="Nuage", method="open_question", workshop=workshop, question="?"
    )
    session_open(session=session, actor=facilitator)
    return workshop, user, session


MALFORMED_FRAMES = [
    "{",
    "[]",
    '"texte"',
    "null",
    json.dumps({"action": None}),
    json.dumps({"action": "proposal.create", "data": "pas un objet"}),
    json.dumps({"action": "proposal.create", "data": {"title": ["liste"]}}),
    json.dumps({"action": "../../admin", "data": {}}),
    json.dumps({"action": "proposal.create", "ref": {"x": 1}, "data": {"title": "Réf bizarre"}}),
    json.dumps({"action": "vote.cast", "data": {"session": "1 OR 1=1", "answer": "x"}}),
    json.dumps({"a": 1} | {f"k{i}": i for i in range(2000)}),
    '{"action":"proposal.create","data":' * 200 + "1" + "}" * 200,
    json.dumps({"action": "proposal.create", "data": {"title": "x" * 200_000}}),
]


@pytest.mark.django_db(transaction=True)
async def test_hostile_socket_frames_get_errors_and_the_socket_and_database_survive(hub_cleanup):
    from asgiref.sync import sync_to_async

    from proposals.models import Proposal
    from tests.realtime.helpers import communicator, connect_ready, next_event

    workshop, user, _session = await sync_to_async(_socket_world)()
    comm = await communicator(workshop.slug, user)
    await connect_ready(comm)
    closed_for_size = False
    for frame in MALFORMED_FRAMES:
        await comm.send_to(text_data=frame)
        reply = await comm.receive_output(timeout=3)
        if reply["type"] == "websocket.close":
            # An oversized frame may close the connection (1009): reconnect and go on.
            closed_for_size = True
            comm = await communicator(workshop.slug, user)
            await connect_ready(comm)
            continue
        data = json.loads(reply["text"])
        if data["type"] in ("presence",):
            data = await next_event(comm)
        assert data["type"] in ("error", "rate_limited"), (frame[:60], data)
        assert data.get("code") and data.get("message"), data
    assert await sync_to_async(Proposal.objects.count)() == 0
    # The socket still works for a normal idea after all that.
    await comm.send_json_to(
        {"action": "proposal.create", "ref": "ok", "data": {"title": "Idée normale ici"}}
    )
    while True:
        frame = await next_event(comm)
        if frame.get("ref") == "ok":
            break
    assert frame["type"] == "ack", frame
    await comm.disconnect()
    del closed_for_size


@pytest.mark.django_db(transaction=True)
async def test_hostile_ideas_and_answers_over_the_socket_are_stored_as_text(hub_cleanup):
    from asgiref.sync import sync_to_async

    from proposals.models import Proposal
    from tests.realtime.helpers import communicator, connect_ready, next_event
    from votes.models import Ballot

    workshop, user, session = await sync_to_async(_socket_world)()
    comm = await communicator(workshop.slug, user)
    await connect_ready(comm)
    frames = []
    for i, vector in enumerate(XSS[:5]):
        await comm.send_json_to(
            {
                "action": "proposal.create",
                "ref": f"p{i}",
                "data": {"title": f"Idée {vector}", "body": vector},
            }
        )
    await comm.send_json_to(
        {"action": "vote.cast", "ref": "v", "data": {"session": session.pk, "answer": XSS[1]}}
    )
    deadline = 30
    while deadline and len([f for f in frames if f.get("ref")]) < 6:
        frame = await next_event(comm, timeout=5)
        frames.append(frame)
        deadline -= 1
    acks = {f["ref"]: f for f in frames if f.get("ref")}
    assert set(acks) == {"p0", "p1", "p2", "p3", "p4", "v"}, acks
    assert all(f["type"] in ("ack", "error", "rate_limited") for f in acks.values()), acks
    # Broadcast frames carry text (JSON), and every stored idea renders harmlessly.
    ideas = await sync_to_async(list)(Proposal.objects.filter(origin_workshop=workshop))
    assert ideas, acks
    for idea in ideas:
        assert not any(ch in idea.title for ch in INVISIBLE)
        assert dangers(idea.body_html) == []
    assert await sync_to_async(Ballot.objects.filter(session=session).count)() <= 1
    await comm.disconnect()
