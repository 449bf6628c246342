"""The opinion map as a step of a live workshop: added to the run sheet (a new map of the
workshop, or one of its maps), the phones' vote card one statement at a time, the stage's
map with « ce qui rassemble » and the consensus, refreshed when the analysis changes (the
analysis never runs in the request)."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from opinions import services as opinion_services
from opinions.models import Conversation
from project.errors import DomainError, PermissionDeniedError
from realtime.models import RoomEvent
from tests.factories import UserFactory
from tests.workshops.factories import ParticipantFactory, WorkshopFactory
from workshops import steps
from workshops.models import PhaseKind

pytestmark = pytest.mark.django_db


@pytest.fixture
def opinion_step(live, facilitator):
    step = steps.step_add(
        workshop=live,
        actor=facilitator,
        kind=PhaseKind.OPINIONS,
        title="Comment attirer les jeunes vers l'industrie ?",
        position="after_current",
    )
    steps.step_go_to(workshop=live, actor=facilitator, phase=step)
    live.refresh_from_db()
    return step


@pytest.fixture
def voted(live, opinion_step):
    """Twelve people of four colleges in the room; two camps on ten statements, all agree on
    ten more; the analysis as the background thread leaves it."""
    conversation = Conversation.objects.get(pk=opinion_step.config["conversation"])
    colleges = ["citizens", "enterprises", "elected", "civil_society"]
    people = [UserFactory(college=colleges[i % 4]) for i in range(12)]
    for person in people:
        ParticipantFactory(workshop=live, user=person)
    statements = [
        opinion_services.statement_create(
            conversation=conversation, author=people[i % 12], text=f"Affirmation numéro {i}"
        )
        for i in range(20)
    ]
    for i, person in enumerate(people):
        for j, statement in enumerate(statements):
            if statement.author.user_id != person.pk:
                value = 1 if j >= 10 else (1 if i < 6 else -1)
                opinion_services.vote_cast(statement=statement, user=person, value=value)
    opinion_services.analysis_run(conversation)
    return {"conversation": conversation, "people": people, "statements": statements}


def test_adding_an_opinion_step_makes_a_map_of_the_workshop(live, facilitator, opinion_step):
    conversation = Conversation.objects.get(pk=opinion_step.config["conversation"])
    assert conversation.workshop == live and conversation.question == opinion_step.title
    assert conversation.axis == live.axes.first() and conversation.is_open
    assert steps.step_conversation(opinion_step) == conversation
    # Another step on the same map; a map of another workshop is refused.
    again = steps.step_add(
        workshop=live,
        actor=facilitator,
        kind=PhaseKind.OPINIONS,
        title="La carte, suite",
        conversation=str(conversation.pk),
    )
    assert again.config == {"conversation": conversation.pk}
    elsewhere = Conversation.objects.create(question="Ailleurs", workshop=WorkshopFactory())
    before = live.phases.count()
    for wrong in (elsewhere.pk, "abc", 10**12):
        with pytest.raises(DomainError):
            steps.step_add(
                workshop=live,
                actor=facilitator,
                kind=PhaseKind.OPINIONS,
                title="Non",
                conversation=wrong,
            )
    assert live.phases.count() == before


def test_only_the_workshop_s_facilitators_add_it(live, participant):
    with pytest.raises(PermissionDeniedError):
        steps.step_add(
            workshop=live, actor=participant.user, kind=PhaseKind.OPINIONS, title="Carte"
        )
    assert not Conversation.objects.exists()


def test_the_console_offers_the_step_and_the_workshop_s_maps(
    client, live, facilitator, opinion_step
):
    client.force_login(facilitator)
    html = client.get(reverse("workshops:console_page", args=[live.slug])).content.decode()
    assert '<option value="opinions">Carte des opinions</option>' in html
    assert f'<option value="{opinion_step.config["conversation"]}">' in html


def test_phones_vote_one_statement_at_a_time_in_the_room(client, live, voted):
    newcomer = UserFactory(college="elected")
    ParticipantFactory(workshop=live, user=newcomer)
    client.force_login(newcomer)
    html = client.get(live.get_absolute_url()).content.decode()
    assert "data-opinion-step" in html and 'id="vote-card"' in html
    assert html.count('class="vote-card__statement"') == 1
    assert "20 affirmations à voter" in html
    statement = voted["statements"][0]
    assert f"/opinions/affirmations/{statement.pk}/vote/" in html  # the least voted first
    # Everything voted already (all but their own): the card says so.
    client.force_login(voted["people"][0])
    html = client.get(live.get_absolute_url()).content.decode()
    assert "Vous avez voté sur toutes les affirmations" in html


def test_the_stage_shows_the_map_unites_and_consensus_from_the_stored_analysis(
    client, live, facilitator, voted, django_assert_max_num_queries
):
    client.force_login(facilitator)
    html = client.get(reverse("workshops:projector", args=[live.slug])).content.decode()
    assert 'data-mode="opinions"' in html
    screen = html.split('data-screen="opinions"')[1].split("</section>\n\n")[0]
    assert "<svg" in screen and "opinion-hull" in screen
    assert "Ce qui rassemble" in screen and "Affirmation numéro 10" in screen
    assert "Groupe A ·" in screen and "Groupe B ·" in screen
    # Nobody's own dot on the stage.
    assert "opinion-dot--me" not in screen
    url = reverse("workshops:stage_opinions", args=[live.slug])
    with django_assert_max_num_queries(12):
        fragment = client.get(url)
    assert fragment.status_code == 200 and b"data-stage-opinions-body" in fragment.content


def test_a_new_analysis_is_announced_to_the_room(live, voted):
    conversation = voted["conversation"]
    opinion_services.vote_cast(statement=voted["statements"][0], user=voted["people"][11], value=1)
    opinion_services.analysis_run(conversation)
    frames = [
        json.loads(e.frame)
        for e in RoomEvent.objects.for_room(live.pk).filter(type="opinions.analysis")
    ]
    assert frames and frames[-1]["data"]["conversation"] == conversation.pk


def test_strangers_do_not_get_the_stage_fragment_of_a_private_workshop(client, live, opinion_step):
    from workshops.models import Visibility

    live.visibility = Visibility.PRIVATE
    live.save(update_fields=["visibility"])
    client.force_login(UserFactory())
    assert client.get(reverse("workshops:projector", args=[live.slug])).status_code in (403, 404)
    response = client.get(reverse("workshops:stage_opinions", args=[live.slug]))
    assert response.status_code in (403, 404)
