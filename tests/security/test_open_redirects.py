"""No open redirect (docs/security.md): every ``next`` or redirect parameter refuses a target
off this site, on every door that reads one.

Doors: sign-in, sign-out (allauth), the language switch (Django's ``set_language``, ``next``
and the ``Referer``), supporting an idea, hiding an idea and a comment (moderators), a
ballot and the vote management buttons (the room panel sends ``next``), and joining a
workshop (which must ignore ``next``). Each is driven with external URLs, scheme-relative
``//`` and ``/\\`` forms, a ``javascript:`` URL and an ``http://`` target on a secure request;
the answer must redirect on this site. A same-site ``next`` still works (the control).
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

HOSTILE = [
    "https://evil.example/",
    "http://evil.example/login",
    "//evil.example",
    "///evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "\\/evil.example",
    " //evil.example",
    "https:evil.example",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "http://testserver@evil.example/",
]
PASSWORD = "un mot de passe solide 2030"


def _stays_here(response, *, secure: bool = False) -> str:
    """The redirect's target, checked to stay on this site."""
    assert response.status_code in (301, 302, 303), response.status_code
    location = response["Location"]
    parts = urlsplit(location)
    assert "evil.example" not in location, location
    assert not location.lower().lstrip().startswith("javascript"), location
    assert parts.netloc in ("", "testserver"), location
    assert not location.startswith(("//", "/\\", "\\")), location
    if secure and parts.scheme:
        assert parts.scheme == "https", location
    return location


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def member():
    from allauth.account.models import EmailAddress

    user = UserFactory(email="redirection@example.org")
    user.set_password(PASSWORD)
    user.save()
    EmailAddress.objects.update_or_create(
        user=user, email=user.email, defaults={"verified": True, "primary": True}
    )
    return user


@pytest.fixture
def idea(axis):
    from proposals.services import proposal_create

    return proposal_create(
        author=UserFactory(), axis=axis, title="Une idée à soutenir", body="Un texte."
    )


@pytest.mark.parametrize("target", HOSTILE)
def test_sign_in_refuses_an_external_next(member, target):
    response = Client().post(
        reverse("account_login"),
        {"login": member.email, "password": PASSWORD, "next": target},
    )
    _stays_here(response)


@pytest.mark.parametrize("target", HOSTILE)
def test_sign_out_refuses_an_external_next(member, target):
    response = _signed_in(member).post(reverse("account_logout"), {"next": target})
    _stays_here(response)


@pytest.mark.parametrize("target", HOSTILE)
def test_the_language_switch_refuses_an_external_next_or_referer(target):
    response = Client().post("/i18n/setlang/", {"language": "en", "next": target})
    _stays_here(response)
    response = Client().post("/i18n/setlang/", {"language": "en"}, HTTP_REFERER=target)
    _stays_here(response)


@pytest.mark.parametrize("target", HOSTILE)
def test_supporting_an_idea_refuses_an_external_next(user, idea, target):
    response = _signed_in(user).post(reverse("proposals:support", args=[idea.pk]), {"next": target})
    assert _stays_here(response) == idea.get_absolute_url()


@pytest.mark.parametrize("target", HOSTILE)
def test_hiding_an_idea_or_a_comment_refuses_an_external_next(moderator, idea, target):
    from proposals.services import comment_create

    comment = comment_create(proposal=idea, author=UserFactory(), body="Un commentaire.")
    client = _signed_in(moderator)
    response = client.post(
        reverse("proposals:comment_hide", args=[comment.pk]),
        {"reason": "Hors sujet", "next": target},
    )
    _stays_here(response)
    response = client.post(
        reverse("proposals:hide", args=[idea.pk]), {"reason": "Hors sujet", "next": target}
    )
    assert _stays_here(response) == idea.get_absolute_url()


@pytest.fixture
def vote(facilitator):
    from tests.votes.factories import join
    from tests.workshops.factories import WorkshopFactory
    from votes.services import session_create, session_open

    workshop = WorkshopFactory()
    workshop.facilitators.add(facilitator)
    session = session_create(
        actor=facilitator, title="Vote", method="support", workshop=workshop, labels=["A", "B"]
    )
    session = session_open(session=session, actor=facilitator)
    return session, join(workshop)


@pytest.mark.parametrize("target", HOSTILE)
def test_a_ballot_and_the_vote_buttons_refuse_an_external_next(vote, facilitator, target):
    session, voter = vote
    option = session.options.order_by("pk").first()
    response = _signed_in(voter).post(
        reverse("votes:ballot", args=[session.pk]), {f"option-{option.pk}": "1", "next": target}
    )
    assert _stays_here(response) == session.get_absolute_url()
    response = _signed_in(facilitator).post(
        reverse("votes:manage", args=[session.pk]), {"action": "unknown", "next": target}
    )
    assert _stays_here(response) == reverse("votes:manage", args=[session.pk])


@pytest.mark.parametrize("target", HOSTILE)
def test_joining_a_workshop_ignores_next(target):
    from tests.workshops.factories import WorkshopFactory
    from workshops.models import WorkshopState

    workshop = WorkshopFactory(state=WorkshopState.LIVE)
    client = _signed_in(UserFactory())
    response = client.post(
        reverse("workshops:join") + "?next=" + target,
        {"code": workshop.join_code, "attendance": "on_site", "next": target},
    )
    assert _stays_here(response) == workshop.get_absolute_url()


def test_an_http_next_is_refused_on_a_secure_request(user, idea):
    response = _signed_in(user).post(
        reverse("proposals:support", args=[idea.pk]),
        {"next": f"http://testserver{idea.get_absolute_url()}"},
        secure=True,
    )
    _stays_here(response, secure=True)


def test_a_same_site_next_is_followed(user, idea, vote):
    """The control: a next on this site is where one goes back to."""
    response = _signed_in(user).post(
        reverse("proposals:support", args=[idea.pk]), {"next": "/propositions/?page=2"}
    )
    assert response["Location"] == "/propositions/?page=2"
    session, voter = vote
    option = session.options.order_by("pk").first()
    room = session.workshop.get_absolute_url()
    response = _signed_in(voter).post(
        reverse("votes:ballot", args=[session.pk]), {f"option-{option.pk}": "1", "next": room}
    )
    assert response["Location"] == room
