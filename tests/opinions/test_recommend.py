"""A consensus statement becomes a recommendation's source in one click (Codev editors only),
keeping its provenance: statement → conversation → votes by opinion group and by college,
shown on the recommendation's trace page under the small-college rule."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils.html import escape

from decisions.models import Recommendation, RecommendationStatementSource, RecommendationStatus
from opinions import services
from opinions.services import analysis_run
from project.errors import PermissionDeniedError

pytestmark = pytest.mark.django_db


@pytest.fixture
def voted(conversation, people, write):
    """Twelve people of four colleges, two camps on ten statements, all agree on ten more."""
    statements = [write(people[i % 12], f"Affirmation numéro {i}") for i in range(20)]
    for i, person in enumerate(people):
        for j, statement in enumerate(statements):
            if statement.author.user_id == person.pk:
                continue
            camp = 1 if i < 6 else -1
            services.vote_cast(statement=statement, user=person, value=1 if j >= 10 else camp)
    analysis_run(conversation)
    return statements


def test_one_click_makes_a_draft_recommendation_with_the_statement_s_provenance(
    client, conversation, voted, editor
):
    statement = voted[10]  # consensus; written by an elected member: 2 elected voters on it
    client.force_login(editor)
    html = client.get(conversation.get_absolute_url()).content.decode()
    action = reverse("opinions:recommend", args=[statement.pk])
    assert f'action="{action}"' in html and "En faire une recommandation" in html

    response = client.post(action)
    recommendation = Recommendation.objects.get()
    assert response.status_code == 302 and response["Location"] == recommendation.get_absolute_url()
    assert recommendation.status == RecommendationStatus.DRAFT
    assert recommendation.title == statement.text and recommendation.axis == conversation.axis
    assert recommendation.created_by == editor
    link = RecommendationStatementSource.objects.get(recommendation=recommendation)
    assert link.statement == statement and link.linked_by == editor
    assert link.provenance["conversation"] == conversation.pk
    assert (link.provenance["agree"], link.provenance["voters"]) == (11, 11)
    assert len(link.provenance["groups"]) >= 2  # the two camps, each agreeing
    assert link.provenance["colleges"]["elected"]["voters"] == 2
    assert recommendation.history.filter(verb="statement_added").exists()

    # Once: the map now links to it, and a second click gives the same recommendation back.
    html = client.get(conversation.get_absolute_url()).content.decode()
    assert reverse("decisions:recommendation_trace", args=[recommendation.pk]) in html
    client.post(action)
    assert Recommendation.objects.count() == 1


def test_the_trace_shows_statement_conversation_groups_and_colleges(
    client, conversation, voted, editor
):
    statement = voted[10]
    recommendation = services.statement_recommend(statement=statement, actor=editor)
    client.force_login(editor)
    html = client.get(
        reverse("decisions:recommendation_trace", args=[recommendation.pk])
    ).content.decode()
    section = html.split('id="affirmations"')[1].split("</article>")[0]
    # Founded on a statement alone: no empty level of proposals, workshops and votes.
    assert "Les 0 propositions sources" not in html and "Les ateliers et les votes" not in html
    assert f"« {statement.text} »" in section
    assert escape(conversation.question) in section
    assert conversation.get_absolute_url() in section
    assert "11 d'accord, 0 pas d'accord sur 11 votes" in section
    assert "Groupe A" in section and "Groupe B" in section
    # Two elected voters on it: never shown alone, counted in « Autres collèges ».
    assert "Autres collèges" in section
    assert "Élu·es" not in section
    assert "Entreprises" in section  # 3 voters: shown

    trace = client.get(reverse("decisions:recommendation_trace", args=[recommendation.pk])).context[
        "trace"
    ]
    [row] = trace.as_dict()["statements"]
    assert row["text"] == statement.text and row["conversation"] == conversation.pk
    assert all(cell["voters"] >= 3 for cell in row["colleges"].values())
    assert sum(cell["voters"] for cell in row["colleges"].values()) == 11


def test_only_codev_editors_make_recommendations(client, conversation, voted, moderator, user):
    statement = voted[11]
    for person in (moderator, user):
        with pytest.raises(PermissionDeniedError):
            services.statement_recommend(statement=statement, actor=person)
    client.force_login(moderator)
    html = client.get(conversation.get_absolute_url()).content.decode()
    assert "En faire une proposition" in html  # moderation may still make a proposal
    assert "En faire une recommandation" not in html
    assert client.post(reverse("opinions:recommend", args=[statement.pk])).status_code == 403
    assert not Recommendation.objects.exists()


def test_a_hidden_statement_is_refused_and_nothing_changes(conversation, voted, editor, moderator):
    from project.errors import DomainError

    statement = voted[12]
    services.statement_hide(statement=statement, actor=moderator, reason="Hors charte")
    with pytest.raises(DomainError):
        services.statement_recommend(statement=statement, actor=editor)
    assert not Recommendation.objects.exists()


def test_an_unpublished_conversation_s_statement_is_not_named_in_the_trace(
    conversation, voted, editor
):
    from decisions.trace import build_trace, private_statement_label

    recommendation = services.statement_recommend(statement=voted[13], actor=editor)
    conversation.is_published = False
    conversation.save(update_fields=["is_published"])
    [row] = build_trace(recommendation).as_dict()["statements"]
    assert row["private"] and row["text"] == private_statement_label()
    assert row["conversation"] is None and row["question"] == ""
