"""What groups of ideas become: options of a vote, sources of a recommendation, a trace."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import College
from decisions.models import RecommendationSource
from decisions.services import recommendation_create, recommendation_group_source_add
from decisions.trace import build_trace
from project.errors import DomainError, PermissionDeniedError
from proposals.services import proposal_create
from tests.factories import UserFactory
from tests.workshops.factories import ParticipantFactory
from votes.models import VoteOption
from votes.services import session_public_data
from workshops import grouping
from workshops.models import IdeaGroup


def _idea(workshop, axis, title, college):
    author = UserFactory(college=college)
    ParticipantFactory(workshop=workshop, user=author, college=college)
    return proposal_create(author=author, axis=axis, title=title, body="", origin_workshop=workshop)


@pytest.fixture
def grouped(live, facilitator, axis):
    """Two groups: « Mobilités » (4 citizens, 1 elected, 1 business) and « Emploi » (1 idea);
    one empty group; one idea left out."""
    mob = [_idea(live, axis, f"Vélo {i}", College.CITIZENS) for i in range(4)] + [
        _idea(live, axis, "Navettes du soir", College.ELECTED),
        _idea(live, axis, "Covoiturage d'entreprise", College.ENTERPRISES),
    ]
    job = [_idea(live, axis, "Apprentissage local", College.ENTERPRISES)]
    _idea(live, axis, "Hors groupe", College.CITIZENS)
    mobility = grouping.idea_group_create(
        workshop=live, actor=facilitator, name="Mobilités", idea_ids=[p.pk for p in mob]
    )
    jobs = grouping.idea_group_create(
        workshop=live, actor=facilitator, name="Emploi", idea_ids=[p.pk for p in job]
    )
    grouping.idea_group_create(workshop=live, actor=facilitator, name="Vide")
    return {"mobility": mobility, "jobs": jobs, "mob": mob, "job": job}


def test_a_vote_from_the_groups_has_one_option_per_group_listing_its_ideas(
    live, facilitator, grouped
):
    session = grouping.idea_groups_vote_create(
        workshop=live, actor=facilitator, title="Quelles pistes ?", method="majority_judgment"
    )
    options = list(VoteOption.objects.filter(session=session).order_by("order"))
    # The empty group is not an option; the ideas are listed under their group.
    assert [(o.label, o.idea_group_id) for o in options] == [
        ("Mobilités", grouped["mobility"].pk),
        ("Emploi", grouped["jobs"].pk),
    ]
    assert options[0].description.splitlines() == [p.title for p in grouped["mob"]]
    assert options[1].description == "Apprentissage local"
    assert options[0].proposal_id is None
    assert session.workshop == live and session.state == "draft"
    # What the phones receive when the vote opens lists them too.
    data = session_public_data(session)
    assert data["options"][1]["description"] == "Apprentissage local"


def test_the_ballot_lists_each_groups_ideas_under_its_name(
    client, live, facilitator, participant, grouped
):
    from votes.services import session_open

    session = grouping.idea_groups_vote_create(
        workshop=live, actor=facilitator, title="Quelles pistes ?", method="majority_judgment"
    )
    session_open(session=session, actor=facilitator)
    client.force_login(participant.user)
    html = client.get(live.get_absolute_url()).content.decode()
    legend = html.split("<legend>Emploi")[1].split("</legend>")[0]
    assert '<span class="ballot__ideas">Apprentissage local</span>' in legend
    legend = html.split("<legend>Mobilités")[1].split("</legend>")[0]
    assert "Vélo 0<br>Vélo 1<br>" in legend


def test_only_the_facilitators_make_a_vote_from_groups(live, participant, grouped):
    with pytest.raises(PermissionDeniedError):
        grouping.idea_groups_vote_create(
            workshop=live, actor=participant.user, title="X", method="poll"
        )


def test_groups_of_another_workshop_are_refused_as_options(live, facilitator, grouped):
    from tests.workshops.factories import WorkshopFactory
    from votes.services import session_create

    other = WorkshopFactory(facilitators=[facilitator])
    with pytest.raises(DomainError) as error:
        session_create(
            actor=facilitator,
            title="X",
            method="poll",
            workshop=other,
            groups=[grouped["mobility"], grouped["jobs"]],
        )
    assert error.value.code == "invalid_groups"


def test_the_vote_form_of_the_panel_creates_the_vote(client, live, facilitator, grouped):
    client.force_login(facilitator)
    response = client.post(
        reverse("workshops:grouping_action", args=[live.slug, "vote"]),
        {"title": "Nos priorités", "method": "dots"},
    )
    option = VoteOption.objects.get(label="Emploi")
    assert response.status_code == 302
    assert response["Location"] == reverse("votes:manage", args=[option.session_id])
    assert option.session.method == "dots"


def test_a_group_as_a_recommendation_source_keeps_every_idea_and_the_trace_shows_it(
    client, live, editor, facilitator, grouped, django_assert_max_num_queries
):
    recommendation = recommendation_create(
        actor=editor,
        title="Un plan vélo",
        axis=grouped["mob"][0].axis,
        body="Pistes et navettes.",
        proposals=[],
    )
    links = recommendation_group_source_add(
        recommendation=recommendation, group=grouped["mobility"], actor=editor, note="Atelier"
    )
    assert len(links) == 6
    assert set(
        RecommendationSource.objects.filter(recommendation=recommendation).values_list(
            "idea_group_name", flat=True
        )
    ) == {"Mobilités"}
    # The group is renamed, then dissolved: the provenance stays.
    grouping.idea_group_rename(
        workshop=live, actor=facilitator, group_id=grouped["mobility"].pk, name="Autre nom"
    )
    grouping.idea_group_dissolve(workshop=live, actor=facilitator, group_id=grouped["mobility"].pk)
    trace = build_trace(recommendation)
    assert len(trace.groups) == 1
    group = trace.groups[0]
    assert group.name == "Mobilités" and group.workshop.workshop == live
    assert [tp.proposal.title for tp in group.proposals] == [p.title for p in grouped["mob"]]
    # 4 citizens shown; the elected person and the business person (fewer than 3 each) are
    # counted together, never alone.
    assert [(value, count) for value, _label, count in group.author_colleges()] == [
        ("citizens", 4),
        ("others", 2),
    ]
    assert group.summary() == "6 auteur·rices\u202f: 4 Citoyen·nes, 2 Autres collèges"
    assert trace.as_dict()["groups"][0]["author_colleges"] == {"citizens": 4, "others": 2}

    client.force_login(editor)
    url = reverse("decisions:recommendation_trace", args=[recommendation.pk])
    with django_assert_max_num_queries(20):
        html = client.get(url).content.decode()
    assert "Groupe « Mobilités »" in html
    assert "4 Citoyen·nes, 2 Autres collèges" in html
    section = html.split('id="groupes"')[1].split("Les ateliers et les votes")[0]
    assert "Élu·es" not in section and "Entreprises" not in section


def test_the_trace_page_queries_do_not_grow_with_the_groups_ideas(
    client, live, editor, facilitator, axis, grouped
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    recommendation = recommendation_create(
        actor=editor, title="R", axis=axis, body="B", proposals=[]
    )
    url = reverse("decisions:recommendation_trace", args=[recommendation.pk])
    client.force_login(editor)

    def queries():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    recommendation_group_source_add(
        recommendation=recommendation, group=grouped["jobs"], actor=editor
    )
    few = queries()
    recommendation_group_source_add(
        recommendation=recommendation, group=grouped["mobility"], actor=editor
    )
    assert queries() == few


def test_adding_a_group_needs_an_editor_and_ideas(live, editor, facilitator, grouped, axis):
    recommendation = recommendation_create(
        actor=editor, title="R", axis=axis, body="B", proposals=[]
    )
    with pytest.raises(PermissionDeniedError):
        recommendation_group_source_add(
            recommendation=recommendation, group=grouped["jobs"], actor=facilitator
        )
    empty = IdeaGroup.objects.get(name="Vide")
    with pytest.raises(DomainError) as error:
        recommendation_group_source_add(recommendation=recommendation, group=empty, actor=editor)
    assert error.value.code == "empty_group"
    assert not RecommendationSource.objects.exists()


def test_the_recommendation_page_finds_a_group_and_adds_it(client, editor, axis, grouped):
    recommendation = recommendation_create(
        actor=editor, title="R", axis=axis, body="B", proposals=[]
    )
    client.force_login(editor)
    page = client.get(recommendation.get_absolute_url(), {"q": "Emploi"}).content.decode()
    assert f'name="id" value="{grouped["jobs"].pk}"' in page
    url = reverse("decisions:recommendation_source_pick", args=[recommendation.pk])
    response = client.post(url, {"kind": "group", "id": 999999})
    assert response.status_code == 302
    assert not RecommendationSource.objects.exists()
    response = client.post(url, {"kind": "group", "id": grouped["jobs"].pk})
    assert response.status_code == 302
    source = RecommendationSource.objects.filter(recommendation=recommendation).first()
    assert source.idea_group_name == "Emploi"
    page = client.get(recommendation.get_absolute_url()).content.decode()
    assert "Reliée avec le groupe d'idées « Emploi »" in page
