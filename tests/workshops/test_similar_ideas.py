"""Similar ideas under the room's idea form: the wall's own ideas only (never hidden, never
another workshop's), for its participants and facilitators, « Soutenir plutôt » = « D'accord »."""

from __future__ import annotations

import pytest
from django.urls import reverse

from proposals import services as proposal_services
from tests.factories import UserFactory
from workshops import services
from workshops.models import Reaction, ReactionKind

pytestmark = pytest.mark.django_db


def _post(live, user, axis, title, key):
    return services.idea_post(workshop=live, user=user, axis=axis, title=title, client_key=key)


@pytest.fixture
def wall(live, participant, axis):
    bus = _post(live, participant.user, axis, "Rendre les bus gratuits pour les jeunes", "a")
    library = _post(live, participant.user, axis, "Ouvrir les médiathèques le dimanche", "b")
    elsewhere = proposal_services.proposal_create(
        author=UserFactory(),
        axis=axis,
        title="Des bus gratuits pour les jeunes le week-end",
        body="",
    )
    return {"bus": bus, "library": library, "elsewhere": elsewhere}


def _similar(client, live, title):
    return client.get(reverse("workshops:idea_similar", args=[live.slug]), {"title": title})


def test_the_wall_s_close_ideas_with_support_instead(
    client, live, participant, wall, django_assert_max_num_queries
):
    client.force_login(participant.user)
    _similar(client, live, "bus")
    with django_assert_max_num_queries(12):
        response = _similar(client, live, "bus gratuit pr les jeunes")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Des idées proches existent déjà" in html
    assert wall["bus"].title in html and f'href="#idee-{wall["bus"].pk}"' in html
    assert wall["elsewhere"].title not in html  # another place, not this wall
    assert wall["library"].title not in html
    assert reverse("workshops:reaction", args=[live.slug]) in html
    assert f'value="{ReactionKind.AGREE}"' in html

    client.post(
        reverse("workshops:reaction", args=[live.slug]),
        {"id": wall["bus"].pk, "kind": ReactionKind.AGREE},
    )
    assert Reaction.objects.filter(proposal=wall["bus"], user=participant.user).exists()
    html = _similar(client, live, "bus gratuit pr les jeunes").content.decode()
    assert "Vous êtes d'accord avec elle." in html and "Soutenir plutôt" not in html


def test_hidden_ideas_are_never_suggested(client, live, participant, wall, moderator):
    proposal_services.proposal_hide(proposal=wall["bus"], actor=moderator, reason="Hors charte")
    client.force_login(participant.user)
    html = _similar(client, live, "bus gratuit pr les jeunes").content.decode()
    assert wall["bus"].title not in html


def test_only_the_room_s_people_ask(client, live, participant, facilitator, wall):
    client.force_login(UserFactory())
    assert _similar(client, live, "bus gratuits").status_code in (403, 404)
    client.force_login(facilitator)
    assert wall["bus"].title in _similar(client, live, "bus gratuits").content.decode()


def test_the_room_form_is_wired(client, live, participant):
    client.force_login(participant.user)
    html = client.get(reverse("workshops:room", args=[live.slug])).content.decode()
    assert 'id="room-similar-ideas"' in html and 'aria-live="polite"' in html
    assert reverse("workshops:idea_similar", args=[live.slug]) in html


def test_suggested_wall_groups_rest_on_words_and_change_nothing(
    live, participant, axis, wall, django_assert_max_num_queries
):
    from proposals.models import Proposal
    from workshops.selectors import suggested_wall_groups

    _post(live, participant.user, axis, "bus gratuit pr les jeunes le soir", "c")
    _post(live, participant.user, axis, "Des médiathèques ouvertes le dimanche", "d")
    before = list(Proposal.objects.order_by("pk").values_list("pk", "status", "merged_into_id"))
    with django_assert_max_num_queries(2):
        groups = suggested_wall_groups(live)
    as_titles = [sorted(idea.title for idea in group["ideas"]) for group in groups]
    assert sorted(as_titles) == [
        ["Des médiathèques ouvertes le dimanche", "Ouvrir les médiathèques le dimanche"],
        ["Rendre les bus gratuits pour les jeunes", "bus gratuit pr les jeunes le soir"],
    ]
    assert all(group["words"] for group in groups)
    assert wall["elsewhere"].title not in str(as_titles)
    after = list(Proposal.objects.order_by("pk").values_list("pk", "status", "merged_into_id"))
    assert before == after
