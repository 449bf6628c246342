"""The pages: no-JavaScript paths, htmx, the map, query counts, permissions."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from opinions import services
from opinions.models import Statement, StatementVote
from opinions.services import analysis_run


@pytest.fixture
def voted(conversation, people, write):
    """Twelve people of four colleges; 20 statements; everyone votes on all of them."""
    statements = [write(people[i % 12], f"Affirmation numéro {i}") for i in range(20)]
    for i, person in enumerate(people):
        for j, statement in enumerate(statements):
            if statement.author.user_id == person.pk:
                continue
            camp = 1 if i < 6 else -1
            value = 1 if j >= 10 else camp
            services.vote_cast(statement=statement, user=person, value=value)
    analysis_run(conversation)
    return statements


def test_anonymous_sees_the_map_without_javascript(client, conversation, voted):
    response = client.get(conversation.get_absolute_url())
    html = response.content.decode()
    assert response.status_code == 200
    assert "<svg" in html and 'role="img"' in html
    assert "Groupe A" in html and "Groupe B" in html
    assert "Ce qui rassemble" in html
    # The table equivalent and the consensus list are plain HTML.
    assert "<table" in html and "Affirmation numéro 15" in html
    # Nobody is identifiable: no names, no participant ids in the page.
    assert "opinion-dot--me" not in html
    # Dots come in map order (left to right), not in the order people joined.
    xs = [float(x) for x in re.findall(r'class="opinion-dot opinion-dot--\w+" cx="([\d.]+)"', html)]
    assert len(xs) == 12 and xs == sorted(xs)
    assert "Se connecter" in html
    assert re.search(r'hx-get="[^"]*/carte/\?v=\d+"', html)


def test_the_viewer_sees_their_own_dot(client, conversation, voted, people):
    client.force_login(people[0])
    html = client.get(conversation.get_absolute_url()).content.decode()
    assert html.count("opinion-dot--me") == 1
    assert "votre groupe" in html


def test_vote_without_javascript_redirects_and_counts(client, conversation, write, people):
    statement = write(people[0], "Des bus le dimanche")
    client.force_login(people[1])
    page = client.get(conversation.get_absolute_url()).content.decode()
    assert "Des bus le dimanche" in page
    response = client.post(reverse("opinions:vote", args=[statement.pk]), {"value": "-1"})
    assert response.status_code == 302
    assert response["Location"].endswith("#voter")
    assert StatementVote.objects.get(statement=statement).value == -1
    page = client.get(conversation.get_absolute_url()).content.decode()
    assert "Vous avez voté sur toutes les affirmations" in page


def test_vote_with_htmx_returns_the_next_card(client, conversation, write, people):
    first = write(people[0], "Première affirmation")
    write(people[2], "Seconde affirmation")
    client.force_login(people[1])
    response = client.post(
        reverse("opinions:vote", args=[first.pk]), {"value": "1"}, HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert 'id="vote-card"' in html and "Seconde affirmation" in html


def test_write_a_statement_and_errors_are_shown(client, conversation, people):
    client.force_login(people[0])
    url = reverse("opinions:statement_create", args=[conversation.pk])
    response = client.post(url, {"text": "x" * 141})
    assert response.status_code == 400
    assert Statement.objects.count() == 0
    response = client.post(url, {"text": "Un atelier vélo au lycée"})
    assert response.status_code == 302
    assert Statement.objects.get().text == "Un atelier vélo au lycée"


def test_map_fragment_is_204_while_nothing_changed(client, conversation, voted):
    analysis = conversation.analysis
    url = reverse("opinions:map", args=[conversation.pk])
    assert client.get(f"{url}?v={analysis.version}").status_code == 204
    response = client.get(f"{url}?v={analysis.version - 1}")
    assert response.status_code == 200 and "<html" not in response.content.decode()


def test_page_queries_do_not_grow_with_participants(
    client, conversation, voted, people, django_assert_max_num_queries
):
    client.force_login(people[0])
    # Session user, roles, conversation, participation, analysis, next statement, count,
    # statement texts, promoted ids, the layout's notifications and axes.
    with django_assert_max_num_queries(11):
        client.get(conversation.get_absolute_url())
    with django_assert_max_num_queries(8):
        client.get(reverse("opinions:map", args=[conversation.pk]))


def test_axis_page_links_its_conversations(client, conversation):
    html = client.get(conversation.axis.get_absolute_url()).content.decode()
    assert conversation.get_absolute_url() in html


def test_moderation_and_promotion_are_reserved(
    client, conversation, voted, people, moderator, editor
):
    statement = voted[15]
    client.force_login(people[0])
    assert client.get(reverse("opinions:moderation", args=[conversation.pk])).status_code == 403
    assert (
        client.post(reverse("opinions:hide", args=[statement.pk]), {"reason": "x"}).status_code
        == 403
    )
    assert client.post(reverse("opinions:promote", args=[statement.pk])).status_code == 403
    assert client.get(reverse("opinions:create")).status_code == 403
    client.force_login(moderator)
    response = client.post(reverse("opinions:hide", args=[statement.pk]), {"reason": "Doublon"})
    assert response.status_code == 302
    statement.refresh_from_db()
    assert statement.is_hidden
    client.force_login(editor)
    other = voted[16]
    response = client.post(reverse("opinions:promote", args=[other.pk]))
    other.refresh_from_db()
    assert other.proposal is not None
    assert response["Location"] == other.proposal.get_absolute_url()


def test_private_workshop_conversation_is_hidden_from_outsiders(client, facilitator, user):
    from tests.workshops.factories import WorkshopFactory
    from workshops.models import Visibility

    workshop = WorkshopFactory(facilitators=[facilitator], visibility=Visibility.PRIVATE)
    conversation = services.conversation_create(
        actor=facilitator, question="Question d'atelier privé ?", workshop=workshop
    )
    client.force_login(user)
    assert client.get(conversation.get_absolute_url()).status_code == 404
    assert "Question d'atelier privé" not in client.get(reverse("opinions:list")).content.decode()
    client.force_login(facilitator)
    assert client.get(conversation.get_absolute_url()).status_code == 200


def test_facilitator_creates_a_conversation(client, facilitator, axis):
    client.force_login(facilitator)
    response = client.post(
        reverse("opinions:create"), {"question": "Quelle mobilité en 2030 ?", "axis": axis.pk}
    )
    assert response.status_code == 302
    assert client.get(response["Location"]).status_code == 200
