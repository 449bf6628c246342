"""Ideas of a private workshop stay inside it: board, API, proposal page, axis page, filters."""

from __future__ import annotations

import html

import pytest

from proposals import services
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SECRET = "Idée confidentielle de l'atelier"


def _text(client, path: str, **params) -> str:
    return html.unescape(client.get(path, params).content.decode())


def _sees(client, world) -> dict[str, bool]:
    idea = world["idea"]
    return {
        "board": SECRET in _text(client, "/propositions/"),
        "filter": world["workshop"].title in _text(client, "/propositions/"),
        "api_list": SECRET
        in [p["title"] for p in client.get("/api/v1/proposals").json()["results"]],
        "api_detail": client.get(f"/api/v1/proposals/{idea.pk}").status_code == 200,
        "page": client.get(idea.get_absolute_url()).status_code == 200,
        "axis": SECRET in _text(client, idea.axis.get_absolute_url()),
        "search": SECRET in _text(client, "/propositions/", q="confidentielle"),
    }


def test_outsiders_see_nothing_of_a_private_workshop(client, private_world):
    assert not any(_sees(client, private_world).values())
    client.force_login(UserFactory())
    assert not any(_sees(client, private_world).values())
    assert "Une idée publique du tableau" in client.get("/propositions/").content.decode()


@pytest.mark.parametrize("who", ["member", "facilitator", "author"])
def test_members_facilitators_and_author_see_it(client, private_world, who):
    client.force_login(private_world[who])
    assert all(_sees(client, private_world).values())


def test_moderators_see_it_to_moderate(client, private_world, moderator):
    client.force_login(moderator)
    assert _sees(client, private_world)["board"]


def test_outsider_cannot_support_or_comment(private_world):
    from project.errors import PermissionDeniedError

    outsider = UserFactory()
    with pytest.raises(PermissionDeniedError):
        services.support_add(proposal=private_world["idea"], user=outsider)
    with pytest.raises(PermissionDeniedError):
        services.comment_create(proposal=private_world["idea"], author=outsider, body="Je m'invite")
    services.support_add(proposal=private_world["idea"], user=private_world["member"])


def test_removed_participant_loses_access(client, private_world):
    from django.utils import timezone

    from workshops.models import Participant

    Participant.objects.filter(user=private_world["member"]).update(removed_at=timezone.now())
    client.force_login(private_world["member"])
    assert not any(_sees(client, private_world).values())
