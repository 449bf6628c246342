"""The permission matrix: every role against every kind of path (page, API, export, write, socket).

The cast (``world``):

- ``W``: a private, live workshop; ``participant`` is invited, ``facilitator``
  runs it; a live vote ``V`` and an idea posted in it.
- ``P``: a public, live workshop that ``guest`` joined with its code.
- ``outsider``: a participant of another workshop (``P``), nothing more.
- ``editor``, ``moderator``: the Codev roles; ``staff``: is_staff with TOTP
  (not a superuser).
- a public proposal, and a hidden one written by ``participant``.

Each row says, per role, True (allowed), False (refused: 403/404, or the
login page for anonymous) or None (not this test's business).
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass

import pytest
from django.test import Client

from accounts.services import role_grant
from tests.accounts.helpers import staff_with_totp
from tests.factories import UserFactory

ROLES = [
    "anonymous",
    "guest",
    "outsider",
    "participant",
    "facilitator",
    "editor",
    "moderator",
    "staff",
]


@dataclass
class World:
    users: dict
    W: object
    P: object
    vote: object
    board_vote: object
    idea: object
    public: object
    hidden: object


def build_world() -> World:
    from django.core.cache import cache
    from django.utils import timezone

    from proposals.services import proposal_create, proposal_hide
    from tests.security.corpus import an_axis
    from tests.workshops.factories import ParticipantFactory, WorkshopFactory
    from votes.services import session_create, session_open
    from workshops.models import Visibility
    from workshops.services import guest_join, idea_post

    # Rate-limit counters of earlier tests (same user ids after a rollback) must not count here.
    cache.clear()
    axis = an_axis()
    facilitator, editor, moderator = UserFactory(), UserFactory(), UserFactory()
    role_grant(user=facilitator, role="facilitators")
    role_grant(user=editor, role="codev_editors")
    role_grant(user=moderator, role="moderators")
    participant, outsider = UserFactory(), UserFactory()
    W = WorkshopFactory(visibility=Visibility.PRIVATE, facilitators=[facilitator])
    P = WorkshopFactory(visibility=Visibility.PUBLIC)
    W.axes.add(axis)
    P.axes.add(axis)
    ParticipantFactory(workshop=W, user=participant)
    ParticipantFactory(workshop=P, user=outsider)
    guest, _participation = guest_join(code=P.join_code, display_name="Invitée", college="citizens")
    idea = idea_post(workshop=W, user=participant, axis=None, title="Idée de l'atelier privé")
    vote = session_create(
        actor=facilitator, title="Vote privé", method="poll", workshop=W, labels=["Oui", "Non"]
    )
    session_open(session=vote, actor=facilitator)
    board_vote = session_create(
        actor=editor,
        title="Vote du tableau",
        method="support",
        labels=["A", "B"],
        starts_at=timezone.now() - timezone.timedelta(hours=1),
        ends_at=timezone.now() + timezone.timedelta(days=2),
    )
    session_open(session=board_vote, actor=editor)
    public = proposal_create(author=outsider, axis=axis, title="Idée publique", body="Texte")
    hidden = proposal_create(author=participant, axis=axis, title="Idée masquée", body="Texte")
    proposal_hide(proposal=hidden, actor=moderator, reason="Hors sujet")
    users = {
        "anonymous": None,
        "guest": guest,
        "outsider": outsider,
        "participant": participant,
        "facilitator": facilitator,
        "editor": editor,
        "moderator": moderator,
        "staff": staff_with_totp(),
    }
    return World(users, W, P, vote, board_vote, idea, public, hidden)


@pytest.fixture
def world(db) -> World:
    return build_world()


def _allow(*roles: str, unknown: tuple[str, ...] = ()) -> dict[str, bool | None]:
    return {r: (True if r in roles else None if r in unknown else False) for r in ROLES}


W_MEMBERS = ("participant", "facilitator")
EVERYONE = tuple(ROLES)
SIGNED_IN = tuple(r for r in ROLES if r != "anonymous")

# (label, path builder, expectation per role)
READS = [
    ("private room", lambda w: f"/ateliers/{w.W.slug}/", _allow(*W_MEMBERS)),
    ("private projector", lambda w: f"/ateliers/{w.W.slug}/ecran/", _allow(*W_MEMBERS)),
    ("private QR code", lambda w: f"/ateliers/{w.W.slug}/qr.svg", _allow(*W_MEMBERS)),
    ("public room", lambda w: f"/ateliers/{w.P.slug}/", _allow(*EVERYONE)),
    ("private vote", lambda w: f"/votes/{w.vote.pk}/", _allow(*W_MEMBERS)),
    ("private vote results", lambda w: f"/votes/{w.vote.pk}/resultats/", _allow(*W_MEMBERS)),
    (
        "private vote results chart",
        lambda w: f"/votes/{w.vote.pk}/resultats.svg",
        _allow(*W_MEMBERS),
    ),
    ("private vote (API)", lambda w: f"/api/v1/vote-sessions/{w.vote.pk}", _allow(*W_MEMBERS)),
    (
        "private vote results (API)",
        lambda w: f"/api/v1/vote-sessions/{w.vote.pk}/results",
        _allow(*W_MEMBERS),
    ),
    ("manage private vote", lambda w: f"/votes/{w.vote.pk}/gerer/", _allow("facilitator")),
    ("board vote", lambda w: f"/votes/{w.board_vote.pk}/", _allow(*EVERYONE)),
    ("public proposal", lambda w: f"/propositions/{w.public.pk}/", _allow(*EVERYONE)),
    ("public proposal (API)", lambda w: f"/api/v1/proposals/{w.public.pk}", _allow(*EVERYONE)),
    # A hidden proposal keeps its address (a tombstone with the moderation reason);
    # its text is for its author and the moderators only.
    (
        "hidden proposal",
        lambda w: f"/propositions/{w.hidden.pk}/",
        _allow("participant", "facilitator", "moderator"),
        "Idée masquée",
    ),
    (
        "hidden proposal (API)",
        lambda w: f"/api/v1/proposals/{w.hidden.pk}",
        _allow("participant", "facilitator", "moderator"),
        "Idée masquée",
    ),
    ("moderation queue", lambda w: "/propositions/moderation/", _allow("facilitator", "moderator")),
    ("new board vote", lambda w: "/votes/nouveau/", _allow("facilitator", "editor")),
    ("new recommendation", lambda w: "/recommandations/nouvelle/", _allow("editor")),
    ("new indicator", lambda w: "/indicateurs/nouveau/", _allow("editor")),
    ("my account", lambda w: "/compte/", _allow(*SIGNED_IN)),
    ("my contributions", lambda w: "/compte/contributions/", _allow(*SIGNED_IN)),
    ("my API tokens", lambda w: "/compte/jetons/", _allow(*SIGNED_IN, unknown=("guest",))),
    ("audit log", lambda w: "/compte/journal/", _allow("staff")),
    ("audit log export", lambda w: "/compte/journal/export.csv", _allow("staff")),
    ("admin", lambda w: "/admin/", _allow("staff")),
]


def _client(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _body(response) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode(errors="replace")
    text = response.content.decode(errors="replace")
    if response.get("Content-Type", "").startswith("application/json"):
        return json.dumps(json.loads(text), ensure_ascii=False)
    return text


def _check(response, *, allowed: bool, role: str, secret: str | None = None) -> str | None:
    status = response.status_code
    if status >= 500:
        return f"HTTP {status}"
    if secret is not None and status == 200:
        shown = secret in _body(response)
        if shown != allowed:
            return "content shown" if shown else "content missing"
        return None
    if allowed:
        return None if status == 200 else f"expected 200, got {status}"
    if status in (403, 404, 401):
        return None
    location = response.get("Location", "")
    # Anonymous people are sent to log in; the admin sends everyone but staff to its login.
    if status == 302 and (
        (role == "anonymous" and "/accounts/login/" in location)
        or location.startswith("/admin/login/")
    ):
        return None
    return f"expected a refusal, got {status} {location}"


@pytest.mark.django_db
def test_every_read_path_answers_each_role_as_the_matrix_says(world):
    problems = []
    for role in ROLES:
        client = _client(world.users[role])
        for label, path_of, expected, *secret in READS:
            allowed = expected[role]
            if allowed is None:
                continue
            path = path_of(world)
            problem = _check(
                client.get(path), allowed=allowed, role=role, secret=secret[0] if secret else None
            )
            if problem:
                problems.append(f"{role:12} {label:28} {path}: {problem}")
    assert problems == [], "\n" + "\n".join(problems)


def _leaks(client, world, texts: list[str], paths: list[str]) -> list[str]:
    found = []
    for path in paths:
        body = html.unescape(_body(client.get(path)))
        found += [f"{path}: {t!r}" for t in texts if t in body]
    return found


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["anonymous", "guest", "outsider", "editor", "staff"])
def test_lists_exports_and_the_api_never_show_hidden_content(world, role):
    client = _client(world.users[role])
    paths = [
        "/propositions/",
        "/propositions/?sort=recent",
        "/api/v1/proposals",
        "/donnees/propositions.csv",
        "/donnees/propositions.json",
        f"/axes/{world.hidden.axis.slug}/",
        "/syntheses/flux.atom",
    ]
    assert _leaks(client, world, ["Idée masquée"], paths) == []


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["anonymous", "guest", "outsider"])
def test_ideas_of_a_private_workshop_stay_inside_it(world, role):
    """What is said in a private workshop is not on the public board, its API or open data."""
    client = _client(world.users[role])
    paths = [
        "/propositions/",
        "/api/v1/proposals",
        f"/api/v1/proposals/{world.idea.pk}",
        f"/propositions/{world.idea.pk}/",
        "/donnees/propositions.csv",
        "/donnees/propositions.json",
        "/ateliers/",
        "/votes/",
    ]
    leaks = _leaks(client, world, [world.idea.title, world.W.title, world.vote.title], paths)
    assert leaks == []


# --- Writes -------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_only_members_post_ideas_in_a_workshop(world, role):
    from proposals.models import Proposal

    client = _client(world.users[role])
    before = Proposal.objects.count()
    response = client.post(f"/ateliers/{world.W.slug}/idees/", {"title": f"Idée de {role} ici"})
    created = Proposal.objects.count() - before
    assert response.status_code < 500
    if role in W_MEMBERS:
        assert created == 1, response.status_code
    else:
        assert created == 0, role


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_only_moderators_restore_hidden_proposals(world, role):
    client = _client(world.users[role])
    response = client.post(f"/propositions/{world.hidden.pk}/retablir/", {"reason": "Erreur"})
    world.hidden.refresh_from_db()
    assert response.status_code < 500
    assert world.hidden.is_hidden == (role not in ("facilitator", "moderator")), role


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_only_members_vote_in_a_private_workshop(world, role):
    from votes.models import Ballot

    client = _client(world.users[role])
    option = world.vote.options.order_by("order", "pk").first()
    response = client.post(f"/votes/{world.vote.pk}/bulletin/", {"choice": option.pk})
    assert response.status_code < 500
    voted = (
        Ballot.objects.filter(session=world.vote, voter=world.users[role]).exists()
        if world.users[role]
        else False
    )
    assert voted == (role == "participant"), (role, response.status_code)


# --- The room socket ----------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
async def test_the_private_room_socket_accepts_members_only(hub_cleanup):
    from asgiref.sync import sync_to_async

    from tests.realtime.helpers import communicator

    world = await sync_to_async(build_world)()
    results = {}
    for role in ROLES:
        comm = await communicator(world.W.slug, world.users[role])
        connected, _code = await comm.connect(timeout=5)
        results[role] = connected
        await comm.disconnect()
    assert results == {role: role in W_MEMBERS for role in ROLES}


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
