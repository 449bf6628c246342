"""Suggested groups in the facilitator's grouping panel: each with the words it rests on,
« Accepter » (a group with those ideas, through the grouping service), « Modifier » (a new
group the facilitator edits first), « Ignorer » (gone for this facilitator); never applied
by itself."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tests.factories import UserFactory
from tests.workshops.factories import ParticipantFactory
from workshops import grouping, selectors, services
from workshops.models import IdeaGroup, IdeaGroupMember, Phase, PhaseKind

pytestmark = pytest.mark.django_db

TITLES = {
    "bus": "Rendre les bus gratuits pour les jeunes",
    "bus2": "bus gratuit pr les jeunes le soir",
    "library": "Ouvrir les médiathèques le dimanche",
    "library2": "Des médiathèques ouvertes le dimanche",
    "other": "Planter des haies le long des champs",
}


@pytest.fixture
def wall(live, facilitator, participant, axis):
    services.phase_start(
        workshop=live,
        actor=facilitator,
        phase=Phase.objects.get(workshop=live, kind=PhaseKind.CLUSTERING),
    )
    return {
        key: services.idea_post(
            workshop=live, user=participant.user, axis=axis, title=title, client_key=key
        )
        for key, title in TITLES.items()
    }


def _panel(client, live) -> str:
    response = client.get(reverse("workshops:grouping", args=[live.slug]))
    assert response.status_code == 200
    return response.content.decode()


def _suggestion(html: str, *ideas) -> str:
    key = selectors.suggestion_key(i.pk for i in ideas)
    found = re.search(
        rf'<li class="grouping__suggestion" id="suggestion-{key}".*?</details>', html, re.S
    )
    assert found, f"no suggestion {key}"
    return found.group(0)


def _post(client, live, op, data):
    return client.post(reverse("workshops:grouping_action", args=[live.slug, op]), data)


def test_the_console_shows_suggestions_with_their_words_and_applies_nothing(
    client, live, facilitator, wall
):
    client.force_login(facilitator)
    html = client.get(reverse("workshops:console_page", args=[live.slug])).content.decode()
    bus = _suggestion(html, wall["bus"], wall["bus2"])
    library = _suggestion(html, wall["library"], wall["library2"])
    assert "2 groupes suggérés" in html
    assert TITLES["other"] not in bus + library
    # The words each rests on, and its three choices (keyboard: buttons and a summary).
    assert re.search(r'<span class="tag grouping__word">(gratuit|bus|jeunes)', bus)
    assert re.search(r'<span class="tag grouping__word">(médiathèques|dimanche)', library)
    assert ">Accepter</button>" in bus and ">Ignorer</button>" in bus
    assert "<summary>Modifier" in bus
    assert bus.count('type="checkbox" name="ideas"') == 2 and bus.count("checked") == 2
    # Shown only: nothing is grouped until the facilitator says so.
    assert not IdeaGroup.objects.filter(workshop=live).exists()


def test_accept_makes_the_group_through_the_grouping_service(client, live, facilitator, wall):
    client.force_login(facilitator)
    html = _panel(client, live)
    accept = re.search(
        r'name="name" value="([^"]+)"><input type="hidden" name="ideas" value="([\d,]+)"',
        _suggestion(html, wall["bus"], wall["bus2"]),
    )
    name, ids = accept.group(1), accept.group(2)
    response = _post(client, live, "create", {"name": name, "ideas": ids})
    assert response.status_code == 302
    group = IdeaGroup.objects.get(workshop=live)
    assert group.name == name
    assert set(
        IdeaGroupMember.objects.filter(group=group).values_list("proposal_id", flat=True)
    ) == {
        wall["bus"].pk,
        wall["bus2"].pk,
    }
    # Its ideas have a group now: the suggestion is gone, the other one stays.
    html = _panel(client, live)
    assert f"suggestion-{selectors.suggestion_key([wall['bus'].pk, wall['bus2'].pk])}" not in html
    _suggestion(html, wall["library"], wall["library2"])


def test_modify_creates_the_group_as_edited(client, live, facilitator, wall):
    client.force_login(facilitator)
    _post(client, live, "create", {"name": "Culture le dimanche", "ideas": [wall["library"].pk]})
    group = IdeaGroup.objects.get(workshop=live)
    assert group.name == "Culture le dimanche"
    assert list(group.members.values_list("proposal_id", flat=True)) == [wall["library"].pk]
    assert not IdeaGroupMember.objects.filter(proposal=wall["library2"]).exists()


def test_ignore_hides_it_for_this_facilitator_only(client, live, facilitator, wall):
    key = selectors.suggestion_key([wall["bus"].pk, wall["bus2"].pk])
    client.force_login(facilitator)
    response = _post(client, live, "ignore", {"key": key})
    assert response.status_code == 302 and response["Location"].endswith("#regroupement")
    html = _panel(client, live)
    assert f"suggestion-{key}" not in html
    _suggestion(html, wall["library"], wall["library2"])
    # grouping.js sends it with fetch: an empty answer, no console page.
    other_key = selectors.suggestion_key([wall["library"].pk, wall["library2"].pk])
    response = client.post(
        reverse("workshops:grouping_action", args=[live.slug, "ignore"]),
        {"key": other_key},
        HTTP_X_GROUPING="1",
    )
    assert response.status_code == 204
    assert "data-suggestions" not in _panel(client, live)
    assert not IdeaGroup.objects.filter(workshop=live).exists()

    colleague = UserFactory()
    live.facilitators.add(colleague)
    client.force_login(colleague)
    _suggestion(_panel(client, live), wall["bus"], wall["bus2"])


def test_a_participant_cannot_ignore_nor_accept(client, live, participant, wall):
    client.force_login(participant.user)
    key = selectors.suggestion_key([wall["bus"].pk, wall["bus2"].pk])
    response = client.post(
        reverse("workshops:grouping_action", args=[live.slug, "ignore"]),
        {"key": key},
        HTTP_X_GROUPING="1",
    )
    assert response.status_code == 400
    assert not any(k.startswith("grouping_ignored") for k, _v in client.session.items())
    _post(client, live, "create", {"name": "Bus", "ideas": f"{wall['bus'].pk},{wall['bus2'].pk}"})
    assert not IdeaGroup.objects.filter(workshop=live).exists()


def test_bad_input_is_refused_and_changes_nothing(live, facilitator, wall):
    from project.errors import DomainError

    store: dict = {}
    with pytest.raises(DomainError):
        grouping.suggestion_ignore(workshop=live, actor=facilitator, key="a-b", store=store)
    with pytest.raises(DomainError):
        grouping.idea_ids_from("1,deux")
    assert store == {}
    assert grouping.idea_ids_from("3, 1,3") == [3, 1]
    assert grouping.idea_ids_from([2, "5"]) == [2, 5]


def test_grouped_ideas_are_not_suggested_again(live, facilitator, wall):
    grouping.idea_group_create(
        workshop=live, actor=facilitator, name="Bus", idea_ids=[wall["bus"].pk]
    )
    suggested = [{i.pk for i in s["ideas"]} for s in selectors.suggested_wall_groups(live)]
    assert suggested == [{wall["library"].pk, wall["library2"].pk}]


def test_a_participant_of_another_room_does_not_see_the_panel(client, live, wall):
    stranger = ParticipantFactory(user=UserFactory())
    client.force_login(stranger.user)
    assert client.get(reverse("workshops:grouping", args=[live.slug])).status_code == 404
